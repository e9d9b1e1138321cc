"""Run the production SMTP server factory on a loopback port, in a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from escalations.intake.smtp import IntakeHandler, make_server_factory


class IntakeServer:
    def __init__(self, handler: IntakeHandler) -> None:
        self.handler = handler
        self.host = "127.0.0.1"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="intake-server", daemon=True)

    def __enter__(self) -> IntakeServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(make_server_factory(self.handler), self.host, 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()
            # Let aiosmtpd's per-connection tasks finish before the loop stops.
            await asyncio.sleep(0.05)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.run_until_complete(self._loop.shutdown_default_executor())
        self._loop.close()
