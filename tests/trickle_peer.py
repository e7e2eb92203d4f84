"""A peer on 127.0.0.1 that answers one byte at a time: the slow peer no per-read timeout catches.

A raw asyncio socket server in its own thread. ``kind="http"`` reads the request, then
trickles ``HTTP/1.1 200 OK`` and a header that never ends; ``kind="smtp"`` trickles its
greeting (``220 xxx...``) without waiting for anything. Each byte comes ``interval`` seconds
after the last, so a client whose read timeout is longer never times out reading. A
connection is closed by the peer after ``give_up_s`` (so a client with no overall deadline
is not stuck for ever, only for far longer than its deadline) or when the client hangs up.

``peer.trickle = False`` makes an HTTP peer answer ``200 OK`` at once (the receiver is
back). ``connections`` counts accepted connections; ``hung_up`` those the client closed
before the peer gave up: a client that gave up at its deadline closed its socket.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Literal


class TricklePeer:
    def __init__(self, kind: Literal["http", "smtp"], *, interval: float = 0.1, give_up_s: float = 30.0) -> None:
        self.kind = kind
        self.interval = interval
        self.give_up_s = give_up_s
        self.trickle = True
        self.connections = 0
        self.hung_up = 0
        self.answered = 0  # HTTP requests answered at once (trickle off)
        self.lock = threading.Lock()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> TricklePeer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def __enter__(self) -> TricklePeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self.lock:
            self.connections += 1
        try:
            if self.kind == "http":
                await reader.readuntil(b"\r\n\r\n")
                if not self.trickle:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    await writer.drain()
                    with self.lock:
                        self.answered += 1
                    return
                answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1_000_000
            else:
                answer = b"220 " + b"x" * 1_000_000
            loop = asyncio.get_running_loop()
            give_up = loop.time() + self.give_up_s
            for byte in answer:
                if loop.time() > give_up:
                    return
                writer.write(bytes([byte]))
                await writer.drain()
                # A closed connection reads as EOF here, so a client that hung up is seen at once.
                try:
                    data = await asyncio.wait_for(reader.read(1024), self.interval)
                except TimeoutError:
                    continue
                if not data:
                    with self.lock:
                        self.hung_up += 1
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            with self.lock:
                self.hung_up += 1
        finally:
            writer.close()
