"""Durable state: plain SQL behind one class, on SQLite (WAL, foreign keys, migrations).

Tables: ``feeds`` (the schedule of record and each feed's HTTP cache data and health),
``entries`` (every article seen, with its text so the judge can be rebuilt after a
restart; an irrelevant one only until ``[state] forget_after``), ``decisions``,
``stories``, ``alerts`` and ``outbox`` (one row per alert and channel: the delivery
queue). A decision, its story change, its alert and the alert's outbox rows are written
in one transaction, so an alert is never lost between judging and delivery.

Times are stored as ISO 8601 UTC text, which sorts and compares correctly.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from monitor.models import Alert, Article, Decision, Kind

Key = TypeVar("Key", str, int)

DB_NAME = "monitor.db"
LOCK_NAME = "monitor.lock"

# Numbered migrations: index + 1 is the schema version they lead to (PRAGMA user_version).
# Append only; never edit a migration that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        config_url TEXT NOT NULL UNIQUE,      -- identity: the URL as written in the config
        url TEXT NOT NULL,                    -- where it is fetched now (permanent redirects)
        name TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,    -- 0 once removed from the config, never deleted
        interval_s REAL NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        next_poll_at TEXT NOT NULL,
        last_attempt_at TEXT,
        last_success_at TEXT,
        last_status INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        failing_since TEXT,
        last_error TEXT,
        error_alerted INTEGER NOT NULL DEFAULT 0,
        entries_seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER REFERENCES feeds(id),  -- NULL for seeds
        article_id TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        published TEXT NOT NULL,
        source TEXT NOT NULL,
        section TEXT,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        UNIQUE (feed_id, article_id)
    );
    CREATE INDEX entries_content_hash ON entries(content_hash);
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        first_alert_id TEXT,
        articles INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE decisions (
        entry_id INTEGER PRIMARY KEY REFERENCES entries(id),
        kind TEXT NOT NULL,
        relevance REAL NOT NULL,
        story_id TEXT REFERENCES stories(id),
        matched TEXT,
        matched_title TEXT,
        similarity REAL,
        changes TEXT NOT NULL,      -- JSON list
        summary TEXT NOT NULL,
        why TEXT NOT NULL,          -- JSON list
        decided_at TEXT NOT NULL
    );
    CREATE INDEX decisions_story ON decisions(story_id);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        story_id TEXT,
        feed_id INTEGER REFERENCES feeds(id),
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL       -- JSON: exactly what channels send
    );
    CREATE TABLE outbox (
        alert_id TEXT NOT NULL REFERENCES alerts(id),
        channel TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',   -- pending | sending | sent | failed
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_until TEXT,                      -- a 'sending' row past this was abandoned
        last_error TEXT,
        sent_at TEXT,
        PRIMARY KEY (alert_id, channel)
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    CREATE TABLE delivery_log (
        id INTEGER PRIMARY KEY,
        alert_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,      -- sent | retry | failed
        error TEXT
    );
    """,
    # 2: batches (digest, quiet hours, rate-limit overflow) and messages, for delivery policy.
    """
    ALTER TABLE outbox ADD COLUMN batch_at TEXT;
    ALTER TABLE delivery_log ADD COLUMN message_id TEXT;
    CREATE INDEX delivery_log_channel_at ON delivery_log(channel, at)
    """,
    # 3: whether a decision's kind was meant to reach the user (a related, non-core story is
    # tracked quietly); the judge needs it back after a restart.
    """
    ALTER TABLE decisions ADD COLUMN notify INTEGER NOT NULL DEFAULT 1
    """,
    # 4: which process holds a claim, so startup recovery releases only dead processes' claims.
    """
    ALTER TABLE outbox ADD COLUMN claimed_by INTEGER
    """,
    # 5: whether an article joined its story only by referring to its incident (the judge
    # keeps such members out of word matching, and needs to know after a restart).
    """
    ALTER TABLE decisions ADD COLUMN by_reference INTEGER NOT NULL DEFAULT 0
    """,
    # 6: when a feed document last listed the entry (NULL: only when first seen). An irrelevant
    # entry is forgotten once none has for [state] forget_after: while a feed still lists it,
    # forgetting it would only have it judged again as new. Entries known before this column
    # count as listed at the upgrade: which ones still are, only the next polls can say.
    """
    ALTER TABLE entries ADD COLUMN last_listed TEXT;
    UPDATE entries SET last_listed = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'
    """,
    # 7: the message a row was last handed to a channel in (its alert's id, or a digest's),
    # written just before the send: the receiver may have it, so the row goes out again only
    # as that same message.
    """
    ALTER TABLE outbox ADD COLUMN message_id TEXT
    """,
)


# (entries e JOIN decisions d) rows [state] forget_after may delete, listed last before "?".
_FORGETTABLE = """e.feed_id IS NOT NULL AND d.kind = 'irrelevant'
                  AND COALESCE(e.last_listed, e.first_seen) < ?"""


class StateError(Exception):
    """The state directory cannot be used (locked by another daemon, unreadable, too new)."""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class FeedRow:
    """A feed as the store knows it: schedule, HTTP cache data and health."""

    id: int
    config_url: str
    url: str
    name: str
    active: bool
    interval_s: float
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_poll_at: datetime
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    consecutive_failures: int
    failing_since: datetime | None
    last_error: str | None
    error_alerted: bool
    entries_seen: int

    @property
    def label(self) -> str:
        return self.name or self.config_url


@dataclass(frozen=True)
class FeedUpdate:
    """What to write to a feed's row after one fetch (decided by pure code, applied here)."""

    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_poll_at: datetime
    last_attempt_at: datetime
    last_success_at: datetime | None
    last_status: int | None
    consecutive_failures: int
    failing_since: datetime | None
    last_error: str | None
    error_alerted: bool
    new_entries: int = 0


@dataclass(frozen=True)
class OutboxItem:
    """One alert to deliver on one channel, as claimed by the deliverer."""

    alert: Alert
    channel: str
    attempts: int


@contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """Hold the state directory's lock: one daemon per state, refused with a reason.

    flock is released by the kernel when the process dies, so a SIGKILLed daemon never
    leaves a stale lock behind.
    """
    path = state_dir / LOCK_NAME
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:  # (a file in its place, no permission, a read-only disk)
        raise StateError(f"state directory {state_dir} cannot be used: {exc.strerror or exc} "
                         f"({exc.filename or path}); set state.dir to a writable directory") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StateError(
            f"state directory {state_dir} is in use by another monitor process (pid {holder}); "
            "stop it first, or give this one another state.dir"
        ) from None
    try:
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class Store:
    """All SQL lives here. One connection, used from one thread (the daemon's event loop)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, state_dir: Path) -> Store:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            path = state_dir / DB_NAME
            db = sqlite3.connect(path, isolation_level=None, timeout=30)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            store = cls(db, path)
            store.migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state database {state_dir / DB_NAME} is unusable: {exc}") from None
        except OSError as exc:
            raise StateError(f"state directory {state_dir} is unusable: {exc}") from None
        return store

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StateError(
                f"state database {self.path} has schema version {version}, newer than this "
                f"monitor knows ({len(MIGRATIONS)}): upgrade monitor"
            )
        for number in range(version, len(MIGRATIONS)):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- feeds: the schedule of record ---------------------------------------------------

    def sync_feeds(self, feeds: Sequence[tuple[str, str, float]], now: datetime) -> None:
        """Make the feeds table match the config: (config_url, name, interval_s) each.

        New feeds are due now; feeds no longer configured are deactivated, not deleted, so
        their history and any pending alert about them survive.
        """
        with self.transaction() as db:
            db.execute("UPDATE feeds SET active = 0")
            for config_url, name, interval_s in feeds:
                db.execute(
                    """INSERT INTO feeds (config_url, url, name, interval_s, next_poll_at)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT(config_url) DO UPDATE SET
                         name = excluded.name, interval_s = excluded.interval_s, active = 1""",
                    (config_url, config_url, name, interval_s, iso(now)),
                )

    def feeds(self, *, active_only: bool = True) -> list[FeedRow]:
        where = "WHERE active = 1" if active_only else ""
        rows = self.db.execute(f"SELECT * FROM feeds {where} ORDER BY id").fetchall()
        return [_feed_row(r) for r in rows]

    def feeds_due(self, now: datetime) -> list[FeedRow]:
        rows = self.db.execute(
            "SELECT * FROM feeds WHERE active = 1 AND next_poll_at <= ? ORDER BY next_poll_at",
            (iso(now),),
        ).fetchall()
        return [_feed_row(r) for r in rows]

    def update_feed(self, feed_id: int, update: FeedUpdate, alerts: Sequence[Alert] = (),
                    channels: Sequence[str] = ()) -> None:
        """Apply one fetch's outcome, and queue any feed-health alert with it atomically."""
        with self.transaction() as db:
            db.execute(
                """UPDATE feeds SET url = ?, etag = ?, last_modified = ?, body_hash = ?,
                     next_poll_at = ?, last_attempt_at = ?, last_success_at = ?, last_status = ?,
                     consecutive_failures = ?, failing_since = ?, last_error = ?, error_alerted = ?,
                     entries_seen = entries_seen + ?
                   WHERE id = ?""",
                (
                    update.url, update.etag, update.last_modified, update.body_hash,
                    iso(update.next_poll_at), iso(update.last_attempt_at),
                    _iso_or_none(update.last_success_at), update.last_status,
                    update.consecutive_failures, _iso_or_none(update.failing_since),
                    update.last_error, int(update.error_alerted), update.new_entries, feed_id,
                ),
            )
            for alert in alerts:
                self._queue_alert(db, alert, channels, feed_id=feed_id)

    # -- entries and judgement -----------------------------------------------------------

    def known_article_ids(self, feed_id: int | None, article_ids: Sequence[str]) -> set[str]:
        if not article_ids:
            return set()
        known: set[str] = set()
        for chunk, marks in _in_chunks(article_ids):
            rows = self.db.execute(
                f"SELECT article_id FROM entries WHERE feed_id IS ? AND article_id IN ({marks})",
                (feed_id, *chunk),
            ).fetchall()
            known.update(r[0] for r in rows)
        return known

    def mark_listed(self, feed_id: int, article_ids: Sequence[str], now: datetime, *,
                    unless_since: timedelta) -> None:
        """The feed's document lists these known entries at ``now``: not to be forgotten yet.

        An entry marked less than ``unless_since`` ago is left as it is: a feed polled every
        few minutes must not rewrite all its rows each time."""
        if not article_ids:
            return
        with self.transaction() as db:
            for chunk, marks in _in_chunks(article_ids):
                db.execute(
                    f"""UPDATE entries SET last_listed = ? WHERE feed_id = ? AND article_id IN ({marks})
                        AND (last_listed IS NULL OR last_listed < ?)""",
                    (iso(now), feed_id, *chunk, iso(now - unless_since)),
                )

    def forgettable_entries(self, before: datetime) -> list[int]:
        """Irrelevant feed entries that no feed document has listed since ``before``. (Seeds,
        and entries of a story, are what the judge is rebuilt from: never forgotten.)"""
        rows = self.db.execute(
            f"SELECT e.id FROM entries e JOIN decisions d ON d.entry_id = e.id WHERE {_FORGETTABLE}",
            (iso(before),),
        )
        return [r[0] for r in rows]

    def forget_entries(self, entry_ids: Sequence[int], before: datetime) -> int:
        """Delete those of these entries that are still forgettable (a poll may have listed
        one since they were found), with their decisions, in one transaction. How many."""
        with self.transaction() as db:
            forgotten = 0
            for chunk, marks in _in_chunks(entry_ids):
                still = [r[0] for r in db.execute(
                    f"""SELECT e.id FROM entries e JOIN decisions d ON d.entry_id = e.id
                        WHERE e.id IN ({marks}) AND {_FORGETTABLE}""",
                    (*chunk, iso(before)),
                )]
                # (``still`` is part of one chunk: within the parameter limit.)
                still_marks = ",".join("?" * len(still))
                db.execute(f"DELETE FROM decisions WHERE entry_id IN ({still_marks})", still)
                db.execute(f"DELETE FROM entries WHERE id IN ({still_marks})", still)
                forgotten += len(still)
            return forgotten

    def forget_delivery_log(self, before: datetime) -> int:
        """Delete delivery attempts logged before ``before`` (the outbox keeps each alert's
        state; the log is history, and a rate limit looks back a day at most). How many."""
        with self.transaction() as db:
            return db.execute("DELETE FROM delivery_log WHERE at < ?", (iso(before),)).rowcount

    def record_judgement(self, feed_id: int | None, article: Article, decision: Decision,
                         now: datetime, alert: Alert | None, channels: Sequence[str]) -> None:
        """Entry, decision, story and alert with its outbox rows: all or nothing."""
        with self.transaction() as db:
            cursor = db.execute(
                """INSERT INTO entries (feed_id, article_id, url, title, published, source, section,
                                        text, content_hash, first_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(feed_id, article_id) DO NOTHING""",
                (feed_id, article.id, article.url, article.title, iso(article.published),
                 article.source, article.section, article.text, article.content_hash, iso(now)),
            )
            if cursor.rowcount == 0:
                return  # already recorded (a duplicate GUID within one feed document)
            entry_id = cursor.lastrowid
            if decision.story_id is not None:
                db.execute(
                    """INSERT INTO stories (id, title, created_at, updated_at, articles)
                       VALUES (?, ?, ?, ?, 1)
                       ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at,
                                                     articles = articles + 1""",
                    (decision.story_id, decision.story_title or article.title, iso(now), iso(now)),
                )
            db.execute(
                """INSERT INTO decisions (entry_id, kind, relevance, story_id, matched, matched_title,
                                          similarity, changes, summary, why, decided_at, notify,
                                          by_reference)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (entry_id, decision.kind.value, decision.relevance, decision.story_id,
                 decision.matched, decision.matched_title, decision.similarity,
                 json.dumps(list(decision.changes)), decision.summary,
                 json.dumps(list(decision.why)), iso(now), int(decision.notify),
                 int(decision.by_reference)),
            )
            if alert is not None:
                self._queue_alert(db, alert, channels)
                db.execute(
                    "UPDATE stories SET first_alert_id = COALESCE(first_alert_id, ?) WHERE id = ?",
                    (alert.id, decision.story_id),
                )

    def entries_matching(self, ids: Sequence[str], words: Sequence[str], limit: int) -> list[dict[str, Any]]:
        """Feed entries whose id or link is one of ``ids``, or whose title or link contains
        each of ``words`` (casefolded), with their feed, decision and story: the latest seen
        first."""
        self.db.create_function("casefold", 1, _casefold, deterministic=True)
        each_word = " AND ".join(["(instr(casefold(e.title), ?) OR instr(casefold(e.url), ?))"] * len(words))
        id_marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"""SELECT e.article_id, e.url, e.title, e.published, e.source, e.first_seen,
                      f.name AS feed, f.config_url AS feed_key, d.kind, d.relevance, d.story_id,
                      s.title AS story_title, d.matched, d.matched_title, d.similarity, d.changes,
                      d.summary, d.why, d.notify
               FROM entries e JOIN decisions d ON d.entry_id = e.id
               JOIN feeds f ON f.id = e.feed_id LEFT JOIN stories s ON s.id = d.story_id
               WHERE e.article_id IN ({id_marks or "NULL"}) OR e.url IN ({id_marks or "NULL"})
                  OR ({each_word or "0"})
               ORDER BY e.id DESC LIMIT ?""",
            (*ids, *ids, *[w for word in words for w in (word, word)], limit),
        ).fetchall()
        return [{**dict(r), "changes": json.loads(r["changes"]), "why": json.loads(r["why"]),
                 "notify": bool(r["notify"])} for r in rows]

    def deliveries(self, alert_id: str) -> list[dict[str, Any]]:
        """The alert's outbox rows: per channel, its state, attempts, last error and when sent."""
        rows = self.db.execute(
            """SELECT channel, state, attempts, sent_at, next_attempt_at, last_error FROM outbox
               WHERE alert_id = ? ORDER BY channel""",
            (alert_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def story_first_alert(self, story_id: str) -> str | None:
        row = self.db.execute("SELECT first_alert_id FROM stories WHERE id = ?", (story_id,)).fetchone()
        return row[0] if row else None

    def judged_articles(self) -> Iterator[tuple[Article, Decision]]:
        """Every entry judged part of a story, in decision order: how the judge is rebuilt
        after a restart (irrelevant entries leave no trace in the judge)."""
        rows = self.db.execute(
            """SELECT e.*, d.kind, d.relevance, d.story_id, d.matched, d.matched_title,
                      d.similarity, d.changes, d.summary, d.why, d.notify, d.by_reference,
                      s.title AS story_title
               FROM decisions d JOIN entries e ON e.id = d.entry_id
               LEFT JOIN stories s ON s.id = d.story_id
               WHERE d.story_id IS NOT NULL
               ORDER BY d.entry_id"""
        )
        for r in rows:
            article = Article(
                id=r["article_id"], url=r["url"], title=r["title"], published=from_iso(r["published"]),
                source=r["source"], text=r["text"], section=r["section"],
                content_hash=r["content_hash"], is_seed=r["feed_id"] is None,
            )
            decision = Decision(
                article_id=r["article_id"], kind=Kind(r["kind"]), relevance=r["relevance"],
                story_id=r["story_id"], story_title=r["story_title"], matched=r["matched"],
                matched_title=r["matched_title"], similarity=r["similarity"],
                changes=tuple(json.loads(r["changes"])), summary=r["summary"],
                why=tuple(json.loads(r["why"])), notify=bool(r["notify"]),
                by_reference=bool(r["by_reference"]),
            )
            yield article, decision

    def counts(self) -> dict[str, Any]:
        """Figures for ``status``."""
        one = self.db.execute
        outbox = {r[0]: r[1] for r in one("SELECT state, COUNT(*) FROM outbox GROUP BY state")}
        kinds = {r[0]: r[1] for r in one("SELECT kind, COUNT(*) FROM decisions GROUP BY kind")}
        return {
            "entries": one("SELECT COUNT(*) FROM entries WHERE feed_id IS NOT NULL").fetchone()[0],
            "stories": one("SELECT COUNT(*) FROM stories").fetchone()[0],
            "decisions": kinds,
            "alerts": one("SELECT COUNT(*) FROM alerts").fetchone()[0],
            "outbox": outbox,
        }

    def recent_stories(self, limit: int = 10) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT id, title, articles, updated_at FROM stories ORDER BY updated_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(r) for r in rows]

    # -- outbox ----------------------------------------------------------------------------

    def _queue_alert(self, db: sqlite3.Connection, alert: Alert, channels: Sequence[str],
                     feed_id: int | None = None) -> None:
        db.execute(
            "INSERT INTO alerts (id, kind, story_id, feed_id, created_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
            (alert.id, alert.kind.value, alert.story_id, feed_id, iso(alert.created_at),
             json.dumps(alert.payload, ensure_ascii=False)),
        )
        for channel in channels:
            db.execute(
                "INSERT INTO outbox (alert_id, channel, next_attempt_at) VALUES (?, ?, ?)",
                (alert.id, channel, iso(alert.created_at)),
            )

    def claim(self, channel: str, now: datetime, lease_s: float, *, ignore_backoff: bool = False,
              limit: int = 100) -> list[OutboxItem]:
        """Atomically take due rows of one channel for sending.

        A row is due when pending and its backoff has passed, or when it was claimed by a
        process that died (its lease ran out): the crash-between-send-and-record case, which
        is sent again with the same alert id so the receiver can drop the repeat.

        ``limit`` bounds a round, but never splits a message handed to the channel before:
        the due rows of every such message among the first ``limit`` come with them, so it
        goes out again whole, under its own id.
        """
        now_s = iso(now)
        until = iso(datetime.fromtimestamp(now.timestamp() + lease_s, UTC))
        due = "1" if ignore_backoff else "o.next_attempt_at <= :now"
        claimable = f"""o.channel = :channel AND (
                          (o.state = 'pending' AND {due}) OR (o.state = 'sending' AND o.claimed_until <= :now))"""
        columns = "o.alert_id, o.attempts, o.message_id, a.kind, a.story_id, a.created_at, a.payload"
        with self.transaction() as db:
            rows = db.execute(
                f"""SELECT {columns} FROM outbox o JOIN alerts a ON a.id = o.alert_id
                    WHERE {claimable} ORDER BY a.created_at LIMIT :limit""",
                {"channel": channel, "now": now_s, "limit": limit},
            ).fetchall()
            # (Only a full round can have left rows behind. A single alert is handed over as
            # its own id: only a digest has other rows.)
            if len(rows) == limit and (
                    handed := sorted({r["message_id"] for r in rows if r["message_id"] not in (None, r["alert_id"])})):
                taken = {r["alert_id"] for r in rows}
                for chunk, _ in _in_chunks(handed):
                    messages = {f"m{i}": message for i, message in enumerate(chunk)}
                    rows += [r for r in db.execute(
                        f"""SELECT {columns} FROM outbox o JOIN alerts a ON a.id = o.alert_id
                            WHERE {claimable} AND o.message_id IN ({",".join(":" + m for m in messages)})
                            ORDER BY a.created_at""",
                        {"channel": channel, "now": now_s, **messages},
                    ).fetchall() if r["alert_id"] not in taken]
            for r in rows:
                db.execute(
                    """UPDATE outbox SET state = 'sending', claimed_until = ?, claimed_by = ?,
                                         attempts = attempts + 1
                       WHERE alert_id = ? AND channel = ?""",
                    (until, os.getpid(), r["alert_id"], channel),
                )
        return [
            OutboxItem(
                alert=Alert(id=r["alert_id"], kind=Kind(r["kind"]), created_at=from_iso(r["created_at"]),
                            story_id=r["story_id"], payload=json.loads(r["payload"])),
                channel=channel,
                attempts=r["attempts"] + 1,
            )
            for r in rows
        ]

    def mark_sent(self, alert_id: str, channel: str, now: datetime, *, message_id: str | None = None) -> None:
        self.mark_sent_many((alert_id,), channel, now, message_id=message_id)

    def mark_sent_many(self, alert_ids: Sequence[str], channel: str, now: datetime, *,
                       message_id: str | None = None) -> None:
        """Record one message (one alert, or a digest of several) as sent, all rows at once."""
        with self.transaction() as db:
            for alert_id in alert_ids:
                db.execute(
                    """UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL, claimed_until = NULL
                       WHERE alert_id = ? AND channel = ?""",
                    (iso(now), alert_id, channel),
                )
                self._log(db, alert_id, channel, now, "sent", None, message_id)

    def hold(self, alert_id: str, channel: str, until: datetime, *, batch_at: datetime | None = None) -> None:
        """Give a claimed row back unsent, due at ``until``: not an attempt, so not counted.

        ``batch_at`` puts the row into a batch (digest, quiet hours, rate-limit overflow)
        that goes out as one message at or after that time; None keeps the row's batch.
        """
        with self.transaction() as db:
            db.execute(
                """UPDATE outbox SET state = 'pending', next_attempt_at = ?, claimed_until = NULL,
                                     attempts = MAX(0, attempts - 1), batch_at = COALESCE(?, batch_at)
                   WHERE alert_id = ? AND channel = ? AND state = 'sending'""",
                (iso(until), _iso_or_none(batch_at), alert_id, channel),
            )

    def mark_handed(self, alert_ids: Sequence[str], channel: str, message_id: str) -> None:
        """Record that claimed rows are being handed to the channel as the message
        ``message_id``: whatever happens next (a failure, a crash, a shutdown mid-send), they
        go out again only as that message (``delivery_marks``)."""
        with self.transaction() as db:
            for chunk, marks in _in_chunks(alert_ids):
                db.execute(f"""UPDATE outbox SET message_id = ? WHERE channel = ? AND state = 'sending'
                               AND alert_id IN ({marks})""", (message_id, channel, *chunk))

    def delivery_marks(self, channel: str, alert_ids: Sequence[str]) -> dict[str, tuple[datetime | None, str]]:
        """Of those rows that are in a batch or were handed to the channel before: the
        batch's time (``batch_at``, or None) and the message they were handed over in (or "")."""
        found: dict[str, tuple[datetime | None, str]] = {}
        for chunk, marks in _in_chunks(alert_ids):
            rows = self.db.execute(
                f"""SELECT alert_id, batch_at, message_id FROM outbox WHERE channel = ?
                    AND (batch_at IS NOT NULL OR message_id IS NOT NULL) AND alert_id IN ({marks})""",
                (channel, *chunk),
            ).fetchall()
            found.update((r[0], (from_iso(r[1]) if r[1] else None, r[2] or "")) for r in rows)
        return found

    def recent_sends(self, channel: str, since: datetime) -> list[datetime]:
        """When each message (a digest counts once) went out on ``channel`` since ``since``."""
        rows = self.db.execute(
            """SELECT MIN(at) FROM delivery_log WHERE channel = ? AND outcome = 'sent' AND at > ?
               GROUP BY COALESCE(message_id, alert_id)""",
            (channel, iso(since)),
        ).fetchall()
        return sorted(from_iso(r[0]) for r in rows)

    def pending_by_channel(self) -> dict[str, int]:
        """Rows not yet sent nor failed, per channel key (including channels no longer configured)."""
        rows = self.db.execute(
            "SELECT channel, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY channel"
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def recover_claims(self, now: datetime) -> int:
        """Make 'sending' rows claimed by dead processes due now (call at startup).

        Those claims were abandoned by a process that died, perhaps after sending: the
        resend carries the same alert id. Claims of live processes keep their lease. A row
        from before claims were recorded (claimed_by NULL) waits for its lease to run out.
        """
        claimers = [r[0] for r in self.db.execute(
            "SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sending'")]
        # A `monitor deliver` running beside the daemon holds live claims: leave those.
        dead = [pid for pid in claimers if not _process_alive(pid)]
        released = 0
        with self.transaction() as db:
            for pid in dead:
                released += db.execute(
                    """UPDATE outbox SET state = 'pending', next_attempt_at = ?, claimed_until = NULL
                       WHERE state = 'sending' AND claimed_by IS ?""",
                    (iso(now), pid),
                ).rowcount
        return released

    def mark_retry(self, alert_id: str, channel: str, now: datetime, next_attempt_at: datetime,
                   error: str) -> None:
        with self.transaction() as db:
            db.execute(
                """UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?,
                                     claimed_until = NULL
                   WHERE alert_id = ? AND channel = ?""",
                (iso(next_attempt_at), error, alert_id, channel),
            )
            self._log(db, alert_id, channel, now, "retry", error)

    def mark_failed(self, alert_id: str, channel: str, now: datetime, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                """UPDATE outbox SET state = 'failed', last_error = ?, claimed_until = NULL
                   WHERE alert_id = ? AND channel = ?""",
                (error, alert_id, channel),
            )
            self._log(db, alert_id, channel, now, "failed", error)

    def requeue_failed(self, now: datetime) -> list[tuple[str, str]]:
        """Make every failed row pending and due now, with its attempts counted afresh.

        For the user who fixed what failed them (``monitor deliver --retry-failed``). One
        transaction, and only rows still failed: a row is never sent twice by this. Returns
        the (alert id, channel) pairs requeued; each is logged as ``requeued``.
        """
        with self.transaction() as db:
            rows = db.execute("SELECT alert_id, channel FROM outbox WHERE state = 'failed'").fetchall()
            db.execute(
                """UPDATE outbox SET state = 'pending', next_attempt_at = ?, attempts = 0, claimed_until = NULL
                   WHERE state = 'failed'""",
                (iso(now),),
            )
            for alert_id, channel in rows:
                self._log(db, alert_id, channel, now, "requeued", None)
        return [(r[0], r[1]) for r in rows]

    def outbox_problems(self, limit: int = 20) -> list[dict[str, Any]]:
        """Failed rows and pending rows with errors: what ``status`` shows about delivery."""
        rows = self.db.execute(
            """SELECT alert_id, channel, state, attempts, next_attempt_at, last_error FROM outbox
               WHERE state = 'failed' OR last_error IS NOT NULL ORDER BY next_attempt_at LIMIT ?""",
            (limit,),
        ).fetchall()
        return [dict(r) for r in rows]

    def next_delivery_at(self) -> datetime | None:
        row = self.db.execute(
            """SELECT MIN(due) FROM (
                 SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state = 'pending'
                 UNION ALL SELECT MIN(claimed_until) FROM outbox WHERE state = 'sending')"""
        ).fetchone()
        return from_iso(row[0]) if row and row[0] else None

    @staticmethod
    def _log(db: sqlite3.Connection, alert_id: str, channel: str, now: datetime, outcome: str,
             error: str | None, message_id: str | None = None) -> None:
        db.execute(
            """INSERT INTO delivery_log (alert_id, channel, at, outcome, error, message_id)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (alert_id, channel, iso(now), outcome, error, message_id),
        )


def _in_chunks(ids: Sequence[Key], size: int = 500) -> Iterator[tuple[list[Key], str]]:
    """``ids`` in chunks small enough for SQLite's parameter limit, each with its "?,?,…"."""
    for start in range(0, len(ids), size):
        chunk = list(ids[start:start + size])
        yield chunk, ",".join("?" * len(chunk))


def _casefold(value: str | None) -> str | None:
    """SQLite's lower() folds ASCII only: "Ürümqi" must find "ÜRÜMQI" too."""
    return value.casefold() if value is not None else None


def _process_alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    return [s.strip() for s in script.split(";") if s.strip() and not s.strip().startswith("--")]


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def _feed_row(r: sqlite3.Row) -> FeedRow:
    def when(key: str) -> datetime | None:
        return from_iso(r[key]) if r[key] else None

    return FeedRow(
        id=r["id"], config_url=r["config_url"], url=r["url"], name=r["name"], active=bool(r["active"]),
        interval_s=r["interval_s"], etag=r["etag"], last_modified=r["last_modified"],
        body_hash=r["body_hash"], next_poll_at=from_iso(r["next_poll_at"]),
        last_attempt_at=when("last_attempt_at"), last_success_at=when("last_success_at"),
        last_status=r["last_status"], consecutive_failures=r["consecutive_failures"],
        failing_since=when("failing_since"), last_error=r["last_error"],
        error_alerted=bool(r["error_alerted"]), entries_seen=r["entries_seen"],
    )
