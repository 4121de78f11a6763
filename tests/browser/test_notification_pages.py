"""The learner's notification pages and the admin outbox in real headless Chromium.

The preferences and unsubscribe pages are used with JavaScript switched off and the keyboard alone: a
bad answer gets the GOV.UK error summary (focused), the corrected form saves and the saved change is
in the store. Every page passes axe-core (WCAG 2.x A and AA), every control is reachable with Tab,
and a full-page screenshot of each is kept (artifacts/notifications/)."""

from __future__ import annotations

import asyncio
import base64
import os
import re
from pathlib import Path

import pytest

from tests.browser.cdp import CdpPage, Chromium, open_page
from tests.browser.test_dashboards import (
    press,
    sign_in_with_the_keyboard,
    unreachable_by_tab,
    wcag_violations,
)
from tests.lrs.notify_pages.outbox_support import (
    ADMIN,
    HOSTILE_HTML,
    fill_outbox,
    invitation,
    nudge,
    outbox_site,
)
from tests.lrs.notify_pages.support import LinkSite, link_site

pytestmark = pytest.mark.chromium

ARTIFACTS = (
    Path(os.environ.get("LRS_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts")) / "notifications"
)


async def keep_screenshot(page: CdpPage, name: str) -> None:
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    data = base64.b64decode(shot["data"])
    assert len(data) > 10_000, name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread((ARTIFACTS / f"{name}.png").write_bytes, data)


async def check_page(page: CdpPage, name: str, *, expected: str) -> None:
    text = await page.evaluate("document.body.innerText")
    assert expected in text, (name, text[:400])
    await keep_screenshot(page, name)
    # axe-core needs script timers: switch scripts on just for the check (these pages have none of
    # their own, document.scripts is empty), then off again for the next step.
    await page.send("Emulation.setScriptExecutionDisabled", value=False)
    assert await wcag_violations(page) == [], name
    await page.send("Emulation.setScriptExecutionDisabled", value=True)
    assert await unreachable_by_keyboard(page) == [], name


async def unreachable_by_keyboard(page: CdpPage) -> list[str]:
    """Controls Tab never reaches, except the other radios of a group Tab does reach (the arrow keys
    move between those, as in every browser)."""
    missing = await unreachable_by_tab(page)
    group_sizes: dict[str, int] = await page.evaluate(
        "(() => { const sizes = {}; document.querySelectorAll('input[type=radio]')"
        ".forEach(r => { sizes[r.name] = (sizes[r.name] || 0) + 1; }); return sizes; })()"
    )
    missed_radios: dict[str, int] = {}
    for html in missing:
        found = re.search(r'type="radio"', html) and re.search(r'name="([^"]+)"', html)
        if found:
            missed_radios[found.group(1)] = missed_radios.get(found.group(1), 0) + 1
    reached_groups = {name for name, count in missed_radios.items() if count < group_sizes.get(name, 0)}
    return [
        html
        for html in missing
        if not (
            re.search(r'type="radio"', html) and re.search(r'name="([^"]+)"', html).group(1) in reached_groups
        )  # type: ignore[union-attr]
    ]


async def tab_to(page: CdpPage, element_id: str) -> None:
    await page.evaluate("document.activeElement?.blur()")
    for _ in range(80):
        await press(page, "Tab", 9)
        if await page.evaluate("document.activeElement?.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


async def press_space(page: CdpPage) -> None:
    common = {"key": " ", "code": "Space", "windowsVirtualKeyCode": 32}
    await page.send("Input.dispatchKeyEvent", type="keyDown", text=" ", **common)
    await page.send("Input.dispatchKeyEvent", type="keyUp", **common)


async def retype(page: CdpPage, element_id: str, text: str) -> None:
    await tab_to(page, element_id)
    for _ in range(8):
        await press(page, "Backspace", 8)
    await page.send("Input.insertText", text=text)


async def submit_with_enter(page: CdpPage) -> None:
    mark = len(page._events)  # wait for the load the form submission causes
    await press(page, "Enter", 13, "\r")
    await page.wait_event("Page.loadEventFired", after=mark)


async def test_preferences_with_javascript_off_and_the_keyboard_alone(
    chromium: Chromium, sqlite_url: str
) -> None:
    async with link_site(sqlite_url) as site, open_page(chromium) as page:
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
        await page.navigate(site.preferences_link(1))
        assert await page.evaluate("document.scripts.length") == 0  # nothing on the page needs JavaScript
        assert await page.evaluate("document.styleSheets.length") == 2  # GOV.UK Frontend + ours
        await check_page(page, "preferences", expected="Your message preferences")
        await tab_to(page, "channel_order")  # the checked radio of the group
        await press(page, "ArrowDown", 40)  # moves the choice to "Email first, then Microsoft Teams"
        assert await page.evaluate("document.getElementById('channel_order-2').checked") is True
        await tab_to(page, "opt_out")
        await press_space(page)
        assert await page.evaluate("document.getElementById('opt_out').checked") is True
        await retype(page, "quiet_start", "25:00")
        await submit_with_enter(page)
        # The error summary takes the focus on load (autofocus: no script needed), so it is read first.
        # Browsers apply autofocus after the load event, a moment later on a busy machine: poll for it.
        await page.wait_for("document.activeElement.classList.contains('govuk-error-summary')")
        await check_page(page, "preferences-error", expected="There is a problem")
        assert await page.evaluate(
            "document.querySelector('.govuk-error-summary a').getAttribute('href')"
        ) == ("#quiet_start")
        await retype(page, "quiet_start", "19:00")
        await submit_with_enter(page)
        await check_page(page, "preferences-saved", expected="Your preferences have been saved")
        prefs = await site.preferences(1)
        assert prefs.channel_order == ("email", "teams") and prefs.quiet_start == "19:00"
        assert not prefs.allows("nudge") and prefs.allows("reminder")
        await page.navigate(site.preferences_link(1) + "&lang=cy")
        assert await page.evaluate("document.documentElement.lang") == "cy"
        await check_page(page, "preferences-cy", expected="Eich dewisiadau negeseuon")
        await page.navigate(site.url("/notifications/preferences?t=1.preferences.1.forged"))
        await check_page(page, "link-not-valid", expected="This link is not valid")
        assert page.errors == []


async def test_unsubscribe_page_button_with_javascript_off(chromium: Chromium, sqlite_url: str) -> None:
    async with link_site(sqlite_url) as site, open_page(chromium) as page:
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
        await page.navigate(site.unsubscribe_link(2))
        await check_page(page, "unsubscribe", expected="Stop nudges")
        assert await _nudges_stopped(site, 2) is False
        await page.evaluate("document.activeElement?.blur()")
        while await page.evaluate("document.activeElement?.tagName") != "BUTTON":
            await press(page, "Tab", 9)
        await submit_with_enter(page)
        await check_page(page, "unsubscribed", expected="You will not get any more nudges")
        assert await _nudges_stopped(site, 2) is True
        assert page.errors == []


async def _nudges_stopped(site: LinkSite, learner_id: int) -> bool:
    return not (await site.preferences(learner_id)).allows("nudge")


async def test_admin_outbox_pages(chromium: Chromium, sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    hostile, invite = await fill_outbox(folder, [nudge(1, html=HOSTILE_HTML), invitation()])
    await fill_outbox(folder, [nudge(n) for n in range(2, 40)])
    async with outbox_site(sqlite_url, folder) as site, open_page(chromium) as page:
        await sign_in_with_the_keyboard(page, site, ADMIN)
        await page.navigate(site.url("/admin/outbox"))
        await check_page(page, "outbox", expected="Page 1 of 2")
        await page.navigate(site.url("/admin/outbox?page=2"))
        await check_page(page, "outbox-page-2", expected="Page 2 of 2")
        await page.navigate(site.url(f"/admin/outbox/{invite}"))
        await check_page(page, "outbox-invitation", expected="Calendar invitation")
        await page.navigate(site.url(f"/admin/outbox/{hostile}"))
        await asyncio.sleep(1)  # the sandboxed frame is painted by another renderer process: give it time
        await check_page(page, "outbox-message", expected="Module 1 is due soon (1)")
        assert await page.evaluate("document.title") != "pwned"
        sandbox = await page.evaluate("document.querySelector('iframe').getAttribute('sandbox')")
        assert sandbox == ""  # no allow-scripts, no allow-same-origin
        readable = await page.evaluate(
            "(() => { try { return !!document.querySelector('iframe').contentDocument; }"
            " catch (e) { return false; } })()"
        )
        assert readable is False  # the message's HTML runs in an opaque origin, cut off from the dashboard
