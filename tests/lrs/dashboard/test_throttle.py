"""Sign-in throttling: five wrong passwords for one e-mail in 15 minutes make it wait; others are not
affected; the window passes; a success clears the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lrs.dashboard.throttle import MAX_FAILURES, WINDOW, SignInThrottle
from tests.lrs.dashboard.support import ACCOUNTS, dashboard_site

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_failures_within_the_window_make_one_email_wait() -> None:
    throttle = SignInThrottle()
    for minute in range(MAX_FAILURES):
        assert throttle.retry_after("A@example.gov.uk", T0 + timedelta(minutes=minute)) is None
        throttle.failed("a@example.gov.uk", T0 + timedelta(minutes=minute))
    assert throttle.retry_after("a@example.gov.uk", T0 + timedelta(minutes=5)) == WINDOW - timedelta(
        minutes=5
    )
    assert throttle.retry_after("b@example.gov.uk", T0 + timedelta(minutes=5)) is None
    assert throttle.retry_after("a@example.gov.uk", T0 + WINDOW) is None  # the first failure has aged out
    throttle.succeeded("a@example.gov.uk")
    assert throttle.retry_after("a@example.gov.uk", T0 + timedelta(minutes=5)) is None


async def test_the_sign_in_form_answers_429_after_too_many_failures(sqlite_url: str) -> None:
    async with dashboard_site(sqlite_url) as site, site.browser() as client:
        email = ACCOUNTS["hr"][0]
        for _ in range(MAX_FAILURES):
            assert (await site.sign_in(client, email, password="wrong password here")).status == 401
        refused = await site.sign_in(client, email)  # the right password, but too soon
        assert refused.status == 429 and "Too many attempts" in await refused.text()
        assert (await site.sign_in(client, ACCOUNTS["admin"][0])).status == 303
