"""validate_statement / validate_statements: shapes the ADL conformance suites accept and reject."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from lrs.xapi.errors import XapiValidationError
from lrs.xapi.statements import validate_statement, validate_statements

from .samples import VERSIONS, activity, agent, group, statement, typical_statement

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets ``value`` at a dotted path (list indexes as plain numbers)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


INVALID: list[tuple[str, Mutation, str]] = [
    ("no actor", _delete("actor"), "statement.actor"),
    ("no verb", _delete("verb"), "statement.verb"),
    ("no object", _delete("object"), "statement.object"),
    ("unknown top-level property", _set("foo", 1), "statement.foo"),
    ("id numeric", _set("id", 12345), "statement.id"),
    ("id too many digits", _set("id", "AA97B177-9383-4934-8543-0F91A7A028368"), "statement.id"),
    ("id non-hex letter", _set("id", "MA97B177-9383-4934-8543-0F91A7A02836"), "statement.id"),
    ("null value", _set("actor.name", None), "statement.actor.name"),
    ("null in a language map", _set("verb.display", {"en-US": None}), "statement.verb.display.en-US"),
    ("actor agent objectType lower-case", _set("actor.objectType", "agent"), "statement.actor.objectType"),
    ("actor two IFIs", _set("actor.openid", "http://openid.example.org/1"), "statement.actor"),
    ("actor without IFI", _delete("actor.mbox"), "statement.actor"),
    ("mbox not mailto", _set("actor.mbox", "http://should.fail.com"), "statement.actor.mbox"),
    ("mbox without address", _set("actor.mbox", "mailto:should.fail.com"), "statement.actor.mbox"),
    ("mbox_sha1sum short", _set("actor.mbox_sha1sum", "cd9b00a5"), "statement.actor"),
    (
        "account without name",
        _set("actor", {"account": {"homePage": "http://example.com"}}),
        "statement.actor.account.name",
    ),
    (
        "account name object",
        _set("actor", {"account": {"homePage": "http://e.com", "name": {"k": 1}}}),
        "statement.actor.account.name",
    ),
    (
        "account homePage not IRI",
        _set("actor", {"account": {"homePage": "ab=c://x", "name": "n"}}),
        "statement.actor.account.homePage",
    ),
    (
        "account unknown key",
        _set("actor", {"account": {"homePage": "http://e.com", "name": "n", "x": 1}}),
        "statement.actor.account.x",
    ),
    ("agent name numeric", _set("actor.name", 123), "statement.actor.name"),
    (
        "anonymous group no member",
        _set("actor", {"objectType": "Group", "name": "g"}),
        "statement.actor.member",
    ),
    (
        "anonymous group empty member",
        _set("actor", {"objectType": "Group", "member": []}),
        "statement.actor.member",
    ),
    (
        "group member is a group",
        _set("actor", group(member=[group()])),
        "statement.actor.member[0].objectType",
    ),
    (
        "group lower-case objectType",
        _set("actor", {**group(), "objectType": "group"}),
        "statement.actor.objectType",
    ),
    ("verb without id", _set("verb", {"display": {"en-US": "x"}}), "statement.verb.id"),
    ("verb id not IRI", _set("verb.id", "should fail"), "statement.verb.id"),
    ("verb display string", _set("verb.display", "a12345 attended"), "statement.verb.display"),
    ("verb display numeric", _set("verb.display", 12345), "statement.verb.display"),
    ("verb display bad tag", _set("verb.display", {"a12345": "attended"}), "statement.verb.display.a12345"),
    ("verb unknown key", _set("verb.foo", "x"), "statement.verb.foo"),
    ("object unknown objectType", _set("object.objectType", "activity"), "statement.object.objectType"),
    ("activity without id", _delete("object.id"), "statement.object.id"),
    ("activity id bad scheme", _set("object.id", "ab=c://should.fail.com"), "statement.object.id"),
    ("agent object without objectType", _set("object", {"mbox": "mailto:a@b.org"}), "statement.object.mbox"),
    ("statementref without id", _set("object", {"objectType": "StatementRef"}), "statement.object.id"),
    ("statementref bad id", _set("object", {"objectType": "StatementRef", "id": "x"}), "statement.object.id"),
    (
        "definition moreInfo null",
        _set("object.definition", {"moreInfo": None}),
        "statement.object.definition.moreInfo",
    ),
    ("definition name string", _set("object.definition", {"name": "x"}), "statement.object.definition.name"),
    (
        "definition type not IRI",
        _set("object.definition", {"type": "meeting"}),
        "statement.object.definition.type",
    ),
    (
        "extension key not IRI",
        _set("object.definition", {"extensions": {"should fail": True}}),
        "statement.object.definition.extensions.should fail",
    ),
    ("result score max string", _set("result", {"score": {"max": "100"}}), "statement.result.score.max"),
    ("result success string", _set("result", {"success": "false"}), "statement.result.success"),
    ("result completion string", _set("result", {"completion": "true"}), "statement.result.completion"),
    ("result response number", _set("result", {"response": 1}), "statement.result.response"),
    ("result duration bad", _set("result", {"duration": "PA1H0M0S"}), "statement.result.duration"),
    ("result unknown key", _set("result", {"foo": 1}), "statement.result.foo"),
    ("score scaled above 1", _set("result", {"score": {"scaled": 1.01}}), "statement.result.score.scaled"),
    ("score scaled below -1", _set("result", {"score": {"scaled": -1.5}}), "statement.result.score.scaled"),
    ("score min equals max", _set("result", {"score": {"min": 5, "max": 5}}), "statement.result.score.max"),
    ("score raw above max", _set("result", {"score": {"raw": 11, "max": 10}}), "statement.result.score.raw"),
    ("score raw below min", _set("result", {"score": {"raw": -1, "min": 0}}), "statement.result.score.raw"),
    ("score boolean", _set("result", {"score": {"raw": True}}), "statement.result.score.raw"),
    ("context registration bad", _set("context", {"registration": "x"}), "statement.context.registration"),
    ("context registration null", _set("context", {"registration": None}), "statement.context.registration"),
    ("context team is agent", _set("context", {"team": agent()}), "statement.context.team.objectType"),
    (
        "context instructor invalid",
        _set("context", {"instructor": {"key": "x"}}),
        "statement.context.instructor.key",
    ),
    ("context revision numeric", _set("context", {"revision": 1}), "statement.context.revision"),
    ("context platform object", _set("context", {"platform": {"a": 1}}), "statement.context.platform"),
    ("context language bad", _set("context", {"language": "a12345678"}), "statement.context.language"),
    (
        "context statement not ref",
        _set("context", {"statement": {"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}}),
        "statement.context.statement.objectType",
    ),
    (
        "contextActivities unknown key",
        _set("context", {"contextActivities": {"foo": []}}),
        "statement.context.contextActivities.foo",
    ),
    (
        "contextActivities string",
        _set("context", {"contextActivities": {"parent": "x"}}),
        "statement.context.contextActivities.parent",
    ),
    (
        "contextActivities bad activity",
        _set("context", {"contextActivities": {"other": [{"id": "nope"}]}}),
        "statement.context.contextActivities.other[0].id",
    ),
    ("context unknown key", _set("context", {"foo": 1}), "statement.context.foo"),
    ("timestamp string", _set("timestamp", "should fail"), "statement.timestamp"),
    ("timestamp date", _set("timestamp", "01/011/2015"), "statement.timestamp"),
    ("timestamp -00", _set("timestamp", "2008-09-15T15:53:00.601-00"), "statement.timestamp"),
    ("timestamp -0000", _set("timestamp", "2008-09-15T15:53:00.601-0000"), "statement.timestamp"),
    ("timestamp -00:00", _set("timestamp", "2008-09-15T15:53:00.601-00:00"), "statement.timestamp"),
    ("timestamp impossible date", _set("timestamp", "2008-02-30T15:53:00Z"), "statement.timestamp"),
    ("stored bad", _set("stored", "yesterday"), "statement.stored"),
    (
        "authority one-member group",
        _set("authority", {"objectType": "Group", "member": [agent()]}),
        "statement.authority.member",
    ),
    (
        "authority three-member group",
        _set("authority", {"objectType": "Group", "member": [agent(), agent(), agent()]}),
        "statement.authority.member",
    ),
    (
        "authority identified group",
        _set("authority", group(mbox="mailto:g@example.org")),
        "statement.authority",
    ),
    ("version string", _set("version", "should fail"), "statement.version"),
    ("version 0.9.9", _set("version", "0.9.9"), "statement.version"),
    ("version 1.1.0", _set("version", "1.1.0"), "statement.version"),
    ("attachments object", _set("attachments", {}), "statement.attachments"),
    (
        "voiding an activity",
        _set("verb", {"id": "http://adlnet.gov/expapi/verbs/voided"}),
        "statement.object.objectType",
    ),
]


def _attachment(**overrides: Any) -> dict[str, Any]:
    base = {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain; charset=ascii",
        "length": 27,
        "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
        "fileUrl": "http://over.there.com/file.txt",
    }
    base.update(overrides)
    return base


INVALID += [
    (
        "attachment usageType",
        _set("attachments", [_attachment(usageType="should fail")]),
        "statement.attachments[0].usageType",
    ),
    (
        "attachment contentType numeric",
        _set("attachments", [_attachment(contentType=12345)]),
        "statement.attachments[0].contentType",
    ),
    (
        "attachment length string",
        _set("attachments", [_attachment(length="x")]),
        "statement.attachments[0].length",
    ),
    (
        "attachment sha2 numeric",
        _set("attachments", [_attachment(sha2=12345)]),
        "statement.attachments[0].sha2",
    ),
    (
        "attachment fileUrl",
        _set("attachments", [_attachment(fileUrl="should fail")]),
        "statement.attachments[0].fileUrl",
    ),
    (
        "attachment display",
        _set("attachments", [_attachment(display={"a12345": "x"})]),
        "statement.attachments[0].display.a12345",
    ),
    (
        "attachment no display",
        _set("attachments", [{k: v for k, v in _attachment().items() if k != "display"}]),
        "statement.attachments[0].display",
    ),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("mutate", "field"), [pytest.param(m, f, id=name) for name, m, f in INVALID])
def test_invalid_statement_names_the_field(mutate: Mutation, field: str, version: str) -> None:
    data = statement()
    mutate(data)
    with pytest.raises(XapiValidationError) as caught:
        validate_statement(data, version=version)
    assert caught.value.field == field
    assert str(caught.value) == f"{field}: {caught.value.message}"


VALID: list[tuple[str, Mutation]] = [
    ("minimal", lambda data: None),
    ("no id", _delete("id")),
    ("upper-case id", _set("id", "FD41C918-B88B-4B20-A0A5-A4C32391AAA0")),
    ("actor without objectType", _delete("actor.objectType")),
    ("actor mbox_sha1sum", _set("actor", {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"})),
    ("actor openid", _set("actor", {"openid": "http://openid.example.org/12345"})),
    (
        "actor account",
        _set("actor", {"account": {"homePage": "http://www.example.com", "name": "xAPI account name"}}),
    ),
    ("anonymous group", _set("actor", group())),
    (
        "identified group without members",
        _set("actor", {"objectType": "Group", "mbox": "mailto:team@example.org"}),
    ),
    ("verb without display", _delete("verb.display")),
    ("activity without objectType", _delete("object.objectType")),
    ("agent object", _set("object", agent())),
    ("group object", _set("object", group())),
    (
        "statement ref",
        _set("object", {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}),
    ),
    (
        "extensions values any JSON incl. null",
        _set("object.definition", {"extensions": {"http://e.com/a": None, "http://e.com/b": {"k": [1]}}}),
    ),
    ("empty extensions", _set("result", {"extensions": {}})),
    (
        "result full",
        _set(
            "result",
            {
                "score": {"scaled": -1, "raw": 0, "min": 0, "max": 1},
                "success": False,
                "response": "",
                "duration": "PT1H0M0.1S",
            },
        ),
    ),
    ("score decimals", _set("result", {"score": {"scaled": 0.6767676, "raw": 100.6767676}})),
    ("context revision with activity object", _set("context", {"revision": "r1", "platform": "p"})),
    ("context language tags", _set("context", {"language": "zh-Hant-TW"})),
    ("context team group", _set("context", {"team": group(), "instructor": group()})),
    ("timestamp future", _set("timestamp", "2099-01-01T00:00:00.000Z")),
    ("timestamp +00:00", _set("timestamp", "2008-09-15T15:53:00.601+00:00")),
    ("timestamp many decimals", _set("timestamp", "2008-09-15T15:53:00.60123456Z")),
    ("stored", _set("stored", "2008-09-15T15:53:00.601Z")),
    ("authority agent", _set("authority", agent())),
    (
        "authority oauth group",
        _set(
            "authority",
            {
                "objectType": "Group",
                "member": [agent(), {"account": {"homePage": "http://e.com", "name": "app"}}],
            },
        ),
    ),
    ("version 1.0", _set("version", "1.0")),
    ("version 1.0.9", _set("version", "1.0.9")),
    ("attachments with fileUrl", _set("attachments", [_attachment(description={"en-US": "d"})])),
    ("attachment length 0", _set("attachments", [_attachment(length=0)])),
    ("unicode", _set("verb.display", {"ja-JP": "出席した", "ar": "حضر", "zh-Hans": "参加"})),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mutate", [pytest.param(m, id=name) for name, m in VALID])
def test_valid_statement_is_accepted_and_copied(mutate: Mutation, version: str) -> None:
    data = statement()
    mutate(data)
    original = copy.deepcopy(data)
    validated = validate_statement(data, version=version)
    assert data == original
    validated["actor"]["name"] = "changed"
    assert data == original
    if "timestamp" not in data and "stored" not in data:
        assert validated | {"actor": data["actor"]} == data


@pytest.mark.parametrize(
    ("kind", "context"),
    [("Agent", {"revision": "r"}), ("Group", {"platform": "p"}), ("StatementRef", {"revision": "r"})],
)
def test_revision_and_platform_need_an_activity_object(kind: str, context: dict[str, Any]) -> None:
    target = {
        "Agent": agent(),
        "Group": group(),
        "StatementRef": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    }[kind]
    with pytest.raises(XapiValidationError) as caught:
        validate_statement(statement(object=target, context=context), version="1.0.3")
    assert caught.value.field == f"statement.context.{next(iter(context))}"


def test_context_activities_become_arrays() -> None:
    validated = validate_statement(typical_statement(), version="1.0.3")
    activities = validated["context"]["contextActivities"]
    assert activities["category"] == [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
    assert activities["parent"] == [{"id": "https://lrs.example.gov.uk/programmes/ddl/cohort-3"}]


def test_timestamps_kept_in_1_0_3_and_converted_to_utc_in_2_0_0() -> None:
    data = statement(timestamp="2024-05-01T10:15:00.123+01:00", stored="2024-05-01T10:15:01+01:00")
    assert validate_statement(data, version="1.0.3")["timestamp"] == "2024-05-01T10:15:00.123+01:00"
    converted = validate_statement(data, version="2.0.0")
    assert converted["timestamp"] == "2024-05-01T09:15:00.123000Z"
    assert converted["stored"] == "2024-05-01T09:15:01.000000Z"


def test_timestamp_without_offset_only_in_1_0_3() -> None:
    data = statement(timestamp="2024-05-01T10:15:00")
    assert validate_statement(data, version="1.0.3")["timestamp"] == "2024-05-01T10:15:00"
    with pytest.raises(XapiValidationError, match="time zone") as caught:
        validate_statement(data, version="2.0.0")
    assert caught.value.field == "statement.timestamp"


@pytest.mark.parametrize(
    ("value", "accepted_in"), [("1.0.3", VERSIONS), ("2.0.0", ("2.0.0",)), ("2.0", ("2.0.0",))]
)
def test_version_property_per_negotiated_version(value: str, accepted_in: tuple[str, ...]) -> None:
    for version in VERSIONS:
        if version in accepted_in:
            assert validate_statement(statement(version=value), version=version)["version"] == value
        else:
            with pytest.raises(XapiValidationError):
                validate_statement(statement(version=value), version=version)


CONTEXT_AGENTS = [
    {
        "objectType": "contextAgent",
        "agent": agent("mailto:player-1@example.com"),
        "relevantTypes": ["https://example.com/xapi/activity-types/personnel/player"],
    }
]
CONTEXT_GROUPS = [{"objectType": "contextGroup", "group": group(mbox="mailto:team@example.com")}]


def test_context_agents_and_groups_are_2_0_only() -> None:
    data = statement(context={"contextAgents": CONTEXT_AGENTS, "contextGroups": CONTEXT_GROUPS})
    validated = validate_statement(data, version="2.0.0")
    assert validated["context"]["contextAgents"] == CONTEXT_AGENTS
    with pytest.raises(XapiValidationError) as caught:
        validate_statement(data, version="1.0.3")
    assert caught.value.field == "statement.context.contextAgents"


@pytest.mark.parametrize(
    ("context", "field"),
    [
        (
            {"contextAgents": [{**CONTEXT_AGENTS[0], "objectType": "Should fail"}]},
            "contextAgents[0].objectType",
        ),
        (
            {"contextAgents": [{"objectType": "contextAgent", "agent": {"key": "x"}}]},
            "contextAgents[0].agent.key",
        ),
        ({"contextAgents": [{**CONTEXT_AGENTS[0], "relevantTypes": []}]}, "contextAgents[0].relevantTypes"),
        (
            {"contextAgents": [{**CONTEXT_AGENTS[0], "relevantTypes": ["abc"]}]},
            "contextAgents[0].relevantTypes[0]",
        ),
        ({"contextAgents": [{"objectType": "contextAgent"}]}, "contextAgents[0].agent"),
        ({"contextAgents": [{**CONTEXT_AGENTS[0], "agent": group()}]}, "contextAgents[0].agent"),
        ({"contextAgents": CONTEXT_AGENTS[0]}, "contextAgents"),
        (
            {"contextGroups": [{**CONTEXT_GROUPS[0], "objectType": "Should fail"}]},
            "contextGroups[0].objectType",
        ),
        (
            {"contextGroups": [{"objectType": "contextGroup", "group": {"key": "x"}}]},
            "contextGroups[0].group.objectType",
        ),
        ({"contextGroups": [{**CONTEXT_GROUPS[0], "member": []}]}, "contextGroups[0].member"),
        ({"contextGroups": [{**CONTEXT_GROUPS[0], "relevantTypes": []}]}, "contextGroups[0].relevantTypes"),
        ({"contextGroups": [{**CONTEXT_GROUPS[0], "group": agent()}]}, "contextGroups[0].group.objectType"),
    ],
)
def test_invalid_context_agents_and_groups(context: dict[str, Any], field: str) -> None:
    for data in (
        statement(context=context),
        statement(object={"objectType": "SubStatement", **_sub(context=context)}),
    ):
        with pytest.raises(XapiValidationError) as caught:
            validate_statement(data, version="2.0.0")
        prefix = (
            "statement.object.context."
            if data["object"].get("objectType") == "SubStatement"
            else "statement.context."
        )
        assert caught.value.field == prefix + field


def _sub(**extra: Any) -> dict[str, Any]:
    return {
        "actor": agent(),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/reported"},
        "object": activity(),
        **extra,
    }


@pytest.mark.parametrize(
    ("substatement", "field"),
    [
        ({**_sub(), "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}, "statement.object.id"),
        ({**_sub(), "stored": "2008-09-15T15:53:00Z"}, "statement.object.stored"),
        ({**_sub(), "version": "1.0.0"}, "statement.object.version"),
        ({**_sub(), "authority": agent()}, "statement.object.authority"),
        ({**_sub(object={"objectType": "SubStatement", **_sub()})}, "statement.object.object.objectType"),
        ({k: v for k, v in _sub().items() if k != "verb"}, "statement.object.verb"),
        ({**_sub(verb={"id": "x y"})}, "statement.object.verb.id"),
        ({**_sub(timestamp="2008-09-15T15:53:00.601-00:00")}, "statement.object.timestamp"),
        ({**_sub(result={"duration": "PT"})}, "statement.object.result.duration"),
    ],
)
def test_invalid_substatement(substatement: dict[str, Any], field: str) -> None:
    with pytest.raises(XapiValidationError) as caught:
        validate_statement(statement(object={"objectType": "SubStatement", **substatement}), version="1.0.3")
    assert caught.value.field == field


def test_valid_substatement_keeps_its_shape() -> None:
    sub = {
        "objectType": "SubStatement",
        **_sub(context={"contextActivities": {"parent": {"id": "http://e.com/p"}}}),
    }
    validated = validate_statement(statement(object=sub), version="1.0.3")
    assert validated["object"]["objectType"] == "SubStatement"
    assert validated["object"]["context"]["contextActivities"]["parent"] == [{"id": "http://e.com/p"}]


def test_validate_statements_accepts_object_array_and_empty_array() -> None:
    assert validate_statements([], version="1.0.3") == []
    assert len(validate_statements(statement(), version="1.0.3")) == 1
    assert len(validate_statements([statement(), typical_statement()], version="2.0.0")) == 2


def test_validate_statements_names_the_index() -> None:
    bad = statement(context={"registration": "nope"})
    with pytest.raises(XapiValidationError) as caught:
        validate_statements([statement(), statement(), statement(), bad], version="1.0.3")
    assert caught.value.field == "statements[3].context.registration"


@pytest.mark.parametrize("body", ["x", 1, None, [1]])
def test_validate_statements_rejects_non_statements(body: object) -> None:
    with pytest.raises(XapiValidationError):
        validate_statements(body, version="1.0.3")


def test_unknown_version_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        validate_statement(statement(), version="0.95")
