"""``run_replay`` over small synthetic streams: output contract and bad input."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from judge_articles import (
    ATTACK,
    ATTACK_FOLLOW_UP,
    ATTACK_FOLLOW_UP_TITLE,
    ATTACK_REWRITE,
    ATTACK_REWRITE_TITLE,
    ATTACK_TITLE,
    OFF_TOPIC,
    OFF_TOPIC_TITLE,
)

from monitor.replay import run_replay

SEEDS = Path(__file__).resolve().parent.parent / "config" / "seeds"
FIELDS = {"id", "decision", "alert", "relevance", "story", "matched", "similarity", "changes", "summary"}


def line(article_id: str, title: str, content: str, published: str | None = "2025-03-10T08:00:00+05:00") -> str:
    data: dict[str, object] = {"id": article_id, "url": None, "title": title, "source": "Test",
                               "section": None, "content": content, "extra": "ignored"}
    if published is not None:
        data["published"] = published
    return json.dumps(data)


def replay(tmp_path: Path, lines: list[str], *, gz: bool = False, seeds: Path | None = None,
           all_relevant: bool = False, config: Path | None = None) -> tuple[int, list[dict[str, object]], str]:
    stream = tmp_path / ("stream.jsonl.gz" if gz else "stream.jsonl")
    body = "\n".join(lines) + "\n"
    if gz:
        stream.write_bytes(gzip.compress(body.encode()))
    else:
        stream.write_text(body, encoding="utf-8")
    empty = tmp_path / "no-seeds"
    empty.mkdir(exist_ok=True)
    out, err = io.StringIO(), io.StringIO()
    code = run_replay(stream, seeds or empty, config, all_relevant, out, err)
    return code, [json.loads(x) for x in out.getvalue().splitlines()], err.getvalue()


def test_decisions_in_input_order(tmp_path: Path) -> None:
    code, rows, err = replay(tmp_path, [
        line("a1", ATTACK_TITLE, ATTACK),
        line("x", OFF_TOPIC_TITLE, OFF_TOPIC),
        line("a2", ATTACK_REWRITE_TITLE, ATTACK_REWRITE, "2025-03-10T12:00:00+05:00"),
        line("a3", ATTACK_FOLLOW_UP_TITLE, ATTACK_FOLLOW_UP, "2025-03-11T14:00:00+05:00"),
    ])
    assert code == 0
    assert [r["id"] for r in rows] == ["a1", "x", "a2", "a3"]
    assert [r["decision"] for r in rows] == ["new_story", "irrelevant", "duplicate", "update"]
    assert [r["alert"] for r in rows] == [True, False, False, True]
    assert all(set(r) >= FIELDS for r in rows)
    assert rows[2]["story"] == rows[3]["story"] == "story:a1"
    assert rows[3]["changes"]
    assert "4 articles (0 skipped)" in err and "articles/s" in err


def test_gzip_stream_and_seed_story(tmp_path: Path) -> None:
    seed_text = (SEEDS / "002_b1cd8732edfbedeb.txt").read_text(encoding="utf-8")
    code, rows, _ = replay(tmp_path, [line("n", "Beijing presses for security role", seed_text)],
                           gz=True, seeds=SEEDS)
    assert code == 0
    assert rows[0]["decision"] == "duplicate"  # the seeds already told all of it
    assert str(rows[0]["story"]).startswith("seed:")


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    code, rows, err = replay(tmp_path, [
        line("a1", ATTACK_TITLE, ATTACK),
        "{not json",
        "[1, 2]",
        json.dumps({"title": "no id"}),
        line("a1", ATTACK_TITLE, ATTACK),  # duplicate id
        line("d1", ATTACK_REWRITE_TITLE, ATTACK_REWRITE, published="yesterday"),
        line("d2", OFF_TOPIC_TITLE, OFF_TOPIC, published=None),
        line("h", "<b>Markup</b> title", "<p>" + ATTACK.replace("\n\n", "</p><p>") + "</p><script>x()</script>"),
        line("e", "", ""),
        line("m", "", "<div><img src='x.png'></div>"),
        "",
    ])
    assert code == 0
    assert [r["id"] for r in rows] == ["a1", "d1", "d2", "h", "e", "m"]
    for number, words in [(2, "malformed JSON"), (3, "JSON object"), (4, "'id'"), (5, "duplicate id"),
                          (6, "invalid 'published'"), (7, "missing 'published'"), (9, "no text"), (10, "no text")]:
        assert f"stream.jsonl:{number}: " in err and words in err, (number, words, err)
    assert rows[1]["story"] == "story:a1"  # an article with a bad date keeps the clock and is judged
    assert rows[3]["decision"] == "duplicate"  # HTML is read as its text
    assert rows[4]["decision"] == rows[5]["decision"] == "irrelevant"
    assert "6 articles (4 skipped)" in err


def test_all_relevant_makes_every_article_a_story(tmp_path: Path) -> None:
    _, rows, _ = replay(tmp_path, [line("x", OFF_TOPIC_TITLE, OFF_TOPIC)], all_relevant=True)
    assert rows[0]["decision"] == "new_story"


def test_config_file_sets_the_topic(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[topic]\nthreshold = 0.99\n', encoding="utf-8")
    _, rows, _ = replay(tmp_path, [line("a1", ATTACK_TITLE, ATTACK)], config=config)
    assert rows[0]["decision"] == "irrelevant"


def test_bad_config_and_missing_stream_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[judge]\nno_such_key = 1\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(tmp_path / "missing.jsonl", None, config, False, out, err) == 2
    assert "bad.toml:2" in err.getvalue()
    err = io.StringIO()
    assert run_replay(tmp_path / "missing.jsonl", tmp_path, None, False, out, err) == 2
    assert "cannot read" in err.getvalue()
    assert out.getvalue() == ""


def test_reading_ahead_in_other_processes_decides_as_line_by_line(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing and scoring run ahead in reader processes, in batches: the decisions are those
    of judging the same lines one by one here, in order (many small batches, so the reader
    runs ahead and waits; bad lines, missing dates and duplicate ids between)."""
    import monitor.replay

    monkeypatch.setattr(monitor.replay, "_BATCH_LINES", 16)
    from datetime import UTC, datetime

    from monitor.judge import Judge, JudgeSettings, TopicSettings
    from monitor.replay import BadLine, parse_line
    from monitor.seeds import SEED_PUBLISHED, load_seeds

    texts = [(ATTACK_TITLE, ATTACK), (ATTACK_REWRITE_TITLE, ATTACK_REWRITE),
             (ATTACK_FOLLOW_UP_TITLE, ATTACK_FOLLOW_UP), (OFF_TOPIC_TITLE, OFF_TOPIC)]
    lines = []
    for n in range(700):
        title, text = texts[n % len(texts)]
        day = 1 + (n // 40) % 28
        published = None if n % 53 == 0 else f"2025-03-{day:02d}T08:00:00+05:00"
        lines.append(line(f"n{n}", f"{title} ({n % 7})", text, published) if n % 97 else "{broken")
    lines[300] = lines[299]  # a duplicate id
    lines[400] = "[" * 100_000  # JSON nested past the parser's recursion limit
    code, rows, err = replay(tmp_path, lines, seeds=SEEDS)
    assert code == 0 and len(rows) == 700 - len(range(0, 700, 97)) - 2
    assert "stream.jsonl:401: malformed JSON (nested too deeply)" in err
    assert "stream.jsonl:301: duplicate id 'n299'" in err
    assert "stream.jsonl:54: missing 'published'; using the previous article's time" in err

    judge = Judge.create(TopicSettings(), JudgeSettings(), load_seeds(SEEDS))
    expected, clock, seen = [], SEED_PUBLISHED, set()
    for raw in lines:
        try:
            article, clock, _ = parse_line(raw, clock)
        except BadLine:
            continue
        if article.id in seen:
            continue
        seen.add(article.id)
        decision = judge.decide(article, article.published)
        judge.remember(article, decision)
        expected.append(decision.replay_row())
    assert rows == json.loads(json.dumps(expected))
    assert clock > datetime(2025, 3, 1, tzinfo=UTC)


def test_a_truncated_gzip_stream_keeps_what_was_decided_and_says_where_it_stopped(tmp_path: Path) -> None:
    body = "\n".join(line(f"t{n}", ATTACK_TITLE, ATTACK + f" Item {n}.") for n in range(400)) + "\n"
    packed = gzip.compress(body.encode())
    stream = tmp_path / "cut.jsonl.gz"
    stream.write_bytes(packed[: len(packed) // 2])
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(stream, SEEDS, None, False, out, err) == 0
    decided = out.getvalue().splitlines()
    assert 0 < len(decided) < 400
    assert f"cut.jsonl.gz:{len(decided) + 1}: cannot read further" in err.getvalue()


def test_a_reader_process_that_dies_costs_speed_not_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers that die as they start (as they would, killed or re-running an unguarded
    script): the replay reads on in its own process and decides the same."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    import monitor.replay

    lines = [line(f"k{n}", ATTACK_TITLE, ATTACK + f" Item {n}.") for n in range(300)]
    code, expected, _ = replay(tmp_path, lines, seeds=SEEDS)

    def dying_pool(*_: object) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=os._exit, initargs=(3,))

    monkeypatch.setattr(monitor.replay, "worker_pool", dying_pool)
    code, rows, err = replay(tmp_path, lines, seeds=SEEDS)
    assert code == 0 and rows == expected and len(rows) == 300
    assert "a reader process failed" in err and "reading on in this process" in err


FRENCH = ("Le gouvernement du Pakistan a annoncé mardi que les travaux du corridor économique reprendront "
          "la semaine prochaine, selon un communiqué publié par le ministère de la planification dans la "
          "soirée. ") * 3
URDU = "پاکستان اور چین کے درمیان اقتصادی راہداری کے منصوبوں پر کام تیزی سے جاری ہے " * 3


def test_what_a_line_holds_is_said_plainly_and_the_replay_goes_on(tmp_path: Path) -> None:
    stream = tmp_path / "stream.jsonl"
    lines = [
        line("a1", ATTACK_TITLE, ATTACK),  # (after a byte-order mark)
        json.dumps({"id": 5, "title": "a number for an id"}),
        line("p", OFF_TOPIC_TITLE, OFF_TOPIC).replace('"published": "2025-03-10T08:00:00+05:00"', '"published": 12345'),
        '{"id": "t1", "title": ',
        line("t", ATTACK_TITLE, "<div><img src='x.png'></div>"),
        line("fr", "Corridor économique", FRENCH),
        line("ur", "راہداری", URDU),
        line("huge", ATTACK_TITLE, ATTACK + " The convoy was attacked near Thakot." * 4000),
    ]
    stream.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(stream, None, None, False, out, err) == 0
    said = err.getvalue()
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == ["a1", "p", "t", "fr", "ur", "huge"]
    for number, words in [(2, "'id' must be a string, not int (5)"), (3, "'published' must be an ISO 8601 string, not int"),
                          (4, "at column 23"), (5, "no text (its content is empty or markup only): judged on its title alone"),
                          (6, "does not read as English"), (7, "not in the Latin alphabet"),
                          (8, "text of 148,")]:
        assert any(f"stream.jsonl:{number}: " in x and words in x for x in said.splitlines()), \
            (number, words, said)
    assert "stream.jsonl:1:" not in said  # the byte-order mark is no part of the JSON
    for number in (1, 3, 5, 8):  # English, however short or empty, draws no language warning
        assert not any(f"stream.jsonl:{number}:" in x and "English" in x for x in said.splitlines())
