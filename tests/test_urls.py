"""canonical_url: one spelling per article URL; Google News links resolved offline."""

from __future__ import annotations

import base64

import pytest

from monitor.urls import canonical_url, google_news_target

# Real ids from public Google News feeds (old style carries the URL; new style is opaque).
OLD_STYLE_ID = (
    "CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG_SATJodHRwczovL3d3dy5iYmMuY29t"
    "L25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA"
)
NEW_STYLE_ID = (
    "CBMiVkFVX3lxTE4zaGU2bTY2ZGkzdTRkSkJ0cFpsTGlDUjkxU2FBRURaTWU0c3QzVWZ1MHZZNkZ5Vzk1ZVBnTDFHY2R6ZmdC"
    "UkpUTUJsS1pqQTlCRzlzbHV3"
)


@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTPS://WWW.Dawn.COM/news/123", "https://www.dawn.com/news/123"),
    ("https://www.dawn.com:443/news/123", "https://www.dawn.com/news/123"),
    ("http://example.org:80/a", "http://example.org/a"),
    ("http://example.org:8080/a", "http://example.org:8080/a"),
    ("https://example.org/a#comments", "https://example.org/a"),
    ("https://example.org", "https://example.org/"),
    ("  https://example.org/a  ", "https://example.org/a"),
    ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
    ("https://example.org/a?utm_source=rss&utm_medium=feed&id=7", "https://example.org/a?id=7"),
    ("https://example.org/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&ref=tw&cmpid=c&ocid=o", "https://example.org/a"),
    ("https://example.org/a?UTM_Campaign=x&p=1", "https://example.org/a?p=1"),
    # Kept exactly as written: re-encoding could change what the server sees.
    ("https://example.org/s?q=a%2Fb&x=hello+world", "https://example.org/s?q=a%2Fb&x=hello+world"),
    ("https://example.org/caf\u00e9", "https://example.org/caf%C3%A9"),
    ("https://example.org./a", "https://example.org/a"),
])
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize("raw", ["", "not a url", "mailto:desk@dawn.com", "ftp://example.org/x", "http://[::1"])
def test_what_is_not_an_http_url_comes_back_unchanged(raw: str) -> None:
    assert canonical_url(raw) == raw.strip()


def test_google_news_old_style_id_resolves_to_the_publisher() -> None:
    link = f"https://news.google.com/rss/articles/{OLD_STYLE_ID}?oc=5"
    assert canonical_url(link) == "https://www.bbc.com/news/articles/cjjjnxdv188o"


def test_google_news_built_id_with_tracking_parameters_is_canonicalised() -> None:
    url = b"https://www.dawn.com/news/1900000/cpec-security?utm_source=gn"
    payload = b"\x08\x13\x22" + bytes([len(url)]) + url + b"\xd2\x01\x00"
    article_id = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    link = f"https://news.google.com/rss/articles/{article_id}?oc=5&hl=en-PK"
    assert canonical_url(link) == "https://www.dawn.com/news/1900000/cpec-security"


def test_google_news_long_url_uses_a_multi_byte_length() -> None:
    url = b"https://tribune.com.pk/story/1/" + b"x" * 200
    payload = b"\x08\x13\x22" + bytes([(len(url) & 0x7F) | 0x80, len(url) >> 7]) + url
    article_id = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    assert google_news_target(f"https://news.google.com/rss/articles/{article_id}") == url.decode()


def test_google_news_new_style_id_is_kept() -> None:
    link = f"https://news.google.com/rss/articles/{NEW_STYLE_ID}?oc=5"
    assert google_news_target(link) is None
    assert canonical_url(link) == f"https://news.google.com/rss/articles/{NEW_STYLE_ID}?oc=5"


def test_google_news_url_parameter_redirect() -> None:
    link = "https://news.google.com/news/url?sa=t&fd=R&url=https://www.thenews.com.pk/latest/1&usg=AFQ"
    assert canonical_url(link) == "https://www.thenews.com.pk/latest/1"
    assert canonical_url("https://www.google.com/url?q=https://app.com.pk/x&sa=U") == "https://app.com.pk/x"


@pytest.mark.parametrize("article_id", ["CBMi", "!!!notbase64", "CBMiAAAA", "AAAA"])
def test_google_news_garbage_ids_are_kept(article_id: str) -> None:
    link = f"https://news.google.com/rss/articles/{article_id}"
    assert google_news_target(link) is None
    assert canonical_url(link) == link


def test_google_news_search_feed_url_is_not_mistaken_for_an_article() -> None:
    feed = "https://news.google.com/rss/search?q=CPEC&hl=en-PK&gl=PK&ceid=PK:en"
    assert google_news_target(feed) is None
