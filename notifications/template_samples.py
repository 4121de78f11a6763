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
        "modules_completed_this_week": 7,
        "deep_link": _LINK,
    },
    "team_digest": {
        "programme_title": "Leading Places",
        "items": [{"council": "Northshire", "learner_name": "Sam Jones", "reason": "module overdue"}],
        "deep_link": _LINK,
    },
    "catch_up_digest": {
        **_LEARNER,
        "items": [{"title": "Leading change", "about": "module due leading-change", "url": _LINK}],
    },
}
