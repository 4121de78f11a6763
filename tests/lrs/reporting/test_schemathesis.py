"""schemathesis against the served OpenAPI document of a real `lrs serve` (its own process), on SQLite
and on PostgreSQL: generated requests to every operation (valid and invalid ones) never get a 500,
and every documented answer matches its schema. Examples are bounded so the run stays short."""

from __future__ import annotations

import asyncio
import base64
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import one_of
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bench.lrs_process import lrs_server
from lrs.programme.loader import load_programme_file
from tests.databases import fresh_postgres_database

EXAMPLES = int(os.environ.get("LRS_SCHEMATHESIS_EXAMPLES", "25"))  # per operation
PROGRAMMES = Path(__file__).resolve().parents[3] / "config/programmes"

_SHIPPED = load_programme_file(PROGRAMMES / "place-directors-academy.toml")
KNOWN_IDS = {
    "programme": _SHIPPED.id,
    "cohort": _SHIPPED.cohorts[0].id,
    "session": _SHIPPED.sessions[0].id,
    "person": 1,
}
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning"),
    pytest.mark.timeout(400),  # about a minute each on an idle machine; the 2 shared cores are not
]


def explore(base: str, auth: str, answers: Counter[str]) -> list[str]:
    """Every operation, EXAMPLES generated cases each; the failures found (operation: check).
    `answers` counts the statuses seen per operation (proof that requests were made)."""
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        strategies = [operation.as_strategy(mode) for mode in GenerationMode]
        known = {name: value for name, value in KNOWN_IDS.items() if "{" + name + "}" in operation.path}
        if known:  # also reach past the 404: the shipped programmes' own ids
            strategies.append(operation.as_strategy(path_parameters=known))
        failures += _explore_operation(operation, one_of(strategies), base, auth, answers)
    called = {answer.rsplit(" ", 1)[0] for answer in answers}
    assert called == {f"{operation.method.upper()} {operation.path}" for operation in operations}
    return failures


def _explore_operation(
    operation: Any, strategy: Any, base: str, auth: str, answers: Counter[str]
) -> list[str]:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=base,
            headers={"Authorization": auth},
            checks=[not_a_server_error, response_schema_conformance],
            timeout=30,
        )
        answers[f"{operation.method.upper()} {operation.path} {response.status_code}"] += 1

    try:
        run()
    except Exception as failure:
        return [f"{operation.method.upper()} {operation.path}: {str(failure)[:2000]}"]
    return []


async def run_against(database_url: str) -> list[str]:
    answers: Counter[str] = Counter()
    async with lrs_server(database_url, programmes_dir=str(PROGRAMMES)) as server:
        auth = "Basic " + base64.b64encode(f"{server.key}:{server.secret}".encode()).decode()
        failures = await asyncio.to_thread(explore, server.base, auth, answers)
    print("\n".join(f"{count:4d} {answer}" for answer, count in sorted(answers.items())))
    assert any(answer.endswith(" 200") for answer in answers)
    return failures


async def test_no_500_and_documented_answers_on_sqlite() -> None:
    with tempfile.TemporaryDirectory() as directory:
        failures = await run_against(f"sqlite+aiosqlite:///{Path(directory) / 'lrs.db'}")
    assert failures == [], "\n\n".join(failures)


@pytest.mark.postgres
async def test_no_500_and_documented_answers_on_postgres() -> None:
    async with fresh_postgres_database() as url:
        failures = await run_against(url)
    assert failures == [], "\n\n".join(failures)
