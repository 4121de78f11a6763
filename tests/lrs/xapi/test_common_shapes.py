"""The common-shape fast path gives exactly what the full validator gives: the same normalised
statement, or the same error naming the same field, on realistic statements and thousands of
seeded mutations of them (wrong types, missing and unknown keys, odd values)."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from bench.programme_statements import StatementFactory
from lrs.xapi import statements as statement_module
from lrs.xapi.common_shapes import common_statement
from lrs.xapi.errors import XapiValidationError

_VALUES: list[Any] = [
    None, 1, 1.5, True, "", "x", "http://example.org/ok", "not an iri", "mailto:b@example.org", [], [{}], {},
    {"en-GB": "x"}, {"id": "http://example.org/z"}, {"objectType": "Group", "member": []},
    "6fbd600f-d17c-4c74-801a-2ec2e53231c8", "2.0.0", "1.0.3", "2024-01-01T00:00:00Z", "bad-timestamp",
    "Agent", "Activity", "StatementRef", "SubStatement", "http://adlnet.gov/expapi/verbs/voided", "a" * 40,
    {"homePage": "http://example.org", "name": "n"}, {"mbox": "mailto:z@example.org"},
]  # fmt: skip
_KEYS = ["id", "name", "mbox", "objectType", "member", "display", "definition", "team", "instructor",
         "contextAgents", "unknown", "interactionType", "account", "extensions", "version"]  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from _paths(value, (*prefix, key))


def _mutate(statement: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    mutated = copy.deepcopy(statement)
    for _ in range(rng.choice([1, 1, 2, 3])):
        path = rng.choice([path for path in _paths(mutated) if path])
        parent: Any = mutated
        for key in path[:-1]:
            parent = parent[key]
        roll = rng.random()
        if roll < 0.3 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.75:
            parent[path[-1]] = copy.deepcopy(rng.choice(_VALUES))
        elif isinstance(parent, dict):
            parent[rng.choice(_KEYS)] = copy.deepcopy(rng.choice(_VALUES))
        else:
            parent.append(copy.deepcopy(rng.choice(_VALUES)))
    return mutated


def _outcome(statement: dict[str, Any], version: str) -> tuple[Any, ...]:
    try:
        return ("valid", statement_module.validate_statement(copy.deepcopy(statement), version=version))
    except XapiValidationError as err:
        return ("invalid", err.field, err.message)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_fast_path_and_full_validator_agree(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20261122)
    samples = StatementFactory(seed=3).batch(40)
    cases = samples + [_mutate(rng.choice(samples), rng) for _ in range(3000)]
    fast = [_outcome(case, version) for case in cases]
    monkeypatch.setattr(statement_module, "common_statement", lambda *_args, **_kwargs: None)
    full = [_outcome(case, version) for case in cases]
    mismatches = [(case, a, b) for case, a, b in zip(cases, fast, full, strict=True) if a != b]
    assert mismatches == []
    # The comparison means something only if the fast path really took part, both ways.
    taken = sum(_fast_path_takes(case, version) for case in cases)
    assert 40 <= taken < len(cases)
    assert any(outcome[0] == "invalid" for outcome in full)


def _fast_path_takes(statement: dict[str, Any], version: str) -> bool:
    """Whether the fast path answers itself (a result, or an error from a part it hands on)."""
    try:
        return common_statement(copy.deepcopy(statement), version=version, field="statement") is not None
    except XapiValidationError:
        return True
