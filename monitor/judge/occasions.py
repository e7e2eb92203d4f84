"""Occasions: a day's reports from one place, which share too few words to match as rewrites.

A minister's day at a port (arriving, addressing the elders, chairing a review, announcing a
plant) reaches the wire as four or five reports in a day, each with its own quotes and
numbers: they are one story (labelling.md: a visit is one story), yet each is only 0.15-0.20
similar to the others, under the bar a rewrite clears. What they share is where they happened:
"GWADAR:" in the dateline, "in Gwadar" in the title or the first sentences. So an article
*places* itself by its dateline and the capitalised names after "in", "at", "to" or "from" in
its head (not a person's, "to Chief Minister ...", nor words such as "port" or "zone" that many
places' names have); within ``occasion_hours`` of a member placed at the same rare place, the
story takes it at a lower similarity (matching.py).

A meeting is the exception: each distinct meeting is its own story, even within a visit
(labelling.md), so an article whose head reports one ("met", "held talks with") is matched on
its words alone, and its story takes no other report as the same occasion.

Pure functions of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.judge.novelty import OFFICE_WORDS
from monitor.judge.text import CALENDAR, DATELINE_PLACE, Analysis, content_words

# The head an article places itself in: the title and this many sentences (the dateline's and
# the next, where APP and Dawn say where the day's event was).
_HEAD_SENTENCES = 2
# "GWADAR:", "GWADAR/ISLAMABAD:" (``analyse`` shortens APP's "GWADAR, Jun 3 (APP):" to this).
_DATELINE = re.compile(rf"({DATELINE_PLACE}):")
_CAPITALISED = r"[A-Z][\w'’-]*"
_PLACED = re.compile(rf"\b(?i:in|at|to|from)\s+(?:the\s+)?({_CAPITALISED}(?:\s+{_CAPITALISED})*)")
# "met Chinese Ambassador ...", "meeting with", "held talks": not "called on Chinese companies
# to invest" or "meet the city's needs", which are what an address says.
_MEETING = re.compile(r"\b(?:(?:[Mm]eets?|[Mm]et)\s+(?:with\b|(?:the\s+)?[A-Z])|(?i:meetings?\s+(?:with|between)|"
                      r"talks\s+with|held\s+talks|interacted\s+with))")
# Words of a place's name that do not tell one place from another (Gwadar *Port*, the Rashakai
# Special Economic *Zone*, the Expo *Centre*), dates, and the wire's labels ("UPDATE:").
_NOT_PLACES = CALENDAR | frozenset("""
zone port city centre center airport hall house province district valley road highway motorway
expressway university hotel international special economic industrial park complex update
""".split())


@dataclass(frozen=True)
class Occasion:
    """Where an article says its event happened, and whether it reports a meeting."""

    places: frozenset[str]  # content words (stemmed, as the index counts them); none for a meeting
    meeting: bool


NO_OCCASION = Occasion(frozenset(), False)


def read_occasion(title: str, analysis: Analysis) -> Occasion:
    """The places an article's head names, and whether the head reports a meeting (then
    none: a meeting is matched on its words, and no report joins its story as its occasion).

    Common places ("Islamabad", "Pakistan", "China") are kept here and weighed by the index:
    only a place rare enough there ties a day's reports together.
    """
    head = [title, *(s.text for s in analysis.sentences[:_HEAD_SENTENCES])]
    if any(_MEETING.search(text) for text in head):
        return Occasion(frozenset(), True)
    names = [dateline.group(1)] if len(head) > 1 and (dateline := _DATELINE.match(head[1])) else []
    for text in head:
        names.extend(name.group(1) for name in _PLACED.finditer(text))
    places: set[str] = set()
    for name in names:
        words = content_words(name)
        # "to Chief Minister Sarfraz Bugti" names a person, not where the day's event was.
        if not OFFICE_WORDS.intersection(words):
            places.update(w for w in words if w not in _NOT_PLACES)
    return Occasion(frozenset(places), False)
