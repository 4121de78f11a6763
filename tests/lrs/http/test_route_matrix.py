"""Every route x every kind of credential x every staff role, on SQLite and PostgreSQL: no route
answers without the right scope, token or role, and nothing an HR viewer or an organisation-limited
reports/read key is given names a learner of another council."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from dataclasses import replace

from lrs.app import create_app
from lrs.demo_cohort import DEMO_COHORT_ID
from lrs.settings import Settings
from tests.lrs.dashboard.support import OTHER_COUNCIL, OWN_COUNCIL
from tests.lrs.http.route_matrix_support import Column, Matrix, route_matrix
from tests.lrs.http.route_table import ALLOW, ANYONE, CONFIGURED_ONLY, ROUTES, SIGN_IN, Probe

ENTRA = {"client_id": "matrix", "tenant_id": "matrix-tenant", "client_secret": "matrix-secret"}


def served_routes(settings: Settings) -> set[tuple[str, str]]:
    """(method, pattern) of every route, HEAD aside (aiohttp adds one to each GET)."""
    app = create_app(settings)
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }


def test_every_served_route_is_in_the_table() -> None:
    everything = replace(Settings(), demo=True, metrics_token="t", staff_sign_in=ENTRA)
    served = served_routes(everything)
    assert served - set(ROUTES) == set(), "give each new route an entry in tests/lrs/http/route_table.py"
    assert set(ROUTES) - served == set(), "the table names routes the app no longer serves"
    assert served >= CONFIGURED_ONLY and not CONFIGURED_ONLY & served_routes(Settings())
    assert all(ROUTES[route] for route in set(ROUTES) - CONFIGURED_ONLY), "every other route is probed"


def _fill(text: str, matrix: Matrix) -> str:
    values = {
        "session": matrix.session_id,
        "cohort": DEMO_COHORT_ID,
        "programme": "demo-programme",
        "own": str(matrix.own_learner),
        "other": str(matrix.other_learner),
        "own_council": OWN_COUNCIL,
        "other_council": OTHER_COUNCIL,
        "uuid": str(uuid.uuid4()),
    }
    return re.sub(r"\{(\w+)\}", lambda found: values[found.group(1)], text)


async def _send(matrix: Matrix, method: str, probe: Probe, column: Column) -> tuple[int, str, bytes]:
    params = {name: _fill(value, matrix) for name, value in {**probe.params, **column.params}.items()}
    headers = {"Content-Type": "application/x-www-form-urlencoded", **probe.headers, **column.headers}
    if probe.body is None:
        headers.pop("Content-Type")
    url = matrix.site.url(_fill(probe.path, matrix))
    body = None if probe.body is None else _fill(probe.body, matrix).encode()
    client = matrix.client(column)
    async with client.request(
        method, url, params=params, headers=headers, data=body, allow_redirects=False
    ) as response:
        return response.status, response.headers.get("Location", ""), await response.read()


def _readable(body: bytes) -> str:
    """The text of a body; for an XLSX workbook, the text of its parts."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "\n".join(workbook.read(name).decode(errors="replace") for name in workbook.namelist())
    return body.decode(errors="replace")


def _check(expected: str | int, status: int, location: str, what: str) -> None:
    assert status < 500, what
    if expected == ALLOW:
        assert status not in (401, 403) and not location.startswith("/sign-in"), what
    elif expected == ANYONE:
        return
    elif expected == SIGN_IN:
        assert status == 303 and location.startswith("/sign-in"), what
    else:
        assert status == expected, what


def _probes_in_order() -> list[tuple[str, str, Probe]]:
    """Sign-out last: it must not end a session, which the later probes would notice anyway."""
    ordered = sorted(ROUTES.items(), key=lambda item: item[0] == ("POST", "/sign-out"))
    return [(method, pattern, probe) for (method, pattern), probes in ordered for probe in probes]


async def test_no_route_answers_without_the_right_credential_or_role(database_url: str) -> None:
    async with route_matrix(database_url) as matrix:
        tried = 0
        for method, pattern, probe in _probes_in_order():
            for column in matrix.columns:
                status, location, body = await _send(matrix, method, probe, column)
                expected = probe.guard.expect(column)
                what = (
                    f"{method} {pattern} ({probe.path} {probe.params}) as {column.name}: {status} {location}"
                )
                _check(expected, status, location, what + " " + body[:300].decode(errors="replace"))
                if column.organisations or column.role == "hr":
                    readable = _readable(body)
                    leaked = [person for person in matrix.other_council_people if person in readable]
                    assert not leaked, f"{what} shows another council's learners: {leaked[:3]}"
                tried += 1
        assert tried == len(matrix.columns) * sum(len(probes) for probes in ROUTES.values())
        await _staff_sessions_survived(matrix)
        await _mine_reads_only_its_own(matrix)


async def _staff_sessions_survived(matrix: Matrix) -> None:
    for column in matrix.columns:
        if column.role is not None:
            response = await matrix.client(column).get(matrix.site.url("/dashboard/"), allow_redirects=False)
            assert response.status == 200, f"{column.name} was signed out by a forged sign-out"


async def _mine_reads_only_its_own(matrix: Matrix) -> None:
    """statements/read/mine stored nothing, so it reads nothing, though the store holds statements."""
    by_name = {column.name: column for column in matrix.columns}
    counts = {}
    for name in ("statements/read/mine", "statements/read"):
        async with matrix.site.lrs.session.get(
            matrix.site.url("/xapi/statements"),
            headers={**by_name[name].headers, "X-Experience-API-Version": "1.0.3"},
        ) as response:
            assert response.status == 200
            counts[name] = len((await response.json())["statements"])
    assert counts["statements/read/mine"] == 0 < counts["statements/read"]
