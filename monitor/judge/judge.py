"""The judge: relevance → story matching → novelty → decision, for one article at a time.

``decide`` reads the story index and returns a Decision; ``remember`` applies a Decision to
the index. The two are separate so that the daemon can store a decision before it changes
anything, and rebuild the index after a restart by replaying ``remember`` over stored pairs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.judge.incidents import IncidentMarks, IncidentReader
from monitor.judge.matching import Match, StoryIndex, match_vector
from monitor.judge.novelty import Novelty, assess
from monitor.judge.occasions import Occasion, read_occasion
from monitor.judge.relevance import Relevance, TopicModel
from monitor.judge.settings import JudgeSettings, TopicSettings
from monitor.judge.text import Analysis, analyse, lead, readable, shorten
from monitor.models import Article, Decision, Kind

_HASH_SPACES = re.compile(r"\W+")


@dataclass(frozen=True)
class _Reading:
    """An article analysed for matching (cached between ``decide`` and ``remember``)."""

    analysis: Analysis
    vector: dict[str, float]
    content_hash: str
    incidents: IncidentMarks
    occasion: Occasion


def content_hash(article: Article, max_chars: int) -> str:
    """A hash of the article's words, so copies with other spacing, case or title still match.

    Computed here, never taken from ``Article.content_hash`` (the feed parser's, which also
    covers the title): the daemon, a replay and the seeds must share one definition.
    """
    words = _HASH_SPACES.sub(" ", readable(article.text, max_chars).lower()).strip()
    return hashlib.blake2b(words.encode(), digest_size=12).hexdigest() if words else ""


def relevance_of(article: Article, topic: TopicModel, max_chars: int, *, all_relevant: bool = False) -> Relevance:
    """The article's topic score: a pure function of its title and first ``max_chars`` of text."""
    if all_relevant:
        return Relevance(1.0, ("every article is on topic (--all-relevant)",))
    return topic.score(article.title, readable(article.text, max_chars))


def story_id_for(article: Article) -> str:
    """A story is named after its first article; seed ids already read ``seed:…``."""
    return article.id if article.is_seed else f"story:{article.id}"


class Judge:
    """Decides what each article is, and remembers the stories decisions made."""

    def __init__(self, topic: TopicSettings, settings: JudgeSettings) -> None:
        self.topic = TopicModel(topic)
        self.topic_settings = topic
        self.settings = settings
        # What an attack must be on to be on the topic: its core terms and incident targets.
        core = [*self.topic.core_terms, *topic.incident_targets]
        # China and Pakistan themselves, and the topic's own one-word names (CPEC); not the
        # targets ("the Chinese Consulate attack" names one incident).
        generic = frozenset(t.rstrip("*") for t in [
            *(t for t in topic.anchors if t not in topic.incident_targets),
            *(t for t, w in topic.pakistan.items() if w >= 1.0),
            *(t for t, w in topic.core.items() if w >= 3.0 and " " not in t)])
        self.incidents = IncidentReader(self.topic.incident, list(topic.anchors), core,
                                        settings.incident_head_sentences, generic)
        self.index = StoryIndex(settings)
        self._cache: tuple[Article, _Reading] | None = None

    @classmethod
    def create(cls, topic: TopicSettings, settings: JudgeSettings, seeds: Sequence[Article]) -> Judge:
        """A judge that knows the seeds: each goes through decide and remember like news."""
        judge = cls(topic, settings)
        for seed in seeds:
            judge.remember(seed, judge.decide(seed, seed.published, all_relevant=True))
        return judge

    # -- deciding ---------------------------------------------------------------------

    def decide(self, article: Article, now: datetime, *, all_relevant: bool = False,
               relevance: Relevance | None = None) -> Decision:
        """What ``article`` is, given the stories known at ``now``. Reads the index only.

        ``relevance``, when given, must be ``relevance_of(article, ...)`` with this judge's
        topic and settings: a replay computes it ahead, in another process.
        """
        if not article.text[: self.settings.max_chars].strip() and not article.title.strip():
            return Decision(article.id, Kind.IRRELEVANT, 0.0, why=("empty article: no title, no text",))
        if relevance is None:
            relevance = relevance_of(article, self.topic, self.settings.max_chars, all_relevant=all_relevant)
        topic = self.topic_settings
        threshold = topic.threshold
        follow_up_floor = threshold - topic.follow_up_band
        score = relevance.score
        # After an attack, its reactions may name China once: they get a lower floor.
        incident_floor = topic.incident_floor if self.index.incidents_live(now) else follow_up_floor
        if score < min(follow_up_floor, incident_floor):
            return Decision(article.id, Kind.IRRELEVANT, score,
                            why=(f"relevance {score:.2f} < {threshold:.2f}", *relevance.reasons))
        reading = self._read(article)
        match = self.index.best_match(reading.analysis, reading.vector, reading.content_hash, now,
                                      reading.incidents, reading.occasion)
        why = [f"relevance {score:.2f}", *relevance.reasons]
        if score < threshold:
            # Just under the bar: on topic only as a follow-up of a story already on topic
            # (one similar enough, or an incident it refers to).
            similar = match is not None and score >= follow_up_floor and not match.other_subject \
                and match.similarity >= topic.follow_up_similarity
            # (A reaction says what it reacts to in its title or first sentence; an article
            # that mentions the attack further down is about something else.)
            refers = (match is not None and score >= incident_floor and match.incident_in_lead
                      and match.incident_live and reading.incidents.concerns_topic)
            if match is None or not (similar or refers):
                near = f" (nearest story {match.similarity:.2f})" if match else ""
                return Decision(article.id, Kind.IRRELEVANT, score,
                                why=(f"relevance {score:.2f} < {threshold:.2f}{near}", *relevance.reasons))
            why.append(f"follow-up of on-topic story {match.story.title!r} "
                       f"(similarity {match.similarity:.2f}, {match.evidence})")
        alert_worthy = all_relevant or relevance.core >= self.topic_settings.alert_threshold
        if not all_relevant:
            bar = self.topic_settings.alert_threshold
            why.append(f"core score {relevance.core:.2f} {'>=' if alert_worthy else '<'} alert threshold {bar:.2f}")
            if (late := now - article.published) > timedelta(days=self.settings.old_news_days):
                alert_worthy = False
                why.append(f"old news: published {late / timedelta(days=1):.1f} days before it was seen, "
                           "kept without an alert")
        if match is None or not self._joins(match):
            return self._new_story(article, score, reading, match, why, alert_worthy)
        return self._known_story(article, score, reading, match, why, alert_worthy)

    def nearest(self, article: Article, now: datetime) -> Match | None:
        """The live story ``article`` is closest to at ``now``, and the scores a decision on
        it would rest on, as ``decide`` finds it but for an exact copy, which is not taken on
        its hash. Reads the index only: for benchmarks and tests that measure those scores."""
        reading = self._read(article)
        return self.index.best_match(reading.analysis, reading.vector, "", now, reading.incidents,
                                     reading.occasion)

    def _joins(self, match: Match) -> bool:
        """Close enough to the story, or (the seeds' story) to one of the seeds themselves, or
        a report of the same occasion as one of its articles; never a story about someone
        else (``Match.other_subject``)."""
        s = self.settings
        if match.other_subject:
            return False
        return (match.similarity >= s.match_threshold or match.seed_similarity >= s.seed_match_threshold
                or bool(match.occasion))

    def _read(self, article: Article) -> _Reading:
        if self._cache is not None and self._cache[0] == article:
            return self._cache[1]
        analysis = analyse(article.title, article.text, self.settings.max_chars, self.settings.subject_sentences)
        reading = _Reading(analysis, match_vector(analysis, self.settings),
                           content_hash(article, self.settings.max_chars),
                           self.incidents.marks(article.title, analysis), read_occasion(article.title, analysis))
        self._cache = (article, reading)
        return reading

    def _new_story(self, article: Article, score: float, reading: _Reading, match: Match | None,
                   why: list[str], alert_worthy: bool) -> Decision:
        if match is None:
            why.append("no known story shares its terms")
        elif match.other_subject and match.similarity >= self.settings.match_threshold:
            why.append(f"new story: nearest known story {match.story.title!r} ({match.similarity:.3f} similar) "
                       f"is about {', '.join(sorted(match.story.subjects.values()))}, this article about "
                       f"{match.other_subject}, and neither names the other")
        else:
            seeds = (f"; subject score {match.seed_similarity:.3f} (< {self.settings.seed_match_threshold:g}, "
                     f"phrases {match.phrase_similarity:.3f})" if match.story.is_seed else "")
            why.append(f"new story: nearest known story {match.story.title!r} is only "
                       f"{match.similarity:.3f} similar (< {self.settings.match_threshold:g}){seeds}")
        story_id = story_id_for(article)
        return Decision(
            article.id, Kind.NEW_STORY, score, story_id=story_id, story_title=article.title,
            summary=lead(reading.analysis) or article.title, why=tuple(why), notify=alert_worthy,
        )

    def _known_story(self, article: Article, score: float, reading: _Reading, match: Match,
                     why: list[str], alert_worthy: bool) -> Decision:
        story, member = match.story, match.member
        seed_note = " (seed)" if member.is_seed else ""
        why.append(f"same story as {story.title!r}: closest article {member.title!r}{seed_note}, "
                   f"similarity {match.similarity:.2f} ({match.evidence})"
                   + (f"; subject score {match.seed_similarity:.2f} (phrases {match.phrase_similarity:.3f})"
                      if story.is_seed else ""))
        s = self.settings
        novelty = assess(reading.analysis, story.knowledge(), min_new_facts=s.min_new_facts,
                         min_new_sentences=s.min_new_sentences,
                         known_overlap=s.known_sentence_overlap, max_changes=s.max_changes,
                         names_topic=self.topic.names_topic)
        kind = Kind.UPDATE if novelty.material else Kind.DUPLICATE
        why.append(_novelty_reason(novelty, s.min_new_facts))
        # An update alerts on its own core score like a new story does: one under the bar (an
        # SCO communique that joined the PM's visit to Beijing) is mostly about something
        # else, even in a story the user heard of. A quiet story's first alert-worthy
        # article is its first alert.
        notify = alert_worthy
        # Nor is an article news of an attack's story when all that ties it to the story is a
        # mention of the attack below its title and first sentence (a minister's press
        # conference on everything, the attack among it), or a reaction that joined on such
        # a mention, told again: it joins the story, quietly. (A duplicate never alerts, so
        # this says nothing of one.)
        if notify and kind is Kind.UPDATE and match.by_reference and not match.incident_in_lead:
            notify = False
            tie = ("a mention of the incident below its lead" if match.incident_keys
                   else f"telling again {member.title!r}, which joined on its mention of the incident")
            why.append(f"quiet update: it joined on {tie}, not as news of it")
        # The user heard of this story already: only a clear development is worth a new alert,
        # and each further one needs more (``repeat_alert_min_facts`` per alert sent so far).
        bar = s.repeat_alert_min_facts * (story.alerts - s.repeat_alert_after + 1)
        if notify and kind is Kind.UPDATE and 0 < s.repeat_alert_after <= story.alerts \
                and novelty.hard_news < bar:
            notify = False
            why.append(f"quiet update: the story alerted {story.alerts} times and its hard new facts "
                       f"weigh {novelty.hard_news:g} < {bar:g}")
        # What changed is what no article of the story had, not only the closest one: say so
        # when there were several, or the reader checks the list against that one alone.
        against = ("Compared with: " if story.articles <= 1 else
                   f"Compared with the story's {story.articles} articles so far; closest: ")
        compared = f"{against}{member.title}{seed_note}"
        if kind is Kind.UPDATE:
            summary = "\n".join([f"What changed in {story.title!r}:",
                                 *(f"- {change}" for change in novelty.changes), compared])
        else:
            summary = f"Nothing materially new. {compared}"
        return Decision(
            article.id, kind, score, story_id=story.id, story_title=story.title,
            matched=member.article_id, matched_title=member.title,
            similarity=match.similarity,
            changes=novelty.changes if kind is Kind.UPDATE else (),
            summary=summary, why=tuple(why), notify=notify, by_reference=match.by_reference,
        )

    # -- remembering ------------------------------------------------------------------

    def remember(self, article: Article, decision: Decision) -> None:
        """Apply ``decision`` to the story index; depends on nothing but the two arguments."""
        now = article.published
        self.index.expire(now)
        if decision.kind not in (Kind.NEW_STORY, Kind.UPDATE, Kind.DUPLICATE) or not decision.story_id:
            return
        reading = self._read(article)
        story = self.index.open_story(decision.story_id, decision.story_title or article.title,
                                      article.is_seed, now)
        self.index.add(story, article.id, article.title, article.is_seed, reading.analysis,
                       reading.vector, reading.content_hash, now, reading.incidents,
                       by_reference=decision.by_reference, places=reading.occasion.places)
        if decision.alert and not article.is_seed:
            story.alerts += 1  # the user gave the seeds: they were never alerted


def _novelty_reason(novelty: Novelty, min_new_facts: float) -> str:
    if novelty.material:
        return "new facts: " + shorten(", ".join(novelty.new_facts), 300)
    if novelty.new_facts:
        return (f"new facts below the bar of {min_new_facts:g}: "
                + shorten(", ".join(novelty.new_facts), 200))
    return "no new facts: same numbers, names and statements as the story"
