"""Hypothesis strategies shared by the fuzz tests: JSON values, a rich valid statement and mutations
of it (one field replaced or added anywhere in the tree), and hostile query-parameter values."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Short runs: these are part of the ordinary suite. No example database is written to the work tree.
FAST = settings(max_examples=150, deadline=None, database=None)
HTTP = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["", "mailto:", "http://", "urn:x", "2024-13-40T25:61:61Z", "P1Y", "PT-1S", "-0", "1e999"]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)

VALID: dict[str, Any] = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "name": "Ana", "mbox": "mailto:ana@example.gov.uk"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-GB": "answered"}},
    "object": {
        "objectType": "Activity",
        "id": "https://cohort-lrs.example/q/1",
        "definition": {
            "name": {"en-GB": "Question"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [{"id": "a", "description": {"en-GB": "A"}}],
            "extensions": {"https://cohort-lrs.example/ext": {"k": 1}},
        },
    },
    "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True, "duration": "PT1M"},
    "context": {
        "registration": "6a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
        "instructor": {"objectType": "Group", "member": [{"mbox_sha1sum": "a" * 40}]},
        "contextActivities": {"parent": [{"id": "https://cohort-lrs.example/m/1"}]},
        "language": "en-GB",
        "statement": {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa1"},
    },
    "timestamp": "2025-05-06T09:00:00.000Z",
}
VALID_TEXT = json.dumps(VALID)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


PATHS = _paths(VALID)[1:]


@st.composite
def mutated_statements(draw: st.DrawFn) -> Any:
    """VALID with one to three fields replaced by any JSON value, or a key added beside them."""
    statement = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = statement
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) or not isinstance(parent, dict):
                parent[path[-1]] = draw(JSON)
            else:
                parent[draw(st.text(max_size=12))] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the way there
    return statement


# Query-parameter values a hostile or careless client sends.
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
    st.sampled_from(
        [
            "", "0", "-1", "1e400", "9" * 40, "true", "null", "[]", "{}", "[" * 300, '{"a":' * 300,
            '{"_after":"x.y"}', "x.y", "2024-02-30T00:00:00Z", "2024-01-01", "not-a-date", "%00",
            '{"mbox":"mailto:a@b"}', '{"objectType":"Group"}', '{"account":{"homePage":"x","name":1}}',
            "https://cohort-lrs.example/q/1", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "\u0000", "é" * 3000,
        ]
    ),
    JSON.map(json.dumps),
)  # fmt: skip
