"""The email as a reader sees it: structure of the HTML, escaping, links, threading headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from delivery_fixtures import HOSTILE, make_alert

from monitor.delivery.email import build_message
from monitor.delivery.render import render, safe_url
from monitor.models import Kind


class Outline(HTMLParser):
    """Tags, classes, hrefs and text, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if attributes.get("class"):
            self.classes.append(str(attributes["class"]))
        if tag == "a":
            self.hrefs.append(str(attributes.get("href")))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    return parser


def test_feed_text_is_escaped_never_markup() -> None:
    _, _, alert = make_alert(1, title=HOSTILE, changes=(HOSTILE,))
    page = render([alert]).html
    tree = outline(page)
    assert "script" not in tree.tags and "b" not in tree.tags
    assert "&lt;script&gt;" in page and "&amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert HOSTILE in "".join(tree.text)  # the reader sees the text as written


def test_what_changed_comes_first() -> None:
    _, _, alert = make_alert(1, kind=Kind.UPDATE, story="s1", first_alert_id="a-first",
                             changes=("Death toll rises to six.", "Work halted at Dasu."))
    page = render([alert]).html
    tree = outline(page)
    blocks = [c for c in tree.classes if c in ("kind", "story", "changes", "summary", "article", "details")]
    assert blocks == ["kind", "story", "changes", "summary", "article", "details"]
    body = page[page.index('class="kind"'):]  # the visible card (title and preheader come before)
    assert body.index("What changed") < body.index("Death toll rises to six.") < body.index("Work halted at Dasu.")
    assert body.index("Work halted at Dasu.") < body.index("Summary 1.") < body.index("Convoy attacked near Dasu")
    # The inbox preview (preheader) is the first change too.
    assert page.index("Death toll rises to six.") < page.index('class="kind"')


def test_links_are_http_only_and_work() -> None:
    _, _, good = make_alert(1, url="https://www.dawn.com/news/1?a=1&b=2")
    tree = outline(render([good]).html)
    assert tree.hrefs == ["https://www.dawn.com/news/1?a=1&b=2"]  # & escaped in the source, intact when parsed
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", "https://x.example/a b"):
        _, _, alert = make_alert(2, url=bad)
        assert outline(render([alert]).html).hrefs == []
        assert safe_url(bad) is None


def test_subject_names_kind_and_story_on_one_line() -> None:
    _, _, alert = make_alert(1, kind=Kind.UPDATE, story="x\r\nBcc: victim@example.org")
    subject = render([alert]).subject
    assert subject.startswith("[monitor] Update: Attack on convoy x")
    assert "\n" not in subject and "\r" not in subject


def test_text_part_says_the_same_things() -> None:
    _, _, alert = make_alert(1, changes=("Death toll rises to six.",))
    text = render([alert]).text
    assert text.startswith("NEW STORY: Attack on convoy 1\n\nWhat is new:\n  * Death toll rises to six.")
    assert "https://news.example/1" in text


def test_digest_groups_by_story() -> None:
    alerts = [make_alert(1, story="a")[2], make_alert(2, story="b")[2],
              make_alert(3, kind=Kind.UPDATE, story="a", first_alert_id="x")[2]]
    rendered = render(alerts)
    assert rendered.subject.startswith("[monitor] Digest: 3 alerts, 2 stories")
    tree = outline(rendered.html)
    assert tree.classes.count("story-group") == 2
    assert tree.hrefs[:2] == ["#group-1", "#group-2"]
    page = rendered.html
    assert page.index("Convoy attacked near Dasu, report 1") < page.index("report 3") < page.index("report 2")


def test_email_headers_thread_updates_under_the_story() -> None:
    _, _, first = make_alert(1, story="s")
    _, _, update = make_alert(2, kind=Kind.UPDATE, story="s", first_alert_id=first.id)
    msg = build_message([update], sender="alerts@example.org", to=["analyst@example.org"])
    assert msg["Message-ID"] == f"<{update.id}@monitor>"
    assert msg["In-Reply-To"] == msg["References"] == f"<{first.id}@monitor>"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert re.match(r"\[monitor\] Update: ", str(msg["Subject"]))
    original = build_message([first], sender="a@example.org", to=["b@example.org"])
    assert original["In-Reply-To"] is None
