"""Who has the Teams app: Graph accepts activity notifications for users without it and drops them.

`GET /users/{id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/externalId eq '<app>'`
for each learner (20 to a $batch), remembered for `ttl_seconds` so a cohort's nudges cost one
look-up per learner per TTL, not one per message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import quote

from connectors.graph.client import BatchRequest, GraphClient
from connectors.graph.errors import ConnectorError, PermanentError, TransientError
from connectors.graph.retry import TRANSIENT_STATUSES, parse_retry_after
from connectors.graph.transport import HttpReply

NOT_INSTALLED = "Teams app not installed"


def _installed_apps_path(user_id: str, teams_app_id: str) -> str:
    literal = "'" + teams_app_id.replace("'", "''") + "'"
    query = f"$expand=teamsApp&$filter={quote(f'teamsApp/externalId eq {literal}', safe='/')}"
    return f"/users/{quote(user_id, safe='')}/teamwork/installedApps?{query}"


class InstalledApps:
    def __init__(
        self,
        graph: GraphClient,
        teams_app_id: str,
        ttl_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._graph = graph
        self._app_id = teams_app_id
        self._ttl = ttl_seconds
        self._clock = clock
        self._known: dict[str, tuple[bool, float]] = {}  # user id -> (installed, expires at)

    async def installed(self, user_ids: Iterable[str]) -> dict[str, bool | ConnectorError]:
        """For each user: has the app, lacks it, or the error that kept us from knowing."""
        wanted = list(dict.fromkeys(user_ids))
        now = self._clock()
        stale = [u for u in wanted if u not in self._known or self._known[u][1] <= now]
        replies = await self._graph.batch(
            [BatchRequest("GET", _installed_apps_path(u, self._app_id)) for u in stale]
        )
        errors: dict[str, ConnectorError] = {}
        for user_id, reply in zip(stale, replies, strict=True):
            outcome = _outcome(reply)
            if isinstance(outcome, bool):
                self._known[user_id] = (outcome, now + self._ttl)
            else:
                errors[user_id] = outcome
        return {u: errors[u] if u in errors else self._known[u][0] for u in wanted}


def _outcome(reply: HttpReply) -> bool | ConnectorError:
    if reply.status == 200 and isinstance(reply.body, dict):
        return bool(reply.body.get("value"))
    detail = f"installed Teams apps look-up: HTTP {reply.status}"
    if reply.status in TRANSIENT_STATUSES:
        return TransientError(detail, parse_retry_after(reply.headers.get("Retry-After")))
    if reply.status == 403:
        detail += " (the app registration needs TeamsAppInstallation.ReadForUser.All)"
    return PermanentError(detail, status=reply.status)
