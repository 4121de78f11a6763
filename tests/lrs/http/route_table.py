"""The route table of the route matrix: for every route the app serves (listed from its router, so a
new route without an entry fails `test_every_served_route_is_in_the_table`), who may use it and a
request that reaches its handler. Placeholders: {session} {cohort} {programme} {own} {other}
{own_council} {other_council} {uuid}."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lrs.scopes import Access, permits
from tests.lrs.http.route_matrix_support import Column

ALLOW = "allow"  # reaches the handler: neither 401/403 nor a sign-in redirect, never a 5xx
SIGN_IN = "sign-in"  # 303 to /sign-in
ANYONE = "anyone"  # a public route: any answer but a 5xx


@dataclass(frozen=True)
class Scoped:
    """A Basic credential whose scopes grant `access`."""

    access: Access
    organisation_refused: bool = False  # asks for a council an organisation-limited key may not read

    def expect(self, column: Column) -> str | int:
        if column.scopes is None:
            return 401
        if not permits(column.scopes, self.access):
            return 403
        return 403 if self.organisation_refused and column.organisations else ALLOW


@dataclass(frozen=True)
class Staff:
    """A signed-in staff session; the roles in `hidden` are told 404 (not confirmed to exist)."""

    hidden: frozenset[str] = frozenset()

    def expect(self, column: Column) -> str | int:
        if column.role is None:
            return SIGN_IN
        return 404 if column.role in self.hidden else ALLOW


@dataclass(frozen=True)
class Token:
    """Only the column holding this token (the metrics token, the Notify token, a check-in link)."""

    column: str
    refusal: int

    def expect(self, column: Column) -> str | int:
        return ALLOW if column.name == self.column else self.refusal


@dataclass(frozen=True)
class Refused:
    """Nobody gets through with what a column alone carries (the check-in form also needs its CSRF
    token and nonce cookie)."""

    status: int

    def expect(self, column: Column) -> str | int:
        return self.status


@dataclass(frozen=True)
class Public:
    def expect(self, column: Column) -> str | int:
        return ANYONE


Guard = Scoped | Staff | Token | Refused | Public


@dataclass(frozen=True)
class Probe:
    guard: Guard
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


XAPI = {"X-Experience-API-Version": "1.0.3"}
JSON = {**XAPI, "Content-Type": "application/json"}
ACTIVITY = "https://cohort-lrs.example/matrix/activity"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:matrix.learner@example.gov.uk"})
STATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:matrix.learner@example.gov.uk"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"objectType": "Activity", "id": ACTIVITY},
}
STATE = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "matrix-{uuid}"}
ACTIVITY_PROFILE = {"activityId": ACTIVITY, "profileId": "matrix-{uuid}"}
AGENT_PROFILE = {"agent": AGENT, "profileId": "matrix-{uuid}"}
CSV = {"Content-Type": "text/csv"}


def _documents(
    path: str, params: dict[str, str], read: Access, write: Access
) -> dict[tuple[str, str], list[Probe]]:
    doc = json.dumps({"matrix": True})
    return {
        ("PUT", path): [Probe(Scoped(write), path, params, doc, {**JSON, "If-None-Match": "*"})],
        ("POST", path): [Probe(Scoped(write), path, params, doc, JSON)],
        ("GET", path): [Probe(Scoped(read), path, params, headers=XAPI)],
        ("DELETE", path): [Probe(Scoped(write), path, params, headers={**XAPI, "If-Match": '"nothing"'})],
    }


def _xapi() -> dict[tuple[str, str], list[Probe]]:
    statement = json.dumps(STATEMENT)
    return {
        ("GET", "/xapi/about"): [Probe(Public(), "/xapi/about")],
        ("PUT", "/xapi/statements"): [
            Probe(
                Scoped(Access.STATEMENTS_WRITE),
                "/xapi/statements",
                {"statementId": "{uuid}"},
                statement,
                JSON,
            )
        ],
        ("POST", "/xapi/statements"): [
            Probe(Scoped(Access.STATEMENTS_WRITE), "/xapi/statements", body=f"[{statement}]", headers=JSON)
        ],
        ("GET", "/xapi/statements"): [
            Probe(Scoped(Access.STATEMENTS_READ), "/xapi/statements", {"limit": "500"}, headers=XAPI)
        ],
        **_documents("/xapi/activities/state", STATE, Access.STATE_READ, Access.STATE_WRITE),
        **_documents("/xapi/activities/profile", ACTIVITY_PROFILE, Access.PROFILE_READ, Access.PROFILE_WRITE),
        **_documents("/xapi/agents/profile", AGENT_PROFILE, Access.PROFILE_READ, Access.PROFILE_WRITE),
        ("GET", "/xapi/activities"): [
            Probe(Scoped(Access.READ), "/xapi/activities", {"activityId": ACTIVITY}, headers=XAPI)
        ],
        ("GET", "/xapi/agents"): [Probe(Scoped(Access.READ), "/xapi/agents", {"agent": AGENT}, headers=XAPI)],
    }


def _admin() -> dict[tuple[str, str], list[Probe]]:
    admin = Scoped(Access.ADMIN)
    register = "name,email,mark\nNobody,nobody@example.gov.uk,maybe\n"
    return {
        ("POST", "/admin/sessions/{session}/register"): [
            Probe(
                admin,
                "/admin/sessions/{session}/register",
                {"facilitator": "f@example.gov.uk"},
                register,
                CSV,
            )
        ],
        ("GET", "/admin/programmes"): [Probe(admin, "/admin/programmes")],
        ("GET", "/admin/programmes/{programme}"): [Probe(admin, "/admin/programmes/{programme}")],
        ("PUT", "/admin/programmes/{programme}"): [
            Probe(
                admin,
                "/admin/programmes/{programme}",
                body="{}",
                headers={"Content-Type": "application/json"},
            )
        ],
        ("GET", "/admin/cohorts/{cohort}"): [Probe(admin, "/admin/cohorts/{cohort}")],
        ("POST", "/admin/cohorts/{cohort}/roster"): [
            Probe(admin, "/admin/cohorts/{cohort}/roster", {"dry_run": "true"}, "name,email\n", CSV)
        ],
        ("GET", "/admin/cohorts/{cohort}/confidence"): [Probe(admin, "/admin/cohorts/{cohort}/confidence")],
        ("GET", "/admin/notifications"): [Probe(admin, "/admin/notifications")],
        ("DELETE", "/admin/people/{person}"): [Probe(admin, "/admin/people/{other}", {"dry_run": "true"})],
        ("GET", "/admin/audit"): [Probe(admin, "/admin/audit")],
    }


def _reports() -> dict[tuple[str, str], list[Probe]]:
    reports, path = Scoped(Access.REPORTS_READ), "/api/v1/completions"
    return {
        ("GET", path): [
            Probe(reports, path),
            Probe(reports, path, {"format": "csv"}),
            Probe(reports, path, {"format": "xlsx"}),
            Probe(
                Scoped(Access.REPORTS_READ, organisation_refused=True),
                path,
                {"organisation": "{other_council}"},
            ),
        ],
        ("GET", "/api/openapi.json"): [Probe(Public(), "/api/openapi.json")],
    }


def _staff() -> dict[tuple[str, str], list[Probe]]:
    everyone, hr, outsiders = Staff(), Staff(frozenset({"hr"})), Staff(frozenset({"hr", "facilitator"}))
    council = Staff(frozenset({"facilitator"}))
    councils = "/dashboard/councils/{organisation}"
    return {
        ("GET", "/dashboard"): [Probe(Public(), "/dashboard")],
        ("GET", "/dashboard/"): [Probe(everyone, "/dashboard/")],
        ("GET", "/dashboard/accessibility"): [Probe(everyone, "/dashboard/accessibility")],
        ("GET", "/dashboard/cohorts/{cohort}"): [Probe(everyone, "/dashboard/cohorts/{cohort}")],
        ("GET", "/dashboard/cohorts/{cohort}/overview"): [
            Probe(everyone, "/dashboard/cohorts/{cohort}/overview")
        ],
        ("GET", "/dashboard/cohorts/{cohort}/roster.{format}"): [
            Probe(everyone, "/dashboard/cohorts/{cohort}/roster.csv")
        ],
        ("GET", "/dashboard/learners/{learner}"): [
            Probe(everyone, "/dashboard/learners/{own}"),
            Probe(hr, "/dashboard/learners/{other}"),
        ],
        ("GET", councils): [
            Probe(council, "/dashboard/councils/{own_council}"),
            Probe(outsiders, "/dashboard/councils/{other_council}"),
        ],
        ("GET", councils + "/learners.{format}"): [
            Probe(council, "/dashboard/councils/{own_council}/learners.csv"),
            Probe(outsiders, "/dashboard/councils/{other_council}/learners.csv"),
        ],
    }


def _operations() -> dict[tuple[str, str], list[Probe]]:
    return {
        ("GET", "/checkin/{session}"): [Probe(Token("check-in link", 403), "/checkin/{session}")],
        ("POST", "/checkin/{session}"): [Probe(Refused(403), "/checkin/{session}", body="mark:x=present")],
        ("POST", "/notify/callback"): [
            Probe(
                Token("notify token", 401),
                "/notify/callback",
                body="{}",
                headers={"Content-Type": "application/json"},
            )
        ],
        ("GET", "/metrics"): [Probe(Token("metrics token", 401), "/metrics")],
        ("GET", "/healthz"): [Probe(Public(), "/healthz")],
        ("GET", "/readyz"): [Probe(Public(), "/readyz")],
        ("GET", "/demo"): [Probe(Public(), "/demo")],
        ("GET", "/demo/"): [Probe(Public(), "/demo/")],
        ("GET", "/demo/{name}"): [Probe(Public(), "/demo/module.html")],
        ("GET", "/static/govuk"): [Probe(Public(), "/static/govuk/govuk-frontend.min.css")],
        ("GET", "/static/dashboard"): [Probe(Public(), "/static/dashboard/dashboard.css")],
        ("GET", "/sign-in"): [Probe(Public(), "/sign-in")],
        ("POST", "/sign-in"): [Probe(Public(), "/sign-in", body="email=x&password=y")],
        # Without the form's CSRF token a sign-out is refused and the session survives (checked after).
        ("POST", "/sign-out"): [Probe(Public(), "/sign-out", body="csrf_token=forged")],
    }


# Served only when Entra ID sign-in is configured (the matrix configures it).
CONFIGURED_ONLY = {("GET", "/sign-in/entra"), ("GET", "/sign-in/entra/callback")}
ENTRA = {
    # Sends the browser to Microsoft (tests/lrs/dashboard/test_entra_sign_in.py follows it there).
    ("GET", "/sign-in/entra"): [],
    # Without the flow cookie the sign-in ends here, whoever calls: no session is started.
    ("GET", "/sign-in/entra/callback"): [
        Probe(Refused(400), "/sign-in/entra/callback", {"code": "forged", "state": "forged"})
    ],
}
ROUTES: dict[tuple[str, str], list[Probe]] = {
    **_xapi(),
    **_admin(),
    **_reports(),
    **_staff(),
    **_operations(),
    **ENTRA,
}
