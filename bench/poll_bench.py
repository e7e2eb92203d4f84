"""Polling benchmark: 1,000 feeds on a local server, two `monitor poll --once` cycles.

    .venv/bin/python bench/poll_bench.py [--feeds 1000] [--cycles 2] [--keep]

The 200 real captures in ../shared/feeds are served over and over under distinct URLs
(/f/0000.xml ... /f/0999.xml), each with its own ETag and Last-Modified, from a threaded
HTTP server on 127.0.0.1 (tests/feedserver.py). A temporary config lists those feeds and
a temporary state directory holds the database, so nothing of the working tree is touched.
The CLI runs as a child process, as the systemd unit would run it; for each cycle this
prints the wall time, the child's peak RSS, the requests the server received, and how
many of them were answered 304 Not Modified (the second cycle should be nearly all 304s).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO / "tests"))

from feedserver import FeedServer, http_date  # noqa: E402 - needs the path above


@dataclass(frozen=True)
class Cycle:
    number: int
    wall_s: float
    peak_rss_mib: float
    peak_tree_rss_mib: float  # the child and its parse workers together, sampled
    exit_code: int
    requests: int
    not_modified: int
    ok: int
    errors: int


def serve_feeds(server: FeedServer, count: int) -> list[str]:
    """Serve ``count`` feed URLs cycling through the captures; return the URLs."""
    manifest = SHARED / "feeds" / "manifest.tsv"
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    bodies = [(SHARED / "feeds" / row[0]).read_bytes() for row in rows]
    stamp = http_date(time.time() - 3600)
    urls = []
    for n in range(count):
        body = bodies[n % len(bodies)]  # the same bytes object: 1,000 routes cost 200 bodies
        json_feed = body.lstrip()[:1] == b"{"
        etag = f'"{n:04d}-{hashlib.sha1(body).hexdigest()[:12]}"'
        urls.append(server.serve(
            f"/f/{n:04d}.xml", body, etag=etag, last_modified=stamp,
            content_type="application/json" if json_feed else "application/xml",
        ))
    return urls


def write_config(directory: Path, urls: list[str]) -> Path:
    lines = [
        "# Written by bench/poll_bench.py; every feed is on one local host.",
        "[state]",
        f'dir = "{directory / "state"}"',
        "",
        "[seeds]",
        f'dir = "{REPO / "config" / "seeds"}"',
        "",
        "[fetch]",
        # One host serves all 1,000 URLs: the per-host politeness limit would otherwise
        # make this a benchmark of that limit.
        "per_host = 50",
        "concurrency = 50",
        "",
        "[[channels]]",
        'type = "file"',
        "",
    ]
    for n, url in enumerate(urls):
        lines += ["[[feeds]]", f'url = "{url}"', f'name = "bench {n:04d}"', ""]
    path = directory / "bench.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class TreeRssSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 0.2 s (Linux /proc),
    and the CPU time each has used so far (its last sample's: up to 0.2 s short)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.cpu_seconds: dict[int, float] = {}  # pid -> user + system CPU seconds
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak_kib = max(self.peak_kib, self.tree_rss_kib())

    def stop(self) -> None:
        self._done.set()
        self.join()

    def tree_rss_kib(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
                rss[int(entry.name)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
                cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                continue
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in tree:
                    tree.add(pid)
                    frontier.append(pid)
        for pid in tree:
            if pid in cpu:
                self.cpu_seconds[pid] = cpu[pid]
        return int(sum(rss.get(pid, 0) for pid in tree))


def run_cycle(number: int, config: Path, server: FeedServer, log_path: Path) -> Cycle:
    before_requests = server.count()
    before_status = server.status_counts
    command = [sys.executable, "-m", "monitor", "--config", str(config), "poll", "--once"]
    started = time.monotonic()
    with log_path.open("ab") as log:
        log.write(f"\n=== cycle {number}: {' '.join(command)}\n".encode())
        log.flush()
        child = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log)
        sampler = TreeRssSampler(child.pid)
        sampler.start()
        # wait4 gives this child's own rusage: its peak RSS, not the maximum of all children.
        _, status, usage = os.wait4(child.pid, 0)
        sampler.stop()
    wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    after_status = server.status_counts
    def delta(code: int) -> int:
        return after_status.get(code, 0) - before_status.get(code, 0)
    errors = sum(after_status.get(c, 0) - before_status.get(c, 0) for c in after_status if c >= 400)
    return Cycle(
        number=number,
        wall_s=wall,
        peak_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        peak_tree_rss_mib=sampler.peak_kib / 1024,
        exit_code=child.returncode,
        requests=server.count() - before_requests,
        not_modified=delta(304),
        ok=delta(200),
        errors=errors,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (config, state, log)")
    args = parser.parse_args()
    if not (SHARED / "feeds" / "manifest.tsv").exists():
        print(f"no feed captures at {SHARED / 'feeds'}: cannot run the benchmark", file=sys.stderr)
        return 2
    directory = Path(tempfile.mkdtemp(prefix="poll-bench-"))
    log_path = directory / "monitor.log"
    try:
        with FeedServer() as server:
            urls = serve_feeds(server, args.feeds)
            config = write_config(directory, urls)
            print(f"{len(urls)} feeds at {server.base_url}/f/; config {config}; child output in {log_path}")
            print(f"{'cycle':>5} {'wall s':>8} {'peak RSS MiB':>13} {'+workers MiB':>13} {'requests':>9} "
                  f"{'200':>6} {'304':>6} {'4xx/5xx':>8} {'exit':>5}")
            failed = False
            for number in range(1, args.cycles + 1):
                cycle = run_cycle(number, config, server, log_path)
                print(f"{cycle.number:>5} {cycle.wall_s:>8.1f} {cycle.peak_rss_mib:>13.1f} "
                      f"{cycle.peak_tree_rss_mib:>13.1f} {cycle.requests:>9} "
                      f"{cycle.ok:>6} {cycle.not_modified:>6} {cycle.errors:>8} {cycle.exit_code:>5}", flush=True)
                if cycle.exit_code != 0:
                    failed = True
                    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
                    print("monitor exited non-zero; last lines of its output:\n  " + "\n  ".join(tail),
                          file=sys.stderr)
                    break
            return 1 if failed else 0
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
