"""Incidents: an attack on the topic's people, and the articles that refer back to it.

An attack's story is told for weeks by articles that share few words with the first report:
condolence visits, condemnations, a probe, arrests, a minister's statement, the project's work
resuming (labelling.md: they are all that attack's story). What they do share is a
*reference*: a sentence that names the attack by its place or date ("the Dasu bus incident",
"the July 14 terror attack", "the Karachi University blast"). So an article *reports* an
incident when a sentence of its head names an attack together with a core term of the topic
(Chinese nationals, CPEC) or one of its incident targets (the Chinese consulate); every article
*refers* to an incident by the names and dates that stand beside an incident word in its head.
A live incident story takes an article that refers to it by one of its keys (matching.py),
which word similarity alone does not do.

Pure functions of the text and the topic's compiled vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.judge.relevance import lowered, trie_regex
from monitor.judge.text import Analysis, names_in, numbers_in


@dataclass(frozen=True)
class IncidentMarks:
    """What an article says of incidents: the keys it names them by, and whether it reports one."""

    keys: frozenset[str]  # names and dates beside an incident word, in the title or the head
    lead_keys: frozenset[str]  # the same in the title and the first sentence: what it is about
    # What an incident story the article reports is known by: the keys of its headline and of
    # its reporting sentences, but no name with an office in it (a lead names every official
    # who reacted, and officials react to every incident).
    story_keys: frozenset[str]
    # An incident word, and an anchor (China) or core term, in the head: an article about an
    # incident that concerns the topic ("... would not let anyone harm the friendship with China").
    concerns_topic: bool
    # ... and with a core term or incident target (Chinese nationals, CPEC, Dasu, the Chinese
    # consulate): an attack on the topic itself, what makes its story an incident story.
    reports: bool


NO_MARKS = IncidentMarks(frozenset(), frozenset(), frozenset(), False, False)


class IncidentReader:
    """The compiled incident vocabulary of a topic; ``marks`` is a pure function.

    ``core``: what an attack must be on to be on the topic (core terms, incident targets).
    """

    def __init__(self, incident: re.Pattern[str] | None, anchors: list[str], core: list[str],
                 head_sentences: int, generic: frozenset[str] = frozenset()) -> None:
        self.incident = incident  # the topic model's (None: the topic names no incident words)
        self.anchor = re.compile(trie_regex([*anchors, *core]))
        self.core = re.compile(trie_regex(core))
        self.head_sentences = head_sentences
        # Names that every article of the topic gives ("China", "Pakistan", "CPEC"): they
        # name no incident, however rare a given index finds them.
        self.generic = generic

    def marks(self, title: str, analysis: Analysis) -> IncidentMarks:
        if self.incident is None:
            return NO_MARKS
        names, _ = names_in(title)  # the title is not one of the analysis's sentences
        title_facts = frozenset(names | {n for n in numbers_in(title) if n.startswith("date:")})
        head = [(title, title_facts), *((s.text, s.facts) for s in analysis.sentences[: self.head_sentences])]
        keys: set[str] = set()
        lead_keys: set[str] = set()
        title_keys: set[str] = set()
        reporting_keys: set[str] = set()  # keys of the head's sentences that report
        reports = about_incident = anchored = False
        for index, (text, facts) in enumerate(head):
            plain = lowered(text)
            anchored = anchored or bool(self.anchor.search(plain))
            if not self.incident.search(plain):
                continue
            about_incident = True
            found = {f for f in facts if _is_key(f) and f not in self.generic}
            keys |= found
            if index <= 1:
                lead_keys |= found
            if index == 0:
                title_keys = found
            if self.core.search(plain):
                reports = True
                reporting_keys |= found
        # A story is known by the places and dates its reports give (a headline may name none:
        # "PM condoles deaths of Chinese nationals"), not by the officials they name.
        story_keys = {k for k in title_keys | reporting_keys if not _names_an_office(k)}
        return IncidentMarks(frozenset(keys), frozenset(lead_keys), frozenset(story_keys),
                             about_incident and anchored, reports)


def _is_key(fact: str) -> bool:
    """A name or a date can name an incident; an amount, a quote or a year cannot (every
    report of a year names it)."""
    return fact.startswith("date:") or not (fact[0].isdigit() or fact.startswith(("quote:", "year:")))


# Words of an office or honorific: a name with one is a person's ("Interior Minister Mohsin Naqvi").
_OFFICES = frozenset("""
minister president prime pm fm cm coas ambassador envoy premier chief general gen spokesperson spokesman
secretary chairman governor senator dr mr ms mrs sheikh syed justice commissioner inspector
director officer consul counsellor deputy adviser advisor assistant
""".split())


def _names_an_office(name: str) -> bool:
    return any(word in _OFFICES for word in name.split())


def shared_keys(article_keys: frozenset[str], story_keys: set[str]) -> set[str]:
    """The article's keys that name one of the story's: the same name, or one within the
    other ("Karachi" and "Karachi University")."""
    shared = set(article_keys & story_keys)
    for key in article_keys - shared:
        words = set(key.split())
        for known in story_keys:
            known_words = set(known.split())
            if words <= known_words or known_words <= words:
                shared.add(key if len(words) <= len(known_words) else known)
    return shared
