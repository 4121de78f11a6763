"""About resource: the xAPI versions this LRS speaks."""

from __future__ import annotations

from aiohttp import web

from lrs import __version__
from lrs.xapi.versions import SUPPORTED_VERSIONS


async def get_about(_request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {
            "version": list(SUPPORTED_VERSIONS),
            "extensions": {
                "https://w3id.org/xapi/cohort-lrs/about/implementation": f"cohort-lrs {__version__}"
            },
        }
    )
