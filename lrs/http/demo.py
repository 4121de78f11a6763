"""The demo e-learning module (lrs/web/demo/): static files, no auth, that an integrator can launch
against this LRS to see statements and a bookmark land, and that the browser tests drive.

The launch link carries a credential in its query string, so the page is served with
`Referrer-Policy: no-referrer` and `Cache-Control: no-store`; its CSP allows its own scripts and
styles only, and connections to any http(s) LRS endpoint the launch link names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

DEMO_DIR = Path(__file__).resolve().parent.parent / "web" / "demo"
DEMO_PREFIX = "/demo/"
DEMO_ENTRY = "module.html"
_CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src http: https:; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class DemoFile:
    content_type: str
    body: bytes


DEMO_FILES = web.AppKey("demo_files", dict[str, DemoFile])


def load_demo_files(directory: Path = DEMO_DIR) -> dict[str, DemoFile]:
    """The servable files, read once: the set is fixed, so no request can name a path outside it."""
    return {
        path.name: DemoFile(_CONTENT_TYPES[path.suffix], path.read_bytes())
        for path in sorted(directory.iterdir())
        if path.suffix in _CONTENT_TYPES
    }


def add_demo_routes(app: web.Application) -> None:
    app[DEMO_FILES] = load_demo_files()
    app.router.add_get(DEMO_PREFIX.rstrip("/"), redirect_to_module)
    app.router.add_get(DEMO_PREFIX, redirect_to_module)
    app.router.add_get(DEMO_PREFIX + "{name}", get_demo_file)


async def redirect_to_module(request: web.Request) -> web.StreamResponse:
    # Launch parameters travel with the redirect, so a link to /demo/?endpoint=... still works.
    target = request.rel_url.with_path(DEMO_PREFIX + DEMO_ENTRY)
    raise web.HTTPFound(str(target), headers={"Referrer-Policy": "no-referrer"})


async def get_demo_file(request: web.Request) -> web.StreamResponse:
    found = request.app[DEMO_FILES].get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound(text=f"no demo file {request.match_info['name']}")
    return web.Response(
        body=found.body, content_type=found.content_type, charset="utf-8", headers=SECURITY_HEADERS
    )
