"""A task the suite enqueues and a real consumer runs."""

from pathlib import Path

from django_tasks import task


@task
def write_marker(path: str, text: str) -> str:
    """Written beside and renamed into place, so a reader never sees a half-written file."""
    partial = Path(path).with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return text
