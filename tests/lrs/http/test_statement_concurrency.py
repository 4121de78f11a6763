"""Concurrent overlapping batches: no deadlock, no failure, and stored == acknowledged.

A peer LRS deadlocks on PostgreSQL with two concurrent batch posts and leaves part of a failed batch
stored; here 8 clients post batches that share agents, verbs, activities (with changing definitions)
and even statement ids, some batches are meant to fail, and the store must hold exactly what was
acknowledged.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import Statement
from tests.lrs_server import RunningLrs

CLIENTS = 8
BATCHES_PER_CLIENT = 6
BATCH_SIZE = 40
VERBS = [f"http://adlnet.gov/expapi/verbs/{name}" for name in ("attempted", "completed", "passed", "failed")]
ACTIVITIES = [f"https://cohort-lrs.example/modules/m{number}" for number in range(8)]
LEARNERS = [f"mailto:learner{number}@council.gov.uk" for number in range(15)]


def _statement(rng: random.Random, statement_id: str | None = None) -> dict[str, Any]:
    activity = rng.choice(ACTIVITIES)
    statement: dict[str, Any] = {
        "actor": {"mbox": rng.choice(LEARNERS), "name": "Learner"},
        "verb": {"id": rng.choice(VERBS)},
        "object": {
            "id": activity,
            "definition": {"name": {rng.choice(["en-GB", "cy-GB"]): f"Module {rng.randint(0, 3)}"}},
        },
        "context": {
            "contextActivities": {"parent": [{"id": "https://cohort-lrs.example/programmes/lal"}]},
            "instructor": {"mbox": rng.choice(LEARNERS)},
        },
    }
    if statement_id:
        statement["id"] = statement_id
    return statement


async def _client(lrs: RunningLrs, number: int, shared_ids: list[str]) -> tuple[set[str], int]:
    rng = random.Random(number)
    acknowledged: set[str] = set()
    failures = 0
    for batch_number in range(BATCHES_PER_CLIENT):
        batch = [_statement(rng) for _ in range(BATCH_SIZE)]
        # Every client also posts the same shared statements (identical content): races on new ids.
        shared_rng = random.Random(batch_number)
        batch += [_statement(shared_rng, shared_ids[batch_number])]
        if batch_number % 3 == 2:
            batch.append({"actor": {"mbox": "mailto:x@example.org"}, "verb": {"id": VERBS[0]}, "object": {}})
        response = await lrs.request("POST", "/xapi/statements", json=batch)
        if response.status == 200:
            acknowledged.update(await response.json())
        else:
            assert response.status == 400, await response.text()
            failures += 1
    return acknowledged, failures


async def test_concurrent_overlapping_batches(lrs: RunningLrs) -> None:
    shared_ids = [str(uuid.uuid4()) for _ in range(BATCHES_PER_CLIENT)]
    results = await asyncio.wait_for(
        asyncio.gather(*(_client(lrs, number, shared_ids) for number in range(CLIENTS))), timeout=120
    )
    acknowledged = set().union(*(ids for ids, _ in results))
    failures = sum(count for _, count in results)
    assert failures == CLIENTS * (BATCHES_PER_CLIENT // 3)
    async with lrs.database.read_session() as session:
        stored_ids = set((await session.execute(select(Statement.statement_id))).scalars())
        stored_count = (await session.execute(select(func.count()).select_from(Statement))).scalar_one()
        await _assert_index_rows_whole(session)
    assert stored_count == len(stored_ids)
    assert stored_ids == acknowledged
    expected = CLIENTS * (BATCHES_PER_CLIENT - BATCHES_PER_CLIENT // 3) * BATCH_SIZE
    shared_acknowledged = {shared_ids[n] for n in range(BATCHES_PER_CLIENT) if n % 3 != 2}
    assert len(acknowledged) == expected + len(shared_acknowledged)


# The index tables carry no foreign keys (migration 0006): the write path alone keeps them whole.
_ORPHANS = {
    "agent rows without their statement": "SELECT count(*) FROM statement_agents i "
    "LEFT JOIN statements s ON s.pk = i.statement_pk WHERE s.pk IS NULL",
    "agent rows without their person": "SELECT count(*) FROM statement_agents i "
    "LEFT JOIN persons p ON p.id = i.person_id WHERE p.id IS NULL",
    "activity rows without their statement": "SELECT count(*) FROM statement_activities i "
    "LEFT JOIN statements s ON s.pk = i.statement_pk WHERE s.pk IS NULL",
    "activity rows without their activity": "SELECT count(*) FROM statement_activities i "
    "LEFT JOIN activities a ON a.id = i.activity_id WHERE a.id IS NULL",
    "statements without an actor row": "SELECT count(*) FROM statements s WHERE NOT EXISTS "
    "(SELECT 1 FROM statement_agents i WHERE i.statement_pk = s.pk AND i.direct)",
    "statements without an object row": "SELECT count(*) FROM statements s WHERE NOT EXISTS "
    "(SELECT 1 FROM statement_activities i WHERE i.statement_pk = s.pk AND i.direct)",
}


async def _assert_index_rows_whole(session: AsyncSession) -> None:
    found = {name: (await session.execute(text(sql))).scalar_one() for name, sql in _ORPHANS.items()}
    assert found == dict.fromkeys(_ORPHANS, 0)
