"""Build the background document frequencies the story matcher starts from.

    .venv/bin/python bench/build_idf.py [--corpus ../shared/corpus/app-2021h2-2022h1.jsonl.gz]
        [--min-df 3] [--out monitor/judge/data/background_df.json.gz]

A fresh index holds only the seeds, and document frequencies over two documents say nothing:
"CPEC", "Gwadar" and "Chinese nationals" weigh as much as "Dasu" or a minister's name. This
script counts, over a reference corpus that is no evaluation set (APP, July 2021 - June 2022,
unlabelled), in how many articles each matching term occurs: content words, ``n:`` names and
``#`` numbers, read exactly as the judge reads an article (``parse_line`` then ``analyse`` then
``match_vector``), and the phrases the seeds' story is recognised by (``Analysis.phrases``).
Only counts are written (terms seen in at least ``--min-df`` articles, on-topic ones in
``--on-topic-min-df``, phrases in ``--phrase-min-df``), no text: the file is derived statistics.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.judge.matching import match_vector  # noqa: E402
from monitor.judge.relevance import TopicModel  # noqa: E402
from monitor.judge.settings import JudgeSettings, TopicSettings  # noqa: E402
from monitor.judge.text import analyse  # noqa: E402
from monitor.replay import BadLine, parse_line  # noqa: E402
from monitor.seeds import SEED_PUBLISHED  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "app-2021h2-2022h1.jsonl.gz"
DEFAULT_OUT = ROOT / "monitor" / "judge" / "data" / "background_df.json.gz"

Table = tuple[int, "Counter[str]"]


class Frequencies(TypedDict):
    """What the file holds of one ``Table``: articles counted, and the terms kept."""

    documents: int
    document_frequency: dict[str, int]


def count(corpus: Path, settings: JudgeSettings, topic: TopicSettings) -> tuple[Table, Table, Table, Table]:
    """(articles, term -> articles naming it) over the whole corpus and over its on-topic part;
    then the same for phrases (``Analysis.phrases``: adjacent content words)."""
    model = TopicModel(topic)
    frequency: Counter[str] = Counter()
    on_topic: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    on_topic_phrases: Counter[str] = Counter()
    documents = on_documents = 0
    clock = SEED_PUBLISHED  # as in a replay
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            try:
                article, clock, _ = parse_line(line, clock)
            except BadLine:
                continue
            analysis = analyse(article.title, article.text, settings.max_chars)
            terms = match_vector(analysis, settings).keys()
            frequency.update(terms)
            phrases.update(analysis.phrases.keys())
            documents += 1
            if model.score(article.title, article.text[: settings.max_chars]).score >= topic.threshold:
                on_topic.update(terms)
                on_topic_phrases.update(analysis.phrases.keys())
                on_documents += 1
    return ((documents, frequency), (on_documents, on_topic),
            (documents, phrases), (on_documents, on_topic_phrases))


def table(counted: Table, min_df: int) -> Frequencies:
    documents, frequency = counted
    return {"documents": documents,
            "document_frequency": {term: n for term, n in sorted(frequency.items()) if n >= min_df}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--min-df", type=int, default=3)
    parser.add_argument("--on-topic-min-df", type=int, default=2)
    # Phrases: most word pairs are seen once; those the whole corpus has fewer than this many
    # times weigh almost as much as unseen ones (its articles count ``background_weight``).
    parser.add_argument("--phrase-min-df", type=int, default=10)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    whole, on_topic, phrases, on_topic_phrases = count(args.corpus, JudgeSettings(), TopicSettings())
    whole_kept, on_topic_kept = table(whole, args.min_df), table(on_topic, args.on_topic_min_df)
    payload = {"source": args.corpus.name, "min_df": args.min_df, **whole_kept,
               "on_topic": on_topic_kept,
               "phrases": {**table(phrases, args.phrase_min_df),
                           "on_topic": table(on_topic_phrases, args.on_topic_min_df)}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same corpus gives the same bytes.
    with args.out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    for name, (documents, frequency), kept in (("all", whole, whole_kept), ("on topic", on_topic, on_topic_kept)):
        print(f"{name}: {documents} articles, {len(frequency)} terms, "
              f"{len(kept['document_frequency'])} kept")
    print(f"{args.out} {args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
