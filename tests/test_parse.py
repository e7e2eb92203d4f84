"""parse_feed: feed documents into Articles, and clear errors for what is not a feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.parse import NotAFeed, ParsedFeed, content_hash, parse_feed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
URL = "https://www.dawn.com/feeds/pakistan"
RSS_TYPE = {"content-type": "application/rss+xml; charset=utf-8"}


def rss(items: str, title: str = "Dawn - Pakistan", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f"<channel><title>{title}</title><link>https://www.dawn.com/</link>\n{items}\n</channel></rss>\n"
    )


def item(guid: str | None = "https://www.dawn.com/news/1", title: str = "Gwadar port security reviewed",
         link: str | None = "https://www.dawn.com/news/1?utm_source=rss", date: str | None = "Sat, 21 Nov 2026 10:00:00 +0500",
         description: str = "Officials met in Islamabad.", extra: str = "") -> str:
    parts = ["<item>", f"<title>{title}</title>"]
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append(f"<description>{description}</description>{extra}</item>")
    return "".join(parts)


def parse(body: str | bytes, headers: dict[str, str] | None = None, url: str = URL) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed(data, RSS_TYPE if headers is None else headers, url, "Dawn", NOW)


def not_a_feed(body: bytes, headers: dict[str, str]) -> NotAFeed:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(body, headers, URL, "Dawn", NOW)
    return caught.value


# ── a good feed ─────────────────────────────────────────────────────────────────────────


def test_rss_entry_becomes_a_normalised_article() -> None:
    body = rss(item(
        title="Gwadar &amp; CPEC: &lt;b&gt;security&lt;/b&gt; reviewed",
        description="&lt;p&gt;Short teaser.&lt;/p&gt;",
        extra="<content:encoded><![CDATA[<p>Officials met in <b>Islamabad</b> on Saturday.</p>"
              "<p>Chinese engineers at Dasu were discussed.</p><script>alert(1)</script>]]></content:encoded>"
              "<category>Pakistan</category>",
    ))
    feed = parse(body)
    assert feed.title == "Dawn - Pakistan"
    assert feed.warnings == ()
    (article,) = feed.articles
    assert article.id == "https://www.dawn.com/news/1"
    assert article.url == "https://www.dawn.com/news/1"
    assert article.title == "Gwadar & CPEC: security reviewed"
    assert article.published == datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    assert article.published.tzinfo is not None
    assert article.text == "Officials met in Islamabad on Saturday.\n\nChinese engineers at Dasu were discussed."
    assert article.source == "Dawn"
    assert article.section == "Pakistan"
    assert article.content_hash == content_hash(article.title, article.text)


def test_atom_entry() -> None:
    body = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">APP &amp;mdash; National</title>
<entry><id>tag:app.com.pk,2026:1</id><title>CPEC phase two</title>
<link rel="alternate" href="/national/cpec-phase-two/"/>
<updated>2026-11-20T08:30:00+05:00</updated>
<summary>Teaser</summary><content type="html">&lt;p&gt;The full story about CPEC phase two.&lt;/p&gt;</content>
</entry></feed>"""
    feed = parse_feed(body.encode(), {"content-type": "application/atom+xml"}, "https://www.app.com.pk/feed/", "APP", NOW)
    (article,) = feed.articles
    assert feed.title == "APP — National"
    assert article.id == "tag:app.com.pk,2026:1"
    assert article.url == "https://www.app.com.pk/national/cpec-phase-two/"  # resolved against the feed URL
    assert article.published == datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
    assert article.text == "The full story about CPEC phase two."


def test_empty_feed_is_a_feed() -> None:
    feed = parse(rss(""))
    assert feed.title == "Dawn - Pakistan"
    assert feed.articles == ()


def test_json_feed() -> None:
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Example JSON",
        "items": [{"id": "1", "url": "https://example.org/a?utm_medium=x", "title": "Karakoram highway",
                   "content_html": "<p>Road <i>reopened</i>.</p>", "date_published": "2026-11-20T10:00:00+05:00",
                   "tags": ["roads"]}],
    }).encode()
    feed = parse_feed(body, {"content-type": "application/feed+json"}, "https://example.org/feed.json", "Ex", NOW)
    (article,) = feed.articles
    assert feed.title == "Example JSON"
    assert (article.id, article.url, article.text) == ("example.org#1", "https://example.org/a", "Road reopened.")
    assert article.published == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert article.section == "roads"


def test_google_news_links_resolve_to_the_publisher() -> None:
    gn_id = ("CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG_SATJodHRwczovL3d3dy5iYmMuY29t"
             "L25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA")
    body = rss(item(guid=f'{gn_id}" isPermaLink="false', link=f"https://news.google.com/rss/articles/{gn_id}?oc=5"))
    body = body.replace(f"<guid>{gn_id}\" isPermaLink=\"false</guid>", f'<guid isPermaLink="false">{gn_id}</guid>')
    (article,) = parse(body, url="https://news.google.com/rss/search?q=CPEC").articles
    assert article.url == "https://www.bbc.com/news/articles/cjjjnxdv188o"
    assert article.id == f"news.google.com#{gn_id}"


# ── not a feed ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body(body: bytes) -> None:
    error = not_a_feed(body, RSS_TYPE)
    assert str(error) == "empty body"
    assert error.describe() == f"feed 'Dawn' ({URL}): empty body"


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/rss+xml"])
def test_html_page_served_as_a_feed(content_type: str) -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>Dawn</title></head><body><p>Welcome</p></body></html>"
    error = not_a_feed(page, {"content-type": content_type})
    mime = content_type.split(";")[0]
    assert str(error) == f"not a feed: got an HTML page ({mime})"


def test_xhtml_page_with_xml_declaration_is_html() -> None:
    page = b'<?xml version="1.0"?>\n<!-- cached -->\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    assert str(not_a_feed(page, {"content-type": "application/xhtml+xml"})).startswith("not a feed: got an HTML page")


def test_malformed_xml_that_yields_nothing() -> None:
    error = not_a_feed(b"<?xml version='1.0'?>\n<rss><channel><<<", {"content-type": "application/xml"})
    assert str(error).startswith("malformed XML at line 2: ")


def test_not_xml_at_all() -> None:
    error = not_a_feed(b"Service temporarily unavailable", {"content-type": "text/plain"})
    assert str(error) == "not a feed: the document does not start with XML markup (text/plain): 'Service temporarily unavailable'"


def test_json_that_is_not_a_json_feed() -> None:
    error = not_a_feed(b'{"error": "rate limited"}', {"content-type": "application/json"})
    assert str(error) == "not a feed: got JSON (application/json), which is not RSS or Atom"


def test_image_served_instead_of_a_feed() -> None:
    assert str(not_a_feed(b"\x89PNG\r\n\x1a\n....", {"content-type": "image/png"})) == "not a feed: got image/png content"


def test_xml_that_is_not_a_feed() -> None:
    error = not_a_feed(b"<?xml version='1.0'?><config><a>1</a></config>", {"content-type": "application/xml"})
    assert str(error) == "not a feed: no RSS or Atom elements found"


# ── recoverable problems become warnings ────────────────────────────────────────────────


def test_malformed_xml_with_entries_is_recovered_with_a_warning() -> None:
    body = rss(item(title="Dasu & Karakoram") + item(guid="https://www.dawn.com/news/2", title="Second"))
    feed = parse(body)
    assert [a.title for a in feed.articles] == ["Dasu & Karakoram", "Second"]
    assert len(feed.warnings) == 1
    assert feed.warnings[0].startswith("recovered from malformed XML at line 4: ")


def test_header_charset_wrong_body_is_windows_1252() -> None:
    body = rss(item(title="Caf\u00e9 \u2013 na\u00efve")).encode("cp1252")
    feed = parse(body, {"content-type": "application/rss+xml; charset=utf-8"})
    assert feed.articles[0].title == "Caf\u00e9 \u2013 na\u00efve"
    assert any("character set" in w for w in feed.warnings)


def test_header_charset_wrong_body_is_utf8() -> None:
    body = rss(item(title="Caf\u00e9 \u2013 na\u00efve")).encode("utf-8")
    feed = parse(body, {"content-type": "application/rss+xml; charset=iso-8859-1"})
    assert feed.articles[0].title == "Caf\u00e9 \u2013 na\u00efve"


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml", ""])
def test_missing_charset_uses_the_xml_declaration(content_type: str) -> None:
    body = rss(item(title="\u0686\u06cc\u0646 \u067e\u0627\u06a9\u0633\u062a\u0627\u0646")).encode("utf-8")
    feed = parse(body, {"content-type": content_type} if content_type else {})
    assert feed.articles[0].title == "\u0686\u06cc\u0646 \u067e\u0627\u06a9\u0633\u062a\u0627\u0646"


def test_declared_latin1_without_header() -> None:
    body = rss(item(title="Caf\u00e9"), encoding="iso-8859-1").encode("iso-8859-1")
    assert parse(body, {}).articles[0].title == "Caf\u00e9"


def test_feed_served_as_text_html_is_parsed_with_a_warning() -> None:
    feed = parse(rss(item()), {"content-type": "text/html"})
    assert len(feed.articles) == 1
    assert "served as text/html, but the document is a feed" in feed.warnings


@pytest.mark.parametrize("date", [None, "", "yesterday-ish", "Mon, 45 Foo 2026 99:99:99 +0000"])
def test_missing_or_invalid_date_is_the_time_first_seen(date: str | None) -> None:
    feed = parse(rss(item(date=date)))
    assert feed.articles[0].published == NOW
    assert feed.warnings == ("1 entries had no valid date: dated when first seen",)


def test_date_in_the_future_is_clamped_to_now() -> None:
    feed = parse(rss(item(date="Fri, 01 Jan 2100 00:00:00 +0000")))
    assert feed.articles[0].published == NOW
    assert feed.warnings == ("1 entries were dated in the future: dated when first seen",)


def test_small_clock_skew_is_not_the_future() -> None:
    soon = NOW + timedelta(minutes=5)
    feed = parse(rss(item(date=soon.strftime("%a, %d %b %Y %H:%M:%S +0000"))))
    assert feed.articles[0].published == soon
    assert feed.warnings == ()


def test_updated_date_is_used_when_there_is_no_published_date() -> None:
    body = rss(item(date=None, extra="<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2026-11-01T00:00:00Z</dc:date>"))
    assert parse(body).articles[0].published == datetime(2026, 11, 1, tzinfo=UTC)


def test_entries_without_link_or_guid_get_a_stable_content_id() -> None:
    body = rss(item(guid=None, link=None, title="First") + item(guid=None, link=None, title="Second"))
    first, second = parse(body).articles
    assert first.id.startswith("sha256:") and second.id.startswith("sha256:")
    assert first.id != second.id
    assert first.url is None
    assert parse(body).articles[0].id == first.id  # stable across polls


def test_entry_without_guid_uses_its_canonical_link() -> None:
    (article,) = parse(rss(item(guid=None, link="HTTPS://WWW.DAWN.COM/news/9?fbclid=abc#top"))).articles
    assert article.id == "https://www.dawn.com/news/9"


def test_guid_that_is_not_a_uri_is_scoped_by_the_feed_host() -> None:
    body = rss(item(guid="12345")).replace("<guid>", '<guid isPermaLink="false">')
    (article,) = parse(body).articles
    assert article.id == "www.dawn.com#12345"


def test_relative_permalink_guid_is_resolved_against_the_feed_url() -> None:
    (article,) = parse(rss(item(guid="12345"))).articles
    assert article.id == "https://www.dawn.com/feeds/12345"


def test_duplicate_guids_keep_the_first_with_a_warning() -> None:
    body = rss(item(title="First version") + item(title="Second copy") + item(guid="https://www.dawn.com/news/2"))
    feed = parse(body)
    assert [a.title for a in feed.articles] == ["First version", "Gwadar port security reviewed"]
    assert feed.warnings == (
        "1 entries repeat an earlier entry's GUID ('https://www.dawn.com/news/1'): kept the first",
    )


def test_entry_without_title_gets_one_from_its_text() -> None:
    (article,) = parse(rss(item(title="", description="Chinese convoy attacked near Dasu. More later."))).articles
    assert article.title == "Chinese convoy attacked near Dasu. More later."


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert content_hash("CPEC  Talks", "Officials\n\nmet.") == content_hash("cpec talks", "officials met.")
    assert content_hash("CPEC talks", "Officials met.") != content_hash("CPEC talks", "Officials left.")
