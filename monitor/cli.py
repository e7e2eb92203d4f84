"""Command line: ``monitor [--config PATH] COMMAND`` (interface.md).

Messages, logs and exit codes go to stderr; data (``status --json``, replay decisions) to
stdout. Exit codes: 0 done; 1 the command ran but found problems (``check``, ``send-test``;
``why``: no match); 2 it could not run (bad config, unusable state, bad arguments); 130
interrupted (Ctrl-C; ``run`` treats SIGINT like SIGTERM and exits 0); 141 the reader of
stdout went away (``monitor replay ... | head``), as for any tool killed by SIGPIPE; 143
a one-shot command stopped by SIGTERM (it unwinds as on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from monitor.config import DEFAULT_MAX_ATTEMPTS, Config, ConfigError, line_of, load_config
from monitor.logs import setup_logging
from monitor.seeds import load_seeds
from monitor.storage import StateError, Store, from_iso, state_lock

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN, EXIT_INTERRUPTED, EXIT_OUTPUT_CLOSED, EXIT_TERMINATED = 0, 1, 2, 130, 141, 143

DESCRIPTION = """\
monitor watches news feeds for CPEC and the security of Chinese nationals in Pakistan and
alerts only on what is new: a new story, or an update to a known story (the seed articles
first of all) with what changed. Syndicated copies and rewrites are not alerts.
"""

EPILOG = """\
commands:
  run              the daemon, in the foreground (systemd runs it so); stop with SIGTERM/Ctrl-C
  poll --once      one cycle now: every feed, judge, queue alerts, deliver
  deliver          deliver what is pending now, backoff timers notwithstanding;
                   --retry-failed first requeues alerts that failed permanently (fix the cause first)
  status [--json]  feeds (health, last success, last error, next poll), stories, outbox
  why TEXT         what became of an article: its decision, why, and its alert's delivery
                   (TEXT: words of its title, or its link; --json, --limit N)
  check            validate the configuration; exit 1 with file:line errors
  send-test        send a test alert through each configured channel, report each result
  replay STREAM    judge a stream of articles offline (docs: replay.md); decisions on stdout

The config is --config, else $MONITOR_CONFIG, else config/monitor.toml. Relative paths in it
are taken from the working directory. Secrets come from the environment variables the
config names (password_env, secret_env, urls_env), never from the file.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, help="config file (default: $MONITOR_CONFIG or config/monitor.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (every decision, every request)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the daemon in the foreground")
    poll = sub.add_parser("poll", help="poll feeds now")
    poll.add_argument("--once", action="store_true", required=True, help="one cycle over every feed, then exit")
    deliver = sub.add_parser(
        "deliver", help="deliver pending alerts now",
        description="Deliver every pending alert now, backoff timers notwithstanding (digests, quiet "
                    "hours and rate limits still apply). Temporary errors are retried until they clear; "
                    "only permanent errors (a rejected address or credentials, a 4xx webhook answer) "
                    "leave an alert failed, as `monitor status` shows.")
    deliver.add_argument("--retry-failed", action="store_true",
                         help="first requeue every failed alert (after fixing what failed it), then deliver")
    status = sub.add_parser("status", help="feed health, stories and outbox")
    status.add_argument("--json", action="store_true", help="machine-readable, on stdout")
    why = sub.add_parser(
        "why", help="what became of an article, and why",
        description="Find the polled entries whose title or link contains every word of TEXT, in any case (up to "
                    "30 words), or whose link is TEXT, "
                    "the latest first, and say for each what the judge decided and why: irrelevant "
                    "(with its relevance and terms), a duplicate of which story and article, an update "
                    "or a new story, kept quietly or alerted, and where its alert is in delivery. "
                    "Irrelevant entries are forgotten after [state] forget_after. Exit 1 when nothing "
                    "matches.",
        epilog='example: monitor why "Gwadar airport"')
    why.add_argument("text", help="words of the title, or the link")
    why.add_argument("--json", action="store_true", help="machine-readable, on stdout")
    why.add_argument("--limit", type=int, default=5, help="at most this many entries, the latest (default 5)")
    sub.add_parser("check", help="validate the configuration")
    sub.add_parser("send-test", help="send a test alert through each channel")
    replay = sub.add_parser(
        "replay", help="judge a stream of articles offline (replay.md)",
        description="Judge a stream of articles offline, as the daemon would have, and write one JSON "
                    "decision per article to stdout (fields id, decision, alert, relevance, story, matched, "
                    "similarity, changes, summary). The clock is each article's 'published'; the state is "
                    "a fresh in-memory index; nothing is sent. Malformed lines are reported on stderr with "
                    "their line number and skipped. Lines are parsed and scored ahead in worker processes "
                    "(one per spare core). Exit 0 when the stream was replayed, 2 when it could not be.",
        epilog="example: monitor replay ../shared/corpus/dawn-app-2025h2.jsonl.gz > decisions.jsonl")
    replay.add_argument("stream", type=Path, help="articles, one JSON object per line (.jsonl or .jsonl.gz)")
    replay.add_argument("--seeds", type=Path, help="seed articles directory (default: the config's seeds.dir)")
    replay.add_argument("--all-relevant", action="store_true", help="skip the topic filter (clustering only)")
    for command in sub.choices.values():
        # Also after the command (`monitor replay S.jsonl --config F`, as interface.md writes
        # it); SUPPRESS keeps an option given before the command when none follows it.
        command.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_CANNOT_RUN
    # (The daemon stops on SIGTERM its own way, finishing what is in flight.) A one-shot
    # command stops on it as on Ctrl-C: its worker processes and state closed as they would
    # be, not killed mid-write.
    on_sigterm = signal.getsignal(signal.SIGTERM)
    takes_sigterm = args.command != "run" and threading.current_thread() is threading.main_thread()
    if takes_sigterm:  # (only the main thread may set a handler: main may be called off it)
        signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _replay(args) if args.command == "replay" else _run_command(args)
        sys.stdout.flush()  # (here, not as Python exits: a reader gone by then is caught below)
        return code
    except Terminated:
        print("monitor: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Whoever read the output stopped (``| head``): stop too, without a traceback, and
        # without another one when Python flushes stdout on its way out. (Only stdout can
        # raise it this far: the channels turn their own OSErrors into TransportError.)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OUTPUT_CLOSED
    finally:
        if takes_sigterm:  # (main may be called in a process with its own plans for SIGTERM)
            signal.signal(signal.SIGTERM, on_sigterm if on_sigterm is not None else signal.SIG_DFL)


class Terminated(KeyboardInterrupt):
    """SIGTERM to a one-shot command: unwinds as Ctrl-C does (a KeyboardInterrupt, so every
    cleanup written for Ctrl-C runs), and exits 143 as a process ended by SIGTERM does."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _run_command(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS if args.command == "check" else EXIT_CANNOT_RUN
    if args.command in ("run", "poll"):
        # What ``check`` finds wrong outside the file (no seeds, an unset secret) stops the
        # daemon before it starts, not at the first alert.
        if problems := setup_problems(config):
            for problem in problems:
                print(problem, file=sys.stderr)
            return EXIT_CANNOT_RUN
        for warning in setup_warnings(config):
            print(warning, file=sys.stderr)
    try:
        return COMMANDS[args.command](config, args)
    except StateError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN


def _replay(args: argparse.Namespace) -> int:
    from monitor.replay import run_replay

    return run_replay(args.stream, args.seeds, args.config, args.all_relevant, sys.stdout, sys.stderr)


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    from monitor.daemon import run_daemon

    return run_daemon(config)


def cmd_poll(config: Config, args: argparse.Namespace) -> int:
    from monitor.delivery.deliver import deliver_pending
    from monitor.pipeline import forget_old_state, open_runtime, poll_cycle

    with state_lock(config.state.dir):
        rt = open_runtime(config)
        try:
            report = asyncio.run(poll_cycle(rt, due_only=False, progress=True))
            asyncio.run(deliver_pending(rt.store, config, rt.clock()))
            # (A cron job of poll --once is the only poller such a user runs.)
            asyncio.run(forget_old_state(rt))
        finally:
            rt.close()
    print(
        f"polled {report.feeds} feeds: {report.ok} ok, {report.not_modified} not modified, "
        f"{report.unchanged} unchanged, {report.failed} failed; {report.new_entries} new entries, "
        f"{report.alerts} alerts queued",
        file=sys.stderr,
    )
    for error in report.errors:
        print(f"  failed: {error}", file=sys.stderr)
    return EXIT_OK


def cmd_deliver(config: Config, args: argparse.Namespace) -> int:
    from monitor.delivery.deliver import deliver_pending

    now = datetime.now(UTC)
    store = Store.open(config.state.dir)
    try:
        if args.retry_failed:
            requeued = store.requeue_failed(now)
            for channel, n in sorted(Counter(channel for _, channel in requeued).items()):
                print(f"deliver: requeued {n} failed alerts on channel {channel}", file=sys.stderr)
        result = asyncio.run(deliver_pending(store, config, now, ignore_backoff=True))
    finally:
        store.close()
    print(f"deliver: {result}", file=sys.stderr)
    return EXIT_OK


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    with closing(Store.open(config.state.dir)) as store:
        data = collect_status(store, config)
    _print_data(data, args.json, render_status)
    return EXIT_OK


def _print_data(data: Any, as_json: bool, render: Callable[[Any], str]) -> None:
    """``data`` on stdout: JSON for scripts (``--json``), else as ``render`` writes it."""
    if as_json:
        json.dump(data, sys.stdout, indent=2, default=_json_value)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(data))


def collect_status(store: Store, config: Config) -> dict[str, Any]:
    now = datetime.now(UTC)
    configured = {f.url for f in config.feeds}
    feeds = []
    for row in store.feeds(active_only=False):
        if row.config_url not in configured and not row.active:
            continue
        health = "never polled" if row.last_attempt_at is None else ("failing" if row.consecutive_failures else "ok")
        feeds.append({
            "name": row.name, "url": row.config_url, "fetch_url": row.url, "health": health,
            "last_success": row.last_success_at, "last_attempt": row.last_attempt_at,
            "last_status": row.last_status, "last_error": row.last_error,
            "consecutive_failures": row.consecutive_failures, "failing_since": row.failing_since,
            "error_alerted": row.error_alerted, "next_poll": row.next_poll_at,
            "next_poll_in_s": max(0, int((row.next_poll_at - now).total_seconds())),
            "entries_seen": row.entries_seen,
        })
    try:  # (the seeds' story is the first one, before any news joins it and it is stored)
        seeds: dict[str, Any] = {"dir": str(config.seeds.dir),
                                 "titles": [seed.title for seed in load_seeds(config.seeds.dir)]}
    except OSError as exc:
        seeds = {"dir": str(config.seeds.dir), "titles": [], "error": str(exc)}
    return {
        "config": str(config.path), "state": str(config.state.dir), "seeds": seeds,
        "feeds": feeds, "counts": store.counts(), "stories": store.recent_stories(),
        "delivery_problems": _delivery_problems(store, config),
        "channels": [ch.key for ch in config.channels],
    }


def _delivery_problems(store: Store, config: Config) -> list[dict[str, Any]]:
    """Failed rows and rows retrying after errors; ``stuck``: retrying past ``max_attempts``."""
    from monitor.delivery.policy import is_stuck

    max_attempts = {ch.key: ch.max_attempts for ch in config.channels}
    return [{**p, "stuck": is_stuck(p["state"], p["attempts"],
                                    max_attempts.get(p["channel"], DEFAULT_MAX_ATTEMPTS))}
            for p in store.outbox_problems()]


def render_status(data: dict[str, Any]) -> str:
    lines = [f"config {data['config']}  state {data['state']}  channels {', '.join(data['channels'])}", ""]
    feeds = data["feeds"]
    failing = sum(1 for f in feeds if f["health"] == "failing")
    lines.append(f"FEEDS ({len(feeds)}, {failing} failing)")
    for f in feeds:
        name = f["name"] or f["url"]
        when = _ago(f["last_success"]) if f["last_success"] else "never"
        line = f"  [{f['health']:^12}] {name[:40]:<40} last ok {when:<10} next in {_span(f['next_poll_in_s'])}"
        lines.append(line)
        if f["last_error"]:
            lines.append(f"      {f['url']}")
            lines.append(f"      error ({f['consecutive_failures']}x since {_ago(f['failing_since'])}): "
                         f"{f['last_error']}")
    counts, seeds = data["counts"], data["seeds"]
    lines += ["", f"ENTRIES {counts['entries']}  decisions {_kv(counts['decisions']) or 'none yet'}",
              f"SEEDS {len(seeds['titles'])} in {seeds['dir']}, known before any news: the first story"
              + (f" (cannot read them: {seeds['error']})" if seeds.get("error") else "")]
    lines += [f"  {title[:90]}" for title in seeds["titles"]]
    lines.append(f"STORIES {counts['stories']} with news (latest first; a seed:… story is the seeds')")
    for s in data["stories"]:
        news = f"{s['articles']} {'article' if s['articles'] == 1 else 'articles'}"
        lines.append(f"  {news:>12}  {s['title'][:70]}  [{s['id']}]")
    lines += ["", f"OUTBOX {_kv(counts['outbox']) or 'empty'}  (alerts {counts['alerts']})"]
    for p in data["delivery_problems"]:
        state = "stuck" if p["stuck"] else p["state"]
        lines.append(f"  {state:<8} {p['channel']:<10} alert {p['alert_id']} attempts {p['attempts']}: "
                     f"{p['last_error']}")
    if any(p["stuck"] for p in data["delivery_problems"]):
        lines.append("  (stuck: the channel has been failing for hours; retried hourly until it works)")
    if any(p["state"] == "failed" for p in data["delivery_problems"]):
        lines.append("  (failed: fix the cause, then `monitor deliver --retry-failed`)")
    return "\n".join(lines) + "\n"


def cmd_why(config: Config, args: argparse.Namespace) -> int:
    if not args.text.strip():
        print("monitor why: say what to look for: words of the title, or the link", file=sys.stderr)
        return EXIT_CANNOT_RUN
    limit = max(1, args.limit)
    with closing(Store.open(config.state.dir)) as store:
        found = collect_why(store, args.text, limit + 1)
    _print_data(found[:limit], args.json, render_why)
    if len(found) > limit:
        print(f"monitor: more entries match; showing the latest {limit} (more words, or --limit)", file=sys.stderr)
    if not found:
        print(f"monitor: no polled entry's title or link has every word of {args.text!r}: not polled "
              f"yet, or irrelevant and forgotten ([state] forget_after is {_span(config.state.forget_after)})",
              file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


# Words of TEXT that ``why`` matches (a title's worth; SQLite bounds an expression's depth).
WHY_WORDS = 30


def collect_why(store: Store, text: str, limit: int) -> list[dict[str, Any]]:
    """The entries matching ``text`` with their decisions, and for each one that alerted,
    its alert's id and deliveries."""
    from monitor.alerts import article_alert_id
    from monitor.models import Decision, Kind
    from monitor.urls import canonical_url

    ids = [text.strip()]
    if ids[0].lower().startswith(("http://", "https://")):
        ids.append(canonical_url(text))  # (links are stored so: without tracking parameters)
    found = store.entries_matching(ids, [w.casefold() for w in text.split()[:WHY_WORDS]], limit)
    for entry in found:
        decision = Decision(article_id=entry["article_id"], kind=Kind(entry["kind"]),
                            relevance=entry["relevance"], notify=entry["notify"])
        entry["alert"] = None
        if decision.alert:
            the_id = article_alert_id(decision.kind, entry["feed_key"], entry["article_id"])
            entry["alert"] = {"id": the_id, "deliveries": store.deliveries(the_id)}
    return found


def render_why(found: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for e in found:
        story = f'story "{e["story_title"]}" [{e["story_id"]}]'
        matched = (f'; closest: "{e["matched_title"]}" (similarity {e["similarity"]:.2f})'
                   if e["matched_title"] and e["similarity"] is not None else "")
        verdict = {
            "irrelevant": "irrelevant: no alert",
            "duplicate": f"a duplicate in {story}{matched}: no alert",
            "new_story": f"a new story, {story}",
            "update": f"an update to {story}{matched}",
        }.get(e["kind"], e["kind"])
        if e["kind"] in ("new_story", "update"):
            verdict += ": alert " + e["alert"]["id"] if e["alert"] else ": kept quietly, no alert"
        lines += [e["title"] or "(no title)",
                  f"  {e['url'] or e['article_id']}",
                  f"  {e['feed'] or e['feed_key']}, published {_when(e['published'])}, seen {_when(e['first_seen'])}",
                  f"  {verdict}"]
        lines += [f"  changed: {change}" for change in e["changes"]]
        lines += [f"  why: {reason}" for reason in e["why"]]
        for d in e["alert"]["deliveries"] if e["alert"] else ():
            state = f"sent {_when(d['sent_at'])}" if d["state"] == "sent" else d["state"]
            tried = f", {d['attempts']} attempts, last error: {d['last_error']}" if d["last_error"] else ""
            lines.append(f"  delivery to {d['channel']}: {state}{tried}")
        lines.append("")
    return "\n".join(lines)


def _when(stamp: str) -> str:
    """A stored time as "2026-11-22 12:00 UTC"."""
    return from_iso(stamp).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _json_value(value: object) -> str:
    """Datetimes in ISO 8601, as alerts and logs write them (not str()'s space)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _kv(mapping: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(mapping.items()))


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return _span((datetime.now(UTC) - moment).total_seconds()) + " ago"


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    problems = setup_problems(config)
    for problem in problems:
        print(problem, file=sys.stderr)
    for warning in setup_warnings(config):
        print(warning, file=sys.stderr)
    if not problems:
        print(f"{config.path}: ok ({len(config.feeds)} feeds, {len(config.channels)} channels)", file=sys.stderr)
    return EXIT_PROBLEMS if problems else EXIT_OK


def setup_problems(config: Config) -> list[str]:
    """What the file is right about but the machine is not: the seeds directory, the state
    directory, the environment variables that hold secrets. Each with the line that sets it."""
    from monitor.delivery.apprise_channel import several_urls_problem

    where = partial(_where_set, config)
    problems = []
    seeds, state = Path(config.seeds.dir), Path(config.state.dir)
    if not seeds.is_dir():
        problems.append(f"{where('seeds', 'dir')}: seeds.dir {seeds} is not a directory")
    elif not any(p.is_file() for p in seeds.iterdir()):
        problems.append(f"{where('seeds', 'dir')}: seeds.dir {seeds} holds no seed articles")
    if state.exists() and not state.is_dir():
        problems.append(f"{where('state', 'dir')}: state.dir {state} is not a directory")
    for i, ch in enumerate(config.channels):
        for key in ("password_env", "secret_env", "urls_env"):
            if (var := getattr(ch, key)) and not os.environ.get(var):
                problems.append(f"{where('channels', i, key)}: channels[{i}].{key}: "
                                f"environment variable {var} is not set")
        if ch.type == "apprise" and (problem := several_urls_problem(ch.urls_env, os.environ.get(ch.urls_env, ""))):
            problems.append(f"{where('channels', i, 'urls_env')}: channels[{i}].urls_env: {problem}")
    return problems


def setup_warnings(config: Config) -> list[str]:
    """What works but is likely not what the user meant."""
    warnings = []
    if not config.feeds:
        warnings.append(f"{config.path or 'config'}: warning: no [[feeds]]: nothing will be polled")
    for i, ch in enumerate(config.channels):
        if ch.type == "webhook" and not ch.secret_env:
            warnings.append(f"{_where_set(config, 'channels', i)}: warning: channels[{i}] (webhook) has no secret_env: "
                            "its posts carry no X-Monitor-Signature, and the receiver cannot tell them from forgeries")
    return warnings


def _where_set(config: Config, *key: str | int) -> str:
    """Where the config sets ``key`` ("c.toml:12"), or its name when no file was read."""
    return f"{config.path}:{line_of(config.path, key)}" if config.path else ".".join(map(str, key))


def cmd_send_test(config: Config, args: argparse.Namespace) -> int:
    from monitor.delivery.deliver import send_test

    results = asyncio.run(send_test(config, datetime.now(UTC)))
    for channel, error in results:
        print(f"{channel}: {'ok' if error is None else 'FAILED: ' + error}", file=sys.stderr)
    return EXIT_OK if all(error is None for _, error in results) else EXIT_PROBLEMS


COMMANDS = {
    "run": cmd_run, "poll": cmd_poll, "deliver": cmd_deliver, "status": cmd_status,
    "check": cmd_check, "send-test": cmd_send_test, "why": cmd_why,
}

logging.captureWarnings(True)
