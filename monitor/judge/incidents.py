"""Incidents: an attack on the topic's people, and the articles that refer back to it.

An attack's story is told for weeks by articles that share few words with the first report:
condolence visits, condemnations, a probe, arrests, a minister's statement, the project's work
resuming (labelling.md: they are all that attack's story). What they do share is a
*reference*: a sentence that names the attack by its place or date ("the Dasu bus incident",
"the July 14 terror attack", "the Karachi University blast"). So an article *reports* an
incident when a sentence of its head names an attack together with a core term of the topic
(Chinese nationals, CPEC); every article *refers* to an incident by the names and dates that
stand beside an incident word in its head. A live incident story takes an article that refers to it
by one of its keys (matching.py), which word similarity alone does not do.

Pure functions of the text and the topic's compiled vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.judge.relevance import trie_regex
from monitor.judge.text import Analysis, names_in, numbers_in


@dataclass(frozen=True)
class IncidentMarks:
    """What an article says of incidents: the keys it names them by, and whether it reports one."""

    keys: frozenset[str]  # names and dates beside an incident word, in the title or the head
    # The title's own keys: what an incident story is known by (a headline names the place,
    # where a lead also names every official who reacted).
    title_keys: frozenset[str]
    # An incident word and an anchor (China) or core term in one sentence of the head: the
    # article is about an incident that concerns the topic.
    concerns_topic: bool
    # ... and with a core term (Chinese nationals, CPEC, Dasu): an attack on the topic itself,
    # what makes its story an incident story.
    reports: bool


NO_MARKS = IncidentMarks(frozenset(), frozenset(), False, False)


class IncidentReader:
    """The compiled incident vocabulary of a topic; ``marks`` is a pure function."""

    def __init__(self, incident_terms: tuple[str, ...], anchors: list[str], core: list[str],
                 head_sentences: int) -> None:
        self.incident = re.compile(trie_regex(list(incident_terms))) if incident_terms else None
        self.anchor = re.compile(trie_regex([*anchors, *core]))
        self.core = re.compile(trie_regex(core))
        self.head_sentences = head_sentences

    def marks(self, title: str, analysis: Analysis) -> IncidentMarks:
        if self.incident is None:
            return NO_MARKS
        names, _ = names_in(title)  # the title is not one of the analysis's sentences
        title_facts = frozenset(names | {n for n in numbers_in(title) if n.startswith("date:")})
        head = [(title, title_facts), *((s.text, s.facts) for s in analysis.sentences[: self.head_sentences])]
        keys: set[str] = set()
        title_keys: frozenset[str] = frozenset()
        concerns = reports = False
        for index, (text, facts) in enumerate(head):
            lowered = text.lower().replace("’", "'")
            if not self.incident.search(lowered):
                continue
            found = {f for f in facts if _is_key(f)}
            keys |= found
            if index == 0:
                title_keys = frozenset(found)
            concerns = concerns or bool(self.anchor.search(lowered))
            reports = reports or bool(self.core.search(lowered))
        return IncidentMarks(frozenset(keys), title_keys, concerns, reports)


def _is_key(fact: str) -> bool:
    """A name or a date can name an incident; an amount or a quote cannot."""
    return fact.startswith("date:") or not (fact[0].isdigit() or fact.startswith("quote:"))
