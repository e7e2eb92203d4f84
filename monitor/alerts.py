"""Alerts as users receive them (interface.md, "Alerts"): built once, by pure functions.

The payload is the JSON object the webhook posts and the file sink writes; email renders
the same object. Alert ids are derived from what the alert is about, so the same event
always yields the same id and receivers can drop a repeat.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from monitor.models import Alert, Article, Decision, Kind


def alert_id(*parts: str) -> str:
    """A stable id: the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"a-{digest[:24]}"


def article_alert_id(kind: Kind, feed_key: str, article_id: str) -> str:
    """The id of the alert an article of ``feed_key`` makes (``monitor why`` finds it so)."""
    return alert_id(kind.value, feed_key, article_id)


def article_alert(article: Article, decision: Decision, *, feed_key: str, first_alert_id: str | None,
                  now: datetime) -> Alert:
    """The ``new_story`` or ``update`` alert for a judged article."""
    assert decision.alert, "only new_story and update decisions make alerts"
    the_id = article_alert_id(decision.kind, feed_key, article.id)
    payload: dict[str, object] = {
        "id": the_id,
        "kind": decision.kind.value,
        "created_at": now.isoformat(),
        "story": {
            "id": decision.story_id,
            "title": decision.story_title or article.title,
            # Email threads an update under this one; None for the story's first alert.
            "first_alert_id": first_alert_id,
        },
        "article": {
            "id": article.id,
            "title": article.title,
            "url": article.url,
            "source": article.source,
            "published": article.published.isoformat(),
        },
        "changes": list(decision.changes),
        "summary": decision.summary,
        "matched": None if decision.matched is None else {
            "id": decision.matched,
            "title": decision.matched_title,
            "similarity": decision.similarity,
        },
        "relevance": round(decision.relevance, 4),
        "why": list(decision.why),
    }
    return Alert(id=the_id, kind=decision.kind, created_at=now, story_id=decision.story_id, payload=payload)


def feed_health_alert(kind: Kind, *, feed_url: str, feed_name: str, error: str | None,
                      failing_since: datetime | None, failures: int, now: datetime) -> Alert:
    """``feed_error`` when a feed has failed too long; ``feed_recovered`` when it heals."""
    assert kind in (Kind.FEED_ERROR, Kind.FEED_RECOVERED)
    since = failing_since.isoformat() if failing_since else None
    the_id = alert_id(kind.value, feed_url, since or now.isoformat())
    label = feed_name or feed_url
    if kind is Kind.FEED_ERROR:
        summary = f"Feed {label} has been failing since {since} ({failures} attempts): {error}"
    else:
        summary = f"Feed {label} is working again (it had been failing since {since})."
    payload: dict[str, object] = {
        "id": the_id,
        "kind": kind.value,
        "created_at": now.isoformat(),
        "story": None,
        "article": None,
        "feed": {
            "url": feed_url,
            "name": feed_name,
            "error": error,
            "failing_since": since,
            "consecutive_failures": failures,
        },
        "changes": [],
        "summary": summary,
        "matched": None,
        "why": [],
    }
    return Alert(id=the_id, kind=kind, created_at=now, story_id=None, payload=payload)


def test_alert(channel: str, now: datetime) -> Alert:
    """What ``monitor send-test`` sends: a well-formed alert that says it is a test."""
    the_id = alert_id("test", channel, now.isoformat())
    payload: dict[str, object] = {
        "id": the_id,
        "kind": Kind.TEST.value,
        "created_at": now.isoformat(),
        "test": True,
        "story": {"id": "test", "title": "monitor test alert", "first_alert_id": None},
        "article": {"id": "test", "title": "monitor test alert", "url": None, "source": "monitor",
                    "published": now.isoformat()},
        "changes": ["This is a test alert sent by `monitor send-test`."],
        "summary": f"Test alert for channel {channel}: if you read this, delivery works.",
        "matched": None,
        "why": ["test"],
    }
    return Alert(id=the_id, kind=Kind.TEST, created_at=now, story_id=None, payload=payload)
