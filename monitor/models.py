"""Values that cross the boundaries between stages: frozen, plain, comparable.

Names carry roles: ``Article`` is what a feed, a replay line or a seed file says once
normalised; ``Decision`` is what the judge concluded about one article; ``Alert`` is what
the outbox holds for delivery.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Kind(enum.StrEnum):
    """Decision kinds of replay.md, the two alert kinds about feed health, and the test alert's."""

    IRRELEVANT = "irrelevant"
    NEW_STORY = "new_story"
    UPDATE = "update"
    DUPLICATE = "duplicate"
    FEED_ERROR = "feed_error"
    FEED_RECOVERED = "feed_recovered"
    # What ``monitor send-test`` sends: its own kind, so no script counts it as a story.
    TEST = "test"


@dataclass(frozen=True)
class Article:
    """One normalised news item.

    ``id`` is stable across polls (GUID, else canonical link, else content hash); ``text``
    is plain text (HTML already removed); ``published`` is always timezone-aware.
    """

    id: str
    url: str | None
    title: str
    published: datetime
    source: str
    text: str
    section: str | None = None
    content_hash: str = ""
    is_seed: bool = False


@dataclass(frozen=True)
class Decision:
    """What the judge concluded about one article (the replay output row, plus ``why``)."""

    article_id: str
    kind: Kind
    relevance: float
    story_id: str | None = None
    story_title: str | None = None
    matched: str | None = None
    matched_title: str | None = None
    similarity: float | None = None
    changes: tuple[str, ...] = ()
    summary: str = ""
    why: tuple[str, ...] = ()
    # False for an on-topic story that is only related to the topic (tracked, so later
    # articles match it, but below the alert bar): no alert is sent for it.
    notify: bool = True
    # The article joined its story only because it refers to the story's incident by name or
    # date (its words are not the story's): the story keeps it, but does not match on its words.
    by_reference: bool = False

    @property
    def alert(self) -> bool:
        return self.notify and self.kind in (Kind.NEW_STORY, Kind.UPDATE)

    def replay_row(self) -> dict[str, object]:
        """The JSON object replay.md specifies for this decision."""
        return {
            "id": self.article_id,
            "decision": self.kind.value,
            "alert": self.alert,
            "relevance": round(self.relevance, 4),
            "story": self.story_id,
            "matched": self.matched,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "changes": list(self.changes),
            "summary": self.summary,
            "why": list(self.why),
        }


@dataclass(frozen=True)
class Alert:
    """An alert as every channel receives it (interface.md, "Alerts").

    ``payload`` is the JSON object the webhook posts and the file sink writes; it is built
    once, when the alert is created, so every channel and every retry sends the same bytes.
    """

    id: str
    kind: Kind
    created_at: datetime
    story_id: str | None
    payload: dict[str, object] = field(default_factory=dict)
