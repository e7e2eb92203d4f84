"""Background document frequencies: what a fresh index knows about words before any news.

IDF over the seeds alone says nothing (two documents), so the matcher starts from counts
learnt offline over a reference corpus that is no evaluation set (``bench/build_idf.py``
writes ``data/background_df.json.gz``: term → number of articles naming it, for the same
terms ``match_vector`` makes, and for the phrases of ``Analysis.phrases``). Only counts are
shipped, no text.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Frequencies:
    """Document frequencies of a set of articles."""

    documents: int
    document_frequency: dict[str, int]


@dataclass(frozen=True)
class Background:
    """A reference corpus's frequencies: over all its articles, and over its on-topic ones.

    The on-topic part looks like what a live index holds (everything in it names China and
    Pakistan, so those words tell little); the whole corpus says how rare a word is in news.
    """

    whole: Frequencies
    on_topic: Frequencies
    # The same for phrases (adjacent content words), over the same articles.
    phrases: Frequencies
    on_topic_phrases: Frequencies


_NONE = Frequencies(0, {})
EMPTY = Background(_NONE, _NONE, _NONE, _NONE)


def _frequencies(data: dict[str, object]) -> Frequencies:
    counts = data["document_frequency"]
    assert isinstance(counts, dict)
    return Frequencies(int(str(data["documents"])), {str(t): int(n) for t, n in counts.items()})


@cache
def load_background() -> Background:
    """The shipped background counts (read once per process)."""
    raw = files("monitor.judge").joinpath("data", "background_df.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    phrases = data["phrases"]
    return Background(_frequencies(data), _frequencies(data["on_topic"]),
                      _frequencies(phrases), _frequencies(phrases["on_topic"]))
