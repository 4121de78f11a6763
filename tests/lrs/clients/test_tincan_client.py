"""The `tincan` Python client (RemoteLRS) saves and queries statements against the running server."""

from __future__ import annotations

import asyncio
import uuid

from tincan import Activity, ActivityDefinition, Agent, LanguageMap, RemoteLRS, Statement, Verb

from tests.lrs_server import RunningLrs


def _statement(email: str, module: str, registration: uuid.UUID) -> Statement:
    return Statement(
        actor=Agent(name="Dana Director", mbox=f"mailto:{email}"),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/completed", display=LanguageMap({"en-GB": "completed"})),
        object=Activity(
            id=f"https://cohort-lrs.example/modules/{module}",
            definition=ActivityDefinition(name=LanguageMap({"en-GB": module.title()})),
        ),
        context={"registration": registration},
    )


def _use_client(endpoint: str, key: str, secret: str, email: str) -> dict[str, object]:
    lrs = RemoteLRS(endpoint=endpoint, version="1.0.3", username=key, password=secret)
    about = lrs.about()
    assert about.success, about.data
    registration = uuid.uuid4()
    single = lrs.save_statement(_statement(email, "data", registration))
    assert single.success, single.data
    batch = lrs.save_statements([_statement(email, name, registration) for name in ("agile", "cyber", "ai")])
    assert batch.success, batch.data
    fetched = lrs.retrieve_statement(single.content.id)
    assert fetched.success and fetched.content.actor.mbox == f"mailto:{email}"
    query = lrs.query_statements({"agent": Agent(mbox=f"mailto:{email}"), "limit": 2})
    assert query.success, query.data
    first_page = [str(s.id) for s in query.content.statements]
    more = lrs.more_statements(query.content)
    assert more.success, more.data
    second_page = [str(s.id) for s in more.content.statements]
    return {"versions": list(about.content.version), "first": first_page, "second": second_page}


async def test_tincan_remote_lrs_round_trip(lrs: RunningLrs) -> None:
    email = f"dana.{uuid.uuid4().hex[:8]}@council.gov.uk"
    result = await asyncio.to_thread(_use_client, lrs.base_url + "/", lrs.key, lrs.secret, email)
    assert "1.0.3" in result["versions"]
    first, second = result["first"], result["second"]
    assert isinstance(first, list) and isinstance(second, list)
    assert len(first) == 2 and len(second) == 2
    assert not set(first) & set(second)  # the more link continues, never repeats
