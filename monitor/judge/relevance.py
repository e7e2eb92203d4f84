"""Is this article on the user's topic? A weighted-term score that can say why.

The score reads an article paragraph by paragraph, because what matters is what China is
mentioned *with*: "security" beside "Chinese nationals" is the topic, "security" in a
paragraph about Karachi traffic is not; "China" and "Pakistan" in one paragraph is a
bilateral matter, "China" alone may be Taiwan. The title and the lead weigh more, since news
states its subject there; a capped score per paragraph keeps a long article with one passing
mention from outscoring a short one about the subject.

The paragraph, not the sentence, is the unit: an outlet writes one point per paragraph (most of
APP's are one sentence, Dawn's two or three), and a point often names China in one sentence
and Pakistan in the next ("The Chinese envoy called on the minister. They reviewed ...").
Scored sentence by sentence, October 2025's relevance F1 fell from .747 to .485.

Most articles never mention China or CPEC: one regular-expression search rejects them before
any paragraph is split.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from monitor.judge.settings import TopicSettings
from monitor.judge.text import dateline, split_paragraphs

_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Relevance:
    """A topic score in 0..1 and the terms that produced it."""

    score: float
    reasons: tuple[str, ...]
    # The part of the score that makes an article alert-worthy: CPEC itself, Chinese nationals'
    # security, China-Pakistan defence (not China-Pakistan relations in general).
    core: float = 0.0


# (not "US$ 5m": an amount, no power). The word is matched first and its start looked behind
# for ("\bUS" as "US" not after a word character): a pattern that opens with a literal is
# scanned for as one, while a leading "\b" is a test at every position, and a tenth of the
# texts have a "US" to look for.
_US = re.compile(r"US(?<!\wUS)\b(?!\s*\$|\s+dollars?\b)")


def lowered(text: str) -> str:
    """Lower case with typographic apostrophes made plain, and en dashes read as hyphens
    ("China–Pakistan Economic Corridor", as Dawn sets it): the form every pattern reads.
    Dawn's "US" is read as "u.s.", which lower case would make the word "us"."""
    if "US" in text:
        text = _US.sub("U.S.", text)
    return text.lower().replace("’", "'").replace("–", "-")


def _normalise(phrase: str) -> str:
    return _SEPARATORS.sub(" ", lowered(phrase)).strip()


def _vocabulary_key(phrase: str) -> str:
    """A configured phrase as ``_Vocabulary.lookup`` names it (a prefix keeps its star)."""
    return _normalise(phrase.rstrip("*")) + ("*" if phrase.endswith("*") else "")


_EXACT_END, _PREFIX_END = "\x00", "\x01"


def trie_regex(phrases: list[str]) -> str:
    """One regular expression for many phrases, shared prefixes factored out.

    Python's ``re`` tries every branch of a flat alternation at every position; a trie makes
    that one character test per position, which is what keeps the gate cheap. Branches that
    go on come before ends, so the longest phrase wins where several start.
    """
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for phrase in phrases:
        key = _normalise(phrase.rstrip("*"))
        if not key:
            continue
        node = root
        for char in key:
            node = node.setdefault(char, {})
        node[_PREFIX_END if phrase.endswith("*") else _EXACT_END] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        branches = [
            (r"[\s\-]+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items()) if char not in (_EXACT_END, _PREFIX_END)
        ]
        if _PREFIX_END in node:
            branches.append(r"\w*")
        elif _EXACT_END in node:
            branches.append(r"(?!\w)")  # (not \b: "u.s." ends in a non-word character)
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return r"\b" + build(root) if root else r"(?!x)x"


class _Vocabulary:
    """All the topic's phrases in one regular expression, and their kinds and weights."""

    def __init__(self, kinds: dict[str, dict[str, float]]) -> None:
        self.exact: dict[str, tuple[str, float]] = {}
        self.prefixes: list[tuple[str, str, float]] = []
        phrases: list[str] = []
        for kind, terms in kinds.items():
            for phrase, weight in terms.items():
                key = _normalise(phrase.rstrip("*"))
                if not key or key in self.exact or any(p == key for p, _, _ in self.prefixes):
                    continue  # the first kind that names a phrase wins
                if phrase.endswith("*"):
                    self.prefixes.append((key, kind, weight))
                else:
                    self.exact[key] = (kind, weight)
                phrases.append(phrase)
        self.prefixes.sort(key=lambda p: -len(p[0]))
        self.regex = re.compile(trie_regex(phrases))

    def lookup(self, matched: str) -> tuple[str, str, float]:
        """(phrase, kind, weight) of a matched string."""
        key = _normalise(matched)
        if key in self.exact:
            kind, weight = self.exact[key]
            return key, kind, weight
        for prefix, kind, weight in self.prefixes:
            if key.startswith(prefix):
                return prefix + "*", kind, weight
        return key, "subject", 0.0


class TopicModel:
    """The compiled form of TopicSettings; ``score`` is a pure function of title and text."""

    def __init__(self, settings: TopicSettings) -> None:
        self.settings = settings
        self.vocabulary = _Vocabulary({
            "core": {**settings.core, **settings.terms},
            "anchor": settings.anchors,
            "security": settings.security,
            "subject": settings.subjects,
            "pakistan": settings.pakistan,
            "negative": settings.negative,
            "elsewhere": settings.elsewhere,
        })
        self.both_sides = frozenset(_normalise(phrase) for phrase in settings.both_sides)
        # The topic by themselves: the core terms and the user's own (those that count for it).
        self.core_terms = (*settings.core, *(t for t, w in settings.terms.items() if w > 0))
        topic_terms = [*settings.anchors, *self.core_terms]
        gate_terms = list(settings.must) or topic_terms
        # The gate is run on every article: a term at a word's start. A leading "\b" costs
        # Python's engine a test at every position; a leading non-word character instead is
        # a first-character class it skips ahead on (twice as fast), read in the text with a
        # space in front (as ``text.names_in`` reads names). A term that opens with a non-word
        # character ("#cpec") may follow anything: it is looked for anywhere.
        word_led = [t for t in gate_terms if re.match(r"\w", _normalise(t.rstrip("*")))]
        others = [t for t in gate_terms if t not in word_led]
        self._gate_word = re.compile(r"\W" + trie_regex(word_led).removeprefix(r"\b"))
        self._gate_anywhere = re.compile(trie_regex(others).removeprefix(r"\b")) if others else None
        self.must_not = re.compile(trie_regex(list(settings.must_not))) if settings.must_not else None
        self._names_topic = re.compile(trie_regex(topic_terms))
        self.needs_china = frozenset(map(_vocabulary_key, settings.needs_china))
        self.chinas_own = frozenset(map(_vocabulary_key, settings.chinas_own))
        # Words saying something violent happened (the incident reader uses the same pattern).
        self.incident = re.compile(trie_regex(list(settings.incident_terms))) if settings.incident_terms else None

    def names_topic(self, sentence: str) -> bool:
        """Whether the sentence names the topic at all (China, CPEC, a core term)."""
        return self._names_topic.search(lowered(sentence)) is not None

    def _gate(self, lowered_text: str) -> bool:
        """Whether one of the gate's terms (``must``, or else the anchors and core terms)
        starts a word of the text: without it nothing is scored, and an off-topic article
        costs no more than this."""
        return bool(self._gate_word.search(" " + lowered_text)
                    or (self._gate_anywhere is not None and self._gate_anywhere.search(lowered_text)))

    def score(self, title: str, text: str) -> Relevance:
        s = self.settings
        lowered_title, lowered_text = lowered(title), lowered(text)
        if not self._gate(lowered_title) and not self._gate(lowered_text):
            return Relevance(0.0, ("no topic anchor (China, CPEC, ...) in the text",))
        paragraphs = [lowered_title, *split_paragraphs(lowered_text)]
        if self.must_not:
            for paragraph in paragraphs[: 1 + s.lead_paragraphs]:
                if hit := self.must_not.search(paragraph):
                    return Relevance(0.0, (f"excluded by must_not term {hit.group(0)!r}",))
        found_in: list[dict[str, tuple[str, float]]] = []
        hits_in: list[dict[str, int]] = []
        for paragraph in paragraphs:
            found, hits = self._terms(paragraph)
            # (What a term is depends on what else its paragraph names: China's people beside
            # India are China elsewhere; joint security without China is not the topic.)
            found_in.append(self._own_as_anchor(paragraph, found) if found else found)
            hits_in.append(hits)
        found_in, dropped = self._drop_unqualified(paragraphs, found_in)
        mentions: Counter[str] = Counter()
        for found, hits in zip(found_in, hits_in, strict=True):
            mentions.update({phrase: hits[phrase] for phrase in found})
        # An article whose title, or two of whose lead paragraphs, name China or a core term
        # is about China: its subjects count wherever they are, not only beside "China".
        china_in = [any(k in ("core", "anchor") for k, _ in f.values()) for f in found_in]
        head = found_in[: 1 + s.lead_paragraphs]
        if len(head) > 1 and (filed_from := dateline(text)):
            # Where the wire filed from does not make the article about China and Pakistan:
            # APP runs China's own news (5G, the Winter Olympics) under "ISLAMABAD, Jan 5
            # (APP):". (In its own paragraph it still counts, as any place there does.)
            _, in_dateline = self._terms(lowered(filed_from))
            head = [head[0], {phrase: (kind, weight) for phrase, (kind, weight) in head[1].items()
                              if kind != "pakistan" or hits_in[1][phrase] > in_dateline.get(phrase, 0)},
                    *head[2:]]
        pakistan_in_head = any(self._kinds(f) & {"core", "pakistan"} for f in head)
        focus = (china_in[0] or sum(china_in[1 : 1 + s.lead_paragraphs]) >= 2) and pakistan_in_head
        raw = core_raw = 0.0
        contribution: dict[str, float] = defaultdict(float)
        for index, found in enumerate(found_in):
            if not found:
                continue
            position_weight = s.title_weight if index == 0 else (
                s.lead_weight if index <= s.lead_paragraphs else 1.0)
            kinds = self._kinds(found)
            # China with Pakistan, or a core term, makes the paragraph about the topic; China
            # alone (Taiwan, Beijing's weather) counts for little and lends the subjects nothing.
            bilateral = "core" in kinds or ("anchor" in kinds and "pakistan" in kinds)
            subject_share = 1.0 if bilateral else (s.focus_share if focus else 0.0)
            parts: dict[str, float] = {}
            pakistan_best = ("", 0.0)
            core_part = 0.0
            for phrase, (kind, weight) in found.items():
                if kind == "core":
                    parts[phrase] = weight
                    core_part += weight
                elif kind in ("subject", "security") and subject_share:
                    parts[phrase] = weight * subject_share
                    if kind == "security":
                        core_part += weight * subject_share
                elif kind == "anchor":
                    parts[phrase] = weight if bilateral or focus else weight * s.china_alone
                    if "security" in kinds and (bilateral or focus):
                        core_part += weight  # China and security in one paragraph
                elif kind == "pakistan" and "anchor" in kinds and weight > pakistan_best[1]:
                    pakistan_best = (phrase, weight)
            if pakistan_best[1]:
                parts[pakistan_best[0]] = pakistan_best[1]
            positive = sum(parts.values())
            scale = min(1.0, s.paragraph_cap / positive) if positive > 0 else 0.0
            # China with another power and without Pakistan: China in a global context.
            elsewhere = "anchor" in kinds and not ({"core", "pakistan"} & kinds)
            against = {phrase: weight for phrase, (kind, weight) in found.items()
                       if kind == "negative" or (kind == "elsewhere" and elsewhere)}
            negative = sum(against.values())
            for phrase, weight in parts.items():
                contribution[phrase] += position_weight * weight * scale
            for phrase, weight in against.items():
                contribution[phrase] += position_weight * weight
            raw += position_weight * (positive * scale + negative)
            core_raw += position_weight * (core_part * scale + negative)
        raw = max(raw, 0.0)
        core_raw = max(core_raw, 0.0)
        score = raw / (raw + s.half_score) if raw > 0 else 0.0
        top = sorted(contribution.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:8]
        terms = ", ".join(f"{phrase} ×{mentions[phrase]} ({value:+.1f})" for phrase, value in top if value)
        reasons = ((f"topic terms: {terms}",) if terms else ()) + (
            (f"not counted without China in the article: {', '.join(sorted(dropped))}",) if dropped else ())
        core = core_raw / (core_raw + s.half_score) if core_raw > 0 else 0.0
        return Relevance(score, reasons, core)

    def _terms(self, text: str) -> tuple[dict[str, tuple[str, float]], dict[str, int]]:
        """The vocabulary's terms in a lowered ``text`` (kind and weight), and how often each.
        (Plain dicts: most paragraphs name no term, and a Counter per paragraph is paid for.)"""
        found: dict[str, tuple[str, float]] = {}
        hits: dict[str, int] = {}
        for match in self.vocabulary.regex.finditer(text):
            phrase, kind, weight = self.vocabulary.lookup(match.group(0))
            if phrase in hits:
                hits[phrase] += 1
            else:
                found[phrase] = (kind, weight)
                hits[phrase] = 1
        return found, hits

    def _kinds(self, found: dict[str, tuple[str, float]]) -> set[str]:
        """The kinds of terms ``found`` in a paragraph; "Pak-China" names Pakistan as well as China."""
        kinds = {kind for kind, _ in found.values()}
        if "anchor" in kinds and "pakistan" not in kinds and not self.both_sides.isdisjoint(found):
            kinds.add("pakistan")
        return kinds

    def _own_as_anchor(self, paragraph: str, found: dict[str, tuple[str, float]]) -> dict[str, tuple[str, float]]:
        """A paragraph's terms, with China's own people and forces (``chinas_own``) read as the
        word "Chinese" when the paragraph names another power and neither Pakistan, another
        core term nor an incident ("India behind the attack on Chinese engineers" is the topic)."""
        own = [phrase for phrase, (kind, weight) in found.items()
               if kind == "core" and weight > 0 and phrase in self.chinas_own]
        if not own:
            return found
        another_power = any(kind == "elsewhere" for kind, _ in found.values())
        # (Pakistan's side or another core term, not a user's negative "core" term.)
        others = self._kinds({phrase: term for phrase, term in found.items() if phrase not in own and term[1] > 0})
        if not another_power or {"pakistan", "core"} & others \
                or (self.incident is not None and self.incident.search(paragraph)):
            return found
        as_anchor = ("anchor", self.settings.anchors.get("chinese", 1.0))
        return {phrase: as_anchor if phrase in own else term for phrase, term in found.items()}

    def _drop_unqualified(self, paragraphs: list[str], found_in: list[dict[str, tuple[str, float]]]
                          ) -> tuple[list[dict[str, tuple[str, float]]], set[str]]:
        """``found_in`` without the ``needs_china`` core terms that do not count (in an article
        that names neither China nor another core term, outside paragraphs with an incident
        word), and the terms that counted in no paragraph."""
        present = {phrase for found in found_in for phrase, (kind, weight) in found.items()
                   if kind == "core" and weight > 0 and phrase in self.needs_china}
        if not present or any(kind == "anchor" or (kind == "core" and weight > 0 and phrase not in present)
                              for found in found_in for phrase, (kind, weight) in found.items()):
            return found_in, set()
        kept: list[dict[str, tuple[str, float]]] = []
        counted: set[str] = set()
        for paragraph, found in zip(paragraphs, found_in, strict=True):
            if self.incident is not None and self.incident.search(paragraph):
                counted.update(phrase for phrase in found if phrase in present)
                kept.append(found)
            else:
                kept.append({phrase: term for phrase, term in found.items() if phrase not in present})
        return kept, present - counted
