"""The 200 real feed captures in ../shared/feeds, served over HTTP, fetched and parsed.

Real feeds are where the surprises are (dialects, encodings, broken markup); this test
only asks that each one is either parsed into well-formed Articles or refused with a
clear NotAFeed message, never a crash. Parsing runs in worker processes: it is CPU-bound
(HTML to text), and the machine running the suite has more than one core.
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedserver import FeedServer

from monitor.config import FetchConfig, Seconds
from monitor.fetch import FetchRequest, FetchResult, describe_failure, fetch_all
from monitor.parse import NotAFeed, parse_feed

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MANIFEST = SHARED / "feeds" / "manifest.tsv"
NOW = datetime.now(UTC)
CLEAR_REFUSAL = re.compile(r"^feed '[^']+' \(http://127\.0\.0\.1:\d+/c/\d+\.\w+\): "
                           r"(malformed XML at line \d+: .+|not a feed: .+|empty body|malformed JSON Feed: .+)$")

pytestmark = pytest.mark.skipif(not MANIFEST.exists(), reason=f"no feed captures at {MANIFEST} (../shared absent)")


def captures() -> list[tuple[Path, str]]:
    rows = [line.split("\t") for line in MANIFEST.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [(SHARED / "feeds" / row[0], row[1]) for row in rows]


def parse_summary(body: bytes, headers: dict[str, str], url: str, label: str) -> tuple[str, int, str]:
    """Runs in a worker: ("ok", articles, "") or ("not a feed", 0, message)."""
    try:
        parsed = parse_feed(body, headers, url, label, NOW)
    except NotAFeed as exc:
        return "not a feed", 0, exc.describe()
    for article in parsed.articles:
        assert article.id and article.source == label
        assert article.published.tzinfo is not None and article.published <= NOW
        assert article.content_hash and len(article.content_hash) == 64
        assert article.url is None or article.url.startswith(("http://", "https://"))
    return "ok", len(parsed.articles), ""


def test_all_captures_fetch_and_parse(feed_server: FeedServer) -> None:
    files = captures()
    assert len(files) == 200
    requests = []
    for n, (path, original_url) in enumerate(files):
        body = path.read_bytes()
        json_feed = body.lstrip()[:1] == b"{"
        url = feed_server.serve(f"/c/{n:03d}{path.suffix}", body, etag=f'"{n}"',
                                content_type="application/json" if json_feed else "application/xml")
        requests.append(FetchRequest(feed_id=n, url=url, etag=None, last_modified=None, label=original_url))
    cfg = FetchConfig(read_timeout=Seconds(30), concurrency=20, per_host=20)
    outcomes: dict[str, tuple[str, int, str]] = {}

    async def run() -> list[tuple[FetchRequest, FetchResult]]:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            async def on_result(request: FetchRequest, result: FetchResult) -> None:
                assert result.outcome == "ok", describe_failure(request, result)
                outcomes[request.label] = await loop.run_in_executor(
                    pool, parse_summary, result.body, dict(result.headers), result.final_url, request.label
                )
            return await fetch_all(requests, cfg, NOW, on_result=on_result)

    done = asyncio.run(run())
    assert all(result.outcome == "ok" for _, result in done)
    assert len(outcomes) == 200, "on_result raised for some feeds (see the log)"
    # A refusal is fine when it says clearly why (one capture is genuinely broken: "rss:"
    # prefixes without a namespace, after a second XML declaration); a crash is not.
    refused = {label: message for label, (kind, _, message) in outcomes.items() if kind != "ok"}
    assert len(refused) <= 3, refused
    for label, message in refused.items():
        assert CLEAR_REFUSAL.match(message), (label, message)
    assert sum(count for _, count, _ in outcomes.values()) > 5000
    # The second round is all 304s: the server saw the validators.
    again = [FetchRequest(r.feed_id, r.url, f'"{r.feed_id}"', None, r.label) for r in requests]
    second = asyncio.run(fetch_all(again, cfg, NOW))
    assert all(result.outcome == "not_modified" for _, result in second)
