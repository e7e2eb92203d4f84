"""What an article adds to a story it belongs to: new sentences and new facts.

Facts are what a reader would call news: numbers, names (people, places, organisations,
dates), quoted statements. Wording is not news: a rewrite of a known article says the same
facts in other words, so materiality is decided on facts, and sentences are only the vehicle
that shows them to the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass

from monitor.judge.text import Analysis, Sentence, shorten

# A sentence with under this share of its words known to the story is likely about something
# else (a press conference's other subjects), however new its facts.
_ON_STORY_KNOWN_SHARE = 0.25

# Words of offices and portfolios. A capitalised span made only of them ("Federal Minister",
# "Ministries of Commerce and Industries") is a title, not an actor: the next outlet to tell a
# meeting names the minister's office where the first named the minister, and that is no
# news. A span with a name in it ("Foreign Secretary Sohail Mahmood") stays a fact, and so
# does a body that acts ("National Assembly", "Foreign Office", "State Council"): its words
# are not here.
OFFICE_WORDS = frozenset("""
minister ministers ministry ministries federal provincial state chief secretary general director
chairman chairperson president prime ambassador envoy spokesperson spokesman professor special
assistant adviser advisor senator member deputy governor commissioner officer affairs foreign
interior planning development commerce industries industry communication communications finance
defence defense information broadcasting maritime railways law justice education health power
energy water resources trade investment senior vice excellency
""".split())
_LINKS = frozenset({"of", "for", "and", "the", "&"})


@dataclass(frozen=True)
class StoryKnowledge:
    """What a story already told: its facts, the words of its names, its vocabulary.

    Views of the story's own sets (read, never changed here): copying them per article
    would cost more than the whole comparison.
    """

    facts: Set[str]
    name_words: Set[str]
    words: Set[str]


@dataclass(frozen=True)
class Novelty:
    """The part of an article its story did not have."""

    changes: tuple[str, ...]  # new sentences, most informative first, in reading order
    new_facts: tuple[str, ...]
    material: bool
    # The weight of the hard facts among the new ones: amounts, tolls, counts, and at half
    # weight full names (new actors); not quotes, dates or single capitalised words, which any follow-up has.
    hard_news: float = 0.0


def is_known_fact(fact: str, known: StoryKnowledge) -> bool:
    """A fact the story has, also when only worded differently ("Junaid Chaudhry").

    (Day names, which change between outlets' versions of one report, are never facts:
    ``text.names_in`` drops calendar words.)
    """
    if fact in known.facts:
        return True
    if fact.startswith("quote:"):
        words = fact.removeprefix("quote:").split()
        return sum(w in known.words for w in words) >= 0.8 * len(words)
    if fact[0].isdigit():
        return False
    # A name is known when all its words appear in names the story gave.
    return all(word in known.name_words for word in fact.split())


def is_office(fact: str) -> bool:
    """A name made only of words of offices and portfolios: a title, not an actor."""
    words = [word for word in fact.replace("-", " ").split() if word not in _LINKS]
    return fact[0].isalpha() and not fact.startswith(("quote:", "date:")) and bool(words) and all(
        word in OFFICE_WORDS for word in words)


def fact_weight(fact: str) -> float:
    """How much a new fact counts towards an update.

    An amount or a toll ("30000", "850m") is the most checkable news and counts most; a full
    name, a quote, a date or a small number count 1; one capitalised word is often a nationality or
    a capitalised common noun ("Chinese", "Commerce"), so it counts half, as does a year
    ("year:2015", mostly background).
    """
    if fact[0].isdigit():
        digits = fact.rstrip("%mbnt")
        large = fact != digits or (digits.replace(".", "").isdigit() and float(digits) >= 100)
        return 1.5 if large else 1.0
    if fact.startswith("quote:") or " " in fact:
        return 1.0
    return 0.5


def sentence_news(sentence: Sentence, known: StoryKnowledge) -> tuple[frozenset[str], int]:
    """The sentence's new facts and its count of content words the story never used."""
    new_facts = frozenset(f for f in sentence.facts if not is_known_fact(f, known) and not is_office(f))
    new_words = sum(1 for w in sentence.words if w not in known.words)
    return new_facts, new_words


def assess(analysis: Analysis, known: StoryKnowledge, *, min_new_facts: float,
           min_new_sentences: int, known_overlap: float, max_changes: int,
           names_topic: Callable[[str], bool] | None = None) -> Novelty:
    """New sentences and facts of ``analysis`` against ``known``; material or not.

    ``names_topic`` (the topic model's: does a sentence name China, CPEC, ...) orders and
    sifts the changes, never the decision: the user follows a topic, so of a briefing's news,
    what concerns it comes first, and what concerns neither it nor the story is left out when
    the article has other news.
    """
    scored: list[tuple[float, int, str]] = []
    # With ``names_topic``: sentences that neither name the topic nor share a quarter of their
    # words with the story, about something else (floods elsewhere in a weekly briefing, a
    # page's leftover ad script). Listed only when the article has no other news to show.
    aside: list[tuple[float, int, str]] = []
    fact_sentences = 0
    all_new_facts: set[str] = set()
    for index, sentence in enumerate(analysis.sentences):
        if not sentence.words:
            continue
        new_facts, new_words = sentence_news(sentence, known)
        novel_share = new_words / len(sentence.words)
        if not new_facts and novel_share < 1.0 - known_overlap:
            continue
        all_new_facts |= new_facts
        fact_sentences += bool(new_facts)
        # Facts make a change worth reading; then sentences mostly new to the story, though
        # not wholly: a sentence with under a quarter of its words known is likely about
        # something else (a press conference's other subjects), its facts and its place in
        # the lead too; and news puts what is new first (the lead), commentary last.
        known_share = 1.0 - novel_share
        on_story = 0.25 + 0.75 * min(1.0, known_share / _ON_STORY_KNOWN_SHARE)
        about_else = False
        if names_topic is not None:
            # The user follows a topic: a sentence that names it comes first, however new its
            # words; then those in the story's words; then the rest (a briefing's visits elsewhere).
            names = names_topic(sentence.text)
            on_story = 1.0 if names else 0.25 * on_story
            about_else = not names and known_share < _ON_STORY_KNOWN_SHARE
        # (A list of names is one piece of news, however long: facts count up to 5.)
        weight = (2.0 * min(5.0, sum(fact_weight(f) for f in new_facts)) + 3.0 * novel_share
                  + (1.5 if index < 3 else 0.0)) * on_story
        if new_facts or new_words >= 3:
            (aside if about_else else scored).append((weight, index, sentence.text))
    news = sum(fact_weight(f) for f in all_new_facts)
    best = sorted(scored or aside, key=lambda s: (-s[0], s[1]))[:max_changes]
    changes = tuple(shorten(text, 300) for _, _, text in sorted(best, key=lambda s: s[1]))
    material = news >= min_new_facts and fact_sentences >= min_new_sentences
    # Numbers count in full; a new full name half (follow-ups of a visit name new officials).
    hard = sum(fact_weight(f) if f[0].isdigit() else 0.5 for f in all_new_facts if is_hard_fact(f))
    return Novelty(changes, tuple(sorted(all_new_facts)), material, hard)


def is_hard_fact(fact: str) -> bool:
    """A number (not a date) or a full name: what makes a development, not a restatement."""
    if fact[0].isdigit():
        return True
    return not fact.startswith(("quote:", "date:")) and " " in fact
