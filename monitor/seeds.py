"""Seed articles: plain-text files of the stories the user already knows.

Each file is one article. Its first line is the title when it looks like a headline (short,
no final full stop); otherwise the title is the first sentence, trimmed. Seeds are "known
before the first article arrives", so they carry a fixed early date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.clean import html_to_text
from monitor.judge.text import shorten, split_sentences
from monitor.models import Article

SEED_PUBLISHED = datetime(2000, 1, 1, tzinfo=UTC)
_HEADLINE_MAX_CHARS = 150
_TITLE_MAX_CHARS = 120


def load_seeds(directory: Path) -> list[Article]:
    """Every ``*.txt`` (or other plain) file of ``directory``, sorted by name, as Articles."""
    articles = []
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        articles.append(seed_article(path.stem, raw))
    return articles


def seed_article(stem: str, raw: str) -> Article:
    """The Article a seed file's text makes."""
    text = html_to_text(raw)
    first, _, rest = text.partition("\n")
    first = first.strip()
    if looks_like_headline(first) and rest.strip():
        title, body = first, rest.strip()
    else:
        sentences = split_sentences(text)
        title, body = shorten(sentences[0] if sentences else stem, _TITLE_MAX_CHARS), text
    return Article(
        id=f"seed:{stem}", url=None, title=title, published=SEED_PUBLISHED, source="seed",
        text=body, is_seed=True,
    )


def looks_like_headline(line: str) -> bool:
    """Short and without a final full stop: how headlines, not sentences, look."""
    return 0 < len(line) <= _HEADLINE_MAX_CHARS and not line.endswith((".", "!", "?", ":", ";", ","))
