"""Sign-in throttling: after MAX_FAILURES wrong passwords for one e-mail within WINDOW, that e-mail
may not try again until the window has passed since the first of them. Kept per process, in memory:
it slows guessing down (and spares the CPU argon2 would spend), it is not an account lockout.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
_MAX_TRACKED = 10_000


class SignInThrottle:
    def __init__(self) -> None:
        self._failures: dict[str, deque[datetime]] = {}

    def retry_after(self, email: str, now: datetime) -> timedelta | None:
        """How long this e-mail must wait before trying again, or None if it may try now."""
        recent = self._recent(email.strip().lower(), now)
        if len(recent) < MAX_FAILURES:
            return None
        return recent[0] + WINDOW - now

    def failed(self, email: str, now: datetime) -> None:
        if len(self._failures) > _MAX_TRACKED:
            self._failures.clear()
        key = email.strip().lower()
        self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop(email.strip().lower(), None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] + WINDOW <= now:
            recent.popleft()
        return recent
