"""Serving the console: uvicorn on ``[console] host`` and ``port``, in its own process under `serve`.

Its own process (started and restarted by the intake process, like the worker)
so that no page, however slow, can hold up the SMTP intake (DESIGN.md
invariant 11). Uvicorn's access log is off: sign-in links carry their token in
the path, and the access that matters is recorded in the access log table.
"""

from __future__ import annotations

import logging

import uvicorn

from escalations.console.app import create_app
from escalations.service.runtime import Runtime

log = logging.getLogger(__name__)


def serve_console(runtime: Runtime) -> None:
    """Run until SIGTERM or SIGINT (uvicorn handles both: it finishes the requests in hand, then returns)."""
    settings = runtime.settings.console
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level="warning",
        lifespan="off",
    )
    log.info("serve: console listening on %s:%s, open %s", settings.host, settings.port, settings.base_url)
    uvicorn.Server(config).run()
