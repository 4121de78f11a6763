"""A programme back to its definition JSON (the loader's input shape), and a stable hash of it.

`parse_programme(programme_definition(p)) == p` for every valid programme, so the stored JSON is the
programme, whatever formatting its TOML file had.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lrs.programme.model import Cohort, Module, Programme, Session


def programme_definition(programme: Programme) -> dict[str, Any]:
    """JSON-ready definition (dates as YYYY-MM-DD, date-times as local time with UTC offset)."""
    definition: dict[str, Any] = {
        "programme": _drop_none(
            {
                "id": programme.id,
                "title": programme.title,
                "description": programme.description,
                "url": programme.url,
            }
        ),
        "organisations": [
            {"id": item.id, "name": item.name, "sector": item.sector.value}
            for item in programme.organisations
        ],
        "lists": [
            {"id": item.id, "title": item.title, "organisations": sorted(item.organisations)}
            for item in programme.lists
        ],
        "cohorts": [_cohort(item) for item in programme.cohorts],
        "modules": [_module(item) for item in programme.modules],
        "sessions": [_session(item) for item in programme.sessions],
        "blocks": [_drop_none(_block_fields(programme, index)) for index in range(len(programme.blocks))],
        "completion": _completion(programme),
    }
    if programme.confidence is not None:
        definition["confidence"] = _confidence(programme)
    if programme.notifications:
        definition["notifications"] = dict(programme.notifications)
    if programme.off_the_job is not None:
        hours = programme.off_the_job
        definition["off_the_job"] = {
            "minimum_hours": hours.minimum_hours,
            "modules": dict(hours.module_hours),
            "sessions": dict(hours.session_hours),
            "session_kinds": {kind.value: value for kind, value in hours.session_kind_hours.items()},
        }
    return definition


def definition_hash(definition: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON: the programme's version fingerprint."""
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def canonical_json(definition: Mapping[str, Any]) -> str:
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _cohort(cohort: Cohort) -> dict[str, Any]:
    rules = cohort.eligibility
    channel = {"teams_channel": cohort.teams_channel} if cohort.teams_channel else {}
    return {
        **channel,
        "id": cohort.id,
        "title": cohort.title,
        "start": cohort.start.isoformat(),
        "end": cohort.end.isoformat(),
        "eligibility": {
            "organisations": sorted(rules.organisations),
            "sectors": sorted(sector.value for sector in rules.sectors),
            "lists": list(rules.lists),
        },
    }


def _module(module: Module) -> dict[str, Any]:
    return _drop_none(
        {
            "id": module.id,
            "activity": module.activity_iri,
            "title": module.title,
            "move_on": module.move_on.value,
            "mastery_score": module.mastery_score,
            "due": module.due.isoformat() if module.due is not None else None,
            "blocks": list(module.blocks),
            "url": module.url,
        }
    )


def _session(session: Session) -> dict[str, Any]:
    online = session.online
    attendees = "cohort" if session.expected_attendees is None else list(session.expected_attendees)
    return _drop_none(
        {
            "id": session.id,
            "cohort": session.cohort,
            "activity": session.activity_iri,
            "title": session.title,
            "kind": session.kind.value,
            "timezone": session.timezone,
            "start": _local(session.local_start),
            "end": _local(session.local_end),
            "location": session.location,
            "online": None if online is None else _drop_none(vars(online).copy()),
            "attendees": attendees,
            "blocks": list(session.blocks),
            "catch_up_url": session.catch_up_url,
        }
    )


def _block_fields(programme: Programme, index: int) -> dict[str, Any]:
    block = programme.blocks[index]
    return {
        "id": block.id,
        "title": block.title,
        "activity": block.activity_iri,
        "modules": list(block.modules),
        "sessions": list(block.sessions),
    }


def _completion(programme: Programme) -> dict[str, Any]:
    rule = programme.completion
    return {
        "modules": list(rule.required_modules),
        "min_academy_sessions": rule.min_academy_sessions,
        "review_day": rule.review_day_required,
        "blocks": list(rule.required_blocks),
        "sessions": list(rule.required_sessions),
    }


def _confidence(programme: Programme) -> dict[str, Any]:
    assessment = programme.confidence
    assert assessment is not None
    scale: dict[str, Any] = {"min": assessment.scale_min, "max": assessment.scale_max}
    if assessment.scale_labels:
        scale["labels"] = list(assessment.scale_labels)
    return {
        "pre_activity": assessment.pre_activity_iri,
        "post_activity": assessment.post_activity_iri,
        "scale": scale,
        "required": assessment.required,
    }


def _local(moment: datetime) -> str:
    return moment.isoformat()


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
