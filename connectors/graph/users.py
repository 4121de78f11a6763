"""Learner e-mail -> Entra user id, cached; several at once through $batch."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from connectors.graph.client import BatchRequest, GraphClient
from connectors.graph.errors import PermanentError, TransientError, UnknownUserError
from connectors.graph.retry import TRANSIENT_STATUSES
from connectors.graph.transport import HttpReply

_SELECT = "id,mail,userPrincipalName"


def _normal(email: str) -> str:
    return email.strip().lower()


def _user_path(email: str) -> str:
    return f"/users/{quote(email.strip(), safe='@')}?$select={_SELECT}"


def _odata_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class UserDirectory:
    """Looks users up by UPN first (GET /users/{upn}), then by mail (a $filter), and remembers hits."""

    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph
        self._ids: dict[str, str] = {}

    def remember(self, email: str, user_id: str) -> None:
        self._ids[_normal(email)] = user_id

    async def user_id(self, email: str) -> str:
        """The Entra object id; raises UnknownUserError ("no Entra user for x@y") when there is none."""
        key = _normal(email)
        if key in self._ids:
            return self._ids[key]
        try:
            body = await self._graph.get_json(_user_path(email))
        except PermanentError as err:
            if err.status not in (400, 404):
                raise
            return await self._user_id_by_mail(email)
        return self._store(email, body.get("id"))

    async def user_ids(self, emails: Iterable[str]) -> dict[str, str | PermanentError | TransientError]:
        """Id, or the error for that address, keyed by the stripped address; 20 look-ups per $batch."""
        wanted = list(dict.fromkeys(email.strip() for email in emails))
        unknown = [email for email in wanted if _normal(email) not in self._ids]
        replies = await self._graph.batch([BatchRequest("GET", _user_path(email)) for email in unknown])
        failures: dict[str, PermanentError | TransientError] = {}
        for email, reply in zip(unknown, replies, strict=True):
            outcome = await self._outcome(email, reply)
            if isinstance(outcome, str):
                self.remember(email, outcome)
            else:
                failures[email] = outcome
        return {email: failures.get(email) or self._ids[_normal(email)] for email in wanted}

    async def _outcome(self, email: str, reply: HttpReply) -> str | PermanentError | TransientError:
        if reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("id"):
            return str(reply.body["id"])
        if reply.status in TRANSIENT_STATUSES:
            return TransientError(f"user lookup for {email} throttled (HTTP {reply.status})")
        try:
            return await self._user_id_by_mail(email)
        except (PermanentError, TransientError) as err:
            return err

    async def _user_id_by_mail(self, email: str) -> str:
        literal = _odata_literal(email.strip())
        params = {"$filter": f"mail eq {literal} or userPrincipalName eq {literal}", "$select": _SELECT}
        body = await self._graph.get_json("/users", params)
        matches = body.get("value", [])
        if not matches:
            raise UnknownUserError(email.strip())
        return self._store(email, matches[0].get("id"))

    def _store(self, email: str, user_id: object) -> str:
        if not isinstance(user_id, str) or not user_id:
            raise UnknownUserError(email.strip())
        self.remember(email, user_id)
        return user_id
