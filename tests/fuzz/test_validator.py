"""The xAPI validator (lrs.xapi), fuzzed with hypothesis: any JSON value, and a rich valid statement
with fields replaced or added anywhere, is either accepted or refused with an XapiValidationError
naming a field; never another exception. What it accepts it accepts again unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs import json_codec
from lrs.xapi.errors import XapiValidationError
from lrs.xapi.statements import validate_statement, validate_statements
from tests.fuzz.strategies import FAST, JSON, PATHS, VALID, mutated_statements

VERSIONS = ["1.0.3", "2.0.0"]


def _validated_or_refused(data: Any, version: str) -> dict[str, Any] | None:
    try:
        return validate_statement(data, version=version)
    except XapiValidationError as err:
        assert err.field.startswith("statement") and err.message, err
        return None


@pytest.mark.parametrize("version", VERSIONS)
def test_the_unmutated_statement_is_valid(version: str) -> None:
    assert _validated_or_refused(VALID, version) is not None


@pytest.mark.parametrize("version", VERSIONS)
@FAST
@given(data=mutated_statements())
def test_a_mutated_statement_is_accepted_or_refused_by_field(version: str, data: Any) -> None:
    accepted = _validated_or_refused(data, version)
    if accepted is not None:
        json_codec.dumps(accepted)  # what is stored can be serialised
        assert validate_statement(accepted, version=version) == accepted


@pytest.mark.parametrize("version", VERSIONS)
@FAST
@given(data=JSON)
def test_any_json_value_is_accepted_or_refused_by_field(version: str, data: Any) -> None:
    _validated_or_refused(data, version)
    try:
        validate_statements(data, version=version)
    except XapiValidationError as err:
        assert err.field.startswith("statement"), err


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"a": [leaf]} if depth % 2 else [leaf]
    return leaf


@pytest.mark.parametrize("version", VERSIONS)
@FAST
@given(depth=st.integers(min_value=1, max_value=20_000), where=st.sampled_from(PATHS))
def test_nesting_of_any_depth_anywhere_is_refused_by_field(
    version: str, depth: int, where: tuple[Any, ...]
) -> None:
    """The HTTP layer refuses JSON deeper than max_json_depth, but an operator may raise it and other
    callers (the CLI, the worker) hand the validator parsed data: a RecursionError would be a 500."""
    statement = copy.deepcopy(VALID)
    parent: Any = statement
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = _nested(depth, "x")
    accepted = _validated_or_refused(statement, version)
    if accepted is not None:
        json_codec.dumps(accepted)  # what is accepted can be stored
