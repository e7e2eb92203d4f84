"""``monitor replay``: the judge over a stored stream of articles, one decision per line.

    read lines ahead, in worker processes: parse (malformed: say why) → topic score
    then here, in stream order: clock (a missing date takes the one before) → skip duplicate
    ids → decide → remember → write decision

The same Judge the daemon uses, on a fresh in-memory index: a replay never touches the
daemon's state and never sends anything. The clock is each article's ``published`` time.
Parsing and the topic score are pure functions of a line, so they run ahead in other
processes (the machine's other cores) while this one keeps the only state, the story index.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import json
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from monitor.clean import html_to_text
from monitor.judge import Judge, JudgeSettings, TopicSettings
from monitor.judge.judge import relevance_of
from monitor.judge.relevance import Relevance, TopicModel
from monitor.models import Article, Kind
from monitor.seeds import SEED_PUBLISHED, load_seeds
from monitor.workers import exit_with, worker_pool

_PROGRESS_EVERY = 500
# Lines per batch sent to a reader process, and batches in flight per reader.
_BATCH_LINES = 256
_BATCHES_AHEAD = 3


class BadLine(Exception):
    """A stream line that cannot become an article; the message says why."""


@dataclass(frozen=True)
class ReplaySetup:
    topic: TopicSettings
    judge: JudgeSettings
    seeds_dir: Path | None


def run_replay(stream: Path, seeds_dir: Path | None, config_path: Path | None, all_relevant: bool,
               out: TextIO, err: TextIO) -> int:
    """Replay ``stream`` (.jsonl or .jsonl.gz) and write one JSON decision per article.

    Returns the exit code: 0 when the stream was replayed (malformed lines are reported on
    ``err`` and skipped), 2 when it could not be (no such file, bad config, bad seeds).
    """
    setup = _load_setup(config_path, seeds_dir, err)
    if setup is None:
        return 2
    try:
        seeds = load_seeds(setup.seeds_dir) if setup.seeds_dir else []
    except OSError as exc:
        print(f"replay: cannot read seeds from {setup.seeds_dir}: {exc}", file=err)
        return 2
    judge = Judge.create(setup.topic, setup.judge, seeds)
    try:
        handle = _open_text(stream)
    except OSError as exc:
        print(f"replay: cannot read {stream}: {exc}", file=err)
        return 2
    progress = err.isatty()
    started = time.perf_counter()
    kinds: Counter[str] = Counter()
    alerts = skipped = 0
    seen_ids: set[str] = set()
    clock = SEED_PUBLISHED
    with handle:
        try:
            for read in _read_ahead(handle, setup, judge.topic, all_relevant, err):
                if read.error:
                    print(f"{stream}:{read.line_number}: {read.error}; skipped", file=err)
                    skipped += 1
                    continue
                assert read.article is not None and read.relevance is not None
                article, warnings = _on_clock(read.article, read.date_problem, read.warnings, clock)
                clock = article.published
                if warnings:
                    print(f"{stream}:{read.line_number}: {'; '.join(warnings)}", file=err)
                if article.id in seen_ids:
                    print(f"{stream}:{read.line_number}: duplicate id {article.id!r}; skipped", file=err)
                    skipped += 1
                    continue
                seen_ids.add(article.id)
                decision = judge.decide(article, article.published, all_relevant=all_relevant,
                                        relevance=read.relevance)
                judge.remember(article, decision)
                out.write(json.dumps(decision.replay_row(), ensure_ascii=False) + "\n")
                kinds[decision.kind.value] += 1
                alerts += decision.alert
                if progress and sum(kinds.values()) % _PROGRESS_EVERY == 0:
                    rate = sum(kinds.values()) / max(time.perf_counter() - started, 1e-9)
                    print(f"\rreplay: {sum(kinds.values())} articles, {rate:.0f}/s", end="", file=err)
        except _StreamBroken as broken:
            # A truncated .gz or unreadable file: keep what was decided, say where it stopped.
            print(f"{stream}:{broken.line_number}: cannot read further: {broken.cause}", file=err)
    if progress:
        print(file=err)
    elapsed = max(time.perf_counter() - started, 1e-9)
    total = sum(kinds.values())
    print(
        f"replay: {total} articles ({skipped} skipped) in {elapsed:.1f}s, {total / elapsed:.0f} articles/s; "
        f"{kinds[Kind.NEW_STORY.value]} new stories, {kinds[Kind.UPDATE.value]} updates, "
        f"{kinds[Kind.DUPLICATE.value]} duplicates, {kinds[Kind.IRRELEVANT.value]} irrelevant; "
        f"{alerts} alerts",
        file=err,
    )
    return 0


def _load_setup(config_path: Path | None, seeds_dir: Path | None, err: TextIO) -> ReplaySetup | None:
    """Settings from the config file (the daemon's), or the shipped defaults without one."""
    from monitor.config import ConfigError, default_config_path, load_config

    path = config_path or default_config_path()
    if config_path is None and not path.exists():
        topic, judge, default_seeds = TopicSettings(), JudgeSettings(), Path("config/seeds")
    else:
        try:
            config = load_config(path)
        except ConfigError as exc:
            for problem in exc.problems:
                print(problem, file=err)
            return None
        topic, judge, default_seeds = config.topic, config.judge, config.seeds.dir
    if seeds_dir is not None:
        if not seeds_dir.is_dir():
            print(f"replay: seeds directory {seeds_dir} not found", file=err)
            return None
        return ReplaySetup(topic, judge, seeds_dir)
    if not default_seeds.is_dir():
        print(f"replay: no seeds ({default_seeds} not found); replaying without seeds", file=err)
        return ReplaySetup(topic, judge, None)
    return ReplaySetup(topic, judge, default_seeds)


def _open_text(stream: Path) -> TextIO:
    """The stream as text lines, gunzipped when it is gzip (by content, not by name)."""
    with stream.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(stream, "rb"), encoding="utf-8-sig", errors="replace")
    # ("utf-8-sig": a byte-order mark, which Windows tools write, is no part of line 1's JSON.)
    return stream.open(encoding="utf-8-sig", errors="replace")  # the caller closes it


def parse_line(line: str, clock: datetime) -> tuple[Article, datetime, str]:
    """The article on ``line`` (replay.md input format), the clock after it, and a warning.

    A missing or invalid date is not fatal: the article keeps the clock of the one before
    (a replay's time never depends on a broken field), and the warning says so.
    """
    article, date_problem, warnings = read_line(line)
    article, warnings = _on_clock(article, date_problem, warnings, clock)
    return article, article.published, "; ".join(warnings)


def _on_clock(article: Article, date_problem: str, warnings: list[str] | tuple[str, ...],
              clock: datetime) -> tuple[Article, list[str]]:
    """``article`` at the clock of the one before when its date is unusable, with a warning
    saying so first."""
    if not date_problem:
        return article, list(warnings)
    warning = f"{date_problem}; using the previous article's time {clock.isoformat()}"
    return dataclasses.replace(article, published=clock), [warning, *warnings]


def read_line(line: str) -> tuple[Article, str, list[str]]:
    """The article on ``line``, why its date is unusable ("" if it is not: then the article's
    ``published`` is a placeholder the caller replaces), and warnings. Raises BadLine."""
    line = line.rstrip("\r\n")  # (else an error at the end is "line 2, column 1")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"malformed JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise BadLine("malformed JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise BadLine(f"expected a JSON object, got {type(data).__name__}")
    article_id = data.get("id")
    if article_id is not None and not isinstance(article_id, str):
        raise BadLine(f"'id' must be a string, not {type(article_id).__name__} ({article_id!r})")
    if not isinstance(article_id, str) or not article_id.strip():
        raise BadLine("missing or empty 'id'")
    warnings: list[str] = []
    published, problem = _parse_published(data.get("published"))
    date_problem = problem if published is None else ""
    if published is not None and problem:
        warnings.append(problem)
    content = data.get("content")
    text = html_to_text(content) if isinstance(content, str) else ""
    if content is not None and not isinstance(content, str):
        warnings.append("'content' is not a string; treated as empty")
    title = data.get("title")
    title = html_to_text(title) if isinstance(title, str) else ""
    if not text and not title:
        warnings.append(f"article {article_id!r} has no text and no title")
    elif not text:
        warnings.append("no text (its content is empty or markup only): judged on its title alone")
    article = Article(
        id=article_id,
        url=data.get("url") if isinstance(data.get("url"), str) else None,
        title=title,
        published=published or SEED_PUBLISHED,
        source=str(data.get("source") or ""),
        text=text,
        section=data.get("section") if isinstance(data.get("section"), str) else None,
    )
    return article, date_problem, warnings


# -- reading ahead, in worker processes ------------------------------------------------------

@dataclass(frozen=True)
class _Read:
    """One stream line as a reader process left it: the article and its topic score, or why not."""

    line_number: int
    article: Article | None = None
    relevance: Relevance | None = None
    date_problem: str = ""
    warnings: tuple[str, ...] = ()
    error: str = ""


class _StreamBroken(Exception):
    """The stream could not be read past ``line_number`` (every line before it was handed on)."""

    def __init__(self, line_number: int, cause: BaseException) -> None:
        super().__init__(f"line {line_number}: {cause}")
        self.line_number = line_number
        self.cause = cause


# A reader process's own copy of the topic model, built once as it starts.
_reader: tuple[TopicModel, int, bool] | None = None


def _start_reader(owner_pid: int, topic: TopicSettings, max_chars: int, all_relevant: bool) -> None:
    global _reader
    exit_with(owner_pid)
    _reader = (TopicModel(topic), max_chars, all_relevant)


def _read_batch(batch: list[tuple[int, str]]) -> list[_Read]:
    """In a reader process: parse each line and score its article."""
    assert _reader is not None
    return _read_lines(batch, *_reader)


def _read_lines(batch: list[tuple[int, str]], model: TopicModel, max_chars: int, all_relevant: bool) -> list[_Read]:
    """Parse each line and score its article (pure work, wherever it runs)."""
    reads = []
    for line_number, line in batch:
        try:
            article, date_problem, warnings = read_line(line)
            relevance = relevance_of(article, model, max_chars, all_relevant=all_relevant)
        except BadLine as exc:
            reads.append(_Read(line_number, error=str(exc)))
        except Exception as exc:  # a line nothing anticipated: it alone is skipped, and says why
            reads.append(_Read(line_number, error=f"unreadable line ({type(exc).__name__}: {exc})"))
        else:
            warnings.extend(reading_warnings(article.text, max_chars))
            reads.append(_Read(line_number, article, relevance, date_problem, tuple(warnings)))
    return reads


# A text this long is no article (a site's whole archive, a data dump): the judge reads its
# first ``max_chars`` and the replay says so. (The longest of both shared streams' 23,273
# articles has 46,159 characters.)
_HUGE_TEXT = 100_000
# How much of a text the language check reads, and what says it is not English: a third of
# it or more outside ASCII (Urdu, Chinese: English has a curly quote or a name's accent here
# and there), or under 1% of its words the four commonest English ones (12-15% of English
# prose: "the" alone is 5-7%), in a text long enough for the share to mean something.
# The topic's terms are English: such a text scores low, and the user should hear why.
_LANGUAGE_SAMPLE = 1000
_ENGLISH_COMMONEST = (" the ", " of ", " and ", " to ")
_ENGLISH_MIN_SHARE = 0.01
_LANGUAGE_MIN_WORDS = 60


def reading_warnings(text: str, max_chars: int) -> list[str]:
    """What the user should know of how ``text`` is read: cut short, or not English."""
    warnings = []
    if len(text) > max(_HUGE_TEXT, max_chars):
        warnings.append(f"text of {len(text):,} characters; only the first {max_chars:,} are judged")
    sample = text[:_LANGUAGE_SAMPLE]
    # (Cheapest first, as every article of a stream is checked: an English text has its " the "
    # as written, and whether a str is ASCII is a flag it carries.)
    words = max(sample.count(" "), 1)
    if sample.count(" the ") >= _ENGLISH_MIN_SHARE * words \
            or sum(map(sample.lower().count, _ENGLISH_COMMONEST)) >= _ENGLISH_MIN_SHARE * words:
        return warnings  # English, however much of it is an Urdu tweet APP quotes
    if not sample.isascii() and 3 * (len(sample) - len(sample.encode("ascii", "ignore"))) > len(sample):
        warnings.append("text mostly not in the Latin alphabet: not English, which the topic's terms are")
    elif words >= _LANGUAGE_MIN_WORDS:
        warnings.append("text does not read as English (hardly a 'the', 'of', 'and' or 'to'): "
                        "the topic's terms are English")
    return warnings


def _read_ahead(lines: Iterable[str], setup: ReplaySetup, topic: TopicModel, all_relevant: bool,
                err: TextIO) -> Iterator[_Read]:
    """The stream's non-blank lines, parsed and scored by reader processes, in stream order.

    A few batches are in flight at a time, so memory stays flat however long the stream.
    If a reader dies or cannot start (killed, out of memory, or a calling script that
    re-runs itself when imported), the batches it had and all later ones are read here, with
    ``topic`` (the judge's own model).
    A read error is raised as _StreamBroken once every line before it has been yielded.
    """
    readers = max(1, min(4, (os.cpu_count() or 2) - 1))
    given_up = False  # once a reader failed, every batch is read here
    here = (topic, setup.judge.max_chars, all_relevant)

    def collect(future: Future[list[_Read]] | None, batch: list[tuple[int, str]]) -> list[_Read]:
        nonlocal given_up
        if future is not None and not given_up:
            try:
                return future.result()
            except BrokenProcessPool as exc:
                print(f"replay: a reader process failed ({exc}); reading on in this process", file=err)
                given_up = True
        return _read_lines(batch, *here)

    pool = worker_pool(readers, ["monitor.replay"], _start_reader,
                       (setup.topic, setup.judge.max_chars, all_relevant))
    with pool:
        pending: deque[tuple[Future[list[_Read]] | None, list[tuple[int, str]]]] = deque()
        batch: list[tuple[int, str]] = []
        line_number = 0

        def send(batch: list[tuple[int, str]]) -> None:
            future = None
            if not given_up:
                with contextlib.suppress(BrokenProcessPool):  # (collect then reads it here)
                    future = pool.submit(_read_batch, batch)
            pending.append((future, batch))

        broken: _StreamBroken | None = None
        numbered = enumerate(lines, start=1)
        while True:
            try:  # (only reading the stream: a reader's or the pool's errors are not read errors)
                line_number, line = next(numbered)
            except StopIteration:
                break
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                broken = _StreamBroken(line_number + 1, exc)
                break
            if line.strip():
                batch.append((line_number, line))
            if len(batch) == _BATCH_LINES:
                send(batch)
                batch = []
                if len(pending) > _BATCHES_AHEAD * readers:
                    yield from collect(*pending.popleft())
        if batch:
            send(batch)
        while pending:
            yield from collect(*pending.popleft())
        if broken is not None:
            raise broken


def _parse_published(value: object) -> tuple[datetime | None, str]:
    if value is not None and not isinstance(value, str):
        return None, f"'published' must be an ISO 8601 string, not {type(value).__name__} ({value!r})"
    if not isinstance(value, str) or not value.strip():
        return None, "missing 'published'"
    try:
        published = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f"invalid 'published' {value!r}"
    if published.tzinfo is None:
        return published.replace(tzinfo=UTC), f"'published' {value!r} has no zone; taken as UTC"
    return published, ""
