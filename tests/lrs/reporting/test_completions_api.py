"""GET /api/v1/completions: fields, filters, tombstones, voids, incremental pulls and bad input."""

from __future__ import annotations

from datetime import timedelta

from lrs.privacy.erase import erase_person
from lrs.progress import verbs
from tests.lrs.progress.cohort import BASE, statement, voiding
from tests.lrs.reporting.support import PATH, projecting, pull
from tests.lrs_server import RunningLrs

ZOE, YUSUF = "zoe@north.gov.uk", "yusuf@north.gov.uk"


def by_item(records: list[dict[str, object]], email: str) -> dict[tuple[object, object], dict[str, object]]:
    return {(r["item_type"], r["item_id"]): r for r in records if r["work_email"] == email}


async def test_a_record_per_learner_and_item_with_every_field(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [ZOE, YUSUF])
    done = cohort.clock.now
    await cohort.post(
        [
            statement(ZOE, verbs.COMPLETED, f"{BASE}/intro", done, result={"duration": "PT45M"}),
            statement(ZOE, verbs.PASSED, f"{BASE}/quiz", done, result={"score": {"scaled": 0.85}}),
        ]
    )
    records = (await pull(lrs))["records"]
    zoe = by_item(records, ZOE)
    assert set(zoe) == {
        ("module", "intro"),
        ("module", "quiz"),
        ("session", "s1"),
        ("session", "s2"),
        ("block", "core"),
        ("programme", "lead"),
    }
    quiz = zoe[("module", "quiz")]
    assert quiz["status"] == "passed" and quiz["score_scaled"] == 0.85
    assert quiz["organisation"] == {"id": "north-council", "name": "North Council"}
    assert quiz["item_title"] == "Quiz" and quiz["name"] == "Learner 0" and quiz["role"] == "Head of Digital"
    assert quiz["completed_at"] == done.isoformat().replace("+00:00", "Z")
    assert quiz["deleted"] is False and quiz["source"] == "cohort-lrs"
    assert zoe[("module", "intro")]["time_spent_minutes"] == 45.0
    assert zoe[("programme", "lead")]["completion_pct"] == 50.0  # 2 of 4 modules and sessions
    assert zoe[("programme", "lead")]["item_title"] == "Lead"
    assert len({r["record_id"] for r in records}) == len(records) == 12
    assert all(r["updated_at"].endswith("Z") for r in records)


async def test_withdrawal_leaves_tombstones_and_a_void_changes_the_record_once(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [ZOE, YUSUF])
    completion = statement(YUSUF, verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)
    await cohort.post([completion])
    first = await pull(lrs)
    intro = by_item(first["records"], YUSUF)[("module", "intro")]
    assert intro["status"] == "completed"

    cohort.clock.advance(timedelta(hours=1))
    await cohort.post([voiding(completion, cohort.clock.now)])
    await cohort.set_status(ZOE, "withdrawn")
    second = await pull(lrs, since=first["high_watermark"])
    changed = second["records"]
    yusuf_intro = by_item(changed, YUSUF)[("module", "intro")]
    assert yusuf_intro["record_id"] == intro["record_id"]
    assert yusuf_intro["status"] != "completed" and yusuf_intro["completed_at"] is None
    assert yusuf_intro["updated_at"] >= intro["updated_at"]
    zoe = by_item(changed, ZOE)
    assert len(zoe) == 6 and all(r["deleted"] and r["status"] is None for r in zoe.values())
    assert len({r["record_id"] for r in changed}) == len(changed)
    assert (await pull(lrs, since=second["high_watermark"]))["records"] == []


async def test_filters_and_small_pages(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [ZOE, YUSUF])
    await cohort.post([statement(ZOE, verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])
    everything = (await pull(lrs, limit="5"))["records"]
    assert len(everything) == 12 and len({r["record_id"] for r in everything}) == 12
    modules = (await pull(lrs, item_type="module", status="completed"))["records"]
    assert [(r["work_email"], r["item_id"]) for r in modules] == [(ZOE, "intro")]
    assert (await pull(lrs, organisation="elsewhere"))["records"] == []
    assert len((await pull(lrs, organisation="north-council", cohort="lead-1"))["records"]) == 12
    assert (await pull(lrs, programme="other"))["records"] == []


async def test_bad_input_is_a_400_naming_the_parameter(lrs: RunningLrs) -> None:
    await projecting(lrs.database, [ZOE])
    first = await (await lrs.request("GET", PATH, params={"limit": "2"})).json()
    cases = [
        ({"colour": "red"}, "colour"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"item_type": "course"}, "item_type"),
        ({"status": "done"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"format": "pdf"}, "format"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": first["cursor"], "item_type": "module"}, "cursor"),
    ]
    for params, name in cases:
        response = await lrs.request("GET", PATH, params=params)
        assert response.status == 400, params
        assert name in await response.text(), params


async def test_since_takes_an_iso_time_on_updated_at(lrs: RunningLrs) -> None:
    await projecting(lrs.database, [ZOE])
    records = (await pull(lrs))["records"]
    latest = max(r["updated_at"] for r in records)
    assert (await pull(lrs, since=latest))["records"] == []
    assert len((await pull(lrs, since="2000-01-01T00:00:00Z"))["records"]) == 6


async def test_an_erased_learner_leaves_tombstones_without_identity(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [ZOE, YUSUF])
    await cohort.post([statement(ZOE, verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])
    first = await pull(lrs)
    await erase_person(lrs.database, email=ZOE, base_url="https://lrs.test", now=cohort.clock.now)
    await cohort.worker.run_until_idle()
    changed = (await pull(lrs, since=first["high_watermark"]))["records"]
    assert len(changed) == 6 and all(r["deleted"] for r in changed)
    assert ZOE not in str(changed) and "Learner 0" not in str(changed)
