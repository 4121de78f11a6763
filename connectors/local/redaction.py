"""Redacting a written message: words that name someone (an erased person's name, email, employee
number) replaced in the .json record and in the .eml, whose text parts are decoded, redacted and
encoded again, so that a team digest that listed the person still reads, without them (pure file
work, no database).

Words are matched whatever their case, and also as HTML writes them (`O'Neill` as `O&#x27;Neill`).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTPUTF8
from pathlib import Path
from typing import Any

REPLACEMENT = "[erased]"
MINIMUM_WORD = 3  # shorter words (initials) would blank out unrelated text
_POLICY = SMTPUTF8.clone(linesep="\n")  # as connectors.local.messages writes the .eml


def word_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One case-blind pattern for the words and their HTML-escaped forms (None: nothing to find)."""
    forms = set()
    for word in (word.strip() for word in words):
        if len(word) >= MINIMUM_WORD:
            forms.update({word, html.escape(word), html.escape(word, quote=False)})
            forms.add(word.replace("'", "&#39;"))  # Jinja's escape for an apostrophe
    if not forms:
        return None
    return re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)), re.I)


def mentions(path: Path, pattern: re.Pattern[str]) -> bool:
    """Whether a file's text (as stored: the .json's, or the .eml's decoded parts) holds a word."""
    if path.suffix == ".eml":
        return any(pattern.search(text) for text in _eml_texts(path.read_bytes()))
    return pattern.search(path.read_text(encoding="utf-8", errors="replace")) is not None


def redact_files(json_path: Path, eml_path: Path, pattern: re.Pattern[str]) -> None:
    """Rewrite both files with the words replaced, each through a temporary file and a rename."""
    record = json.loads(json_path.read_text(encoding="utf-8"))
    if eml_path.is_file():
        _replace(eml_path, _redacted_eml(eml_path.read_bytes(), pattern))
    redacted = _redacted_value(record, pattern)
    _replace(json_path, json.dumps(redacted, indent=2, sort_keys=True).encode())


def _redacted_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_redacted_value(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _redacted_value(item, pattern) for key, item in value.items()}
    return value


def _parsed(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=_POLICY)


def _eml_texts(data: bytes) -> list[str]:
    message = _parsed(data)
    texts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if not part.is_multipart() and part.get_content_maintype() == "text":
            texts.append(part.get_content())
    return texts


def _redacted_eml(data: bytes, pattern: re.Pattern[str]) -> bytes:
    message = _parsed(data)
    for name, value in list(message.items()):
        if pattern.search(str(value)):
            message.replace_header(name, pattern.sub(REPLACEMENT, str(value)))
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        _redact_part(part, pattern, top_level=part is message)
    return message.as_bytes(policy=_POLICY)


def _redact_part(part: EmailMessage, pattern: re.Pattern[str], *, top_level: bool) -> None:
    text = part.get_content()
    if not pattern.search(text):
        return
    params = {key: value for key, value in (part.get_params() or [])[1:] if key != "charset"}
    had_version = "MIME-Version" in part
    part.set_content(
        pattern.sub(REPLACEMENT, text),
        subtype=part.get_content_subtype(),
        charset="utf-8",
        disposition=part.get_content_disposition(),
        filename=part.get_filename(),
        params=params,
    )
    if not had_version and not top_level:
        del part["MIME-Version"]  # set_content adds one; a part inside a multipart has none


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
