"""A task the suite enqueues and a real consumer runs."""

from pathlib import Path

from django_tasks import task


@task
def write_marker(path: str, text: str) -> str:
    Path(path).write_text(text, encoding="utf-8")
    return text
