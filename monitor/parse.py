"""Feed documents (bytes + response headers) into normalised ``Article``s. Pure.

    parse_feed(body, headers, url, source, now) → ParsedFeed(title, articles, warnings)

feedparser does the reading: RSS 0.9x–2.0, RSS 1.0, Atom, broken XML (its loose parser
recovers what it can), and character sets (HTTP header, XML declaration, BOM, fallbacks).
This module decides what counts as a feed at all, and turns entries into Articles:

- ``id``: the entry's GUID, else its canonical link, else a hash of its content, so an
  entry is the same Article on every poll. A GUID that is not an absolute URI means
  something only within its site, so it is scoped by the feed's host ("dawn.com#123");
  feedparser already resolves a relative permalink GUID against the feed's URL.
- ``published``: timezone-aware UTC; missing, invalid or future dates become ``now``
  (the time first seen), because a story cannot be published after we saw it.
- ``text``: plain text of the longest of the entry's content and summary.

A document that is not a feed raises ``NotAFeed`` with a message saying why; problems
that leave usable entries (recovered XML, a wrong charset, duplicate GUIDs, bad dates)
become ``warnings``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import xml.sax
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import bs4  # noqa: F401  (here, not at the first feed with markup: parse workers preload this module)
import feedparser

from monitor.clean import html_to_text, normalise_whitespace
from monitor.models import Article
from monitor.urls import canonical_url

# Clock skew tolerated before a date counts as "in the future".
_FUTURE_SLACK = timedelta(minutes=10)
_UNTITLED_LENGTH = 120
_SNIFF_BYTES = 2048
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<")
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|rdf|channel)[\s>/]", re.IGNORECASE)
_FEED_TYPES = ("xml", "rss", "atom", "rdf")
_WHITESPACE = re.compile(r"\s+")
_JSON_FEED = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{.*"version"\s*:\s*"https?://jsonfeed\.org/version/', re.DOTALL)
_ABSOLUTE_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S")
_MAX_LISTED = 3


class NotAFeed(Exception):
    """The document is not a feed we can read.

    ``str()`` is the one-line reason ("empty body", "not a feed: got an HTML page
    (text/html)"), like ``FetchResult.error``; ``describe()`` also names the feed.
    """

    def __init__(self, reason: str, *, source: str = "", url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.url = url

    def describe(self) -> str:
        return f"feed {self.source!r} ({self.url}): {self.reason}"


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed says, normalised: its title, its entries as Articles, what was odd."""

    title: str
    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, source: str, now: datetime
) -> ParsedFeed:
    """Parse a fetched feed document; raise NotAFeed when it is not one.

    ``headers`` are the response headers (lower-case keys; ``content-type`` matters for
    the character set); ``url`` is where the document came from (relative links resolve
    against it); ``source`` is the feed's label, copied into every Article.
    """
    content_type = _header(headers, "content-type")
    if _JSON_FEED.match(body[:_SNIFF_BYTES]):
        return _parse_json_feed(body, url, source, now)
    _check_looks_like_feed(body, content_type, source, url)
    response_headers = {"content-location": url}
    if content_type:
        response_headers["content-type"] = content_type
    # A BytesIO, never raw bytes: feedparser treats a bytes argument as a file name first.
    # Sanitising and resolving URIs inside content are skipped because html_to_text
    # reduces that content to plain text anyway.
    parsed: Any = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    warnings: list[str] = []
    feed_title = html_to_text(parsed.feed.get("title", "") or "")
    if parsed.bozo:
        problem = _describe_bozo(parsed.get("bozo_exception"))
        if not parsed.entries and not feed_title:
            raise NotAFeed(problem, source=source, url=url)
        if problem.startswith("malformed XML"):
            warnings.append(f"recovered from {problem}")
        elif "text/html is not an XML media type" not in problem:
            warnings.append(problem)
    elif not parsed.get("version") and not parsed.entries and not feed_title:
        raise NotAFeed("not a feed: no RSS or Atom elements found", source=source, url=url)
    if content_type.split(";")[0].strip().lower() == "text/html":
        warnings.append("served as text/html, but the document is a feed")

    articles = _articles(parsed.entries, url, source, now, warnings)
    return ParsedFeed(title=feed_title, articles=articles, warnings=tuple(warnings))


def content_hash(title: str, text: str) -> str:
    """sha256 of title and text, lower-cased and whitespace-folded: equal for equal stories."""
    folded = f"{_fold(title)}\n{_fold(text)}"
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _parse_json_feed(body: bytes, url: str, source: str, now: datetime) -> ParsedFeed:
    """JSON Feed 1.x (jsonfeed.org), mapped onto the entry shape feedparser produces."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAFeed(f"malformed JSON Feed: {exc}", source=source, url=url) from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise NotAFeed("malformed JSON Feed: no list of items", source=source, url=url)
    entries: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        content = [
            {"value": str(item[key])} for key in ("content_html", "content_text")
            if isinstance(item.get(key), str)
        ]
        tags = item.get("tags")
        date = item.get("date_published") or item.get("date_modified")
        entries.append({
            "id": str(item.get("id") or ""),
            "link": str(item.get("url") or item.get("external_url") or ""),
            "title": str(item.get("title") or ""),
            "summary": str(item.get("summary") or ""),
            "content": content,
            "tags": [{"term": str(t)} for t in tags] if isinstance(tags, list) else [],
            "published_parsed": _iso_struct(date) if isinstance(date, str) else None,
        })
    warnings: list[str] = []
    articles = _articles(entries, url, source, now, warnings)
    title = html_to_text(str(document.get("title") or ""))
    return ParsedFeed(title=title, articles=articles, warnings=tuple(warnings))


def _iso_struct(value: str) -> time.struct_time | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).timetuple()


def _check_looks_like_feed(body: bytes, content_type: str, source: str, url: str) -> None:
    head = body[:_SNIFF_BYTES]
    mime = content_type.split(";")[0].strip().lower() or "no content type"
    if not body.strip():
        raise NotAFeed("empty body", source=source, url=url)
    if _HTML_START.match(head) and not _FEED_ROOT.search(head):
        raise NotAFeed(f"not a feed: got an HTML page ({mime})", source=source, url=url)
    if not _XML_START.match(head) and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        if mime.startswith(("image/", "audio/", "video/", "font/")) or mime in (
            "application/pdf", "application/zip", "application/octet-stream"
        ):
            raise NotAFeed(f"not a feed: got {mime} content", source=source, url=url)
        if head.lstrip().startswith((b"{", b"[")) and "json" in mime:
            raise NotAFeed(f"not a feed: got JSON ({mime}), which is not RSS or Atom", source=source, url=url)
        if not any(kind in mime for kind in _FEED_TYPES):
            snippet = head.lstrip()[:40].decode("utf-8", "replace")
            raise NotAFeed(
                f"not a feed: the document does not start with XML markup ({mime}): {snippet!r}",
                source=source, url=url,
            )


def _describe_bozo(exc: object) -> str:
    if isinstance(exc, xml.sax.SAXParseException):
        return f"malformed XML at line {exc.getLineNumber()}: {exc.getMessage()}"
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"character set: {exc}"
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return f"unknown character set: {exc}"
    if exc is None:
        return "malformed feed"
    return f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)


def _articles(
    entries: list[Any], url: str, source: str, now: datetime, warnings: list[str]
) -> tuple[Article, ...]:
    scope = (urlsplit(url).hostname or url).lower()
    seen: set[str] = set()
    duplicates: Counter[str] = Counter()
    undated = future = 0
    articles: list[Article] = []
    for entry in entries:
        title = html_to_text(entry.get("title", "") or "")
        text = html_to_text(_longest_text(entry))
        if not title:
            title = _untitled(text)
        link = _entry_link(entry, url)
        digest = content_hash(title, text)
        article_id = _entry_id(entry, link, digest, scope)
        if article_id in seen:
            duplicates[article_id] += 1
            continue
        seen.add(article_id)
        published, problem = _published(entry, now)
        undated += problem == "missing"
        future += problem == "future"
        articles.append(Article(
            id=article_id,
            url=link,
            title=title,
            published=published,
            source=source,
            text=text,
            section=_section(entry),
            content_hash=digest,
        ))
    if duplicates:
        listed = ", ".join(repr(i) for i in list(duplicates)[:_MAX_LISTED])
        more = f" and {len(duplicates) - _MAX_LISTED} more" if len(duplicates) > _MAX_LISTED else ""
        count = sum(duplicates.values())
        warnings.append(f"{count} entries repeat an earlier entry's GUID ({listed}{more}): kept the first")
    if undated:
        warnings.append(f"{undated} entries had no valid date: dated when first seen")
    if future:
        warnings.append(f"{future} entries were dated in the future: dated when first seen")
    return tuple(articles)


def _entry_id(entry: Any, link: str | None, digest: str, scope: str) -> str:
    guid = normalise_whitespace(str(entry.get("id", "") or ""))
    if guid:
        return guid if _ABSOLUTE_URI.match(guid) else f"{scope}#{guid}"
    if link:
        return link
    return f"sha256:{digest}"


def _entry_link(entry: Any, base: str) -> str | None:
    candidates = [entry.get("link", "")]
    candidates += [
        link.get("href", "") for link in entry.get("links", []) or []
        if link.get("rel", "alternate") == "alternate"
    ]
    for candidate in candidates:
        candidate = (candidate or "").strip()
        if not candidate:
            continue
        absolute = urljoin(base, candidate)
        if absolute.startswith(("http://", "https://")):
            return canonical_url(absolute)
    return None


def _longest_text(entry: Any) -> str:
    values = [part.get("value", "") or "" for part in entry.get("content", []) or []]
    values.append(entry.get("summary", "") or "")
    return max(values, key=len)


def _published(entry: Any, now: datetime) -> tuple[datetime, str | None]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if not parsed:
            continue
        try:
            # feedparser's *_parsed are UTC struct_times whatever the feed's offset was.
            when = datetime(
                parsed[0], parsed[1], parsed[2], parsed[3], parsed[4], parsed[5], tzinfo=UTC
            )
        except (TypeError, ValueError, OverflowError):
            continue
        if when > now + _FUTURE_SLACK:
            return now, "future"
        return when, None
    return now, "missing"


def _section(entry: Any) -> str | None:
    for tag in entry.get("tags", []) or []:
        term = normalise_whitespace(str(tag.get("term", "") or tag.get("label", "") or ""))
        if term:
            return term
    return None


def _untitled(text: str) -> str:
    first = text.split("\n", 1)[0]
    if len(first) <= _UNTITLED_LENGTH:
        return first
    return first[:_UNTITLED_LENGTH].rsplit(" ", 1)[0] + "…"


def _fold(text: str) -> str:
    return _WHITESPACE.sub(" ", text.lower()).strip()


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), "")
    return value
