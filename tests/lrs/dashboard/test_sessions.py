"""Staff session cookies: signed, tamper-evident, and ended by the idle and absolute timeouts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from lrs.dashboard.sessions import (
    ABSOLUTE_SECONDS,
    IDLE_SECONDS,
    csrf_valid,
    decode_session,
    encode_session,
    new_session,
    seen,
    session_key,
)

KEY = session_key(b"k" * 32)
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_session_round_trips_and_carries_no_personal_data() -> None:
    staff = new_session(7, T0)
    value = encode_session(staff, KEY)
    assert decode_session(value, KEY, T0 + timedelta(minutes=5)) == staff
    assert "@" not in value


def test_a_tampered_or_foreign_cookie_is_refused() -> None:
    value = encode_session(new_session(7, T0), KEY)
    forged = encode_session(replace(new_session(7, T0), user_id=1), session_key(b"other" * 8))
    payload, _, signature = value.partition(".")
    assert decode_session(forged, KEY, T0) is None
    assert decode_session(payload + "x." + signature, KEY, T0) is None
    assert decode_session(payload, KEY, T0) is None
    assert decode_session("not a cookie", KEY, T0) is None


def test_idle_timeout_is_renewed_by_activity_but_the_absolute_one_is_not() -> None:
    staff = new_session(7, T0)
    idle = timedelta(seconds=IDLE_SECONDS + 1)
    assert decode_session(encode_session(staff, KEY), KEY, T0 + idle) is None
    at, renewed = T0, staff
    while at - T0 < timedelta(seconds=ABSOLUTE_SECONDS - IDLE_SECONDS):
        at += timedelta(seconds=IDLE_SECONDS - 60)
        assert decode_session(encode_session(renewed, KEY), KEY, at) is not None
        renewed = seen(renewed, at)
    too_late = T0 + timedelta(seconds=ABSOLUTE_SECONDS + 1)
    assert decode_session(encode_session(seen(staff, too_late), KEY), KEY, too_late) is None


def test_csrf_token_must_match_the_session() -> None:
    staff = new_session(7, T0)
    assert csrf_valid(staff, staff.csrf)
    assert not csrf_valid(staff, "")
    assert not csrf_valid(staff, new_session(7, T0).csrf)
