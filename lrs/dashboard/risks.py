"""One reason a learner is behind, as the cohort dashboard writes it ("inactive 21 days",
"overdue module: Intro", "missed session: S1"), keeping its parts so a message in another language
(the Welsh team digest, notifications.weekly_words) can say it in its own words."""

from __future__ import annotations

from typing import Literal

RiskKind = Literal["inactive", "overdue_module", "missed_session"]


class Risk(str):
    """The English text, usable wherever a plain string is (pages, CSV, joins); `kind` and `subject`
    (the idle days, or the item's title) for other languages."""

    kind: RiskKind
    subject: str

    def __new__(cls, kind: RiskKind, subject: str) -> Risk:
        english = {
            "inactive": f"inactive {subject} days",
            "overdue_module": f"overdue module: {subject}",
            "missed_session": f"missed session: {subject}",
        }[kind]
        risk = super().__new__(cls, english)
        risk.kind, risk.subject = kind, subject
        return risk

    @classmethod
    def inactive(cls, days: int) -> Risk:
        return cls("inactive", str(days))

    @classmethod
    def overdue_module(cls, title: str) -> Risk:
        return cls("overdue_module", title)

    @classmethod
    def missed_session(cls, title: str) -> Risk:
        return cls("missed_session", title)
