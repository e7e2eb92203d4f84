"""Alerts as a person reads them: subject, plain text and HTML. Pure functions.

What changed comes first, because it is why the alert exists; then the article it came
from, the story it belongs to, the closest known article and why it was judged on topic.
Every string from a feed is escaped with ``html.escape``; only http(s) URLs become links.
The HTML uses inline styles and one table-free column, which mail clients render alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.models import Alert

KIND_LABELS = {
    "new_story": "New story",
    "update": "Update",
    "feed_error": "Feed error",
    "feed_recovered": "Feed recovered",
    "test": "Test alert",
}
_KIND_COLOURS = {
    "new_story": "#b42318",
    "update": "#b54708",
    "feed_error": "#6941c6",
    "feed_recovered": "#067647",
}
_SUBJECT_MAX = 140


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def safe_url(url: object) -> str | None:
    """``url`` when it is an absolute http(s) URL; None otherwise (javascript:, data:, relative)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n\t "):
        return None
    return url


def one_line(text: object, limit: int = _SUBJECT_MAX) -> str:
    """A single-line, length-capped string: fit for a header (no CR/LF injection)."""
    flat = re.sub(r"\s+", " ", str(text or "")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render(alerts: Sequence[Alert]) -> Rendered:
    """One alert, or a digest of several."""
    if len(alerts) == 1:
        return render_alert(alerts[0])
    return render_digest(alerts)


# -- one alert ------------------------------------------------------------------------------

def subject_for(alert: Alert) -> str:
    p = alert.payload
    label = KIND_LABELS.get(str(p.get("kind")), str(p.get("kind")))
    prefix = "[monitor test] " if p.get("test") else "[monitor] "
    return one_line(f"{prefix}{label}: {_topic(p)}")


def render_alert(alert: Alert) -> Rendered:
    p = alert.payload
    body = _alert_html(p, title=1)
    preheader = _first(_changes(p)) or str(p.get("summary") or "")
    page = _page(subject_for(alert), preheader, body, footer=f"Alert {alert.id}")
    return Rendered(subject=subject_for(alert), text=_alert_text(p) + f"\n--\nAlert {alert.id}\n", html=page)


def _topic(p: Mapping[str, Any]) -> str:
    story = _dict(p.get("story"))
    feed = _dict(p.get("feed"))
    article = _dict(p.get("article"))
    return str(story.get("title") or feed.get("name") or feed.get("url") or article.get("title") or "")


def _alert_text(p: Mapping[str, Any]) -> str:
    kind = str(p.get("kind"))
    lines = [f"{KIND_LABELS.get(kind, kind).upper()}: {one_line(_topic(p), 500)}", ""]
    changes = _changes(p)
    if changes:
        lines.append("What changed:" if kind == "update" else "What is new:")
        lines += [f"  * {one_line(c, 2000)}" for c in changes]
        lines.append("")
    if p.get("summary"):
        lines += [str(p["summary"]), ""]
    article = _dict(p.get("article"))
    if article:
        lines.append(f"Article: {one_line(article.get('title'), 500)}")
        meta = " · ".join(x for x in (str(article.get("source") or ""), _date(article.get("published"))) if x)
        if meta:
            lines.append(f"         {meta}")
        url = safe_url(article.get("url"))
        if url:
            lines.append(f"         {url}")
    feed = _dict(p.get("feed"))
    if feed:
        lines.append(f"Feed: {feed.get('name') or ''} {feed.get('url') or ''}".rstrip())
        if feed.get("error"):
            lines.append(f"Error: {one_line(feed['error'], 500)}")
    matched = _dict(p.get("matched"))
    if matched:
        lines.append(f"Closest known article: {one_line(matched.get('title') or matched.get('id'), 500)}"
                     + _similarity(matched))
    why = [str(w) for w in p.get("why") or []]
    if why:
        lines.append("Why on topic: " + "; ".join(one_line(w, 300) for w in why))
    return "\n".join(lines).rstrip() + "\n"


_CHANGES_HEADINGS = {"update": "What changed", "new_story": "What is new"}


def _alert_html(p: Mapping[str, Any], *, title: int) -> str:
    """One alert's block, its title a heading of level ``title`` (0: none, as when a story heads a digest group)."""
    kind = str(p.get("kind"))
    colour = _KIND_COLOURS.get(kind, "#344054")
    label = KIND_LABELS.get(kind, kind)
    parts = [
        '<div class="alert" style="margin:0 0 28px 0">',
        f'<div class="kind" style="display:inline-block;background:{colour};color:#fff;font-size:12px;'
        f'font-weight:600;letter-spacing:.04em;text-transform:uppercase;padding:3px 8px;border-radius:3px;'
        f'margin:0 0 10px 0">{_e(label)}</div>',
    ]
    if title:
        size = "22px" if title == 1 else "17px"
        parts.append(f'<h{title} class="story" style="font-size:{size};line-height:1.3;margin:0 0 14px 0;'
                     f'color:#101828">{_e(_topic(p))}</h{title}>')
    changes = _changes(p)
    if changes or p.get("summary"):
        heading = _CHANGES_HEADINGS.get(kind, "What happened")
        parts.append(
            f'<div class="changes" style="border-left:4px solid {colour};background:#f9fafb;'
            'padding:12px 16px;margin:0 0 16px 0">'
            f'<div style="font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;'
            f'color:{colour};margin:0 0 6px 0">{heading}</div>'
        )
        if changes:
            parts.append('<ul style="margin:0;padding:0 0 0 20px;font-size:16px;line-height:1.5;color:#101828">')
            parts += [f'<li style="margin:0 0 6px 0">{_e(c)}</li>' for c in changes]
            parts.append("</ul>")
        else:
            parts.append(f'<p style="margin:0;font-size:16px;line-height:1.5">{_e(p.get("summary"))}</p>')
        parts.append("</div>")
    if changes and p.get("summary"):
        parts.append(f'<p class="summary" style="font-size:15px;line-height:1.5;color:#344054;margin:0 0 16px 0">'
                     f"{_e(p.get('summary'))}</p>")
    parts.append(_article_html(p))
    parts.append(_details_html(p))
    parts.append("</div>")
    return "\n".join(x for x in parts if x)


def _article_html(p: Mapping[str, Any]) -> str:
    article = _dict(p.get("article"))
    feed = _dict(p.get("feed"))
    if article:
        url = safe_url(article.get("url"))
        title = _e(article.get("title") or url or "(untitled)")
        link = (f'<a href="{_e(url)}" style="color:#175cd3;font-weight:600;text-decoration:underline">{title}</a>'
                if url else f"<strong>{title}</strong>")
        meta = " · ".join(_e(x) for x in (str(article.get("source") or ""), _date(article.get("published"))) if x)
        return (
            '<div class="article" style="font-size:15px;line-height:1.5;margin:0 0 12px 0">'
            f'<div style="color:#667085;font-size:12px;text-transform:uppercase;letter-spacing:.04em">Article</div>'
            f"{link}"
            + (f'<div style="color:#667085;font-size:13px">{meta}</div>' if meta else "")
            + "</div>"
        )
    if feed:
        url = safe_url(feed.get("url"))
        name = _e(feed.get("name") or feed.get("url"))
        link = f'<a href="{_e(url)}" style="color:#175cd3">{name}</a>' if url else name
        error = (f'<div style="color:#b42318;font-family:monospace;font-size:13px">{_e(feed.get("error"))}</div>'
                 if feed.get("error") else "")
        return (f'<div class="feed" style="font-size:15px;line-height:1.5;margin:0 0 12px 0">Feed: {link}'
                f"{error}</div>")
    return ""


def _details_html(p: Mapping[str, Any]) -> str:
    rows = []
    matched = _dict(p.get("matched"))
    if matched:
        rows.append(f"<li>Closest known article: {_e(matched.get('title') or matched.get('id'))}"
                    f"{_e(_similarity(matched))}</li>")
    why = [str(w) for w in p.get("why") or []]
    if why:
        rows.append(f"<li>Why on topic: {_e('; '.join(why))}</li>")
    if not rows:
        return ""
    return ('<ul class="details" style="margin:0;padding:0 0 0 18px;font-size:13px;line-height:1.5;color:#667085">'
            + "".join(rows) + "</ul>")


# -- a digest -------------------------------------------------------------------------------

def render_digest(alerts: Sequence[Alert]) -> Rendered:
    """Several alerts in one message, grouped by story (feed-health alerts last)."""
    groups = group_by_story(alerts)
    stories = sum(1 for key, _ in groups if key is not None)
    subject = one_line(f"[monitor] Digest: {len(alerts)} alerts, {stories} {_plural(stories, 'story', 'stories')}"
                       + (f" — {_topic(groups[0][1][0].payload)}" if groups else ""))
    html_parts = [
        '<h1 style="font-size:22px;line-height:1.3;margin:0 0 4px 0;color:#101828">'
        f"Digest: {len(alerts)} alerts on {stories} {_plural(stories, 'story', 'stories')}</h1>",
        '<ul class="toc" style="margin:8px 0 24px 0;padding:0 0 0 20px;font-size:15px;line-height:1.5">',
    ]
    html_parts += [
        f'<li><a href="#group-{n}" style="color:#175cd3">{_e(_group_title(key, items))}</a> ({len(items)})</li>'
        for n, (key, items) in enumerate(groups, 1)
    ]
    html_parts.append("</ul>")
    text_parts = [f"DIGEST: {len(alerts)} alerts on {stories} {_plural(stories, 'story', 'stories')}", ""]
    for n, (key, items) in enumerate(groups, 1):
        html_parts.append(f'<div class="story-group" id="group-{n}" style="border-top:1px solid #eaecf0;'
                          'padding:20px 0 0 0">')
        html_parts.append('<h2 class="story" style="font-size:19px;line-height:1.3;margin:0 0 12px 0;'
                          f'color:#101828">{_e(_group_title(key, items))}</h2>')
        html_parts += [_alert_html(a.payload, title=0 if key is not None else 3) for a in items]
        html_parts.append("</div>")
        text_parts += [_alert_text(a.payload) for a in items]
    ids = ", ".join(a.id for a in alerts)
    page = _page(subject, _first(_changes(alerts[0].payload)) or "", "\n".join(html_parts), footer=f"Alerts {ids}")
    text = "\n".join(text_parts).rstrip() + f"\n--\nAlerts {ids}\n"
    return Rendered(subject=subject, text=text, html=page)


def _group_title(key: str | None, items: Sequence[Alert]) -> str:
    return _topic(items[0].payload) if key is not None else "Feed health and other alerts"


def group_by_story(alerts: Sequence[Alert]) -> list[tuple[str | None, list[Alert]]]:
    """Alerts grouped by story id, stories in order of first appearance, storyless ones last."""
    groups: dict[str | None, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: a.created_at):
        story = _dict(alert.payload.get("story"))
        key = str(story["id"]) if story.get("id") else None
        groups.setdefault(key, []).append(alert)
    ordered: list[tuple[str | None, list[Alert]]] = [(k, v) for k, v in groups.items() if k is not None]
    if None in groups:
        ordered.append((None, groups[None]))
    return ordered


# -- helpers --------------------------------------------------------------------------------

def _page(title: str, preheader: str, body: str, *, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title></head>\n"
        '<body style="margin:0;padding:0;background:#f2f4f7">\n'
        # Shown by mail clients next to the subject in the list, hidden in the message.
        f'<div style="display:none;max-height:0;overflow:hidden">{_e(one_line(preheader, 200))}</div>\n'
        '<div style="max-width:680px;margin:0 auto;padding:24px 16px">\n'
        '<div style="background:#ffffff;border:1px solid #eaecf0;border-radius:6px;padding:24px 28px;'
        "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#101828\">\n"
        f"{body}\n"
        "</div>\n"
        f'<p style="font-family:Helvetica,Arial,sans-serif;font-size:12px;color:#98a2b3;margin:12px 4px">'
        f"Sent by monitor · {_e(footer)}</p>\n"
        "</div>\n</body></html>\n"
    )


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _changes(p: Mapping[str, Any]) -> list[str]:
    return [str(c) for c in p.get("changes") or [] if str(c).strip()]


def _first(items: Sequence[str]) -> str | None:
    return items[0] if items else None


def _similarity(matched: Mapping[str, Any]) -> str:
    value = matched.get("similarity")
    return f" (similarity {value:.2f})" if isinstance(value, int | float) else ""


def _date(value: object) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%d %b %Y, %H:%M %Z").strip().rstrip(",")


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
