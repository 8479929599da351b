"""The demo county's check lists: a small, obviously illustrative lexicon, prescribed
wording for 示例县, and the demo departments' heads with their titles.

They are data files in the import format (see ../FORMAT.md), read by the same parser a
center's administrator uses, so the demo also shows what an importable file looks like.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from ..lexicon_io import parse_lexicon, parse_officials, parse_wording
from ..pairs import default_typos
from ..types import CheckData


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


@cache
def load() -> CheckData:
    """The demo lists, parsed once: `run_checks(fields, **demo.load()._asdict())`."""
    return CheckData(
        lexicon=parse_lexicon(_read("sensitive.csv"), version="demo"),
        wording=parse_wording(_read("wording.csv"), version="demo"),
        officials=parse_officials(_read("officials.csv"), version="demo"),
        typos=default_typos(),
    )
