"""The few words the weekly messages build in code rather than in their templates, in the
recipient's language: why a learner is behind (the team digest) and where a session is (the cohort
update). Dates are notifications.spoken_dates'. English is the cohort dashboard's own wording."""

from __future__ import annotations

from lrs.dashboard.risks import Risk

_REASONS = {
    "cy": {
        "inactive": "dim gweithgarwch ers {subject} diwrnod",
        "overdue_module": "modiwl yn hwyr: {subject}",
        "missed_session": "wedi colli sesiwn: {subject}",
    },
}
_ONLINE = {"en": "Online (Teams)", "cy": "Ar-lein (Teams)"}


def risk_words(risk: Risk, language: str) -> str:
    """ "inactive 21 days" in English, "dim gweithgarwch ers 21 diwrnod" in Welsh."""
    words = _REASONS.get(language)
    return str(risk) if words is None else words[risk.kind].format(subject=risk.subject)


def online_words(language: str) -> str:
    return _ONLINE.get(language, _ONLINE["en"])
