"""One spelling per article URL, so that the same story seen twice has the same link.

``canonical_url`` is pure and never raises: a string it cannot make sense of comes back
stripped but otherwise unchanged, because a strange link is still better than none.

Google News feeds link to ``news.google.com/rss/articles/<id>`` rather than to the
publisher. Older ids (and the older ``url=`` redirect links) carry the publisher's URL
inside the link itself, so it is recovered here without any network request. Newer ids
(since mid-2024, payload starting ``AU_yqL``) are opaque: only Google's servers can
resolve them, so those links are kept as they are.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit, urlunsplit

# Query parameters that say how a reader arrived, never which page they reached.
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "hsctatracking",
    "ref", "ref_src", "ref_url", "referrer", "cmpid", "ocid", "icid", "ito",
    "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
    "xtor", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
    "sr_share", "s_cid", "spm", "smid",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "vero_", "oly_")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_GOOGLE_NEWS_HOSTS = frozenset({"news.google.com"})
_GOOGLE_REDIRECT_HOSTS = frozenset({"news.google.com", "www.google.com", "google.com"})
_GOOGLE_ARTICLE_PATH = re.compile(r"^/(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]+)")
# The protobuf inside an old-style id: field 1 (varint 0x13), then field 4 (0x22), a
# length-delimited string holding the publisher's URL.
_GOOGLE_ID_PREFIX = b"\x08\x13\x22"
_HTTP_URL = re.compile(rb"^https?://[\x21-\x7e]+$")


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url``.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    the remaining query parameters sorted; Google News links resolved to the publisher's
    URL when the link carries it.
    """
    url = url.strip()
    publisher = google_news_target(url)
    if publisher is not None:
        url = publisher
    return _normalise(url)


def google_news_target(url: str) -> str | None:
    """The publisher URL a Google News link carries, or None if it carries none."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host not in _GOOGLE_REDIRECT_HOSTS:
        return None
    # Older redirect style: .../url?url=<publisher> (news) or /url?q=<publisher> (search).
    if parts.path.endswith("/url") or host in _GOOGLE_NEWS_HOSTS:
        query = dict(parse_qsl(parts.query))
        for key in ("url", "q"):
            target = query.get(key, "")
            if target.startswith(("http://", "https://")) and _host_of(target):
                return target
    if host in _GOOGLE_NEWS_HOSTS:
        match = _GOOGLE_ARTICLE_PATH.match(parts.path)
        if match:
            return _decode_google_article_id(match.group(1))
    return None


def _decode_google_article_id(article_id: str) -> str | None:
    try:
        payload = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    if not payload.startswith(_GOOGLE_ID_PREFIX):
        return None
    length, start = _read_varint(payload, len(_GOOGLE_ID_PREFIX))
    if length is None:
        return None
    candidate = payload[start:start + length]
    # New-style ids hold an opaque token ("AU_yqL...") here instead of a URL.
    if len(candidate) != length or not _HTTP_URL.match(candidate):
        return None
    return candidate.decode("ascii")


def _read_varint(data: bytes, pos: int) -> tuple[int | None, int]:
    value = 0
    for shift in range(0, 35, 7):
        if pos >= len(data):
            return None, pos
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    return None, pos


def _normalise(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~") or "/"
    # Pairs stay spelled as the publisher wrote them: re-encoding could change what a
    # fussy server sees (%2F for /, + for %20).
    pairs = [pair for pair in parts.query.split("&") if pair and not _is_tracking(pair)]
    query = "&".join(sorted(pairs))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(pair: str) -> bool:
    key = unquote_plus(pair.partition("=")[0]).lower()
    return key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
