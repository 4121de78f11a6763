"""Verbs (Data 2.4.3): an IRI ``id`` and an optional ``display`` language map."""

from __future__ import annotations

from typing import Any

from .datatypes import check_iri, check_language_map, check_object, require

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_VERB_KEYS = frozenset(("id", "display"))


def validate_verb(data: object, *, field: str) -> dict[str, Any]:
    verb = check_object(data, field, _VERB_KEYS)
    copied: dict[str, Any] = {"id": check_iri(require(verb, "id", field), f"{field}.id")}
    if "display" in verb:
        copied["display"] = check_language_map(verb["display"], f"{field}.display")
    return copied
