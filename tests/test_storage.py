"""The store on real SQLite files: migrations, atomic judgement + outbox, claims, the lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alerts import article_alert
from monitor.models import Article, Decision, Kind
from monitor.storage import MIGRATIONS, StateError, Store, state_lock

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def article(n: int) -> Article:
    return Article(id=f"guid-{n}", url=f"https://news.example/{n}", title=f"Gwadar port item {n}",
                   published=NOW, source="Example", text=f"Text of item {n} about CPEC.", content_hash=f"h{n}")


def new_story(n: int) -> Decision:
    return Decision(article_id=f"guid-{n}", kind=Kind.NEW_STORY, relevance=0.9, story_id=f"s{n}",
                    story_title=f"Gwadar port item {n}", summary="summary", why=("cpec",))


def test_fresh_store_is_migrated_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    Store.open(tmp_path).close()  # reopening runs no migration twice


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / "monitor.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(StateError, match="newer than this monitor knows"):
        Store.open(tmp_path)


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "monitor.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="unusable"):
        Store.open(tmp_path)


def test_feeds_sync_deactivates_but_keeps_removed_feeds(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.sync_feeds([("https://a.example/f", "A", 900), ("https://b.example/f", "B", 900)], NOW)
    assert [f.name for f in store.feeds_due(NOW)] == ["A", "B"]
    store.sync_feeds([("https://a.example/f", "A", 600)], NOW)
    assert [f.name for f in store.feeds()] == ["A"]
    assert [f.name for f in store.feeds(active_only=False)] == ["A", "B"]
    assert store.feeds()[0].interval_s == 600


def test_judgement_alert_and_outbox_are_written_together(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.sync_feeds([("https://a.example/f", "A", 900)], NOW)
    feed_id = store.feeds()[0].id
    alert = article_alert(article(1), new_story(1), feed_key="https://a.example/f", first_alert_id=None, now=NOW)
    store.record_judgement(feed_id, article(1), new_story(1), NOW, alert, ["file", "email"])
    assert store.counts()["outbox"] == {"pending": 2}
    assert store.story_first_alert("s1") == alert.id
    assert store.known_article_ids(feed_id, ["guid-1", "guid-2"]) == {"guid-1"}
    # The same GUID again (a duplicate inside one feed document) changes nothing.
    store.record_judgement(feed_id, article(1), new_story(1), NOW, None, ["file"])
    assert store.counts()["entries"] == 1
    [(rebuilt_article, rebuilt_decision)] = list(store.judged_articles())
    assert rebuilt_article == article(1) and rebuilt_decision == new_story(1)


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    alert = article_alert(article(1), new_story(1), feed_key="k", first_alert_id=None, now=NOW)
    store.record_judgement(None, article(1), new_story(1), NOW, alert, ["file"])
    # Same alert id again with a new entry: the alert insert fails, so the entry must not stay.
    with pytest.raises(sqlite3.IntegrityError):
        store.record_judgement(None, article(2), new_story(2), NOW, alert, ["file"])
    assert store.known_article_ids(None, ["guid-2"]) == set()
    assert store.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1


def test_claim_is_exclusive_until_the_lease_runs_out(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    alert = article_alert(article(1), new_story(1), feed_key="k", first_alert_id=None, now=NOW)
    store.record_judgement(None, article(1), new_story(1), NOW, alert, ["webhook"])
    (item,) = store.claim("webhook", NOW, lease_s=60)
    assert item.alert.id == alert.id and item.attempts == 1
    assert store.claim("webhook", NOW + timedelta(seconds=30), lease_s=60) == []
    # The claimer died without recording: after the lease the same alert id is claimed again.
    (again,) = store.claim("webhook", NOW + timedelta(seconds=61), lease_s=60)
    assert again.alert.id == alert.id and again.attempts == 2
    store.mark_retry(alert.id, "webhook", NOW, NOW + timedelta(minutes=5), "HTTP 500")
    assert store.claim("webhook", NOW + timedelta(minutes=1), lease_s=60) == []
    assert len(store.claim("webhook", NOW + timedelta(minutes=1), lease_s=60, ignore_backoff=True)) == 1
    store.mark_sent(alert.id, "webhook", NOW)
    assert store.claim("webhook", NOW + timedelta(days=1), lease_s=60, ignore_backoff=True) == []
    assert store.counts()["outbox"] == {"sent": 1}


def _queued(store: Store, count: int) -> list[str]:
    ids = []
    for n in range(1, count + 1):
        alert = article_alert(article(n), new_story(n), feed_key="k", first_alert_id=None,
                              now=NOW + timedelta(seconds=n))
        store.record_judgement(None, article(n), new_story(n), NOW, alert, ["webhook"])
        ids.append(alert.id)
    return ids


def test_a_round_s_limit_never_splits_a_message_handed_over_before(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    later = NOW + timedelta(minutes=1)
    ids = _queued(store, 6)
    # Rows 1, 2, 5 and 6 were handed to the channel as one digest, row 3 as itself; the
    # sends failed. Row 6 was then held for later (a quiet-hours hold keeps its message).
    first = store.claim("webhook", later, lease_s=60, limit=6)
    store.mark_handed([ids[0], ids[1], ids[4], ids[5]], "webhook", "digest-1")
    store.mark_handed([ids[2]], "webhook", ids[2])
    for item in first:
        store.hold(item.alert.id, "webhook", later + timedelta(hours=1) if item.alert.id == ids[5] else later)
    # A round of two takes the oldest two, and the rest of their digest that is due ...
    claimed = [item.alert.id for item in store.claim("webhook", later, lease_s=60, limit=2)]
    assert claimed == [ids[0], ids[1], ids[4]]
    # ... and leaves the rest for the next round.
    assert [item.alert.id for item in store.claim("webhook", later, lease_s=60, limit=2)] == [ids[2], ids[3]]


def test_a_digest_whose_sender_died_is_claimed_whole_when_its_lease_runs_out(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    later = NOW + timedelta(minutes=1)
    ids = _queued(store, 4)
    store.claim("webhook", later, lease_s=60, limit=4)
    store.mark_handed([ids[0], ids[3]], "webhook", "digest-1")  # ... and the process died mid-send
    claimed = [item.alert.id for item in store.claim("webhook", later + timedelta(seconds=61), lease_s=60, limit=1)]
    assert claimed == [ids[0], ids[3]]


def test_second_process_is_refused_the_state_lock(tmp_path: Path) -> None:
    with state_lock(tmp_path):
        probe = subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from monitor.storage import state_lock\n"
             "try:\n    state_lock(Path(sys.argv[1])).__enter__()\n"
             "except Exception as e:\n    print(e); raise SystemExit(3)", str(tmp_path)],
            capture_output=True, text=True, check=False,
        )
    assert probe.returncode == 3
    assert "in use by another monitor process" in probe.stdout
    with state_lock(tmp_path):
        pass  # released and reusable


def test_quiet_decisions_stay_quiet_after_a_restart(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    quiet = Decision(article_id="guid-1", kind=Kind.NEW_STORY, relevance=0.6, story_id="s1",
                     story_title="t", notify=False)
    store.record_judgement(None, article(1), quiet, NOW, None, ["file"])
    store.close()
    [(_, rebuilt)] = list(Store.open(tmp_path).judged_articles())
    assert rebuilt.notify is False and rebuilt.alert is False


def test_a_join_by_incident_reference_is_remembered_after_a_restart(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    joined = Decision(article_id="guid-2", kind=Kind.UPDATE, relevance=0.6, story_id="s1",
                      story_title="t", by_reference=True)
    store.record_judgement(None, article(1), new_story(1), NOW, None, ["file"])
    store.record_judgement(None, article(2), joined, NOW, None, ["file"])
    store.close()
    rebuilt = [d for _, d in Store.open(tmp_path).judged_articles()]
    assert [d.by_reference for d in rebuilt] == [False, True]


def test_an_entry_listed_again_while_being_forgotten_is_kept(tmp_path: Path) -> None:
    """Forgetting runs between polls: one that lists an entry after the forgettable ones were
    found keeps that entry."""
    store = Store.open(tmp_path)
    store.sync_feeds([("https://a.example/f", "A", 900)], NOW)
    feed_id = store.feeds()[0].id
    for n in (1, 2):
        store.record_judgement(feed_id, article(n), Decision(article_id=f"guid-{n}", kind=Kind.IRRELEVANT,
                                                             relevance=0.1), NOW, None, ["file"])
    before = NOW + timedelta(days=1)
    found = store.forgettable_entries(before)
    assert len(found) == 2
    listed = NOW + timedelta(days=1, hours=1)
    store.mark_listed(feed_id, ["guid-2"], listed, unless_since=timedelta(hours=6))
    assert store.forget_entries(found, before) == 1
    # Listed again within six hours: not rewritten.
    store.mark_listed(feed_id, ["guid-2"], listed + timedelta(hours=5), unless_since=timedelta(hours=6))
    assert store.db.execute("SELECT last_listed FROM entries").fetchone()[0] == listed.isoformat(timespec="microseconds")
    assert store.known_article_ids(feed_id, ["guid-1", "guid-2"]) == {"guid-2"}
    assert store.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1


def test_entries_known_before_the_upgrade_count_as_listed_at_it(tmp_path: Path) -> None:
    """Schema 5 had no last_listed: its entries must not look unlisted since they were first
    seen, or the first forgetting would delete what the feeds still list."""
    db = sqlite3.connect(tmp_path / "monitor.db")
    for number, migration in enumerate(MIGRATIONS[:5]):
        for statement in migration.split(";"):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number + 1}")
    db.execute("INSERT INTO entries (feed_id, article_id, title, published, source, text, content_hash, first_seen)"
               " VALUES (NULL, 'guid-1', 't', '2025-01-01T00:00:00.000000+00:00', 's', 'x', 'h',"
               " '2025-01-01T00:00:00.000000+00:00')")
    db.commit()
    db.close()
    before_upgrade = datetime.now(UTC) - timedelta(seconds=1)
    store = Store.open(tmp_path)
    (listed,) = store.db.execute("SELECT last_listed FROM entries").fetchone()
    assert before_upgrade <= datetime.fromisoformat(listed) <= datetime.now(UTC)
