"""The demo module in real headless Chromium, launched like an e-learning package: statements and the
bookmark must land in the LRS, the page must pass axe-core without serious or critical violations, and
the browser's own CORS checks must let it through (allowed origin) or stop it (origin not listed).

The page is loaded from http://localhost:<port> and talks to the LRS at http://127.0.0.1:<port>: two
origins, so every xAPI call is a genuine cross-origin request with a preflight."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from tests.browser.cdp import CdpPage, Chromium, open_page
from tests.lrs_server import RunningLrs, basic_auth, running_lrs

pytestmark = pytest.mark.chromium

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ACTIVITY_ID = "https://cohort-lrs.example/modules/leading-digital-change"
ACTOR = {"objectType": "Agent", "name": "Ada Learner", "mbox": "mailto:ada@council.gov.uk"}
ADL = "http://adlnet.gov/expapi/verbs/"
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def launch_url(lrs: RunningLrs, auth: str, **extra: str) -> str:
    """The TinCan launch convention: endpoint, auth (the Authorization value) and actor, plus extras."""
    port = lrs.server.port
    return str(
        URL(f"http://localhost:{port}/demo/module.html").with_query(
            endpoint=f"http://127.0.0.1:{port}/xapi/", auth=auth, actor=json.dumps(ACTOR), **extra
        )
    )


def owner_auth(lrs: RunningLrs) -> str:
    return basic_auth(lrs.key, lrs.secret)["Authorization"]


async def launch(page: CdpPage, url: str) -> None:
    await page.navigate(url)
    await page.wait_for("document.body.dataset.phase === 'ready'")


async def act(page: CdpPage, selector: str, until: str) -> None:
    await page.click(selector)
    await page.wait_for(f"document.body.dataset.phase !== 'busy' && ({until})")
    phase = await page.evaluate("document.body.dataset.phase")
    assert phase != "error", await page.evaluate("document.getElementById('status').textContent")


@pytest.fixture(scope="module")
def axe_source() -> str:
    return AXE.read_text()


async def serious_accessibility_violations(page: CdpPage, axe: str) -> list[dict[str, Any]]:
    await page.evaluate(axe)
    violations: list[dict[str, Any]] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => "
        "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)})))",
        await_promise=True,
    )
    return [item for item in violations if item["impact"] in ("serious", "critical")]


async def status_text(page: CdpPage) -> str:
    text: str = await page.evaluate("document.getElementById('status').textContent")
    return text


async def statements_for(lrs: RunningLrs, registration: str) -> list[dict[str, Any]]:
    response = await lrs.request(
        "GET", "/xapi/statements", params={"registration": registration, "ascending": "true"}
    )
    assert response.status == 200, await response.text()
    statements: list[dict[str, Any]] = (await response.json())["statements"]
    return statements


async def bookmark_for(lrs: RunningLrs, registration: str) -> Any:
    params = {
        "activityId": ACTIVITY_ID,
        "agent": json.dumps(ACTOR),
        "stateId": "bookmark",
        "registration": registration,
    }
    response = await lrs.request("GET", "/xapi/activities/state", params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def walk_through_module(page: CdpPage, axe: str, tmp_path: Path) -> None:
    assert await status_text(page) == "Module started."
    await act(page, "#next-page", "document.body.dataset.page === '2'")
    await act(page, "#next-page", "document.body.dataset.page === '3'")
    await act(page, "#start-check", "!document.getElementById('check').hidden")
    assert await serious_accessibility_violations(page, axe) == []
    await page.click("label[for=answer-needs]")
    await act(page, "#submit-answer", "!document.getElementById('done').hidden")
    assert "passed" in await status_text(page)
    screenshot = await page.screenshot()
    await asyncio.to_thread((tmp_path / "demo-module.png").write_bytes, screenshot)
    assert screenshot.startswith(b"\x89PNG") and len(screenshot) > 5_000
    assert await serious_accessibility_violations(page, axe) == []
    await act(page, "#finish", "document.body.dataset.phase === 'finished'")


async def test_module_records_statements_and_bookmark(
    chromium: Chromium, sqlite_url: str, axe_source: str, tmp_path: Path
) -> None:
    registration = str(uuid.uuid4())
    async with running_lrs(sqlite_url) as lrs, open_page(chromium) as page:
        # What a package should be given: a key that can write statements and keep state, nothing more.
        content_key = await lrs.credential("statements/write state", name="demo content")
        url = launch_url(
            lrs, content_key["Authorization"], registration=registration, activity_id=ACTIVITY_ID
        )
        await launch(page, url)
        await walk_through_module(page, axe_source, tmp_path)
        assert page.errors == []

        statements = await statements_for(lrs, registration)
        verbs = [statement["verb"]["id"].removeprefix(ADL) for statement in statements]
        assert verbs == ["initialized", "progressed", "progressed", "completed", "passed", "terminated"]
        for statement in statements:
            assert statement["actor"]["mbox"] == ACTOR["mbox"]
            assert statement["object"]["id"] == ACTIVITY_ID
            assert statement["context"]["registration"] == registration
        progress = [statement["result"]["extensions"][PROGRESS] for statement in statements[1:4]]
        assert progress == [33, 67, 100]
        passed = statements[4]["result"]
        assert passed["success"] is True
        assert passed["score"] == {"scaled": 1, "raw": 1, "min": 0, "max": 1}
        assert statements[5]["result"]["duration"].startswith("PT")
        assert await bookmark_for(lrs, registration) == {"page": 3}

        # Relaunching the same registration resumes at the bookmark.
        await launch(page, url)
        assert await status_text(page) == "Welcome back. Resuming at page 3."
        assert await page.evaluate("document.body.dataset.page") == "3"


async def test_origin_not_allowed_is_stopped_by_the_browser(chromium: Chromium, sqlite_url: str) -> None:
    registration = str(uuid.uuid4())
    async with (
        running_lrs(sqlite_url, cors_origins=("https://learning.council.gov.uk",)) as lrs,
        open_page(chromium) as page,
    ):
        await page.navigate(launch_url(lrs, owner_auth(lrs), registration=registration))
        await page.wait_for("document.body.dataset.phase === 'error'")
        assert (await status_text(page)).startswith("Your progress could not be recorded")
        assert await statements_for(lrs, registration) == []


async def test_launch_without_parameters_explains_itself(chromium: Chromium, sqlite_url: str) -> None:
    async with running_lrs(sqlite_url) as lrs, open_page(chromium) as page:
        await page.navigate(str(lrs.server.make_url("/demo/module.html")))
        await page.wait_for("document.body.dataset.phase === 'error'")
        assert await status_text(page) == (
            "This module cannot start: launch link is missing endpoint, auth, actor."
        )


async def test_minimal_launch_link_with_tincan_array_actor(chromium: Chromium, sqlite_url: str) -> None:
    # Older TinCan launchers send the actor's properties as arrays and may omit registration and
    # activity_id: the module then names itself by its own address.
    legacy_actor = {"name": [ACTOR["name"]], "mbox": [ACTOR["mbox"]]}
    async with running_lrs(sqlite_url) as lrs, open_page(chromium) as page:
        url = URL(launch_url(lrs, owner_auth(lrs))).update_query(actor=json.dumps(legacy_actor))
        await launch(page, str(url))
        await act(page, "#next-page", "document.body.dataset.page === '2'")
        response = await lrs.request("GET", "/xapi/statements", params={"agent": json.dumps(ACTOR)})
        statements = (await response.json())["statements"]
        assert {statement["object"]["id"] for statement in statements} == {
            f"http://localhost:{lrs.server.port}/demo/module.html"
        }
        assert sorted(statement["verb"]["id"].removeprefix(ADL) for statement in statements) == [
            "initialized",
            "progressed",
        ]
        assert all("registration" not in statement.get("context", {}) for statement in statements)
