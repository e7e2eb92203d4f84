"""fetch_feed / fetch_all against a real HTTP server on 127.0.0.1: every failure is a value."""

from __future__ import annotations

import asyncio
import socket
import tracemalloc
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from feedserver import FeedServer, Route, gzip_bomb, http_date

from monitor.config import FetchConfig, Seconds
from monitor.extract import extract_main_text
from monitor.fetch import (
    FetchRequest,
    FetchResult,
    HostLimiter,
    describe_failure,
    fetch_all,
    fetch_feed,
    fetch_page,
    make_client,
    parse_retry_after,
)
from monitor.parse import NotAFeed, parse_feed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CFG = FetchConfig(
    connect_timeout=Seconds(1), read_timeout=Seconds(0.4), max_bytes=1024 * 1024, max_redirects=5,
    per_host=4, concurrency=8,
)
FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Dawn</title>'
    b"<item><guid>https://www.dawn.com/news/1</guid><title>Gwadar port</title>"
    b"<pubDate>Sat, 21 Nov 2026 10:00:00 +0000</pubDate><description>CPEC.</description></item>"
    b"</channel></rss>"
)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def request(url: str, etag: str | None = None, last_modified: str | None = None, label: str = "Dawn") -> FetchRequest:
    return FetchRequest(feed_id=1, url=url, etag=etag, last_modified=last_modified, label=label)


def fetch(req: FetchRequest, cfg: FetchConfig = CFG) -> FetchResult:
    async def go() -> FetchResult:
        async with make_client(cfg) as client:
            return await fetch_feed(client, req, cfg, NOW, HostLimiter(cfg.per_host))
    return run(go())


def fetch_url(url: str, cfg: FetchConfig = CFG) -> FetchResult:
    return fetch(request(url), cfg)


# ── success and conditional GET ─────────────────────────────────────────────────────────


def test_ok_returns_body_headers_and_validators(feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", FEED, etag='"v1"', last_modified="Sat, 21 Nov 2026 10:00:00 GMT")
    result = fetch_url(url)
    assert (result.outcome, result.status, result.error) == ("ok", 200, None)
    assert result.body == FEED
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert (result.etag, result.last_modified) == ('"v1"', "Sat, 21 Nov 2026 10:00:00 GMT")
    assert result.final_url == url and result.permanent_url is None
    sent = feed_server.requests_for("/a.xml")[0].headers
    assert sent["user-agent"] == CFG.user_agent
    assert "application/rss+xml" in sent["accept"]
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in sent


def test_etag_sends_if_none_match_and_304_is_not_modified(feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", FEED, etag='"v1"')
    result = fetch(request(url, etag='"v1"', last_modified="Sat, 21 Nov 2026 10:00:00 GMT"))
    assert (result.outcome, result.status, result.body, result.error) == ("not_modified", 304, b"", None)
    assert result.etag == '"v1"' and result.last_modified == "Sat, 21 Nov 2026 10:00:00 GMT"
    sent = feed_server.requests_for("/a.xml")[0].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Sat, 21 Nov 2026 10:00:00 GMT"


def test_last_modified_alone_gives_304(feed_server: FeedServer) -> None:
    stamp = http_date(1_700_000_000)
    url = feed_server.serve("/a.xml", FEED, last_modified=stamp)
    assert fetch(request(url, last_modified=stamp)).outcome == "not_modified"
    assert fetch(request(url, etag='"other"')).outcome == "ok"


def test_changed_etag_gives_the_new_body_and_validator(feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", FEED, etag='"v2"')
    result = fetch(request(url, etag='"v1"'))
    assert result.outcome == "ok" and result.etag == '"v2"'


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_body_is_decoded(feed_server: FeedServer, encoding: str) -> None:
    url = feed_server.serve("/a.xml", FEED * 50, encoding=encoding)
    result = fetch_url(url)
    assert result.outcome == "ok" and result.body == FEED * 50


def test_raw_deflate_is_decoded_too(feed_server: FeedServer) -> None:
    import zlib
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = compressor.compress(FEED) + compressor.flush()
    url = feed_server.serve("/a.xml", raw, encoding="deflate", precompressed=True)
    assert fetch_url(url).body == FEED


def test_corrupt_gzip_is_an_error(feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", b"\x1f\x8b\x08\x00garbage-garbage", encoding="gzip", precompressed=True)
    result = fetch_url(url)
    assert result.outcome == "error"
    assert result.error is not None and result.error.startswith("could not decode gzip body: ")


def test_body_without_content_length(feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", FEED, content_length=False)
    assert fetch_url(url).body == FEED


# ── HTTP errors ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("status", "message", "permanent"), [
    (404, "HTTP 404 Not Found", False),
    (410, "HTTP 410 Gone", True),
    (500, "HTTP 500 Internal Server Error", False),
    (403, "HTTP 403 Forbidden", False),
    (599, "HTTP 599 (non-standard status)", False),
])
def test_http_error_statuses(feed_server: FeedServer, status: int, message: str, permanent: bool) -> None:
    url = feed_server.fault("/a.xml", status)
    result = fetch(request(url, etag='"v1"'))
    assert (result.outcome, result.status, result.error) == ("error", status, message)
    assert result.permanent_error is permanent
    assert result.etag == '"v1"'  # a failure says nothing against the old validators
    assert describe_failure(request(url), result) == f"feed 'Dawn' ({url}): {message}"


def test_429_with_retry_after_seconds(feed_server: FeedServer) -> None:
    result = fetch_url(feed_server.fault("/a.xml", 429, retry_after="120"))
    assert (result.error, result.retry_after) == ("HTTP 429 Too Many Requests", 120.0)


def test_503_with_retry_after_date(feed_server: FeedServer) -> None:
    when = NOW + timedelta(minutes=10)
    result = fetch_url(feed_server.fault("/a.xml", 503, retry_after=http_date(when.timestamp())))
    assert (result.error, result.retry_after) == ("HTTP 503 Service Unavailable", 600.0)


@pytest.mark.parametrize(("value", "seconds"), [
    ("0", 0.0), (" 30 ", 30.0), ("Sun, 22 Nov 2026 11:00:00 GMT", 0.0), ("Sun, 22 Nov 2026 12:01:00 GMT", 60.0),
    ("soon", None), ("", None), (None, None), ("-5", None),
])
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


# ── network failures ────────────────────────────────────────────────────────────────────


def test_slow_server_times_out_reading(feed_server: FeedServer) -> None:
    url = feed_server.serve("/slow.xml", FEED, delay=1.5)
    result = fetch_url(url)
    assert (result.outcome, result.error) == ("error", "timed out after 0.4s reading")
    assert result.elapsed < 1.2


def test_trickling_server_hits_the_overall_deadline(feed_server: FeedServer) -> None:
    cfg = FetchConfig(connect_timeout=Seconds(0.2), read_timeout=Seconds(0.3), max_bytes=CFG.max_bytes)
    url = feed_server.serve("/drip.xml", FEED * 10, drip=0.05, drip_chunk=8)
    result = fetch_url(url, cfg)
    assert (result.outcome, result.error) == ("error", "timed out after 1.1s in total (server too slow)")


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch_url(f"http://127.0.0.1:{port}/feed.xml")
    assert (result.outcome, result.status, result.error) == ("error", None, "connection refused")


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "invalid URL 'not a url': "),
    ("ftp://example.org/feed", "invalid URL 'ftp://example.org/feed': only http and https are fetched"),
    ("http:///feed", "invalid URL 'http:///feed': "),
    ("", "invalid URL '': "),
])
def test_invalid_urls(url: str, message: str) -> None:
    result = fetch_url(url)
    assert result.outcome == "error"
    assert result.error is not None and result.error.startswith(message)


# ── redirects ───────────────────────────────────────────────────────────────────────────


def test_redirect_loop(feed_server: FeedServer) -> None:
    feed_server.redirect("/a.xml", "/b.xml")
    feed_server.redirect("/b.xml", "/a.xml")
    result = fetch_url(feed_server.url("/a.xml"))
    assert (result.outcome, result.error) == ("error", f"redirect loop at {feed_server.url('/a.xml')}")


def test_too_many_redirects(feed_server: FeedServer) -> None:
    for n in range(7):
        feed_server.redirect(f"/r{n}", f"/r{n + 1}")
    feed_server.serve("/r7", FEED)
    result = fetch_url(feed_server.url("/r0"))
    assert result.error == f"too many redirects (more than 5) from {feed_server.url('/r0')}"
    assert len(feed_server.requests) == 6


def test_permanent_redirect_chain_reports_the_new_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/old.xml", "/older.xml", status=301)
    feed_server.redirect("/older.xml", feed_server.url("/new.xml"), status=308)
    new = feed_server.serve("/new.xml", FEED, etag='"n"')
    result = fetch(request(feed_server.url("/old.xml"), etag='"n"'))
    assert (result.outcome, result.final_url, result.permanent_url) == ("not_modified", new, new)
    assert all(r.headers.get("if-none-match") == '"n"' for r in feed_server.requests)


def test_temporary_hop_stops_the_permanent_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/old.xml", "/moved.xml", status=301)
    feed_server.redirect("/moved.xml", "/today.xml", status=302)
    feed_server.serve("/today.xml", FEED)
    result = fetch_url(feed_server.url("/old.xml"))
    assert result.outcome == "ok"
    assert result.final_url == feed_server.url("/today.xml")
    assert result.permanent_url == feed_server.url("/moved.xml")


def test_temporary_redirect_is_not_permanent(feed_server: FeedServer) -> None:
    feed_server.redirect("/a.xml", "/b.xml", status=307)
    feed_server.serve("/b.xml", FEED)
    result = fetch_url(feed_server.url("/a.xml"))
    assert result.outcome == "ok" and result.permanent_url is None


def test_redirect_without_location(feed_server: FeedServer) -> None:
    feed_server.route("/a.xml", Route(status=302, content_type=None))
    assert fetch_url(feed_server.url("/a.xml")).error == "HTTP 302 redirect without a Location header"


# ── size limits ─────────────────────────────────────────────────────────────────────────


def test_oversized_body_with_content_length(feed_server: FeedServer) -> None:
    big = b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>"
    result = fetch_url(feed_server.serve("/big.xml", big))
    assert result.error == f"body larger than 1 MiB (Content-Length {len(big)})"


def test_oversized_body_without_content_length(feed_server: FeedServer) -> None:
    big = b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>"
    result = fetch_url(feed_server.serve("/big.xml", big, content_length=False))
    assert result.error == "body larger than 1 MiB"


def test_gzip_bomb_stops_at_the_cap_without_inflating_it(feed_server: FeedServer) -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)  # 64 MiB of zeros in ~64 KiB: all of it in one network read
    url = feed_server.serve("/bomb.xml", bomb, encoding="gzip", precompressed=True)
    tracemalloc.start()
    try:
        result = fetch_url(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "decompressed body larger than 1 MiB"
    assert peak < 8 * 1024 * 1024


# ── many feeds ──────────────────────────────────────────────────────────────────────────


def test_fetch_all_keeps_going_past_broken_feeds(feed_server: FeedServer) -> None:
    """Every kind of broken feed in one batch: each gets a clear message, the good ones parse."""
    good = feed_server.serve("/good.xml", FEED)
    good_gzip = feed_server.serve("/good-gz.xml", FEED, encoding="gzip")
    latin = feed_server.serve("/latin.xml", FEED.replace(b"Gwadar port", "Caf\u00e9".encode("cp1252")))
    feed_server.redirect("/loop1", "/loop2")
    feed_server.redirect("/loop2", "/loop1")
    cases = {
        "good": (good, None),
        "good-gzip": (good_gzip, None),
        "wrong charset": (latin, None),
        "404": (feed_server.fault("/404", 404), "HTTP 404 Not Found"),
        "410": (feed_server.fault("/410", 410), "HTTP 410 Gone"),
        "500": (feed_server.fault("/500", 500), "HTTP 500 Internal Server Error"),
        "slow": (feed_server.serve("/slow", FEED, delay=1.5), "timed out after 0.4s reading"),
        "loop": (feed_server.url("/loop1"), f"redirect loop at {feed_server.url('/loop1')}"),
        "big": (feed_server.serve("/big", b"x" * (CFG.max_bytes + 1)), "body larger than 1 MiB"),
        "bomb": (feed_server.serve("/bomb", gzip_bomb(64 * 1024 * 1024), encoding="gzip", precompressed=True),
                 "decompressed body larger than 1 MiB"),
        "html": (feed_server.serve("/html", b"<!doctype html><html><body>Hi</body></html>",
                                   content_type="text/html"), "not a feed: got an HTML page (text/html)"),
        "empty": (feed_server.serve("/empty", b""), "empty body"),
        "malformed": (feed_server.serve("/bad", b"<?xml version='1.0'?>\n<rss><channel><<<"),
                      "malformed XML at line 2: "),
        "invalid url": ("http://", "invalid URL 'http://': "),
    }
    requests = [FetchRequest(feed_id=i, url=url, etag=None, last_modified=None, label=label)
                for i, (label, (url, _)) in enumerate(cases.items())]
    messages: dict[str, str] = {}
    titles: dict[str, list[str]] = {}

    async def on_result(req: FetchRequest, result: FetchResult) -> None:
        if result.outcome != "ok":
            messages[req.label] = describe_failure(req, result) or ""
            return
        try:
            parsed = parse_feed(result.body, result.headers, result.final_url, req.label, NOW)
        except NotAFeed as exc:
            messages[req.label] = exc.describe()
            return
        titles[req.label] = [a.title for a in parsed.articles]

    done = run(fetch_all(requests, CFG, NOW, on_result=on_result))
    assert [req for req, _ in done] == requests
    assert all(result.body == b"" for _, result in done)  # handed to on_result, not kept
    assert titles == {"good": ["Gwadar port"], "good-gzip": ["Gwadar port"], "wrong charset": ["Caf\u00e9"]}
    for label, (url, expected) in cases.items():
        if expected is None:
            continue
        assert messages[label].startswith(f"feed {label!r} ({url}): {expected}"), messages[label]


def test_fetch_all_without_callback_returns_bodies(feed_server: FeedServer) -> None:
    urls = [feed_server.serve(f"/f{n}.xml", FEED + str(n).encode()) for n in range(5)]
    done = run(fetch_all([request(u) for u in urls], CFG, NOW))
    assert [r.body for _, r in done] == [FEED + str(n).encode() for n in range(5)]


def test_fetch_all_survives_a_failing_callback(feed_server: FeedServer, caplog: pytest.LogCaptureFixture) -> None:
    urls = [feed_server.serve(f"/f{n}.xml", FEED) for n in range(3)]
    seen: list[str] = []

    async def on_result(req: FetchRequest, result: FetchResult) -> None:
        seen.append(req.url)
        if req.url == urls[1]:
            raise RuntimeError("pipeline bug")

    done = run(fetch_all([request(u, label=f"feed{n}") for n, u in enumerate(urls)], CFG, NOW, on_result))
    assert sorted(seen) == sorted(urls) and len(done) == 3
    assert "event=feed_result_crashed feed=feed1" in caplog.text


def test_per_host_limit_is_respected(feed_server: FeedServer) -> None:
    cfg = FetchConfig(connect_timeout=Seconds(1), read_timeout=Seconds(2), per_host=2, concurrency=10)
    urls = [feed_server.serve(f"/f{n}.xml", FEED, delay=0.1) for n in range(8)]
    done = run(fetch_all([request(u) for u in urls], cfg, NOW))
    assert all(r.outcome == "ok" for _, r in done)
    assert feed_server.max_in_flight == 2


def test_global_limit_is_respected(feed_server: FeedServer) -> None:
    cfg = FetchConfig(connect_timeout=Seconds(1), read_timeout=Seconds(2), per_host=10, concurrency=3)
    urls = [feed_server.serve(f"/f{n}.xml", FEED, delay=0.1) for n in range(9)]
    run(fetch_all([request(u) for u in urls], cfg, NOW))
    assert feed_server.max_in_flight == 3


def test_fetch_all_shares_the_callers_client_and_limiter(feed_server: FeedServer) -> None:
    """Feeds and the article pages on_result fetches count against one per-host limit."""
    cfg = FetchConfig(connect_timeout=Seconds(1), read_timeout=Seconds(2), per_host=4, concurrency=10)
    urls = [feed_server.serve(f"/f{n}.xml", FEED, delay=0.1) for n in range(4)]
    pages = [feed_server.serve(f"/p{n}.html", b"<html></html>", delay=0.1) for n in range(4)]

    async def go() -> list[tuple[FetchRequest, FetchResult]]:
        limiter = HostLimiter(1)
        async with make_client(cfg) as client:
            async def on_result(req: FetchRequest, result: FetchResult) -> None:
                page = pages[urls.index(req.url)]
                assert (await fetch_page(client, page, cfg, limiter, NOW)).outcome == "ok"

            return await fetch_all([request(u) for u in urls], cfg, NOW, on_result, client=client, limiter=limiter)

    done = run(go())
    assert all(r.outcome == "ok" for _, r in done) and len(feed_server.requests) == 8
    assert feed_server.max_in_flight == 1


def test_fetch_page_asks_for_html(feed_server: FeedServer) -> None:
    page = b"<html><body><article><p>Text</p></article></body></html>"
    url = feed_server.serve("/story.html", page, content_type="text/html; charset=utf-8")

    async def go() -> FetchResult:
        async with make_client(CFG) as client:
            return await fetch_page(client, url, CFG, HostLimiter(2), NOW)

    result = run(go())
    assert result.outcome == "ok" and result.body == page
    assert feed_server.requests_for("/story.html")[0].headers["accept"].startswith("text/html")


def test_article_page_fetched_and_its_main_text_extracted(feed_server: FeedServer) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n}: Chinese engineers working on the Dasu hydropower project were escorted by "
        f"security forces along the Karakoram Highway, officials said on Tuesday.</p>" for n in range(6)
    )
    page = (
        "<!doctype html><html><head><title>Dasu convoy</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/pakistan'>Pakistan</a></nav>"
        f"<article><h1>Dasu convoy escorted</h1>{paragraphs}</article>"
        "<div class='comments'><p>Reader comment: first!</p></div>"
        "<footer>Copyright Example News</footer></body></html>"
    ).encode()
    url = feed_server.serve("/story.html", page, content_type="text/html; charset=utf-8")

    async def go() -> FetchResult:
        async with make_client(CFG) as client:
            return await fetch_page(client, url, CFG, HostLimiter(2), NOW)

    text = extract_main_text(run(go()).body, url)
    assert text is not None
    assert "Paragraph 0: Chinese engineers" in text and "Paragraph 5" in text
    assert "Copyright Example News" not in text and "Home" not in text


@pytest.mark.parametrize("html", [b"", b"   ", b"<html><body><p>Subscribe to read.</p></body></html>", b"\x00\x01"])
def test_pages_without_an_article_have_no_main_text(html: bytes) -> None:
    assert extract_main_text(html, "https://example.org/x") is None
