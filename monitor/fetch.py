"""Fetching feeds over HTTP: the only network step on the way in.

    fetch_all(requests) → for each, concurrently: fetch_feed → (request, FetchResult) → on_result

Every problem the network or the server can cause comes back as a ``FetchResult`` with
``outcome="error"`` and a one-line ``error``; nothing here raises for a bad feed, so one
broken feed never stops the others. Callers decide what an error means (backoff, alerts);
this module only reports what happened, including what the server asked for: a permanent
move (``permanent_url``), a pause (``retry_after``), new cache validators.

Defences, because feeds are written by strangers:

- Redirects are followed here, not by httpx, so that a chain of 301/308 can be reported
  as the feed's new address, and loops and over-long chains end with a clear message.
- Bodies are capped at ``max_bytes`` *after* decompression, decoding in bounded steps, so
  a small gzip bomb can neither exhaust memory nor slip under the cap.
- Every exchange has an overall deadline as well as httpx's per-read timeout: a server
  trickling one byte every few seconds never trips a read timeout.
- Concurrency is bounded globally and per host (``HostLimiter``), so a thousand feeds on
  a few hosts are fetched politely.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import logging
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Literal

import httpx

from monitor.config import FetchConfig
from monitor.logs import format_value

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Only encodings decoded here in bounded steps (see _BoundedDecoder); brotli would need a
# dependency and its own bounded decoder.
ACCEPT_ENCODING = "gzip, deflate"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
# The overall deadline of one exchange, in read timeouts: generous for a large feed on a
# slow link, finite for a server that trickles.
_DEADLINE_READ_TIMEOUTS = 3
_RAW_CHUNK = 64 * 1024

Outcome = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True)
class FetchRequest:
    """What the fetcher needs to know about one feed: where, and what we already have."""

    feed_id: int
    url: str
    etag: str | None
    last_modified: str | None
    label: str


@dataclass(frozen=True)
class FetchResult:
    """What happened when one URL was fetched.

    ``etag`` and ``last_modified`` are the validators to send next time: the server's new
    ones after a 200, else the ones the request carried, so storing them is always right.
    ``permanent_url`` is where the leading run of permanent redirects (301/308) from the
    requested URL ends, None when the first hop is not one; a temporary hop ends the run
    (301 → A, 302 → B gives A). The stored URL should then change to it. ``retry_after`` is in
    seconds from ``now``. ``permanent_error`` marks answers that will not fix themselves
    (410 Gone); the feed is polled with the same backoff all the same, so that a site that
    comes back is noticed.
    """

    outcome: Outcome
    status: int | None
    body: bytes
    headers: Mapping[str, str]
    final_url: str
    permanent_url: str | None
    etag: str | None
    last_modified: str | None
    retry_after: float | None
    error: str | None
    permanent_error: bool
    elapsed: float


def describe_failure(request: FetchRequest, result: FetchResult) -> str | None:
    """One line for logs and alerts naming the feed and what went wrong, or None if nothing did."""
    if result.error is None:
        return None
    return f"feed {request.label!r} ({request.url}): {result.error}"


class HostLimiter:
    """Bounds concurrent exchanges per host and, optionally, in total.

    A slot is held for one HTTP exchange (one hop of a redirect chain), never while
    waiting for another host, so redirects between hosts cannot deadlock. The host slot
    is taken before the global one: a request queued behind a busy host does not hold a
    global slot that another host could use.
    """

    def __init__(self, per_host: int, total: int | None = None) -> None:
        self._per_host = max(1, per_host)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._total = asyncio.Semaphore(total) if total else None

    @contextlib.asynccontextmanager
    async def slot(self, url: str | httpx.URL) -> AsyncIterator[None]:
        host = httpx.URL(url).host.lower() if isinstance(url, str) else url.host.lower()
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self._per_host)
        async with semaphore:
            if self._total is None:
                yield
            else:
                async with self._total:
                    yield


def make_client(cfg: FetchConfig) -> httpx.AsyncClient:
    """One client for a whole poll cycle: connection reuse, our headers, our timeouts."""
    timeout = httpx.Timeout(
        connect=cfg.connect_timeout,
        read=cfg.read_timeout,
        write=cfg.read_timeout,
        pool=cfg.connect_timeout,
    )
    limits = httpx.Limits(
        max_connections=max(cfg.concurrency, 1),
        max_keepalive_connections=max(cfg.concurrency, 1),
    )
    headers = {
        "user-agent": cfg.user_agent,
        "accept": FEED_ACCEPT,
        "accept-encoding": ACCEPT_ENCODING,
    }
    return httpx.AsyncClient(timeout=timeout, limits=limits, headers=headers, follow_redirects=False)


async def fetch_feed(
    client: httpx.AsyncClient,
    request: FetchRequest,
    cfg: FetchConfig,
    now: datetime,
    limiter: HostLimiter,
) -> FetchResult:
    """Fetch one feed with a conditional GET; never raises for network or HTTP problems."""
    conditional: dict[str, str] = {}
    if request.etag:
        conditional["if-none-match"] = request.etag
    if request.last_modified:
        conditional["if-modified-since"] = request.last_modified
    result = await _fetch(client, request.url, cfg, now, limiter, conditional)
    if result.outcome != "ok":
        # Keep what we had: a failure or a 304 says nothing against the old validators.
        result = dataclasses.replace(
            result,
            etag=result.etag or request.etag,
            last_modified=result.last_modified or request.last_modified,
        )
    return result


async def fetch_page(
    client: httpx.AsyncClient,
    url: str,
    cfg: FetchConfig,
    limiter: HostLimiter,
    now: datetime | None = None,
) -> FetchResult:
    """Fetch an article page (HTML) with the same limits and defences as a feed."""
    return await _fetch(
        client, url, cfg, now or datetime.now(UTC), limiter, {"accept": PAGE_ACCEPT}
    )


async def fetch_all(
    requests: Sequence[FetchRequest],
    cfg: FetchConfig,
    now: datetime,
    on_result: Callable[[FetchRequest, FetchResult], Awaitable[None]] | None = None,
    *,
    client: httpx.AsyncClient | None = None,
    limiter: HostLimiter | None = None,
) -> list[tuple[FetchRequest, FetchResult]]:
    """Fetch every request concurrently (bounded globally and per host); results as values.

    ``on_result`` is awaited as each fetch finishes, outside any concurrency slot. When it
    is given, the returned results carry no body (``b""``): the body was handed over, and
    keeping a thousand bodies until the end would defeat the point. An exception from
    ``on_result`` is logged and does not stop the other feeds. The returned list is in
    the order of ``requests``.

    Pass the ``client`` and ``limiter`` that ``on_result`` itself fetches with (article
    pages), so that those requests share the connection pool and count against the same
    per-host and global limits; without them, this call makes its own.
    """
    limiter = limiter or HostLimiter(cfg.per_host, cfg.concurrency)
    results: list[tuple[FetchRequest, FetchResult] | None] = [None] * len(requests)

    async def one(index: int, request: FetchRequest, client: httpx.AsyncClient) -> None:
        result = await fetch_feed(client, request, cfg, now, limiter)
        if on_result is not None:
            try:
                await on_result(request, result)
            except Exception:
                log.exception("event=feed_result_crashed feed=%s url=%s",
                              format_value(request.label), format_value(request.url))
            result = dataclasses.replace(result, body=b"")
        results[index] = (request, result)

    if client is not None:
        await asyncio.gather(*(one(i, r, client) for i, r in enumerate(requests)))
    else:
        async with make_client(cfg) as own:
            await asyncio.gather(*(one(i, r, own) for i, r in enumerate(requests)))
    return [pair for pair in results if pair is not None]


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    cfg: FetchConfig,
    now: datetime,
    limiter: HostLimiter,
    extra_headers: Mapping[str, str],
) -> FetchResult:
    started = time.monotonic()
    attempt = _Attempt(url=url, started=started)
    try:
        target = _check_url(url)
    except _Failure as failure:
        return attempt.failed(failure.message)
    visited = {str(target)}
    try:
        for _hop in range(cfg.max_redirects + 1):
            async with limiter.slot(target):
                async with asyncio.timeout(cfg.connect_timeout + _DEADLINE_READ_TIMEOUTS * cfg.read_timeout):
                    outcome = await _exchange(client, target, cfg, now, extra_headers, attempt)
            if not isinstance(outcome, httpx.URL):
                return outcome
            if str(outcome) in visited:
                return attempt.failed(f"redirect loop at {outcome}")
            visited.add(str(outcome))
            target = outcome
        return attempt.failed(f"too many redirects (more than {cfg.max_redirects}) from {url}")
    except TimeoutError:
        deadline = cfg.connect_timeout + _DEADLINE_READ_TIMEOUTS * cfg.read_timeout
        return attempt.failed(f"timed out after {_seconds(deadline)} in total (server too slow)")
    except _Failure as failure:
        return attempt.failed(failure.message)
    except httpx.HTTPError as exc:
        return attempt.failed(_describe_httpx_error(exc, cfg))
    except OSError as exc:
        return attempt.failed(f"network error: {exc.strerror or exc}")
    except Exception as exc:  # the batch boundary: one feed's surprise is not everyone's
        log.exception("event=fetch_crashed url=%s", format_value(url))
        return attempt.failed(f"unexpected error: {type(exc).__name__}: {exc}")


@dataclass
class _Attempt:
    """What is known so far about one fetch across its redirect hops (mutable, private)."""

    url: str
    started: float
    final_url: str = ""
    permanent_url: str | None = None
    all_permanent: bool = True
    status: int | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    retry_after: float | None = None

    def redirected(self, status: int, to: httpx.URL) -> None:
        self.all_permanent = self.all_permanent and status in _PERMANENT_REDIRECTS
        if self.all_permanent:
            self.permanent_url = str(to)

    def result(self, outcome: Outcome, body: bytes = b"", error: str | None = None,
               permanent_error: bool = False) -> FetchResult:
        return FetchResult(
            outcome=outcome,
            status=self.status,
            body=body,
            headers=self.headers,
            final_url=self.final_url or self.url,
            permanent_url=self.permanent_url,
            etag=self.headers.get("etag") if outcome == "ok" else None,
            last_modified=self.headers.get("last-modified") if outcome == "ok" else None,
            retry_after=self.retry_after,
            error=error,
            permanent_error=permanent_error,
            elapsed=time.monotonic() - self.started,
        )

    def failed(self, message: str, permanent: bool = False) -> FetchResult:
        return self.result("error", error=message, permanent_error=permanent)


class _Failure(Exception):
    """A problem already phrased for the user; caught at the top of _fetch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _exchange(
    client: httpx.AsyncClient,
    target: httpx.URL,
    cfg: FetchConfig,
    now: datetime,
    extra_headers: Mapping[str, str],
    attempt: _Attempt,
) -> FetchResult | httpx.URL:
    """One request/response; the next URL when it is a redirect, else the result."""
    async with client.stream("GET", target, headers=dict(extra_headers)) as response:
        attempt.final_url = str(response.url)
        attempt.status = response.status_code
        attempt.headers = {key.lower(): value for key, value in response.headers.items()}
        attempt.retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        status = response.status_code
        if status in _REDIRECT_STATUSES:
            location = response.headers.get("location")
            if not location:
                return attempt.failed(f"HTTP {status} redirect without a Location header")
            try:
                next_url = _check_url(str(response.url.join(location)))
            except (httpx.InvalidURL, ValueError):
                raise _Failure(f"HTTP {status} redirect to an invalid URL: {location!r}") from None
            attempt.redirected(status, next_url)
            return next_url
        if status == 304:
            return attempt.result("not_modified")
        if not 200 <= status < 300:
            return attempt.failed(_status_line(status), permanent=status == 410)
        body = await _read_capped(response, cfg.max_bytes)
        return attempt.result("ok", body=body)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(f"body larger than {_size(max_bytes)} (Content-Length {int(declared)})")
    decoder = _BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
    parts: list[bytes] = []
    async for raw in response.aiter_raw(_RAW_CHUNK):
        parts.append(decoder.decode(raw))
    parts.append(decoder.flush())
    return b"".join(parts)


class _BoundedDecoder:
    """Undoes Content-Encoding in steps that never produce more than ``max_bytes`` in total.

    httpx's own decoders inflate each network chunk in one go; 64 KiB of gzip can hold
    64 MiB of zeros, so the cap is enforced inside decompression instead.
    """

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.produced = 0
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise _Failure(f"unsupported Content-Encoding: {content_encoding}")
        self.coding = codings[0] if codings else ""
        if self.coding in ("gzip", "x-gzip"):
            self.inflater: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self.inflater = None  # zlib-wrapped or raw: decided by the first bytes
        elif self.coding:
            raise _Failure(f"unsupported Content-Encoding: {content_encoding}")
        else:
            self.inflater = None

    def decode(self, data: bytes) -> bytes:
        if not self.coding:
            return self._count(data)
        if self.inflater is None:
            # RFC 9110 says zlib-wrapped; some servers send raw deflate. Sniff the header.
            wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        out: list[bytes] = []
        try:
            while data:
                chunk = self.inflater.decompress(data, self.max_bytes - self.produced + 1)
                out.append(self._count(chunk))
                data = self.inflater.unconsumed_tail
                if self.inflater.eof:
                    break  # trailing garbage after the stream is ignored, as browsers do
        except zlib.error as exc:
            raise _Failure(f"could not decode {self.coding} body: {exc}") from None
        return b"".join(out)

    def flush(self) -> bytes:
        if self.inflater is None:
            return b""
        try:
            return self._count(self.inflater.flush())
        except zlib.error as exc:
            raise _Failure(f"could not decode {self.coding} body: {exc}") from None

    def _count(self, data: bytes) -> bytes:
        self.produced += len(data)
        if self.produced > self.max_bytes:
            what = "decompressed body" if self.coding else "body"
            raise _Failure(f"{what} larger than {_size(self.max_bytes)}")
        return data


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from ``now``: Retry-After is either a delay or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _check_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise _Failure(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise _Failure(f"invalid URL {url!r}: only http and https are fetched")
    if not parsed.host:
        raise _Failure(f"invalid URL {url!r}: no host")
    return parsed


def _status_line(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "(non-standard status)"
    return f"HTTP {status} {phrase}"


def _describe_httpx_error(exc: httpx.HTTPError, cfg: FetchConfig) -> str:
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out after {_seconds(cfg.connect_timeout)} connecting"
    if isinstance(exc, httpx.ReadTimeout):
        return f"timed out after {_seconds(cfg.read_timeout)} reading"
    if isinstance(exc, httpx.WriteTimeout):
        return f"timed out after {_seconds(cfg.read_timeout)} sending the request"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.ConnectError):
        causes = list(_causes(exc))
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return "connection refused"
        if any(isinstance(c, socket.gaierror) for c in causes):
            return f"DNS lookup failed: {detail}"
        lowered = detail.lower()
        if "refused" in lowered:
            return "connection refused"
        if any(s in lowered for s in ("name or service not known", "nodename nor servname",
                                      "temporary failure in name resolution", "getaddrinfo",
                                      "no address associated")):
            return f"DNS lookup failed: {detail}"
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS error: {detail}"
        return f"could not connect: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {detail}"
    if isinstance(exc, httpx.ReadError):
        return f"connection broken while reading: {detail}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"invalid URL: {detail}"
    return f"{type(exc).__name__}: {detail}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it: httpx wraps the OS error under a generic message."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
