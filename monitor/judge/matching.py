"""Stories: growing clusters of articles, and which one a new article belongs to.

Evidence, strongest first: the same content hash (an exact copy); most of the article's word
5-grams already in one member (a syndicated copy with light edits); TF-IDF similarity over
content words, names and numbers (a rewrite of the same event tells the same who, where and
how many). An article is compared with every member a story keeps (single link; those that
joined only by naming the story's incident, see ``Member.by_reference``, only match their
copies and close rewrites), so a story can grow as its telling moves on; similarity to a
member decays with the days since that member was published (not since the story last grew,
or a busy story would absorb the next week's events), because two events of the same kind a
week apart are two stories.

Document frequencies are counted over the articles the index holds, on top of background
counts from a reference corpus (``background.py``), so "China" and "CPEC" discriminate little
from the first article on while "Dasu" or a minister's name still does. The seeds never age;
the news that joined their story does, like any other.

``StoryIndex`` is the judge's only mutable state. ``best_match`` only reads it; ``open_story``,
``add`` and ``expire`` change it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import takewhile

from monitor.judge.background import EMPTY, Background, load_background
from monitor.judge.incidents import NO_MARKS, IncidentMarks, shared_keys
from monitor.judge.novelty import StoryKnowledge
from monitor.judge.occasions import NO_OCCASION, Occasion
from monitor.judge.settings import JudgeSettings
from monitor.judge.text import Analysis, log_count

# Recompute a member's vector length when the index has grown by this factor since.
_NORM_REFRESH_GROWTH = 1.25
# Shingle containment is only worth computing for members this similar already.
_NEAR_DUPLICATE_CANDIDATE = 0.4


def _surname(name: str) -> str:
    """A name's last word: what later mentions keep ("Lohan" for "Lindsay Lohan")."""
    return name.rsplit(" ", 1)[-1]


def match_vector(analysis: Analysis, settings: JudgeSettings) -> dict[str, float]:
    """Term weights (before IDF) an article is matched on: words, names, numbers.

    Names and numbers identify an event better than common words do ("the quake" vs
    "the 6.1 quake in Lombok"), hence their own weights.
    """
    vector = dict(analysis.terms)
    for name in analysis.names:
        vector["n:" + name] = settings.name_weight
    for number in analysis.numbers:
        vector["#" + number] = settings.number_weight
    return vector


@dataclass
class Member:
    """One article a story keeps for matching."""

    key: int
    article_id: str
    title: str
    is_seed: bool
    vector: dict[str, float]
    shingles: frozenset[int]
    content_hash: str
    seen: datetime  # when the article was published: its similarity decays from then
    norm: float = 1.0  # length under the IDF of the last refresh
    phrases: dict[str, float] = field(default_factory=dict)  # kept for the seeds' story only
    # Joined only by referring to the story's incident: its words (a minister's reaction, a
    # press conference that mentions the attack) are not the story's, so the story does not
    # match other articles on them, neither one by one nor as a whole. Copies and close rewrites
    # (``reference_rewrite``) still match it.
    by_reference: bool = False
    places: frozenset[str] = frozenset()  # where its head says it happened (occasions.py)


@dataclass(eq=False)
class Story:
    """A cluster of articles about one event, and what it has told so far."""

    id: str
    title: str
    is_seed: bool
    first_seen: datetime
    last_seen: datetime
    members: list[Member] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    name_words: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    centroid: dict[str, float] = field(default_factory=dict)
    centroid_norm: float = 1.0
    # The seeds' story only: the sum of its members' phrase vectors (what the subject is called).
    phrases: dict[str, float] = field(default_factory=dict)
    phrases_norm: float = 1.0
    seed_phrases: dict[str, float] = field(default_factory=dict)  # the seeds' own (never dropped)
    seed_phrases_norm: float = 1.0
    # An incident story: when its first article reporting an attack was published, and the
    # names and dates its reports' headlines give the attack (incidents.py).
    incident_since: datetime | None = None
    incident_keys: set[str] = field(default_factory=set)
    articles: int = 0
    alerts: int = 0
    # Whom the story is about (``StoryIndex.best_match``): the subjects of the articles that
    # joined on their words, by surname (last word; the first full name that gave it).
    subjects: dict[str, str] = field(default_factory=dict)

    def knowledge(self) -> StoryKnowledge:
        return StoryKnowledge(self.facts, self.name_words, self.words)


@dataclass(frozen=True)
class Match:
    """The story an article is closest to, and how close."""

    story: Story
    member: Member
    similarity: float  # after the time decay
    evidence: str
    # The seeds' story only (0 for others): how much the article is about the story's subject,
    # its word similarity (to the story, or to the closest seed: seeds do not decay) plus
    # ``seed_phrase_weight`` times the cosine of its phrases with the story's. The seeds'
    # story takes an article on this alone at ``seed_match_threshold``.
    seed_similarity: float = 0.0
    phrase_similarity: float = 0.0
    # The incident story's keys the article refers to it by (empty: no reference).
    incident_keys: tuple[str, ...] = ()
    incident_in_lead: bool = False  # ... and does so in its title or first sentence
    # ... and the incident is within ``incident_window_days``: a reaction, on topic from
    # ``incident_floor`` (a later reference joins the story, but lends no such floor).
    incident_live: bool = False
    # The seeds' story only: the cosine of the article's phrases with the seeds' own phrases
    # (not those of the news that joined since), i.e. how much it is about their subject.
    seed_phrase_similarity: float = 0.0
    # The similarity is the incident reference's (or the article copies a member that joined
    # that way): the article joins on the reference, not on its words.
    by_reference: bool = False
    # The rare places the article shares with a member of the same day (occasions.py): it
    # joins the story below ``match_threshold`` as a report of the same occasion.
    occasion: tuple[str, ...] = ()
    # Set (to the article's subject) when the article may not join the story: it is about
    # someone the story does not name, and the story about someone it does not name.
    other_subject: str = ""


class StoryIndex:
    """Live stories, their members, and the postings and counts that make matching fast."""

    def __init__(self, settings: JudgeSettings, background: Background | None = None) -> None:
        self.settings = settings
        if background is None:
            wanted = settings.background_weight > 0 or settings.topic_background_weight > 0
            background = load_background() if wanted else EMPTY
        self.background = background
        self.stories: dict[str, Story] = {}
        self.members: dict[int, tuple[Member, Story]] = {}
        self.postings: dict[str, dict[int, float]] = {}
        self.document_frequency: dict[str, int] = {}
        self.documents = 0
        self.hashes: dict[str, int] = {}  # content hash -> key of the member that has it
        self.next_key = 0
        self.norms_at = 0
        self._idf: dict[str, float] = {}
        self._idf_base: tuple[float, float] | None = None  # (damping, log(documents + 1))
        self._background_frequency: dict[str, float] = {}
        # log(frequency + 1) of a term: changes only when a member with the term comes or goes
        # (``add`` and ``_drop_member`` drop it then), while ``_idf`` is cleared on every change.
        self._log_frequency: dict[str, float] = {}
        self._phrase_idf: dict[str, float] = {}
        self._latest_incident: datetime | None = None  # (of ``incidents_live``)
        self._latest_incident_known = False
        self._last_query: tuple[dict[str, tuple[float, float]], dict[str, int]] | None = None
        # No story can expire before this (the earliest last_seen + window of a live non-seed
        # story, or later): ``expire`` has nothing to do until the clock passes it.
        self._quiet_until: datetime | None = None

    # -- reading ----------------------------------------------------------------------

    def idf(self, term: str) -> float:
        return self.idfs((term,))[0]

    def idfs(self, terms: Iterable[str]) -> list[float]:
        """The IDF of each of ``terms``, in order.

        Memoised per index state: ``add`` and ``_drop_member`` clear it (a cache, not state:
        decisions are the same with or without it). (Whole vectors are asked for at once: right
        after the index changed, every term of a story's centroid misses the cache, and a call
        per term cost more than the arithmetic.)
        """
        cached, log_frequencies = self._idf, self._log_frequency
        damping, log_documents = self._idf_base or self._new_idf_base()
        values = []
        for term in terms:
            value = cached.get(term)
            if value is None:
                log_frequency = log_frequencies.get(term)
                if log_frequency is None:
                    log_frequency = self._log_frequency_of(term)
                value = cached[term] = 1.0 + damping * (log_documents - log_frequency)
            values.append(value)
        return values

    def _new_idf_base(self) -> tuple[float, float]:
        """Live counts add to the background corpus's (each background article counting
        ``background_weight``), so a fresh index already knows that "Pakistan" is common and
        "Dasu" is not. Over a handful of documents in all (no background, a quiet week)
        frequencies say little, and a term no document has would outweigh every shared one:
        the logarithm counts in full only past ``idf_damping_documents``."""
        s = self.settings
        documents = (self.documents + s.background_weight * self.background.whole.documents
                     + s.topic_background_weight * self.background.on_topic.documents)
        damping = documents / (documents + s.idf_damping_documents) if documents else 0.0
        self._idf_base = (damping, math.log(documents + 1))
        return self._idf_base

    def _log_frequency_of(self, term: str) -> float:
        """log(frequency + 1) of ``term``, live and background counts together (cached)."""
        background = self._background_frequency.get(term)
        if background is None:
            s, whole, on_topic = self.settings, self.background.whole, self.background.on_topic
            background = (s.background_weight * whole.document_frequency.get(term, 0)
                          + s.topic_background_weight * on_topic.document_frequency.get(term, 0))
            self._background_frequency[term] = background  # fixed: never cleared
        frequency = self.document_frequency.get(term, 0) + background
        log_frequency = self._log_frequency[term] = math.log(frequency + 1)
        return log_frequency

    def phrase_idf(self, phrase: str) -> float:
        """IDF of a phrase over the background corpus alone (fixed: a cache, never cleared).

        Weighted like word IDF (its on-topic articles in full, the rest at
        ``background_weight``), so "chinese nationals" or "economic corridor", everyday in
        this topic, tell little, while "security personnel" or "joint security" tell much.
        """
        value = self._phrase_idf.get(phrase)
        if value is None:
            s, whole, on_topic = self.settings, self.background.phrases, self.background.on_topic_phrases
            documents = s.background_weight * whole.documents + s.topic_background_weight * on_topic.documents
            frequency = (s.background_weight * whole.document_frequency.get(phrase, 0)
                         + s.topic_background_weight * on_topic.document_frequency.get(phrase, 0))
            value = 1.0 + math.log((documents + 1) / (frequency + 1))
            self._phrase_idf[phrase] = value
        return value

    def phrase_vector(self, phrases: dict[str, int]) -> dict[str, float]:
        """Phrase weights: (1 + log count) times the phrase's background IDF."""
        # (Most phrases were met before: their IDF is read from the cache without a call.)
        cached, idf = self._phrase_idf, self.phrase_idf
        return {phrase: log_count(n) * (cached.get(phrase) or idf(phrase)) for phrase, n in phrases.items()}

    def phrase_cosines(self, phrases: dict[str, int], story: Story) -> tuple[float, float]:
        """Cosines of the article's phrases with the sum of the story's members' phrases, and
        with the sum of its seeds' alone."""
        if not phrases or not story.phrases:
            return 0.0, 0.0
        vector = self.phrase_vector(phrases)
        length = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return (_dot(vector, story.phrases) / (length * story.phrases_norm),
                _dot(vector, story.seed_phrases) / (length * story.seed_phrases_norm))

    def is_live(self, story: Story, now: datetime) -> bool:
        window = timedelta(days=self.settings.story_window_days)
        return story.is_seed or now - story.last_seen <= window

    def best_match(self, analysis: Analysis, vector: dict[str, float], content_hash: str,
                   now: datetime, marks: IncidentMarks = NO_MARKS,
                   occasion: Occasion = NO_OCCASION) -> Match | None:
        """The live story most similar to the article (whatever the similarity), or None; but
        the seeds' story on its subject score, or a less similar story of the same occasion
        (occasions.py), when the most similar is under the match threshold.

        A story about someone else (``_about_someone_else``) is passed over. It is returned,
        marked with ``other_subject`` (never to be joined), only when no other story shares a
        term, or when its words would have taken the article and no story it may join is as
        close: then the decision can say why the article is a story of its own.
        """
        if content_hash and (key := self.hashes.get(content_hash)) is not None:
            member, story = self.members[key]
            if self.is_live(story, now):
                # (With the incident fields: a copy of a low-scoring reaction is on topic as
                # the reaction was.)
                references, in_lead, live = self._references(marks, story, now)
                return Match(story, member, 1.0, "exact copy", incident_keys=references,
                             incident_in_lead=in_lead, incident_live=live, by_reference=member.by_reference)
        best: Match | None = None
        passed_over: Match | None = None  # the closest story about someone else
        name_words: set[str] | None = None  # (the article's, once a story has a subject)
        seeds: Match | None = None
        near: list[Match] = []  # under the match threshold, but close enough for an occasion's
        s = self.settings
        query, query_norm = self._query(vector)
        for story, ranked in self._candidates(query, query_norm).items():
            if not self.is_live(story, now):
                continue
            match = self._story_match(analysis, query, query_norm, story, ranked, now, marks)
            if analysis.subject and story.subjects and not story.is_seed and not match.incident_keys:
                if name_words is None:
                    name_words = {word for name in analysis.names for word in name.split()}
                if self._about_someone_else(analysis.subject, name_words, story):
                    if passed_over is None or match.similarity > passed_over.similarity:
                        passed_over = replace(match, other_subject=analysis.subject)
                    continue
            if story.is_seed and match.seed_similarity >= s.seed_match_threshold:
                seeds = match
            if best is None or (match.similarity, story.id) > (best.similarity, best.story.id):
                best = match
            if s.occasion_similarity <= match.similarity < s.match_threshold and not story.is_seed:
                near.append(match)
        if best is None:
            return passed_over
        if seeds is None:
            if best.similarity >= s.match_threshold:
                return best
            # (A story about someone else is the nearest only if its words would have taken
            # the article: then the decision says why they did not.)
            nearest = best if passed_over is None or passed_over.similarity < max(best.similarity, s.match_threshold) \
                else passed_over
            if not s.occasion_hours or not occasion.places:
                return nearest
            # The most similar story of those with a report of the same occasion, if any.
            near.sort(key=lambda m: (m.similarity, m.story.id), reverse=True)
            marked = (self._on_occasion(match, occasion, now) for match in near)
            return next((match for match in marked if match.occasion), nearest)
        # The seeds' story takes the article on its subject score: a story closer in words,
        # but not close enough to take it, does not keep it from the seeds'. Nor does an
        # attack it names, when it is about the seeds' subject in their own phrases: the
        # negotiations on Chinese security are told in the wake of attacks ("after the
        # Karachi airport bombing").
        about_seeds = (best.incident_keys and best.similarity <= self._reference_similarity()
                       and seeds.seed_phrase_similarity >= self.settings.seed_subject_phrases)
        return seeds if best.similarity < self.settings.match_threshold or about_seeds else best

    @staticmethod
    def _about_someone_else(subject: str, name_words: set[str], story: Story) -> bool:
        """Whether the article (its ``subject``, and ``name_words``, the words of all its
        names) is about someone the story does not name, while the story is about someone
        the article does not name: by surname, since "Lohan" is "Lindsay Lohan"."""
        return _surname(subject) not in story.name_words and story.subjects.keys().isdisjoint(name_words)

    def _story_match(self, analysis: Analysis, query: dict[str, tuple[float, float]], query_norm: float,
                     story: Story, ranked: list[tuple[float, int]], now: datetime,
                     marks: IncidentMarks) -> Match:
        """How close the article is to ``story``: its closest member, or the story as a whole.

        Each member's similarity decays with the days since that member was published, so a
        story that keeps growing does not stay open to events of a week later; the story as a
        whole decays from its closest member's date.
        """
        members = self.members
        # Members that joined on a reference alone match only copies and close rewrites of
        # themselves (below). When no other member shares a term, the article shares no words
        # with the story: 0, against its first article (which opened it on its words and is
        # never dropped).
        worded = [ck for ck in ranked if not members[ck[1]][0].by_reference] or [(0.0, story.members[0].key)]
        cosine, key = worded[0]
        factor = self._time_factor(story, members[key][0], now)
        member, decayed = self._closest_after_decay(story, worded, now)
        evidence = "similar wording, names and numbers"
        near_duplicate = by_reference = False
        if analysis.shingles:
            for near_cosine, near_key in ranked[:3]:
                if near_cosine < _NEAR_DUPLICATE_CANDIDATE:
                    break
                near = members[near_key][0]
                containment = len(analysis.shingles & near.shingles) / len(analysis.shingles)
                near_factor = self._time_factor(story, near, now)
                if containment >= self.settings.near_duplicate and containment * near_factor > decayed:
                    evidence = f"near-duplicate ({containment:.0%} of word 5-grams shared)"
                    near_duplicate, member, decayed = True, near, containment * near_factor
                    by_reference = near.by_reference
        if not near_duplicate and len(story.members) > 1 and self.settings.centroid_weight:
            # The story as a whole: what its articles say together, not only the closest one
            # (decaying from the closest one's date, ``factor``).
            centre = self.centroid_cosine(query, query_norm, story)
            w = self.settings.centroid_weight
            whole_decayed = ((1 - w) * cosine + w * centre) * factor
            evidence = f"closest article {cosine:.2f}, story as a whole {centre:.2f}"
            decayed = max(decayed, whole_decayed)
        references, in_lead, live = self._references(marks, story, now)
        raw = decayed
        # Below the match threshold on its own words, an article that joins does so through
        # the incident: by naming it, or by telling again a reaction that named it.
        on_words = raw >= self.settings.match_threshold
        if references and decayed < self._reference_similarity():
            # (Between match_threshold and the floor it would have joined on its words too.)
            decayed, by_reference = self._reference_similarity(), not on_words
            evidence = f"refers to the incident by {', '.join(references)} (raw {raw:.3f})"
        bar = self.settings.reference_rewrite
        retold = [] if near_duplicate else [
            ck for ck in takewhile(lambda ck: ck[0] >= bar, ranked) if members[ck[1]][0].by_reference]
        if retold:
            reaction, told_again = self._closest_after_decay(story, retold, now)
            if told_again >= bar and told_again > decayed:
                member, decayed, by_reference = reaction, told_again, not on_words
                evidence = "tells again a reaction that joined on its reference to the incident"
        seed_similarity = phrases = seed_phrases = 0.0
        if story.is_seed:
            # The seeds' story is one subject told over months (labelling.md), not one event:
            # its news shares the subject's phrases ("security personnel", "joint security
            # companies") more reliably than its names and numbers, while an essay on China
            # and Pakistan at large shares its words ("security", "Beijing", "negotiations")
            # but seldom its phrases.
            closest_seed = next((c for c, k in ranked if members[k][0].is_seed), 0.0)
            phrases, seed_phrases = self.phrase_cosines(analysis.phrases, story)
            seed_similarity = max(decayed, closest_seed) + self.settings.seed_phrase_weight * phrases
        return Match(story, member, decayed, evidence, seed_similarity, phrases, references, in_lead,
                     incident_live=live, seed_phrase_similarity=seed_phrases, by_reference=by_reference)

    def _on_occasion(self, match: Match, occasion: Occasion, now: datetime) -> Match:
        """``match`` (a story under the match threshold), marked as a report of the same
        occasion when a member within ``occasion_hours`` names one of the article's places,
        one rare enough (``occasion_place_min_idf``)."""
        s = self.settings
        window = timedelta(hours=s.occasion_hours)
        shared: set[str] = set()
        for member in match.story.members:
            # (A member's words are not the story's when it joined on a reference alone.)
            if not member.by_reference and abs(now - member.seen) <= window:
                shared |= occasion.places & member.places
        places = tuple(sorted(p for p in shared if self.idf(p) >= s.occasion_place_min_idf))
        if not places:
            return match
        return replace(match, occasion=places,
                       evidence=f"same occasion: {', '.join(places)} within {s.occasion_hours:g} h "
                                f"({match.evidence})")

    def _closest_after_decay(self, story: Story, ranked: list[tuple[float, int]],
                             now: datetime) -> tuple[Member, float]:
        """Of ``ranked`` (cosine, member key; most similar first, not empty), the member most
        similar once its similarity decays with its age, and that similarity."""
        cosine, key = ranked[0]
        best = self.members[key][0]
        best_decayed = cosine * self._time_factor(story, best, now)
        for other_cosine, other_key in ranked[1:]:
            if other_cosine <= best_decayed:
                break  # a decay factor is at most 1: no later member can do better
            other = self.members[other_key][0]
            other_decayed = other_cosine * self._time_factor(story, other, now)
            if other_decayed > best_decayed:
                best, best_decayed = other, other_decayed
        return best, best_decayed

    def incidents_live(self, now: datetime) -> bool:
        """Whether any story is an incident still within its window (a cheap pre-check)."""
        # (Asked for every article: the latest incident is within its window if any is, and
        # it is looked for again only after an incident began or a story expired.)
        if not self._latest_incident_known:
            self._latest_incident = max((s.incident_since for s in self.stories.values()
                                         if s.incident_since is not None), default=None)
            self._latest_incident_known = True
        latest = self._latest_incident
        return latest is not None and now - latest <= timedelta(days=self.settings.incident_window_days)

    def _reference_similarity(self) -> float:
        """The similarity a reference to an incident counts as."""
        return max(self.settings.incident_similarity, self.settings.match_threshold)

    def _references(self, marks: IncidentMarks, story: Story,
                    now: datetime) -> tuple[tuple[str, ...], bool, bool]:
        """The story's incident keys the article refers to it by, whether its title or first
        sentence does, and whether the incident is still within its window.

        Within ``incident_window_days`` of the attack, any of its names or dates in the
        article's head refers to it. For as long again, only its date in the title or first
        sentence does ("perpetrators of the July 14 terror attack"): a place names the next
        attack there too, and a new attack's report recalls earlier ones further down ("...
        weeks after the October 6 bombing"), not in its lead. After that, nothing does: a
        reference joins the story and keeps it live, and "a few weeks" (labelling.md) must
        end.
        """
        # (``lead_keys`` is a subset of ``keys``: no keys, no lead keys.)
        if story.incident_since is None or not marks.keys:
            return (), False, False
        window = timedelta(days=self.settings.incident_window_days)
        age = now - story.incident_since
        if age <= window:
            references = self._shared_keys(marks.keys, story)
            in_lead = bool(references) and bool(self._shared_keys(marks.lead_keys, story))
            return references, in_lead, bool(references)
        if age > 2 * window:
            return (), False, False
        references = self._shared_keys(frozenset(k for k in marks.lead_keys if k.startswith("date:")), story)
        return references, bool(references), False

    def _shared_keys(self, keys: frozenset[str], story: Story) -> tuple[str, ...]:
        """The keys (an article's) that name the story's incident, of those rare enough to."""
        s, idf = self.settings, self.idf
        return tuple(sorted(k for k in shared_keys(keys, story.incident_keys)
                            if idf(("#" if k.startswith("date:") else "n:") + k) >= s.incident_key_min_idf))

    def _time_factor(self, story: Story, member: Member, now: datetime) -> float:
        if member.is_seed:
            return 1.0  # the seeds describe an ongoing story: they never age; its news does
        since = member.seen if self.settings.decay_from_member else story.last_seen
        days = max(0.0, (now - since).total_seconds() / 86400.0)
        return max(0.0, 1.0 - self.settings.day_penalty * days)

    def _query(self, vector: dict[str, float]) -> tuple[dict[str, tuple[float, float]], float]:
        """The article's terms as (weight × IDF, IDF), and the length of the weighted vector:
        computed once per article, for the members and every story's centroid."""
        query = {}
        for (term, weight), term_idf in zip(vector.items(), self.idfs(vector), strict=True):
            query[term] = (weight * term_idf, term_idf)
        return query, math.sqrt(sum(w * w for w, _ in query.values())) or 1.0

    def _candidates(self, query: dict[str, tuple[float, float]],
                    query_norm: float) -> dict[Story, list[tuple[float, int]]]:
        """Members sharing a term with the article, by story, most similar (cosine) first."""
        # Terms in most documents cost the most postings and tell least.
        common = 0.5 * self.documents if self.documents >= 20 else float("inf")
        dots: defaultdict[int, float] = defaultdict(float)
        postings = self.postings
        for term, (weight, term_idf) in query.items():
            posting = postings.get(term)
            if not posting or len(posting) > common:
                continue
            weight *= term_idf
            for key, tf in posting.items():
                dots[key] += weight * tf
        by_story: dict[Story, list[tuple[float, int]]] = {}
        for key, dot in dots.items():
            member, story = self.members[key]
            by_story.setdefault(story, []).append((dot / (query_norm * member.norm), key))
        for ranked in by_story.values():
            ranked.sort(key=lambda ck: (-ck[0], ck[1]))
        return by_story

    def centroid_cosine(self, query: dict[str, tuple[float, float]], query_norm: float, story: Story) -> float:
        """Cosine of the article (``_query``) with the sum of the story's members (not those
        that joined on a reference alone)."""
        centroid = story.centroid
        dot = 0.0
        # The terms both have (a tenth of the article's, typically), added in the article's
        # order as a walk over all its terms would: the same sum.
        for term in sorted(query.keys() & centroid.keys(), key=self._query_order(query).__getitem__):
            weight, term_idf = query[term]
            dot += weight * centroid[term] * term_idf
        return dot / (query_norm * story.centroid_norm)

    def _query_order(self, query: dict[str, tuple[float, float]]) -> dict[str, int]:
        """Where each term is in ``query`` (kept for the last query: every story it is compared
        with asks)."""
        if self._last_query is None or self._last_query[0] is not query:
            self._last_query = (query, {term: i for i, term in enumerate(query)})
        return self._last_query[1]

    def _length(self, vector: dict[str, float]) -> float:
        # (A list, not a generator, for ``sum``: the same additions in the same order, faster.)
        return math.sqrt(sum([(w * idf) ** 2 for w, idf in zip(vector.values(), self.idfs(vector),
                                                                strict=True)])) or 1.0

    def _refresh_lengths(self) -> None:
        """Recompute member lengths under the current IDF once the index grew or shrank enough.

        Lengths drift as IDF does; refreshing on growth keeps the cost amortised, and doing it
        only here (never while reading) keeps decisions a function of what was added.
        """
        if self.norms_at and 1 / _NORM_REFRESH_GROWTH <= self.documents / self.norms_at <= _NORM_REFRESH_GROWTH:
            return
        for member, _ in self.members.values():
            member.norm = self._length(member.vector)
        for story in self.stories.values():
            story.centroid_norm = self._length(story.centroid)
        self.norms_at = max(self.documents, 1)

    # -- changing ---------------------------------------------------------------------

    def open_story(self, story_id: str, title: str, is_seed: bool, now: datetime) -> Story:
        story = self.stories.get(story_id)
        if story is None:
            story = Story(story_id, title, is_seed, now, now)
            self.stories[story_id] = story
            if not is_seed and self._quiet_until is not None:
                self._quiet_until = min(self._quiet_until, now + timedelta(days=self.settings.story_window_days))
        return story

    def add(self, story: Story, article_id: str, title: str, is_seed: bool, analysis: Analysis,
            vector: dict[str, float], content_hash: str, now: datetime,
            marks: IncidentMarks = NO_MARKS, by_reference: bool = False,
            places: frozenset[str] = frozenset()) -> None:
        """Make the article a member of ``story`` and fold its facts into the story's
        (``by_reference``: it joined on an incident reference alone; see ``Member``)."""
        if marks.reports and marks.story_keys and not story.is_seed:
            # (The seeds' story is a subject told over months, not one incident.)
            if story.incident_since is None:
                story.incident_since = now
                self._latest_incident_known = False
            story.incident_keys |= marks.story_keys
        key = self.next_key
        self.next_key += 1
        member = Member(key, article_id, title, is_seed, vector, analysis.shingles, content_hash, now,
                        by_reference=by_reference, places=places)
        if story.is_seed:
            member.phrases = self.phrase_vector(analysis.phrases)
            for phrase, weight in member.phrases.items():
                story.phrases[phrase] = story.phrases.get(phrase, 0.0) + weight
            story.phrases_norm = _euclidean(story.phrases)
            if is_seed:
                for phrase, weight in member.phrases.items():
                    story.seed_phrases[phrase] = story.seed_phrases.get(phrase, 0.0) + weight
                story.seed_phrases_norm = _euclidean(story.seed_phrases)
        story.members.append(member)
        self.members[key] = (member, story)
        # Postings and counts take every member (IDF counts what the index holds, and a copy
        # of any member must be found); the centroid only those that joined on their words.
        log_frequency = self._log_frequency
        for term, weight in vector.items():
            self.postings.setdefault(term, {})[key] = weight
            self.document_frequency[term] = self.document_frequency.get(term, 0) + 1
            log_frequency.pop(term, None)
        if not by_reference:
            centroid = story.centroid
            for term, weight in vector.items():
                centroid[term] = centroid.get(term, 0.0) + weight
        self.documents += 1
        self._idf.clear()
        self._idf_base = None
        if content_hash:
            self.hashes[content_hash] = key
        for sentence in analysis.sentences:
            story.facts |= sentence.facts
            story.words |= sentence.words
        story.facts |= analysis.names
        if analysis.subject and not by_reference:
            story.subjects.setdefault(_surname(analysis.subject), analysis.subject)
        for name in analysis.names:
            story.name_words.update(name.split())
        story.articles += 1
        story.last_seen = max(story.last_seen, now)
        keep = self.settings.members_per_story
        if len(story.members) > keep:
            # Keep the first article (it names the story), the seeds, and the latest ones; a
            # reaction kept on its reference goes first (the one just added too), since only
            # its copies and close rewrites match its words. (Never a report just added: with
            # seeds filling the quota, the story grows.)
            last = len(story.members) - 1
            candidates = [i for i, m in enumerate(story.members)
                          if i and not m.is_seed and (i < last or m.by_reference)]
            oldest = next((i for i in candidates if story.members[i].by_reference),
                          candidates[0] if candidates else None)
            if oldest is not None:
                self._drop_member(story.members.pop(oldest), story)
        member.norm = self._length(vector)
        # (Exact for the story that changed: an estimate kept term by term drifted by up to
        # 9% and changed decisions.)
        story.centroid_norm = self._length(story.centroid)
        self._refresh_lengths()

    def expire(self, now: datetime) -> None:
        """Forget stories that stopped growing a window ago (never the seeds' story)."""
        if self._quiet_until is not None and now <= self._quiet_until:
            return  # (stories only grow meanwhile: nothing can have expired, nothing to refresh)
        for story in [s for s in self.stories.values() if not self.is_live(s, now)]:
            for member in story.members:
                self._drop_member(member)
            del self.stories[story.id]
            self._latest_incident_known = False
        window = timedelta(days=self.settings.story_window_days)
        self._quiet_until = min((s.last_seen + window for s in self.stories.values() if not s.is_seed),
                                default=now + window)
        self._refresh_lengths()

    def _drop_member(self, member: Member, story: Story | None = None) -> None:
        """Forget ``member``; with its ``story`` (when the story lives on), take it out of the story's sums."""
        if story is not None:
            _subtract(story.phrases, member.phrases)
            if member.phrases:
                story.phrases_norm = _euclidean(story.phrases)
            if not member.by_reference:
                _subtract(story.centroid, member.vector)
        log_frequency = self._log_frequency
        for term in member.vector:
            log_frequency.pop(term, None)
            posting = self.postings.get(term)
            if posting is not None:
                posting.pop(member.key, None)
                if not posting:
                    del self.postings[term]
            remaining = self.document_frequency.get(term, 0) - 1
            if remaining > 0:
                self.document_frequency[term] = remaining
            else:
                self.document_frequency.pop(term, None)
        self.documents -= 1
        self._idf.clear()
        self._idf_base = None
        self.members.pop(member.key, None)
        if member.content_hash and self.hashes.get(member.content_hash) == member.key:
            del self.hashes[member.content_hash]


def _euclidean(vector: dict[str, float]) -> float:
    """The length of ``vector`` as it is (no IDF), 1 for an empty one."""
    return math.sqrt(sum(w * w for w in vector.values())) or 1.0


def _dot(vector: dict[str, float], other: dict[str, float]) -> float:
    if len(other) < len(vector):
        vector, other = other, vector
    return sum(w * other[k] for k, w in vector.items() if k in other)


def _subtract(totals: dict[str, float], vector: dict[str, float]) -> None:
    """Take ``vector`` out of a sum of vectors, dropping what is left at (about) zero."""
    for key, weight in vector.items():
        left = totals.get(key, 0.0) - weight
        if left > 1e-9:
            totals[key] = left
        else:
            totals.pop(key, None)
