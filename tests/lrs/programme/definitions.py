"""Small programme definitions for tests, built as the JSON/TOML shape the loader reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "config" / "programmes"
BASE = "https://cohort-lrs.example/test"


def minimal_definition(programme_id: str = "pilot", cohort_id: str = "pilot-1") -> dict[str, Any]:
    """One cohort restricted to a list, two modules, a block, two academy sessions and a review day."""
    return {
        "programme": {"id": programme_id, "title": "Pilot programme"},
        "organisations": [
            {"id": "north-council", "name": "North Council", "sector": "council"},
            {"id": "south-council", "name": "South Council", "sector": "council"},
            {"id": "vale-police", "name": "Vale Police", "sector": "police"},
        ],
        "lists": [
            {"id": "local-digital-fund", "title": "Local Digital Fund", "organisations": ["north-council"]}
        ],
        "cohorts": [
            {
                "id": cohort_id,
                "title": "Pilot cohort",
                "start": "2025-09-01",
                "end": "2026-03-31",
                "eligibility": {"lists": ["local-digital-fund"], "sectors": ["police"]},
            }
        ],
        "modules": [
            {"id": "ucd", "activity": f"{BASE}/{programme_id}/ucd", "title": "UCD", "due": "P4W"},
            {
                "id": "cyber",
                "activity": f"{BASE}/{programme_id}/cyber",
                "title": "Cyber",
                "move_on": "Passed",
                "mastery_score": 0.8,
                "blocks": ["block"],
            },
        ],
        "sessions": [
            _session(programme_id, "block-day", "block-day", "2025-09-23T09:30:00", "2025-09-23T17:00:00"),
            _session(programme_id, "academy-1", "academy", "2025-10-14T10:00:00", "2025-10-14T12:00:00"),
            _session(programme_id, "academy-2", "academy", "2025-11-11T10:00:00", "2025-11-11T12:00:00"),
            _session(programme_id, "review", "review-day", "2025-11-18T09:30:00", "2025-11-18T15:30:00"),
        ],
        "blocks": [{"id": "block", "title": "Two-day block", "sessions": ["block-day"]}],
        "completion": {"modules": ["ucd", "cyber"], "min_academy_sessions": 2, "review_day": True},
    }


def _session(programme_id: str, session_id: str, kind: str, start: str, end: str) -> dict[str, Any]:
    return {
        "id": session_id,
        "activity": f"{BASE}/{programme_id}/sessions/{session_id}",
        "title": session_id.replace("-", " ").title(),
        "kind": kind,
        "start": start,
        "end": end,
        "location": "Town Hall",
    }
