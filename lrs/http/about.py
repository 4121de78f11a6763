"""About resource: the xAPI versions this LRS speaks."""

from __future__ import annotations

from aiohttp import web

from lrs import __version__
from lrs.http.context import XAPI_VERSION
from lrs.xapi.versions import SUPPORTED_VERSIONS

IMPLEMENTATION_EXTENSION = "https://w3id.org/xapi/cohort-lrs/about/implementation"


async def get_about(request: web.Request) -> web.StreamResponse:
    # A 1.0.x client is told about the 1.0.x line only: deployed 1.0 clients (the `tincan` Python
    # package, for one) refuse an About resource that lists a version they do not know.
    versions = ["1.0.3"] if request.get(XAPI_VERSION) == "1.0.3" else list(SUPPORTED_VERSIONS)
    return web.json_response(
        {"version": versions, "extensions": {IMPLEMENTATION_EXTENSION: f"cohort-lrs {__version__}"}}
    )
