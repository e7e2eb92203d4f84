"""State growth: months of real entries through the daemon's record path, forgetting or not.

    .venv/bin/python bench/state_growth.py [--stream PATH] [--forget-after 60d]

Every article of the stream (default: ../shared/corpus/dawn-app-2025h2.jsonl.gz, 13,430
Dawn and APP articles of July-October 2025) is judged and recorded as the daemon records
a new feed entry (``pipeline.record_article``), the clock at its publication, into a real
SQLite file in a temporary directory. The stream is recorded twice: once never forgetting,
once running ``forget_old_state`` at each stream day's first article (the daemon runs it
every six hours). Nothing marks entries listed again, as if each feed dropped an entry
the day after it came: what is kept is then ``forget_after``'s worth of irrelevant
entries. At each month's end this prints, for both runs, the file's size (after a WAL
checkpoint), the entries kept, and the bytes per entry.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import Seconds, StateConfig, load_config, parse_duration
from monitor.pipeline import Runtime, build_judge, forget_old_state, record_article
from monitor.replay import BadLine, _open_text, read_line
from monitor.storage import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def file_size(store: Store, state_dir: Path) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in state_dir.glob("monitor.db*"))


def record_stream(stream: Path, state_dir: Path, forget_after: Seconds | None) -> list[tuple[str, int, int]]:
    """(month, file bytes, entries kept) at each month's end."""
    config = load_config(REPO / "config" / "monitor.toml")
    config = dataclasses.replace(config, feeds=(), state=StateConfig(
        dir=state_dir, forget_after=forget_after or StateConfig.forget_after))
    store = Store.open(state_dir)
    now = [datetime(2025, 1, 1, tzinfo=UTC)]
    store.sync_feeds([("https://feeds.example/stream", "stream", 900.0)], now[0])
    (feed,) = store.feeds()
    rt = Runtime(config=config, store=store, judge=build_judge(config, None), clock=lambda: now[0])
    marks: list[tuple[str, int, int]] = []
    month = day = ""
    with _open_text(stream) as lines:
        for line in lines:
            try:
                article, date_problem, _ = read_line(line)
            except BadLine:
                continue
            if date_problem:
                continue
            now[0] = max(now[0], article.published)
            stamp = now[0].date().isoformat()
            if month and stamp[:7] != month:
                marks.append((month, file_size(store, state_dir), count_entries(store)))
                print(f"  {month}: {marks[-1][1] / 1e6:.1f} MB, {marks[-1][2]} entries", file=sys.stderr)
            if forget_after is not None and stamp != day:
                asyncio.run(forget_old_state(rt))
            month, day = stamp[:7], stamp
            record_article(rt, article, feed_id=feed.id, feed_key=feed.config_url)
    marks.append((month, file_size(store, state_dir), count_entries(store)))
    store.close()
    return marks


def count_entries(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream", type=Path, default=SHARED / "corpus" / "dawn-app-2025h2.jsonl.gz")
    parser.add_argument("--forget-after", default="60d", help="as [state] forget_after (default 60d)")
    args = parser.parse_args()
    forget_after = parse_duration(args.forget_after)
    runs = {}
    for label, setting in (("never forgetting", None), (f"forget_after {args.forget_after}", forget_after)):
        print(f"recording {args.stream.name}, {label} ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="monitor-growth-") as tmp:
            runs[label] = record_stream(args.stream, Path(tmp), setting)
    labels = list(runs)
    print(f"{'month':8} " + "  ".join(f"{label:>36}" for label in labels))
    for rows in zip(*runs.values(), strict=True):
        cells = [f"{size / 1e6:7.1f} MB {kept:6d} entries {size / max(kept, 1):6.0f} B/entry" for _, size, kept in rows]
        print(f"{rows[0][0]:8} " + "  ".join(f"{cell:>36}" for cell in cells))


if __name__ == "__main__":
    main()
