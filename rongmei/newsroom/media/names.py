"""A reporter's file name, made safe to store and to put in a URL or a download header.

Chinese names are kept ("县委全会现场.jpg" is how the desk finds a photo again); what goes is
what could do harm: directory parts ("../../etc/passwd"), control and invisible format
characters (U+202E turns "gpj.exe" into "exe.jpg" on screen), characters Windows or shells
treat specially, and inner dots ("photo.php.jpg" is run as PHP by some servers).
"""

from __future__ import annotations

import re
import unicodedata

MAX_STEM_BYTES = 150  # in UTF-8: 50 Chinese characters; leaves room under the 255-byte limit
FALLBACK_STEM = "未命名"
_KEPT_PUNCTUATION = "-_()（）【】《》"
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_file_name(filename: str, extension: str) -> str:
    """`filename` cleaned, with `extension` (the one the content really has) in place of
    whatever it claimed. Never empty, never longer than MAX_STEM_BYTES plus the extension."""
    stem = _stem(filename)
    stem = "".join(_keep(ch) for ch in unicodedata.normalize("NFC", stem))
    stem = re.sub(r"_{2,}", "_", stem).strip("_-")
    stem = _truncate_utf8(stem, MAX_STEM_BYTES).rstrip("_-")
    if not stem:
        stem = FALLBACK_STEM
    if stem.upper() in _WINDOWS_RESERVED:
        stem += "_"
    return f"{stem}.{extension}"


def _stem(filename: str) -> str:
    """The last path part, without its extension. Browsers on Windows sometimes send the
    whole path, with backslashes."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem.strip(". ")  # ".jpg" has no name; "..." is no name either


def _keep(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] in "LN" or category == "Mn" or ch in _KEPT_PUNCTUATION:
        return ch
    if category[0] == "C":  # control, format (bidi overrides, zero-width), unassigned
        return ""
    return "_"  # spaces, dots, slashes, quotes, shell and URL specials


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")
