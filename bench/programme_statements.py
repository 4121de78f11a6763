"""Realistic programme statements for benchmarks: learners in cohorts working through modules."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

MODULES = ["user-centred-design", "agile-delivery", "data", "ai", "cyber-resilience", "leading-change"]
VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
    "progressed": "http://adlnet.gov/expapi/verbs/progressed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "terminated": "http://adlnet.gov/expapi/verbs/terminated",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}
PROGRAMME = "https://cohort-lrs.example/programmes/learn-adapt-lead"


class StatementFactory:
    def __init__(self, seed: int = 1, learners: int = 2000, cohorts: int = 20) -> None:
        self.rng = random.Random(seed)
        self.learners = [f"learner{n:05d}@council{n % 300:03d}.gov.uk" for n in range(learners)]
        self.registrations = {email: str(uuid.UUID(int=self.rng.getrandbits(128))) for email in self.learners}
        self.cohorts = cohorts
        self.start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def statement(self) -> dict[str, Any]:
        rng = self.rng
        email = rng.choice(self.learners)
        module = rng.choice(MODULES)
        verb = rng.choice(list(VERBS))
        moment = self.start + timedelta(seconds=rng.randint(0, 180 * 86400))
        statement: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", "name": f"Learner {email[7:12]}", "mbox": f"mailto:{email}"},
            "verb": {"id": VERBS[verb], "display": {"en-GB": verb}},
            "object": {
                "objectType": "Activity",
                "id": f"https://cohort-lrs.example/modules/{module}",
                "definition": {
                    "name": {"en-GB": module.replace("-", " ").title()},
                    "type": "http://adlnet.gov/expapi/activities/module",
                },
            },
            "context": {
                "registration": self.registrations[email],
                "contextActivities": {
                    "parent": [{"id": PROGRAMME}],
                    "grouping": [{"id": f"{PROGRAMME}/cohorts/{hash(email) % self.cohorts}"}],
                },
                "platform": "Articulate Storyline",
                "language": "en-GB",
            },
            "timestamp": moment.isoformat().replace("+00:00", "Z"),
        }
        if verb in ("passed", "failed", "completed"):
            statement["result"] = {
                "score": {"scaled": round(rng.random(), 2), "raw": rng.randint(0, 100), "min": 0, "max": 100},
                "success": verb == "passed",
                "completion": True,
                "duration": f"PT{rng.randint(1, 90)}M{rng.randint(0, 59)}S",
            }
        return statement

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.statement() for _ in range(size)]


class EnrolledStatements:
    """Statements by the enrolled learners of a shipped programme: each learner works through the
    programme's modules (launched, progressed, completed or passed/failed with a duration,
    terminated), in the cohort they are enrolled in; the objects are the programme's activities."""

    def __init__(self, module_iris: list[str], emails: list[str], start: datetime, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.module_iris = module_iris
        self.emails = emails
        self.start = start

    def statement(self) -> dict[str, Any]:
        rng = self.rng
        email = rng.choice(self.emails)
        verb = rng.choice(list(VERBS)[:-1])  # every verb but "attended": modules are e-learning
        moment = self.start + timedelta(seconds=rng.randint(0, 180 * 86400))
        made: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", "name": "Learner", "mbox": f"mailto:{email}"},
            "verb": {"id": VERBS[verb], "display": {"en-GB": verb}},
            "object": {"objectType": "Activity", "id": rng.choice(self.module_iris)},
            "context": {"platform": "Articulate Storyline", "language": "en-GB"},
            "timestamp": moment.isoformat().replace("+00:00", "Z"),
        }
        if verb in ("passed", "failed", "completed", "terminated"):
            made["result"] = {
                "score": {"scaled": round(rng.random(), 2)},
                "duration": f"PT{rng.randint(1, 90)}M{rng.randint(0, 59)}S",
            }
        return made

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.statement() for _ in range(size)]
