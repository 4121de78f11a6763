"""Statement formats for GET /statements (Communication 2.1.3 ``format``): exact, ids, canonical."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .activities import CONTEXT_ACTIVITY_KEYS
from .agents import IFI_KEYS
from .datatypes import copy_json

FORMATS = ("exact", "ids", "canonical")
_LANGUAGE_MAP_KEYS = frozenset(("display", "name", "description"))


def format_statement(statement: Mapping[str, Any], fmt: str, languages: Sequence[str]) -> dict[str, Any]:
    """Render a stored statement in ``fmt``; ``languages`` is the client's preference order."""
    if fmt == "exact":
        return copy_json(dict(statement))  # type: ignore[no-any-return]
    if fmt == "ids":
        return _ids_statement(statement)
    if fmt == "canonical":
        return _canonical(statement, tuple(tag.lower() for tag in languages))  # type: ignore[no-any-return]
    raise ValueError(f"unknown statement format {fmt!r}; expected one of {', '.join(FORMATS)}")


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges from an Accept-Language header, best first (RFC 9110 12.5.4); q=0 ranges dropped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def best_language_entry(language_map: Mapping[str, str], languages: Sequence[str]) -> dict[str, str]:
    """The single entry of ``language_map`` that best matches ``languages`` (lower-cased ranges).

    For each range in preference order: RFC 4647 lookup (the exact tag, then subtags dropped from the
    end), then any tag of the same primary language (a reader of fr-CA prefers fr-FR to en-US). ``*``
    or no match at all yields the first entry the statement holds, so exactly one always remains.
    """
    if len(language_map) <= 1:
        return dict(language_map)
    by_lower = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        if wanted == "*":
            break
        tag = _lookup(by_lower, wanted)
        if tag is not None:
            return {tag: language_map[tag]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def _lookup(by_lower: Mapping[str, str], wanted: str) -> str | None:
    candidate = wanted
    while candidate:
        if candidate in by_lower:
            return by_lower[candidate]
        candidate = candidate.rpartition("-")[0]
    primary = wanted.partition("-")[0]
    for lower, tag in by_lower.items():
        if lower.partition("-")[0] == primary:
            return tag
    return None


def _canonical(value: Any, languages: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {
            key: best_language_entry(item, languages)
            if key in _LANGUAGE_MAP_KEYS and _is_language_map(item)
            else (copy_json(item) if key == "extensions" else _canonical(item, languages))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_canonical(item, languages) for item in value]
    return value


def _is_language_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(text, str) for text in value.values())


def _ids_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    formatted: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("actor", "authority"):
            formatted[key] = ids_actor(value)
        elif key == "verb":
            formatted[key] = {"id": value["id"]}
        elif key == "object":
            formatted[key] = _ids_object(value)
        elif key == "context":
            formatted[key] = _ids_context(value)
        else:
            formatted[key] = copy_json(value)
    return formatted


def ids_actor(actor: Mapping[str, Any]) -> dict[str, Any]:
    """objectType plus the IFI; an anonymous Group keeps its members, each reduced the same way."""
    reduced: dict[str, Any] = {"objectType": actor.get("objectType", "Agent")}
    for key in IFI_KEYS:
        if key in actor:
            reduced[key] = copy_json(actor[key])
            return reduced
    reduced["member"] = [ids_actor(member) for member in actor.get("member", ())]
    return reduced


def _ids_object(target: Mapping[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": target["id"]}
    if kind in ("Agent", "Group"):
        return ids_actor(target)
    if kind == "SubStatement":
        return _ids_statement(target)
    return dict(target)


def _ids_context(context: Mapping[str, Any]) -> dict[str, Any]:
    formatted: dict[str, Any] = {}
    for key, value in context.items():
        if key in ("instructor", "team"):
            formatted[key] = ids_actor(value)
        elif key == "contextActivities":
            formatted[key] = {
                role: [{"id": item["id"]} for item in _as_list(value[role])]
                for role in CONTEXT_ACTIVITY_KEYS
                if role in value
            }
        elif key in ("contextAgents", "contextGroups"):
            wrapped = "agent" if key == "contextAgents" else "group"
            formatted[key] = [{**copy_json(entry), wrapped: ids_actor(entry[wrapped])} for entry in value]
        else:
            formatted[key] = copy_json(value)
    return formatted


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, Mapping) else list(value)
