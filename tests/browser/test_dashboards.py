"""The dashboards in real headless Chromium, as an admin and as a council HR viewer: signed in with the
keyboard alone, signed out with the button, every page renders with
the demo cohort's data, a full-page screenshot of each is kept (artifacts/dashboards/), axe-core finds
no WCAG 2.x A or AA violation, and Tab reaches every link, button and field on each page."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from lrs.demo_cohort import DEMO_COHORT_ID
from tests.browser.cdp import CdpPage, Chromium, open_page
from tests.lrs.dashboard.support import ACCOUNTS, OWN_COUNCIL, PASSWORD, DashboardSite, dashboard_site

pytestmark = pytest.mark.chromium

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARTIFACTS = (
    Path(os.environ.get("LRS_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts")) / "dashboards"
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])"
# page name -> (path, text the page must show, proving it rendered with data)
PAGES = {
    "home": ("/dashboard/", "Demo"),
    "overview": (f"/dashboard/cohorts/{DEMO_COHORT_ID}/overview", "Attendance rate per session"),
    "cohort": (f"/dashboard/cohorts/{DEMO_COHORT_ID}", "At risk"),
    "cohort-by-risk": (f"/dashboard/cohorts/{DEMO_COHORT_ID}?sort=risk&order=desc", "sorted descending"),
    "council": (f"/dashboard/councils/{OWN_COUNCIL}", "Ashvale District Council"),
    "accessibility": ("/dashboard/accessibility", "Accessibility statement"),
}


async def press(page: CdpPage, key: str, code: int, text: str = "") -> None:
    await page.send(
        "Input.dispatchKeyEvent", type="keyDown", key=key, code=key, windowsVirtualKeyCode=code, text=text
    )
    await page.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=key, windowsVirtualKeyCode=code)


async def wcag_violations(page: CdpPage) -> list[dict[str, Any]]:
    await page.evaluate(AXE.read_text())
    violations: list[dict[str, Any]] = await page.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG_TAGS)}}}}})"
        ".then(r => r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)})))",
        await_promise=True,
    )
    return violations


async def unreachable_by_tab(page: CdpPage) -> list[str]:
    """Controls that pressing Tab from the top of the page never focuses."""
    total = await page.evaluate(
        f"(() => {{ const all = [...document.querySelectorAll({json.dumps(FOCUSABLE)})]"
        ".filter(e => e.offsetParent !== null || e.getClientRects().length);"
        " all.forEach((e, i) => e.dataset.kbd = String(i));"
        " document.activeElement?.blur(); return all.length; })()"
    )
    reached: set[str] = set()
    for _ in range(total + 3):
        await press(page, "Tab", 9)
        found = await page.evaluate("document.activeElement?.dataset?.kbd ?? ''")
        if found:
            reached.add(found)
    missing = [str(index) for index in range(total) if str(index) not in reached]
    return [
        await page.evaluate(f"document.querySelector('[data-kbd=\"{index}\"]').outerHTML.slice(0, 120)")
        for index in missing
    ]


async def keep_screenshot(page: CdpPage, name: str) -> bytes:
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    data = base64.b64decode(shot["data"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread((ARTIFACTS / f"{name}.png").write_bytes, data)
    return data


async def sign_in_with_the_keyboard(page: CdpPage, site: DashboardSite, email: str) -> None:
    await page.navigate(site.url("/sign-in?next=%2Fdashboard%2F"))
    assert await wcag_violations(page) == []
    await keep_screenshot(page, "sign-in")
    await page.evaluate("document.activeElement?.blur()")
    while await page.evaluate("document.activeElement?.id") != "email":
        await press(page, "Tab", 9)
    await page.send("Input.insertText", text=email)
    await press(page, "Tab", 9)
    assert await page.evaluate("document.activeElement.id") == "password"
    await page.send("Input.insertText", text=PASSWORD)
    await press(page, "Enter", 13, "\r")
    await page.wait_for("location.pathname === '/dashboard/' && document.readyState === 'complete'")


async def test_every_page_renders_passes_axe_and_is_reachable_by_keyboard(
    chromium: Chromium, sqlite_url: str
) -> None:
    async with dashboard_site(sqlite_url) as site, open_page(chromium) as page:
        pages = {**PAGES, "learner": (f"/dashboard/learners/{site.learner_of(OWN_COUNCIL).id}", "Timeline")}
        for account in ("admin", "hr"):
            await sign_in_with_the_keyboard(page, site, ACCOUNTS[account][0])
            for name, (path, expected) in pages.items():
                await page.navigate(site.url(path))
                text = await page.evaluate("document.body.innerText")
                assert expected in text, (account, name, text[:300])
                assert await page.evaluate("document.styleSheets.length") == 2, name  # GOV.UK Frontend + ours
                assert len(await keep_screenshot(page, f"{account}-{name}")) > 10_000, name
                assert await wcag_violations(page) == [], (account, name)
                assert await unreachable_by_tab(page) == [], (account, name)
            await page.click("form[action='/sign-out'] button")
            await page.wait_for("location.pathname === '/sign-in' && document.readyState === 'complete'")
            assert "You have signed out" in await page.evaluate("document.body.innerText")
        assert page.errors == []
