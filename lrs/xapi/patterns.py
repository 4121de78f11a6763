"""Regular expressions for the xAPI string formats, and a memory of strings they already accepted.

Statements repeat the same IRIs, language tags and mailboxes over and over (verb ids, activity types,
"en-GB"); recognising a string seen before is a set lookup instead of a regex match.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Absolute IRI: a scheme (RFC 3986 3.1) then at least one character, no whitespace or forbidden delimiters.
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MBOX = re.compile(r"(?i:mailto):[^@\s/?#]+@[^@\s/?#]+")
SHA1_HEX = re.compile(r"[0-9a-fA-F]{40}")
SHA2_HEX = re.compile(r"(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})")
MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?", re.DOTALL)
# RFC 5646 section 2.1 ABNF: langtag / privateuse / grandfathered, compared case-insensitively.
LANGUAGE_TAG = re.compile(
    r"""(?ix)
    (?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})   # language [-extlang]
      (?:-[a-z]{4})?                                          # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                             # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*                # variants
      (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*                     # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                              # private use
    | x(?:-[a-z0-9]{1,8})+
    | en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao
    | i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE
    | art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang
    )
    """
)

# Bounds on the memory: at most this many strings of at most this length, so it stays a few megabytes.
_MAX_REMEMBERED = 20_000
_MAX_REMEMBERED_LENGTH = 200


def remembering(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A full-match test for ``pattern`` that remembers the strings it accepted (emptied when full)."""
    fullmatch = pattern.fullmatch
    known: set[str] = set()

    def matches(value: str) -> bool:
        if value in known:
            return True
        if fullmatch(value) is None:
            return False
        if len(value) <= _MAX_REMEMBERED_LENGTH:
            if len(known) >= _MAX_REMEMBERED:
                known.clear()
            known.add(value)
        return True

    return matches


# The longest IRI stored: the columns that index verbs, activities and documents hold 2,000
# characters, so a longer one is refused (a clear 400) on every database alike.
MAX_IRI_LENGTH = 2000
_matches_iri = remembering(IRI)


def is_iri(value: str) -> bool:
    return len(value) <= MAX_IRI_LENGTH and _matches_iri(value)


is_language_tag = remembering(LANGUAGE_TAG)
is_mbox = remembering(MBOX)
