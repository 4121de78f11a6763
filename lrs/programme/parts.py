"""Parsers for the smaller tables of a programme definition: blocks, completion, confidence, OTJ hours."""

from __future__ import annotations

from lrs.programme import fields as f
from lrs.programme.fields import DefinitionError
from lrs.programme.model import (
    Block,
    CompletionRule,
    ConfidenceAssessment,
    OffTheJobTraining,
    OnlineMeeting,
    SessionKind,
)


def parse_online(raw: object, path: str) -> OnlineMeeting:
    item = f.table(raw, path, required=("join_url",), optional=("organiser",))
    organiser = item.get("organiser")
    return OnlineMeeting(
        join_url=web_url(item["join_url"], f"{path}.join_url"),
        organiser=None if organiser is None else f.email(organiser, f"{path}.organiser"),
    )


def parse_raw_blocks(raw: object, path: str) -> list[Block]:
    """Blocks with the members they list themselves; items may also join a block from their side."""
    blocks = []
    for index, entry in enumerate(f.array(raw, path)):
        where = f"{path}[{index}]"
        item = f.table(entry, where, required=("id", "title"), optional=("activity", "modules", "sessions"))
        activity = item.get("activity")
        blocks.append(
            Block(
                id=f.slug(item["id"], f"{where}.id"),
                title=f.text(item["title"], f"{where}.title"),
                modules=f.slugs(item.get("modules", []), f"{where}.modules"),
                sessions=f.slugs(item.get("sessions", []), f"{where}.sessions"),
                activity_iri=None if activity is None else f.iri(activity, f"{where}.activity"),
            )
        )
    return blocks


def parse_completion(raw: object, path: str) -> CompletionRule:
    optional = ("modules", "min_academy_sessions", "review_day", "blocks", "sessions")
    item = f.table(raw, path, required=(), optional=optional)
    return CompletionRule(
        required_modules=f.slugs(item.get("modules", []), f"{path}.modules"),
        min_academy_sessions=f.integer(
            item.get("min_academy_sessions", 0), f"{path}.min_academy_sessions", low=0
        ),
        review_day_required=f.boolean(item.get("review_day", False), f"{path}.review_day"),
        required_blocks=f.slugs(item.get("blocks", []), f"{path}.blocks"),
        required_sessions=f.slugs(item.get("sessions", []), f"{path}.sessions"),
    )


def parse_confidence(raw: object, path: str) -> ConfidenceAssessment:
    item = f.table(raw, path, required=("pre_activity", "post_activity"), optional=("scale", "required"))
    scale = f.table(item.get("scale", {}), f"{path}.scale", required=(), optional=("min", "max", "labels"))
    low = f.integer(scale.get("min", 1), f"{path}.scale.min", low=0)
    high = f.integer(scale.get("max", 5), f"{path}.scale.max", low=0)
    if high <= low:
        raise DefinitionError(f"{path}.scale.max", f"{high} must be greater than the minimum {low}")
    labels_path = f"{path}.scale.labels"
    labels = tuple(
        f.text(label, f"{labels_path}[{index}]")
        for index, label in enumerate(f.array(scale.get("labels", []), labels_path))
    )
    if labels and len(labels) != high - low + 1:
        raise DefinitionError(labels_path, f"needs one label per point ({high - low + 1}), not {len(labels)}")
    pre = f.iri(item["pre_activity"], f"{path}.pre_activity")
    post = f.iri(item["post_activity"], f"{path}.post_activity")
    if pre == post:
        raise DefinitionError(f"{path}.post_activity", "must differ from pre_activity")
    return ConfidenceAssessment(
        pre_activity_iri=pre,
        post_activity_iri=post,
        scale_min=low,
        scale_max=high,
        scale_labels=labels,
        required=f.boolean(item.get("required", False), f"{path}.required"),
    )


def parse_off_the_job(raw: object, path: str) -> OffTheJobTraining:
    optional = ("modules", "sessions", "session_kinds")
    item = f.table(raw, path, required=("minimum_hours",), optional=optional)
    kinds = _hours(item.get("session_kinds", {}), f"{path}.session_kinds")
    allowed = {kind.value for kind in SessionKind}
    for kind in kinds:
        if kind not in allowed:
            raise DefinitionError(
                f"{path}.session_kinds.{kind}", f"is not a session kind ({', '.join(allowed)})"
            )
    return OffTheJobTraining(
        minimum_hours=f.number(item["minimum_hours"], f"{path}.minimum_hours", low=0),
        module_hours=_hours(item.get("modules", {}), f"{path}.modules"),
        session_hours=_hours(item.get("sessions", {}), f"{path}.sessions"),
        session_kind_hours={SessionKind(kind): hours for kind, hours in kinds.items()},
    )


def _hours(raw: object, path: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise DefinitionError(path, "must be a table of id = hours")
    return {
        f.slug(key, f"{path}.{key}"): f.number(value, f"{path}.{key}", low=0, high=24 * 7)
        for key, value in raw.items()
    }


def web_url(raw: object, path: str) -> str:
    url = f.iri(raw, path)
    if not url.startswith("https://"):
        raise DefinitionError(path, "must be an https:// URL")
    return url
