"""Alerts for delivery tests: real ones, built by monitor.alerts from articles and decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.alerts import article_alert
from monitor.models import Alert, Article, Decision, Kind
from monitor.storage import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def make_alert(n: int, *, kind: Kind = Kind.NEW_STORY, story: str | None = None, first_alert_id: str | None = None,
               url: str | None = None, title: str | None = None, at: datetime | None = None,
               changes: tuple[str, ...] | None = None) -> tuple[Article, Decision, Alert]:
    when = at or NOW + timedelta(seconds=n)
    article = Article(id=f"guid-{n}", url=url if url is not None else f"https://news.example/{n}",
                      title=title or f"Convoy attacked near Dasu, report {n}", published=when,
                      source="Dawn", text=f"Text {n}", content_hash=f"h{n}")
    decision = Decision(article_id=article.id, kind=kind, relevance=0.9, story_id=story or f"s{n}",
                        story_title=f"Attack on convoy {story or n}", matched="seed-1",
                        matched_title="Earlier attack in Besham", similarity=0.61,
                        changes=changes if changes is not None else (f"Death toll rises to {n}.",),
                        summary=f"Summary {n}.", why=("keywords: Chinese nationals",))
    alert = article_alert(article, decision, feed_key="dawn", first_alert_id=first_alert_id, now=when)
    return article, decision, alert


def queue_alerts(store: Store, count: int, channels: list[str], *, start: int = 0,
                 at: datetime | None = None) -> list[str]:
    """Judge ``count`` new stories into ``store``: alerts with one outbox row per channel."""
    ids = []
    for n in range(start, start + count):
        article, decision, alert = make_alert(n, at=at)
        store.record_judgement(None, article, decision, alert.created_at, alert, channels)
        ids.append(alert.id)
    return ids
