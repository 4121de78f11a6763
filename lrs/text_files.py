"""Text files people upload or import (roster and register CSVs, programme JSON): UTF-8 only, with
limits, and a message that names the line and says how to fix the file when it is not.

Spreadsheet exports are the usual culprits: Excel's "Unicode text" is UTF-16, its plain "CSV" is
Windows-1252 (Latin-1 for most names), and a .xlsx renamed to .csv is binary (a zip). Each is named
as such rather than answered with a codec error.
"""

from __future__ import annotations

from pathlib import Path

from lrs.errors import InvalidRequest, PayloadTooLarge

MAX_LINE_CHARS = 128 * 1024  # one CSV row; Python's csv module refuses a longer field anyway
MAX_FILE_BYTES = 20 * 1024 * 1024
_UTF8_HINT = 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")'


def decode_text(raw: bytes, *, field: str, max_line_chars: int = MAX_LINE_CHARS) -> str:
    """`raw` as text; InvalidRequest naming `field` and the line when it is not UTF-8 text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(raw):
        raise InvalidRequest(field, f"the file is UTF-16 text: {_UTF8_HINT}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InvalidRequest(field, f"line {_line_of(raw, nul)} holds a NUL byte: this is not a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        byte = raw[err.start]
        raise InvalidRequest(
            field,
            f"line {_line_of(raw, err.start)} is not UTF-8 (byte 0x{byte:02X}; Latin-1 or Windows-1252?): "
            + _UTF8_HINT,
        ) from None
    _check_line_lengths(text, field=field, max_line_chars=max_line_chars)
    return text


def read_text_file(path: Path, *, field: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A file's text, refused by its size before it is read, so memory stays bounded."""
    size = path.stat().st_size
    if size > max_bytes:
        raise PayloadTooLarge(f"{field}: {path} is {size:,} bytes, over the limit of {max_bytes:,}")
    return decode_text(path.read_bytes(), field=field)


def _check_line_lengths(text: str, *, field: str, max_line_chars: int) -> None:
    if len(text) <= max_line_chars:
        return
    start, line = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > max_line_chars:
            raise InvalidRequest(field, f"line {line} is longer than {max_line_chars:,} characters")
        start, line = end + 1, line + 1


def _looks_like_utf16(raw: bytes) -> bool:
    """UTF-16 without a byte-order mark: mostly-ASCII text with every other byte zero."""
    sample = raw[:512]
    return len(sample) >= 4 and (
        sample[1::2].count(0) > len(sample) // 4 or sample[::2].count(0) > len(sample) // 4
    )


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1
