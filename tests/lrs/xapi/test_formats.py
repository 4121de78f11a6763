"""Statement formats (exact, ids, canonical) and Accept-Language parsing."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.xapi.formats import best_language_entry, format_statement, parse_accept_language

from .samples import agent, group, statement


def _rich() -> dict[str, Any]:
    sub = {
        "objectType": "SubStatement",
        "actor": group(),
        "verb": {"id": "http://e.com/v", "display": {"en-US": "did", "fr-FR": "a fait"}},
        "object": {"objectType": "Activity", "id": "http://e.com/sub", "definition": {"name": {"en": "Sub"}}},
    }
    return statement(
        actor=agent(),
        object=sub,
        authority=group(mbox="mailto:auth@example.org"),
        context={
            "instructor": agent("mailto:tutor@example.org"),
            "team": group(mbox="mailto:team@example.org"),
            "contextActivities": {
                "parent": [{"id": "http://e.com/p", "definition": {"name": {"en-GB": "P"}}}]
            },
            "contextAgents": [{"objectType": "contextAgent", "agent": agent("mailto:ca@example.org")}],
            "extensions": {"http://e.com/ext": {"name": {"en-US": "kept", "fr": "gardé"}}},
        },
        attachments=[
            {
                "usageType": "http://e.com/u",
                "display": {"en-US": "File", "en-GB": "File (GB)", "cy": "Ffeil"},
                "contentType": "text/plain",
                "length": 1,
                "sha2": "a" * 64,
            }
        ],
    )


def test_exact_is_a_deep_copy() -> None:
    data = _rich()
    formatted = format_statement(data, "exact", [])
    assert formatted == data
    formatted["actor"]["name"] = "x"
    assert data["actor"]["name"] == "A Learner"


def test_ids_reduces_agents_activities_and_verbs() -> None:
    formatted = format_statement(_rich(), "ids", [])
    assert formatted["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.org"}
    assert formatted["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attended"}
    assert formatted["authority"] == {"objectType": "Group", "mbox": "mailto:auth@example.org"}
    sub = formatted["object"]
    assert sub["actor"] == {
        "objectType": "Group",
        "member": [
            {"objectType": "Agent", "mbox": "mailto:one@example.org"},
            {"objectType": "Agent", "account": {"homePage": "https://idp.example.gov.uk", "name": "u2"}},
        ],
    }
    assert sub["verb"] == {"id": "http://e.com/v"}
    assert sub["object"] == {"id": "http://e.com/sub"}
    context = formatted["context"]
    assert context["instructor"] == {"objectType": "Agent", "mbox": "mailto:tutor@example.org"}
    assert context["team"] == {"objectType": "Group", "mbox": "mailto:team@example.org"}
    assert context["contextActivities"] == {"parent": [{"id": "http://e.com/p"}]}
    assert context["contextAgents"][0]["agent"] == {"objectType": "Agent", "mbox": "mailto:ca@example.org"}
    assert formatted["attachments"] == _rich()["attachments"]


def test_canonical_keeps_one_language_everywhere_but_extensions() -> None:
    formatted = format_statement(_rich(), "canonical", ["fr-CA", "en-GB"])
    assert formatted["verb"]["display"] == {"en-GB": "attended"}
    assert formatted["object"]["verb"]["display"] == {"fr-FR": "a fait"}
    assert formatted["attachments"][0]["display"] == {"en-GB": "File (GB)"}
    assert formatted["context"]["extensions"] == _rich()["context"]["extensions"]
    assert formatted["actor"]["name"] == "A Learner"


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown statement format"):
        format_statement(statement(), "full", [])


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["cy"], {"cy": "Ffeil"}),
        (["CY-gb"], {"cy": "Ffeil"}),
        (["en-gb"], {"en-GB": "File (GB)"}),
        (["de", "en-us"], {"en-US": "File"}),
        (["de"], {"en-US": "File"}),
        ([], {"en-US": "File"}),
        (["*"], {"en-US": "File"}),
    ],
)
def test_best_language_entry(languages: list[str], expected: dict[str, str]) -> None:
    language_map = {"en-US": "File", "en-GB": "File (GB)", "cy": "Ffeil"}
    assert best_language_entry(language_map, [tag.lower() for tag in languages]) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("en-GB", ["en-GB"]),
        ("fr;q=0.5, cy, en-GB;q=0.8", ["cy", "en-GB", "fr"]),
        ("de;q=0, en", ["en"]),
        ("en;q=bad, fr", ["fr"]),
        (" , en-US ;q=0.9", ["en-US"]),
    ],
)
def test_parse_accept_language(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected
