"""The daemon as a user runs it: subprocesses, a real HTTP feed server, real SQLite files.

Covers: poll --once end to end (alerts in the file sink, failures named, conditional GET
on the second cycle), run + SIGTERM (exit 0, promptly), a second daemon refused, SIGKILL
mid-cycle then restart with the state intact, feed_error / feed_recovered, status.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from feedserver import FeedServer

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "config" / "seeds"

GWADAR = (
    "Gwadar port receives first CPEC container ship on new Karachi route",
    "GWADAR: The first container vessel of a new shipping line under the China-Pakistan Economic "
    "Corridor (CPEC) docked at Gwadar port on Tuesday, officials of the Gwadar Port Authority said. "
    "The Chinese operator, China Overseas Ports Holding Company, said the weekly service would link "
    "Gwadar with Karachi and Jebel Ali. Federal Minister for Maritime Affairs said the CPEC port would "
    "handle 400,000 tonnes of cargo this year. Security for the Chinese crew was provided by the "
    "Special Security Division raised to protect Chinese nationals working on CPEC projects.",
)
DASU = (
    "Chinese engineers' convoy attacked near Dasu hydropower project",
    "PESHAWAR: A suicide bomber rammed an explosives-laden car into a convoy carrying Chinese engineers "
    "to the Dasu hydropower project in Khyber Pakhtunkhwa on Tuesday, killing five Chinese nationals and "
    "their Pakistani driver, police said. The Chinese embassy in Islamabad condemned the attack and "
    "demanded that Pakistan thoroughly investigate it and protect Chinese personnel and CPEC projects. "
    "Work on the Dasu and Diamer-Bhasha dams was suspended after the attack.",
)
CRICKET = (
    "Lahore Qalandars win the final in a last-over thriller",
    "LAHORE: Lahore Qalandars beat Multan Sultans by four wickets in the final at the Gaddafi Stadium "
    "on Sunday, with the winning runs coming off the penultimate ball. The captain praised the bowlers.",
)


def rss(items: Sequence[tuple[str, str, str]], when: datetime | None = None) -> bytes:
    """An RSS 2.0 document: (guid, title, text) per item, published from ``when`` on (by
    default an hour ago: the daemon alerts only on news, see ``old_news_days``)."""
    when = when or (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    parts = []
    for n, (guid, title, text) in enumerate(items):
        stamp = format_datetime(when + timedelta(minutes=n))
        parts.append(
            f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
            f"<link>https://news.example/{escape(guid)}?utm_source=rss</link>"
            f"<pubDate>{stamp}</pubDate><description>{escape(text)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example news</title>'
        f"<link>https://news.example/</link>{''.join(parts)}</channel></rss>"
    ).encode()


def write_config(tmp_path: Path, feeds: Sequence[tuple[str, str]], extra: str = "") -> Path:
    lines = [f'[state]\ndir = "{tmp_path / "state"}"\n', f'[seeds]\ndir = "{SEEDS}"\n', extra]
    for name, url in feeds:
        lines.append(f'[[feeds]]\nurl = "{url}"\nname = "{name}"\n')
    path = tmp_path / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def monitor(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
    )


@contextmanager
def running_daemon(config: Path) -> Iterator[subprocess.Popen[str]]:
    """``monitor run`` as a subprocess, killed on the way out if the test left it running."""
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        yield daemon
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def stop_with_sigterm(daemon: subprocess.Popen[str], within_s: float) -> str:
    """SIGTERM ``daemon``; it must exit 0 within ``within_s`` seconds. Its stderr."""
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _out, err = daemon.communicate(timeout=within_s * 2)
    assert daemon.returncode == 0, err
    assert time.monotonic() - started < within_s
    return err


def alerts(tmp_path: Path) -> list[dict[str, object]]:
    sink = tmp_path / "state" / "alerts.jsonl"
    if not sink.exists():
        return []
    return [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines() if line.strip()]


def descendants(pid: int) -> set[int]:
    """Process ids below ``pid`` (Linux /proc), to check nothing outlives a killed daemon."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = {child for child, ppid in parents.items() if ppid == parent} - found
        found |= children
        frontier.extend(children)
    return found


def wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_poll_once_end_to_end(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/a.xml", rss([("a-1", *GWADAR), ("a-2", *CRICKET)]), etag='"a1"')
    # Another outlet syndicates the same report: a copy, not a second alert.
    feed_server.serve("/b.xml", rss([("b-1", *GWADAR)]), last_modified="Fri, 20 Nov 2026 09:00:00 GMT")
    feed_server.serve("/page.xml", b"<!doctype html><html><body><p>Welcome</p></body></html>",
                      content_type="text/html; charset=utf-8")
    feed_server.fault("/missing.xml", status=404)
    # A server without validators: the same bytes again are not parsed again.
    feed_server.serve("/plain.xml", rss([("p-1", *CRICKET)]))
    config = write_config(tmp_path, [
        ("Outlet A", feed_server.url("/a.xml")), ("Outlet B", feed_server.url("/b.xml")),
        ("HTML page", feed_server.url("/page.xml")), ("Missing", feed_server.url("/missing.xml")),
        ("Plain", feed_server.url("/plain.xml")),
    ])

    first = monitor(config, "poll", "--once")
    assert first.returncode == 0, first.stderr
    assert "polled 5 feeds" in first.stderr
    assert "HTML page:" in first.stderr and "Missing:" in first.stderr and "404" in first.stderr
    sent = alerts(tmp_path)
    assert [(a["kind"], a["article"]["title"]) for a in sent] == [("new_story", GWADAR[0])]  # type: ignore[index]
    # Whichever outlet answered first carries the story; the other's copy is a duplicate.
    # Either way the tracking parameters are gone from the link.
    assert sent[0]["article"]["url"] in ("https://news.example/a-1", "https://news.example/b-1")  # type: ignore[index]

    second = monitor(config, "poll", "--once")
    assert second.returncode == 0, second.stderr
    assert feed_server.requests_for("/a.xml")[-1].headers.get("if-none-match") == '"a1"'
    assert feed_server.requests_for("/b.xml")[-1].headers.get("if-modified-since") == "Fri, 20 Nov 2026 09:00:00 GMT"
    assert "2 not modified, 1 unchanged" in second.stderr
    assert "if-none-match" not in feed_server.requests_for("/plain.xml")[-1].headers
    assert len(alerts(tmp_path)) == 1

    status = monitor(config, "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    health = {f["name"]: (f["health"], f["last_error"]) for f in data["feeds"]}
    assert health["Outlet A"] == ("ok", None)
    assert health["Missing"][0] == "failing" and "404" in health["Missing"][1]
    assert health["HTML page"][0] == "failing" and "HTML" in health["HTML page"][1]
    assert data["counts"]["outbox"] == {"sent": 1}
    assert data["seeds"]["titles"] and data["feeds"][0]["last_success"].count("T") == 1  # (ISO 8601)
    text = monitor(config, "status")
    assert "Missing" in text.stdout and "404" in text.stdout
    story = data["stories"][0]
    assert f"[{story['id']}]" in text.stdout  # whole: ids of one site's stories share a long prefix
    assert "SEEDS 2 in" in text.stdout and data["seeds"]["titles"][0][:60] in text.stdout


def test_why_says_what_became_of_each_article(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/a.xml", rss([("a-1", *GWADAR), ("a-2", *CRICKET)]))
    config = write_config(tmp_path, [("Outlet A", feed_server.url("/a.xml"))])
    assert monitor(config, "poll", "--once").returncode == 0
    feed_server.serve("/b.xml", rss([("b-1", *GWADAR)]))  # the same report, syndicated later
    config = write_config(tmp_path, [("Outlet A", feed_server.url("/a.xml")), ("Outlet B", feed_server.url("/b.xml"))])
    assert monitor(config, "poll", "--once").returncode == 0
    (sent,) = alerts(tmp_path)

    gwadar = monitor(config, "why", "receives gwadar PORT")
    assert gwadar.returncode == 0, gwadar.stderr
    copy, first = gwadar.stdout.split("\n\n")[:2]  # the latest seen first
    assert "Outlet B" in copy and "a duplicate in story" in copy and "closest:" in copy and "no alert" in copy
    assert "Outlet A" in first and f"a new story, story \"{GWADAR[0]}\"" in first
    assert f"alert {sent['id']}" in first and "delivery to file: sent" in first and "why: " in first
    latest = monitor(config, "why", "Gwadar", "--limit", "1")
    assert latest.stdout.count("Outlet") == 1 and "Outlet B" in latest.stdout
    assert "more entries match; showing the latest 1" in latest.stderr
    # The link as the feed gives it: stored without its tracking parameters.
    cricket = monitor(config, "why", "https://news.example/a-2?utm_source=rss", "--json")
    (entry,) = json.loads(cricket.stdout)
    assert (entry["kind"], entry["alert"], entry["title"]) == ("irrelevant", None, CRICKET[0])
    assert entry["why"] and entry["relevance"] < 0.5
    missing = monitor(config, "why", "Karakoram Highway")
    assert missing.returncode == 1 and missing.stdout == ""
    assert "no polled entry's title or link has every word of 'Karakoram Highway'" in missing.stderr
    assert "forget_after is 60d" in missing.stderr
    assert monitor(config, "why", " ").returncode == 2


def test_feed_error_then_recovered_alerts(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.fault("/flaky.xml", status=503)
    config = write_config(tmp_path, [("Flaky", feed_server.url("/flaky.xml"))], '[health]\nerror_after = "0s"\n')
    assert monitor(config, "poll", "--once").returncode == 0
    assert monitor(config, "poll", "--once").returncode == 0  # still failing: no second feed_error
    feed_server.serve("/flaky.xml", rss([("f-1", *DASU)]))
    assert monitor(config, "poll", "--once").returncode == 0
    kinds = [a["kind"] for a in alerts(tmp_path)]
    assert kinds == ["feed_error", "feed_recovered", "new_story"] or kinds == ["feed_error", "new_story",
                                                                            "feed_recovered"]
    error = alerts(tmp_path)[0]
    assert error["feed"]["name"] == "Flaky" and "503" in error["feed"]["error"]  # type: ignore[index]


def test_without_network_status_shows_each_fetch_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_config(tmp_path, [("Dead 1", f"http://127.0.0.1:{port}/one.xml"),
                                     ("Dead 2", f"http://127.0.0.1:{port}/two.xml")])
    result = monitor(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    data = json.loads(monitor(config, "status", "--json").stdout)
    for feed in data["feeds"]:
        assert feed["health"] == "failing"
        assert "refused" in feed["last_error"].lower() or "connect" in feed["last_error"].lower()
        assert feed["next_poll_in_s"] > 0


def test_run_stops_on_sigterm_and_refuses_a_second_daemon(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/a.xml", rss([("a-1", *DASU)]))
    config = write_config(tmp_path, [("Outlet A", feed_server.url("/a.xml"))])
    with running_daemon(config) as daemon:
        wait_for(lambda: len(alerts(tmp_path)) == 1)
        second = monitor(config, "run", timeout=30)
        assert second.returncode == 2
        assert "in use by another monitor process" in second.stderr and str(daemon.pid) in second.stderr
        err = stop_with_sigterm(daemon, within_s=10)
        assert "event=daemon_stopped" in err and "event=signal name=SIGTERM" in err


def test_sigkill_mid_cycle_then_restart_keeps_state_and_sends_each_alert_once(
    tmp_path: Path, feed_server: FeedServer,
) -> None:
    feeds = []
    for n in range(12):
        items = [(f"f{n}-{k}", f"{DASU[0]} (report {n}.{k})",
                  DASU[1] + f" Update {n}.{k}: police arrested {n * 10 + k + 3} suspects in Kohistan.")
                 for k in range(2)]
        # Half the feeds answer only after a delay: the kill lands while they are in flight.
        feed_server.serve(f"/f{n}.xml", rss(items), delay=0 if n % 2 == 0 else 6)
        feeds.append((f"Feed {n}", feed_server.url(f"/f{n}.xml")))
    config = write_config(tmp_path, feeds)
    db_path = tmp_path / "state" / "monitor.db"

    victim = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "poll", "--once"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)

    def some_feeds_done() -> bool:
        if not db_path.exists():
            return False
        try:
            with sqlite3.connect(db_path, timeout=1) as db:
                return bool(db.execute("SELECT COUNT(*) FROM feeds WHERE last_attempt_at IS NOT NULL").fetchone()[0])
        except sqlite3.OperationalError:
            return False

    wait_for(some_feeds_done)
    helpers = descendants(victim.pid)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    # Its parse workers (and their forkserver) must not outlive it.
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in helpers), timeout=10)
    with sqlite3.connect(db_path) as db:
        done_before = db.execute("SELECT COUNT(*) FROM feeds WHERE last_attempt_at IS NOT NULL").fetchone()[0]
    assert 0 < done_before < 12, "the kill should land mid-cycle"

    again = monitor(config, "poll", "--once")
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM feeds WHERE last_success_at IS NOT NULL").fetchone()[0] == 12
        assert db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 24
        pending = db.execute("SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0]
        queued = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    sent_ids = [a["id"] for a in alerts(tmp_path)]
    assert pending == 0
    assert len(sent_ids) == len(set(sent_ids)) == queued >= 1


@pytest.mark.parametrize("command", [("run",), ("poll", "--once")])
def test_an_irrelevant_entry_past_forget_after_is_forgotten_unless_still_listed(
        tmp_path: Path, feed_server: FeedServer, command: tuple[str, ...]) -> None:
    """Two entries seen 61 days ago and not listed since (as after a long stop): the one the
    feed still lists is kept as it was, the other is forgotten. The daemon forgets after its
    first poll cycle (then every six hours), ``poll --once`` after its cycle."""
    feed_server.serve("/a.xml", rss([("kept", *CRICKET), ("dropped", f"{CRICKET[0]} (2)", CRICKET[1])]))
    config = write_config(tmp_path, [("Outlet A", feed_server.url("/a.xml"))])
    assert monitor(config, "poll", "--once").returncode == 0
    db_path = tmp_path / "state" / "monitor.db"
    long_ago = (datetime.now(UTC) - timedelta(days=61)).isoformat(timespec="microseconds")
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE entries SET first_seen = ?, last_listed = NULL", (long_ago,))
        db.execute("UPDATE feeds SET next_poll_at = ?", (long_ago,))
    feed_server.serve("/a.xml", rss([("kept", *CRICKET), ("new", f"{CRICKET[0]} (3)", CRICKET[1])]))

    def entries() -> dict[str, str]:
        with closing(sqlite3.connect(db_path, timeout=5)) as db:
            return {r[0].rsplit("/", 1)[1]: r[1] for r in db.execute("SELECT article_id, first_seen FROM entries")}

    if command == ("run",):
        with running_daemon(config) as daemon:
            wait_for(lambda: set(entries()) == {"kept", "new"})
            err = stop_with_sigterm(daemon, within_s=10)
    else:
        done = monitor(config, *command)
        assert done.returncode == 0, done.stderr
        err = done.stderr
    assert entries()["kept"] == long_ago  # not forgotten and judged again as new
    assert set(entries()) == {"kept", "new"}
    assert "event=state_forgotten entries=1 delivery_log=0" in err


@pytest.mark.parametrize("args", [("check",), ("status",), ("poll", "--once")])
def test_bad_config_is_named_with_its_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[defaults]\ninterval = "15m"\n\n[[feeds]]\nurl = "https://a.example/f"\nnmae = "A"\n')
    result = monitor(config, *args)
    assert result.returncode == (1 if args == ("check",) else 2)
    assert f"{config}:6: unknown key 'nmae' in feeds[0]" in result.stderr


def test_check_names_the_line_of_a_seeds_dir_that_is_not_one(tmp_path: Path) -> None:
    config = tmp_path / "seeds.toml"
    config.write_text(f'[state]\ndir = "{tmp_path / "state"}"\n\n[seeds]\ndir = "{tmp_path / "nope"}"\n')
    result = monitor(config, "check")
    assert result.returncode == 1
    assert f"{config}:5: seeds.dir {tmp_path / 'nope'} is not a directory" in result.stderr


@pytest.mark.parametrize("command", [("run",), ("poll", "--once")])
def test_the_daemon_refuses_to_start_on_what_check_finds_outside_the_file(
        tmp_path: Path, command: tuple[str, ...]) -> None:
    """No seeds, empty seeds, an unset secret: said with the line that sets it, exit 2,
    before anything is polled (not a traceback, not a daemon that fails its first alert)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "NOT_SET_SECRET"}
    for seeds, expected in ((tmp_path / "nope", f"seeds.dir {tmp_path / 'nope'} is not a directory"),
                            (empty, f"seeds.dir {empty} holds no seed articles")):
        config = tmp_path / "c.toml"
        config.write_text(f'[state]\ndir = "{tmp_path / "state"}"\n[seeds]\ndir = "{seeds}"\n'
                          '[[feeds]]\nurl = "http://127.0.0.1:9/feed"\n', encoding="utf-8")
        result = monitor(config, *command, timeout=60)
        assert result.returncode == 2, result.stderr
        assert f"{config}:4: {expected}" in result.stderr
        assert "Traceback" not in result.stderr
    config = write_config(tmp_path, [("A", "http://127.0.0.1:9/feed")], extra=(
        '[[channels]]\ntype = "webhook"\nurl = "http://127.0.0.1:9/hook"\nsecret_env = "NOT_SET_SECRET"\n'))
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *command],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False, env=env)
    assert result.returncode == 2, result.stderr
    assert f"{config}:10: channels[0].secret_env: environment variable NOT_SET_SECRET is not set" in result.stderr
    assert not (tmp_path / "state").exists()  # (refused before the state was opened)


def test_check_warns_of_an_unsigned_webhook_and_of_no_feeds(tmp_path: Path) -> None:
    config = write_config(tmp_path, [], extra='[[channels]]\ntype = "webhook"\nurl = "http://127.0.0.1:9/hook"\n')
    result = monitor(config, "check")
    assert result.returncode == 0, result.stderr  # (it works: a local receiver may not need a signature)
    assert f"{config}:7: warning: channels[0] (webhook) has no secret_env" in result.stderr
    assert f"{config}: warning: no [[feeds]]: nothing will be polled" in result.stderr


@pytest.mark.parametrize("command", [("status", "--json"), ("why", "nothing", "--json")])
def test_json_into_a_pipe_closed_early_stops_quietly(tmp_path: Path, command: tuple[str, ...]) -> None:
    # (300 failing feeds: more than a pipe's buffer to report, so the write itself fails.)
    config = write_config(tmp_path, [(f"Feed {n}", f"http://127.0.0.1:9/feed{n}") for n in range(300)])
    assert monitor(config, "poll", "--once", timeout=300).returncode == 0
    run = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), *command], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()
    err = run.stderr.read()
    run.stderr.close()
    assert run.wait(timeout=60) == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err


def test_check_accepts_the_shipped_config() -> None:
    result = subprocess.run([sys.executable, "-m", "monitor", "check"], capture_output=True, text=True,
                            cwd=ROOT, check=False, timeout=60, env={**os.environ, "MONITOR_CONFIG": ""})
    assert result.returncode == 0, result.stderr
    assert "config/monitor.toml: ok" in result.stderr


def test_permanent_redirect_moves_the_feed_and_is_logged(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/new.xml", rss([("n-1", *CRICKET)]))
    feed_server.redirect("/old.xml", "/new.xml", status=301)
    config = write_config(tmp_path, [("Moved", feed_server.url("/old.xml"))])
    first = monitor(config, "poll", "--once")
    assert first.returncode == 0, first.stderr
    assert "event=feed_moved" in first.stderr and feed_server.url("/new.xml") in first.stderr
    feed = json.loads(monitor(config, "status", "--json").stdout)["feeds"][0]
    assert feed["url"] == feed_server.url("/old.xml")  # identity stays the configured URL
    assert feed["fetch_url"] == feed_server.url("/new.xml")
    feed_server.clear_log()
    assert monitor(config, "poll", "--once").returncode == 0
    assert feed_server.requests_for("/old.xml") == [] and len(feed_server.requests_for("/new.xml")) == 1


def test_teaser_feed_gets_the_article_page_text(tmp_path: Path, feed_server: FeedServer) -> None:
    paragraphs = "".join(f"<p>{escape(sentence.strip())}.</p>" for sentence in DASU[1].split(". ") if sentence)
    page = (f"<html><head><title>{DASU[0]}</title></head><body><nav><a href='/'>Home</a> | <a href='/world'>"
            f"World</a></nav><article><h1>{DASU[0]}</h1>{paragraphs}</article>"
            "<footer>Copyright Example News</footer></body></html>").encode()
    feed_server.serve("/story.html", page, content_type="text/html; charset=utf-8")
    teaser = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Teasers</title>'
        f"<item><guid>t-1</guid><title>{escape(DASU[0])}</title><link>{feed_server.url('/story.html')}</link>"
        f"<pubDate>{format_datetime(datetime.now(UTC) - timedelta(hours=1))}</pubDate>"
        "<description>Chinese engineers attacked.</description>"
        "</item></channel></rss>"
    ).encode()
    feed_server.serve("/teaser.xml", teaser)
    config = write_config(tmp_path, [])
    config.write_text(config.read_text() + f'\n[[feeds]]\nurl = "{feed_server.url("/teaser.xml")}"\n'
                      'name = "Teasers"\nfetch_article = true\n')
    result = monitor(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert len(feed_server.requests_for("/story.html")) == 1
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        (text,) = db.execute("SELECT text FROM entries WHERE article_id LIKE '%t-1'").fetchone()
    assert "Diamer-Bhasha" in text and "Copyright Example News" not in text


def test_config_may_follow_the_command_as_interface_md_writes_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("A", "https://a.example/feed")])
    result = subprocess.run([sys.executable, "-m", "monitor", "check", "--config", str(config)],
                            capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"{config}: ok (1 feeds" in result.stderr


def _stream_of(tmp_path: Path, count: int) -> Path:
    stream = tmp_path / "stream.jsonl"
    stream.write_text("".join(json.dumps({"id": f"x{n}", "title": CRICKET[0], "content": CRICKET[1],
                                          "published": "2025-03-10T08:00:00+05:00"}) + "\n"
                              for n in range(count)), encoding="utf-8")
    return stream


@pytest.mark.parametrize("lines", [10, 20000])
def test_replay_into_a_pipe_closed_early_stops_quietly(tmp_path: Path, lines: int) -> None:
    """``monitor replay S | head -1``: the reader goes away; no traceback, exit 141 (SIGPIPE's).
    Ten decisions sit in stdout's buffer (buffered, as in a shell pipe) until the replay is
    done, when the reader is long gone; 20,000 fill it on the way."""
    stream = _stream_of(tmp_path, lines)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    replay = subprocess.Popen([sys.executable, "-m", "monitor", "replay", str(stream)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert replay.stdout is not None and replay.stderr is not None
    if lines > 1000:
        assert json.loads(replay.stdout.readline())["id"] == "x0"
    replay.stdout.close()
    err = replay.stderr.read()
    replay.stderr.close()
    assert replay.wait(timeout=60) == 141, err
    assert "Traceback" not in err and "Error" not in err and "Exception ignored" not in err


def test_ctrl_c_stops_a_replay_with_one_line_and_exit_130(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group (the replay and its reader processes)."""
    stream = _stream_of(tmp_path, 200000)
    replay = subprocess.Popen([sys.executable, "-m", "monitor", "replay", str(stream)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    assert replay.stdout is not None
    replay.stdout.readline()  # deciding, so its readers are running
    os.killpg(replay.pid, signal.SIGINT)
    _out, err = replay.communicate(timeout=60)
    assert replay.returncode == 130, err
    assert "monitor: interrupted" in err and "Traceback" not in err


def test_verbose_may_follow_the_command(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("A", "http://127.0.0.1:9/feed")])  # (refused at once)
    result = monitor(config, "poll", "--once", "--verbose")
    assert result.returncode == 0, result.stderr
    assert "level=debug" in result.stderr


@pytest.mark.parametrize("command", [("run",), ("poll", "--once")])
def test_a_state_dir_that_cannot_be_one_is_named_with_exit_2(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "state").write_text("a file where the state directory should be", encoding="utf-8")
    config = write_config(tmp_path, [("A", "https://a.example/feed")])
    result = monitor(config, *command, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{config}:2: state.dir {tmp_path / 'state'} is not a directory" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("run",), ("poll", "--once")])
def test_a_state_dir_that_cannot_be_made_is_named_with_exit_2(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "file").write_text("a file where a directory should be", encoding="utf-8")
    config = write_config(tmp_path, [("A", "https://a.example/feed")])
    config.write_text(config.read_text().replace(str(tmp_path / "state"), str(tmp_path / "file" / "state")))
    result = monitor(config, *command, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"state directory {tmp_path / 'file' / 'state'} cannot be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_mid_poll_lets_the_poll_finish_within_the_grace(tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed that answers in 2 s, SIGTERM while the daemon waits for it: the poll is finished
    and recorded (its alert queued, for the next start to deliver) before the daemon exits, quietly."""
    feed_server.serve("/slow.xml", rss([("s-1", *DASU)]), delay=2)
    config = write_config(tmp_path, [("Slow", feed_server.url("/slow.xml"))])
    with running_daemon(config) as daemon:
        wait_for(lambda: len(feed_server.requests_for("/slow.xml")) == 1)
        err = stop_with_sigterm(daemon, within_s=30)
        assert "event=daemon_draining" in err and "event=daemon_stopped" in err
        assert "daemon_abandoned" not in err and "Traceback" not in err and "CancelledError" not in err
        data = json.loads(monitor(config, "status", "--json").stdout)
        assert data["feeds"][0]["last_success"], data


def test_sigterm_stops_a_one_shot_poll_as_ctrl_c_does(tmp_path: Path, feed_server: FeedServer) -> None:
    """``poll --once`` (a cron job, a systemd timer) stopped mid-fetch: one line, exit 143 as
    for any process ended by SIGTERM, its workers and state closed (no leak warnings)."""
    feed_server.serve("/stuck.xml", rss([("s-1", *DASU)]), delay=30)
    config = write_config(tmp_path, [("Stuck", feed_server.url("/stuck.xml"))])
    poll = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "poll", "--once"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(feed_server.requests_for("/stuck.xml")) == 1)
        poll.send_signal(signal.SIGTERM)
        _out, err = poll.communicate(timeout=20)
    finally:
        if poll.poll() is None:
            poll.kill()
    assert poll.returncode == 143, err
    assert "monitor: terminated" in err
    assert "Traceback" not in err and "leaked" not in err


def test_sigterm_mid_poll_past_the_grace_abandons_it_quietly(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/stuck.xml", rss([("s-1", *DASU)]), delay=30)
    config = write_config(tmp_path, [("Stuck", feed_server.url("/stuck.xml"))])
    with running_daemon(config) as daemon:
        wait_for(lambda: len(feed_server.requests_for("/stuck.xml")) == 1)
        err = stop_with_sigterm(daemon, within_s=15)
        assert "event=daemon_abandoned tasks=1" in err and "event=daemon_stopped" in err
        assert "Traceback" not in err and "CancelledError" not in err
