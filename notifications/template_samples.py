"""Sample contexts for every rule: what check_templates renders, and the documented key set."""

from __future__ import annotations

from typing import Any

_LINK = "https://learn.example.gov.uk/module/1"
_LEARNER: dict[str, Any] = {
    "first_name": "Amira",
    "programme_title": "Leading Places",
    "programme_description": "A programme for place directors.",
    "cohort_title": "Cohort 3",
    "cohort_start_local": "Monday 4 January 2027",
    "cohort_end_local": "Friday 30 July 2027",
    "preferences_url": "https://lrs.example.gov.uk/notifications/preferences?t=sample",
    "unsubscribe_url": "https://lrs.example.gov.uk/notifications/unsubscribe?t=sample",
    "deep_link": _LINK,
    "module_title": "Leading change",
    "first_module_link": _LINK,
    "first_session_title": "Systems leadership workshop",
    "first_session_local": "Tuesday 12 January 2027 at 10:00",
    "cancelled": False,
    "items": [],
}
_SESSION: dict[str, Any] = {
    "session_title": "Systems leadership workshop",
    "starts_at_local": "Tuesday 12 January 2027 at 10:00",
    "ends_at_local": "Tuesday 12 January 2027 at 16:00",
    "venue": "Council Chamber, Civic Centre",
    "join_url": "https://teams.example.com/l/meetup-join/sample",
    "rsvp_state": "none",
    "catch_up_url": _LINK,
}

SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {**_LEARNER, "cohort_title": "Cohort 3", "module_title": "Leading change", "deep_link": _LINK},
    "session_invite": {**_LEARNER, **_SESSION},
    "session_reminder": {**_LEARNER, **_SESSION, "rsvp_state": "accepted"},
    "missed_session": {**_LEARNER, **_SESSION},
    "module_due": {
        **_LEARNER,
        "module_title": "Leading change",
        "due_date_local": "Friday 15 January 2027",
        "deep_link": _LINK,
    },
    "module_overdue": {
        **_LEARNER,
        "module_title": "Leading change",
        "due_date_local": "Friday 15 January 2027",
        "deep_link": _LINK,
    },
    "inactivity": {**_LEARNER, "deep_link": _LINK},
    "review_day_invite": {**_LEARNER, **_SESSION, "cohort_title": "Cohort 3"},
    "congratulations": {
        **_LEARNER,
        "achievement": "module",
        "achievement_title": "Leading change",
        "deep_link": _LINK,
    },
    "cohort_update": {
        "cohort_title": "Cohort 3",
        "learner_count": 24,
        "on_track_count": 19,
        "on_track_percent": 79,
        "completed_count": 2,
        "completed_percent": 8,
        "modules_completed_this_week": 7,
        "attendance_percent": 88,
        "modules": [
            {"title": "Leading change", "done": 20, "percent": 83, "due_date_local": "Monday 2 March 2026"}
        ],
        "upcoming": [
            {
                "kind": "session",
                "title": "Academy 2",
                "when_local": "Tuesday 10 March 2026 at 10:00",
                "where": "Online (Teams)",
            },
            {
                "kind": "module",
                "title": "Data as infrastructure",
                "when_local": "Monday 16 March 2026",
                "where": "",
            },
        ],
        "ahead_days": 14,
        "deep_link": _LINK,
    },
    "team_digest": {
        "programme_title": "Leading Places",
        "cohort_title": "Cohort 3",
        "learner_count": 24,
        "behind_count": 1,
        "councils": [
            {
                "council": "Northshire",
                "learners": [{"learner_name": "Sam Jones", "reasons": ["overdue module: Leading change"]}],
            }
        ],
        "items": [
            {"council": "Northshire", "learner_name": "Sam Jones", "reason": "overdue module: Leading change"}
        ],
        "deep_link": _LINK,
    },
    "catch_up_digest": {
        **_LEARNER,
        "items": [{"title": "Leading change", "about": "module due leading-change", "url": _LINK}],
    },
}
