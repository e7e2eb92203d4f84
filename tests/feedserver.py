"""A real HTTP server on 127.0.0.1 serving feeds, for tests and benchmarks.

    with FeedServer() as server:
        server.serve("/a.xml", body, etag='"v1"')            # 304 when If-None-Match matches
        server.serve("/slow.xml", body, delay=5)              # headers after 5 s
        server.redirect("/old.xml", "/a.xml", status=301)
        server.fault("/gone.xml", status=410)
        url = server.url("/a.xml")
        ...
        server.requests_for("/a.xml")[-1].headers["if-none-match"]

Routes can be changed while the server runs. Every request is logged (path and
lower-case headers) so that tests can assert what the client sent. Threaded, with
HTTP/1.1 keep-alive, so it stands up to a benchmark of a thousand feeds.
"""

from __future__ import annotations

import functools
import gzip
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Route:
    """How one path answers. ``body`` is sent as-is unless ``encoding`` compresses it."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body chunks: a trickling server
    drip_chunk: int = 16
    encoding: str | None = None  # "gzip" or "deflate": compress body on the fly
    precompressed: bool = False  # body is already encoded as ``encoding``
    content_length: bool = True  # False: no Content-Length, close the connection after


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """Serves registered routes on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self.requests: list[LoggedRequest] = []
        self._status_counts: dict[int, int] = {}
        self._in_flight = 0
        self.max_in_flight = 0  # most requests being answered at once, for limit tests
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.feeds = self
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------

    def start(self) -> FeedServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feedserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # routes --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, route: Route) -> str:
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def serve(self, path: str, body: bytes, **options: object) -> str:
        """Serve ``body`` at ``path``; options are Route fields. Returns the full URL."""
        return self.route(path, Route(body=body, **options))  # type: ignore[arg-type]

    def fault(self, path: str, status: int, *, body: bytes = b"", retry_after: str | None = None,
              headers: dict[str, str] | None = None, content_type: str | None = "text/plain",
              delay: float = 0.0) -> str:
        """Answer ``path`` with an error ``status`` (and a Retry-After, if given)."""
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = retry_after
        return self.route(path, Route(body=body, status=status, headers=extra,
                                      content_type=content_type, delay=delay))

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect ``path`` to ``to`` (a path on this server or an absolute URL)."""
        return self.route(path, Route(status=status, headers={"Location": to}, content_type=None))

    def lookup(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path)

    # the log -------------------------------------------------------------------------

    def log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_for(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def count(self, status: int | None = None) -> int:
        return len(self.requests) if status is None else self.status_counts.get(status, 0)

    @property
    def status_counts(self) -> dict[int, int]:
        with self._lock:
            return dict(self._status_counts)

    def record_status(self, status: int) -> None:
        with self._lock:
            self._status_counts[status] = self._status_counts.get(status, 0) + 1

    def entered(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def left(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self._status_counts.clear()
            self.max_in_flight = 0


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


@functools.lru_cache(maxsize=4)
def gzip_bomb(decompressed_bytes: int) -> bytes:
    """gzip of ``decompressed_bytes`` zeros: about a thousandth of the size, compressed."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = []
    remaining = decompressed_bytes
    while remaining > 0:
        parts.append(compressor.compress(block[: min(remaining, len(block))]))
        remaining -= len(block)
    parts.append(compressor.flush())
    return b"".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    feeds: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (a timeout test, a size cap) is expected, not news.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log is FeedServer.requests

    def do_HEAD(self) -> None:
        self.answer(send_body=False)

    def do_GET(self) -> None:
        self.answer(send_body=True)

    def answer(self, send_body: bool) -> None:
        self.server.feeds.entered()
        try:
            self.respond(send_body)
        finally:
            self.server.feeds.left()

    def respond(self, send_body: bool) -> None:
        feeds = self.server.feeds
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        feeds.log(LoggedRequest(self.command, self.path, headers, time.time()))
        route = feeds.lookup(path)
        if route is None:
            self.plain(404, b"no such feed\n", send_body)
            return
        if route.delay:
            time.sleep(route.delay)
        if route.status == 200 and self.not_modified(route, headers):
            feeds.record_status(304)
            self.send_response(304)
            self.send_validators(route)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = route.body
        if route.encoding and not route.precompressed:
            body = gzip.compress(body) if route.encoding == "gzip" else zlib.compress(body)
        feeds.record_status(route.status)
        try:
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            if route.encoding:
                self.send_header("Content-Encoding", route.encoding)
            self.send_validators(route)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.content_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not send_body:
                return
            if route.drip:
                for start in range(0, len(body), route.drip_chunk):
                    self.wfile.write(body[start:start + route.drip_chunk])
                    self.wfile.flush()
                    time.sleep(route.drip)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up: that is what some tests want

    def not_modified(self, route: Route, headers: dict[str, str]) -> bool:
        if route.etag and "if-none-match" in headers:
            tags = [t.strip() for t in headers["if-none-match"].split(",")]
            return route.etag in tags or "*" in tags
        if route.last_modified and "if-modified-since" in headers:
            return headers["if-modified-since"] == route.last_modified
        return False

    def send_validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)

    def plain(self, status: int, body: bytes, send_body: bool) -> None:
        self.server.feeds.record_status(status)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
