"""Topic and judgement settings: the ``[topic]`` and ``[judge]`` tables of monitor.toml.

Every field has a default tuned for CPEC and Chinese security in Pakistan, so a config file
only names what it changes. Field types are limited to what monitor.config can check from
TOML: str, int, float, bool, tuple[str, ...] and dict[str, float].

Terms and phrases are matched case-insensitively on word boundaries; a trailing ``*`` makes a
prefix (``"chin*"`` matches china, chinese). Multi-word phrases match across any run of
spaces or hyphens ("china pakistan" also matches "China-Pakistan").
"""

from __future__ import annotations

from dataclasses import dataclass, field

# China's officials and missions in Pakistan. Their meetings are China-Pakistan exchanges,
# which labelling.md calls related (rel 1), not core, unless CPEC or security is in them; an
# attack on a mission or an envoy is an attack on the topic all the same (``incident_targets``).
_MISSIONS: dict[str, float] = {
    "chinese ambassador": 2.0,
    "chinese envoy": 2.0,
    "chinese embassy": 2.0,
    "chinese consulate": 2.0,
    "chinese delegation": 2.0,
    "chinese counterpart": 2.0,
    "chinese leadership": 2.0,
}

# Terms that put China (or China-Pakistan projects) into an article. At least one of them, or
# a core term, must occur for an article to be on topic at all: the cheap first gate.
_ANCHORS: dict[str, float] = {
    "china": 1.0,
    "chinese": 1.0,
    "beijing": 1.0,
    "sino": 1.0,
    "pak-china": 1.5,
    "pak china": 1.5,
    "pakistan-china": 1.5,
    "china-pakistan": 1.5,
    "sino-pak": 1.5,
    "china-pak": 1.5,
    "xi jinping": 1.0,
    "xinjiang": 0.5,
    "belt and road": 1.5,
    "bri": 0.5,
    **_MISSIONS,
}

# Terms whose mere presence makes CPEC or Chinese security a subject of the article.
_CORE: dict[str, float] = {
    "cpec": 3.0,
    "china-pakistan economic corridor": 3.0,
    "china pakistan economic corridor": 3.0,
    "gwadar": 2.0,
    "gwadar port": 3.0,
    "gwadar city": 3.0,
    "gwadar airport": 3.0,
    "new gwadar international airport": 3.0,
    "gwadar free zone": 3.0,
    "gwadar development authority": 3.0,
    "gwadar port authority": 3.0,
    "ml-1": 2.5,
    "ml1": 2.5,
    "main line-1": 2.5,
    "mainline-1": 2.5,
    "main line 1": 2.5,
    # (The Pakistani press writes the numeral as a Roman one too: "ML-I", "Mainline-I"; not
    # "main line-i", which would read "the main line I saw".)
    "ml-i": 2.5,
    "mainline-i": 2.5,
    "khunjerab": 1.5,
    "chinese nationals": 3.0,
    "chinese national": 3.0,
    "chinese engineers": 3.0,
    "chinese engineer": 3.0,
    "chinese workers": 3.0,
    "chinese citizens": 3.0,
    "chinese personnel": 3.0,
    "chinese security": 3.0,
    "chinese investors": 2.0,
    "chinese ipps": 3.0,
    "chinese power": 1.5,
    "chinese firms": 1.0,
    "chinese companies": 1.0,
    "joint security": 2.5,
    "special security division": 2.5,
    "joint cooperation committee": 3.0,
    "jcc": 1.5,
    "dasu": 2.0,
    "chinese military": 2.0,
    "pla": 2.0,
    "people's liberation army": 2.0,
    "plaaf": 2.0,
    # CPEC's named projects and operators: articles about them often never say "CPEC".
    # (Named in full where the place alone means more: Dhabeji is also a pumping station,
    # Thakot a town on the Karakoram Highway.)
    "suki kinari": 2.0,
    "karot": 2.0,
    "kohala hydropower": 2.0,
    "azad pattan": 2.0,
    "port qasim electric power": 3.0,
    "port qasim power": 2.0,
    "sahiwal coal": 2.0,
    "thar coal": 1.5,
    "china power hub": 2.0,
    "huaneng shandong ruyi": 2.0,
    "china three gorges": 2.0,
    "powerchina": 1.5,
    "china overseas ports holding": 3.0,
    "cophc": 3.0,
    "matiari-lahore": 2.0,
    "orange line metro": 1.0,
    "thakot-havelian": 2.0,
    "east bay expressway": 3.0,
    "rashakai": 2.0,
    "dhabeji special economic zone": 2.0,
    "dhabeji sez": 2.0,
    "allama iqbal industrial city": 2.0,
    "pak-china friendship hospital": 2.0,
    # China-Pakistan defence hardware (labelling.md (c)). The class, not "Hangor" alone: PNS
    # Hangor sank an Indian frigate in 1971, and "Hangor Day" remembers it every December.
    "hangor class": 2.0,
    "type 054": 2.0,
    "type-054": 2.0,
    "j-10c": 1.0,
}

# Security and defence: beside China they make an article core (alert-worthy), not merely
# about China-Pakistan relations.
_SECURITY: dict[str, float] = {
    "security": 1.0,
    "attack*": 1.0,
    "terror*": 1.0,
    "counterterrorism": 1.0,
    "counter-terrorism": 1.0,
    "militan*": 1.0,
    "blast": 1.0,
    "bomb*": 1.0,
    "suicide": 1.0,
    "killed": 0.7,
    "protection": 1.0,
    "defence": 1.0,
    "defense": 1.0,
    "military": 0.7,
    "army": 0.5,
    "air force": 0.7,
    "navy": 0.7,
    "police": 1.0,
}

# Other subjects of interest: they count in full only in paragraphs about the topic (China with
# Pakistan, or a core term), at half weight elsewhere in an article about China, and not at
# all otherwise, so "cooperation" in an article about Karachi traffic adds nothing.
_SUBJECTS: dict[str, float] = {
    # CPEC's zones are the topic; a zone for Turkish investors is not: it counts beside China
    # or CPEC (named zones, Dhabeji or Rashakai, are core terms).
    "special economic zone*": 1.0,
    # The road to China: its news is the topic beside China (the border, its trade), not its
    # landslides, militancy or protests alone.
    "karakoram highway": 1.5,
    "cooperation": 0.7,
    "corridor": 0.7,
    "port": 0.5,
    "investment*": 0.5,
    "projects": 0.5,
    "agreement*": 0.5,
    "mou*": 0.5,
    "bilateral": 0.7,
    "delegation": 0.5,
    "ambassador": 0.5,
    "envoy": 0.5,
    "visit*": 0.3,
    "meeting": 0.3,
    "strategic": 0.5,
    "all-weather": 1.0,
    "ironclad": 1.0,
}

# Pakistan's side: with the anchors in one paragraph they say "China and Pakistan".
_PAKISTAN: dict[str, float] = {
    "pakistan": 1.0,
    "pakistani": 1.0,
    "pakistan's": 1.0,
    "islamabad": 1.0,
    "rawalpindi": 0.5,
    "karachi": 0.5,
    "lahore": 0.5,
    "balochistan": 0.5,
    "khyber pakhtunkhwa": 0.5,
    "sindh": 0.5,
    "punjab": 0.5,
    "gilgit-baltistan": 0.5,
    "paf": 1.0,
    "ispr": 1.0,
    "shehbaz": 1.0,
    "zardari": 1.0,
    "ishaq dar": 1.0,
    "asim munir": 1.0,
    "field marshal": 0.5,
}

# Off-topic signals: subjects the labelling guide puts out of scope even when China and
# Pakistan are both named (sports fixtures, China's own affairs elsewhere).
_NEGATIVE: dict[str, float] = {
    "cricket": -1.5,
    "hockey": -1.5,
    "football": -1.5,
    "squash": -1.5,
    "netball": -1.5,
    "tournament": -1.0,
    "championship": -1.0,
    "taiwan": -1.0,
    "tiktok": -1.0,
    "dalai lama": -1.0,
    "sco": -1.0,
    "shanghai cooperation organisation": -1.0,
    "shanghai cooperation organization": -1.0,
    "brics": -1.0,
}


# Other powers and neighbours: a paragraph that names China with one of them and neither
# Pakistan nor a core term is China in a global context (labelling.md: off topic).
_ELSEWHERE: dict[str, float] = {
    "india": -1.0,
    "indian": -1.0,
    "indians": -1.0,
    "modi": -1.0,
    "u.s.": -1.0,
    "united states": -1.0,
    "washington": -1.0,
    "american": -1.0,
    "americans": -1.0,
    "trump": -1.0,
    "russia": -1.0,
    "russian": -1.0,
    "russians": -1.0,
    "putin": -1.0,
    "japan": -1.0,
    "japanese": -1.0,
    "north korea": -1.0,
    "european union": -1.0,
    "uzbekistan": -1.0,
}


@dataclass(frozen=True)
class TopicSettings:
    """What the user wants to hear about.

    An article's score sums, paragraph by paragraph, the weights of the terms it names, the
    title counting ``title_weight`` times and the lead ``lead_weight`` times. ``anchors`` put
    China in a paragraph, ``core`` terms are the topic by themselves, ``subjects`` count only
    beside an anchor or core term, ``pakistan`` terms count only beside an anchor (China *and*
    Pakistan), ``negative`` terms pull the score down, ``elsewhere`` terms (other powers) do
    so in a paragraph about China without Pakistan. ``relevance`` is
    ``raw / (raw + half_score)``: an article is on topic when it reaches ``threshold``.
    """

    anchors: dict[str, float] = field(default_factory=lambda: dict(_ANCHORS))
    core: dict[str, float] = field(default_factory=lambda: dict(_CORE))
    security: dict[str, float] = field(default_factory=lambda: dict(_SECURITY))
    subjects: dict[str, float] = field(default_factory=lambda: dict(_SUBJECTS))
    pakistan: dict[str, float] = field(default_factory=lambda: dict(_PAKISTAN))
    negative: dict[str, float] = field(default_factory=lambda: dict(_NEGATIVE))
    # Anchors that name Pakistan too: China and Pakistan in one word ("Pak-China friendship"),
    # a bilateral matter as much as "Pakistan and China" is.
    both_sides: tuple[str, ...] = ("pak-china", "pak china", "pakistan-china", "china-pakistan", "sino-pak",
                                   "china-pak")
    # Negative only in a paragraph that names China but not Pakistan nor a core term.
    elsewhere: dict[str, float] = field(default_factory=lambda: dict(_ELSEWHERE))
    # Extra user terms, weighted like core terms (negative weights allowed).
    terms: dict[str, float] = field(default_factory=dict)
    # At least one of these must occur (empty: anchors and core terms serve).
    must: tuple[str, ...] = ()
    # Any of these in the title or lead makes the article off topic.
    must_not: tuple[str, ...] = ()
    title_weight: float = 3.0
    lead_weight: float = 1.5
    lead_paragraphs: int = 3
    # An anchor in a paragraph without Pakistan or a core term counts this share of its weight.
    china_alone: float = 0.25
    # In an article about China (named in the title or two lead paragraphs), a subject term
    # in a paragraph that does not name China counts this share of its weight.
    focus_share: float = 0.5
    # One paragraph adds at most this much: a list of keywords is not an article.
    paragraph_cap: float = 6.0
    half_score: float = 16.0
    threshold: float = 0.5
    # On-topic stories alert when an article's core score (CPEC itself, Chinese nationals'
    # security, China-Pakistan defence) reaches this; the others are tracked quietly.
    alert_threshold: float = 0.45
    # An article just under the threshold is on topic when it is this similar to a story
    # already judged on topic (a follow-up), or to a seed.
    follow_up_band: float = 0.15
    follow_up_similarity: float = 0.35
    # Words saying something violent happened. An article whose head names one beside a core
    # term or an ``incident_targets`` term reports an incident; the names and dates beside one
    # are how follow-ups refer to it ("the Dasu bus incident", "the July 14 attack").
    incident_terms: tuple[str, ...] = (
        "attack*", "blast*", "bomb*", "explosion*", "suicide", "terror*", "incident*", "tragedy",
        "tragic", "killed", "killing*", "gunm*", "shooting", "ambush*", "perpetrators",
    )
    # Besides core terms, what an incident word may stand beside for the article to report
    # an attack on the topic ("gunmen storm the Chinese consulate"); these can also name the
    # incident ("the Chinese Consulate attack"), which China's other names cannot.
    incident_targets: tuple[str, ...] = ("chinese embassy", "chinese consulate", "chinese ambassador",
                                         "chinese envoy")
    # An article that refers to an incident story within ``incident_window_days`` is on topic
    # from this score up: reactions to an attack on Chinese nationals name China once, if at all.
    incident_floor: float = 0.15
    # Core terms that are not China's by themselves: Pakistan signs joint security protocols
    # with other countries too, Dasu is a World Bank dam, Thar coal feeds local plants as
    # well, and Gwadar (city) is a town whose fishermen, floods and water shortages are local
    # news (its port, free zone and airport stay core terms by themselves: they are CPEC's).
    # Each is a core term only in an article that names China or another core term, or in a
    # paragraph with an incident word (an attack on the Dasu project is the attack on its
    # Chinese engineers); elsewhere it counts nothing.
    needs_china: tuple[str, ...] = ("joint security", "dasu", "thar coal", "gwadar", "gwadar city")
    # Core terms that are China's own people and forces. In a paragraph that names another
    # power (``elsewhere``) and neither Pakistan, another core term nor an incident word they
    # are China elsewhere, read as the anchor "chinese": "India to resume visas for Chinese
    # citizens", "PLA soldiers on the Indian border" (not "India behind the attack on
    # Chinese engineers").
    chinas_own: tuple[str, ...] = (
        "chinese nationals", "chinese national", "chinese engineers", "chinese engineer",
        "chinese workers", "chinese citizens", "chinese personnel", "chinese security",
        "chinese investors", "chinese firms", "chinese companies", "chinese military", "pla",
        "people's liberation army", "plaaf",
    )


@dataclass(frozen=True)
class JudgeSettings:
    """How stories are matched and what counts as new."""

    # Stories with no new article for this long are closed (seed stories never are).
    story_window_days: float = 21.0
    # Only this much of an article's text is analysed (huge pages cost, they don't inform).
    max_chars: int = 8000
    # Shingle overlap (containment) at which an article is a copy of a known one.
    near_duplicate: float = 0.8
    # Cosine (time-decayed) at which an article is a rewrite of one member that joined its
    # story on an incident reference alone (two desks' versions of one UN statement on the
    # attack): it is that reaction told again, and joins the story the same way. Such a
    # member matches nothing else on its words (``Member.by_reference``). The bar is above
    # every wrong join on ECB+ (an article joined to another event's article at 0.56 at
    # most; to its own event's closest article at a median of 0.50).
    reference_rewrite: float = 0.6
    # Combined similarity at which an article joins a story ...
    match_threshold: float = 0.24
    # ... and the seeds' story, on its own evidence. That story is an ongoing subject, not one
    # event (labelling.md: every article on the negotiations is one story): its articles share
    # the subject's words and phrases (security companies, security personnel, joint security),
    # seldom one event's names and numbers, so they are less similar to the seeds than rewrites
    # of one event are to each other. An article joins it when its word similarity (to the
    # story, or to the closest seed) plus ``seed_phrase_weight`` times the cosine of its
    # phrases (adjacent content words, weighted by background IDF) with the story's reaches
    # this bar: the words say "China, Pakistan, security", the phrases say which subject. With
    # the background frequencies the topic's common words and phrases (CPEC, Chinese
    # nationals, economic corridor) weigh little, which keeps other CPEC and security stories,
    # and essays on China and Pakistan at large, below it.
    seed_match_threshold: float = 0.25
    seed_phrase_weight: float = 2.0
    # An article that refers to an incident story (see ``incident_window_days``) stays in the
    # seeds' story only when the cosine of its phrases with the seeds' own reaches this: on
    # the synthetic seed-recognition set, articles on the negotiations score 0.028-0.112 and
    # reports of attacks 0.012 at most, but a report of the Karachi airport bombing (which
    # seed 002 names) reaches 0.022: a narrow gap, set in its middle.
    seed_subject_phrases: float = 0.025
    # Similarity drops by this share per day between the article and the member it is
    # compared with: same-kind events a week apart are different stories. (It also decides
    # which articles just under the topic bar are follow-ups: ``follow_up_similarity``.)
    day_penalty: float = 0.06
    # Decay from the date of each member (True) or from when the story last grew (False).
    decay_from_member: bool = True
    # Document frequencies start from a background corpus (``judge/data``), each of its
    # articles counting this much beside a live one (0: live counts only).
    # Its on-topic articles count ``topic_background_weight`` more: a fresh index then
    # starts as if it held them (where CPEC and Chinese nationals are everyday words), and
    # the few whole-corpus pseudo-articles say how rare a word is in news at large.
    background_weight: float = 0.1
    topic_background_weight: float = 1.0
    # IDF counts half when the index holds this many documents, less when fewer (0: always full).
    idf_damping_documents: float = 8.0
    # An article's subject is the name more of its sentences give than any other, in at
    # least this many (0: none). An article does not join, on its words or as the same
    # occasion, a story that does not name its subject and whose subjects it does not name:
    # two arrests, two deaths, two title fights of one week share most of their words, not
    # their protagonist (ECB+'s pairs of events of one kind). Surnames are what count
    # ("Lohan" is "Lindsay Lohan"). The seeds' story, an ongoing subject, and references to
    # an incident are matched as before.
    subject_sentences: int = 3
    # Weight (before IDF) of a name and of a number beside a word's 1 + log(count).
    name_weight: float = 1.5
    number_weight: float = 1.0
    # Similarity to a story of several articles: the best of the closest article's cosine
    # and (1 - w) * that + w * the cosine with the sum of its articles (those that joined on
    # an incident reference alone left out).
    centroid_weight: float = 1.0
    # An update must bring new facts worth at least this much (a number, a full name or a
    # quote counts 1, a single capitalised word 0.5) ...
    min_new_facts: float = 3.0
    # ... in at least this many sentences the story did not have.
    min_new_sentences: int = 1
    # A sentence without a new fact is known when this share of its content words is among the
    # words the story used (in any of its articles, not one sentence of them).
    known_sentence_overlap: float = 0.6
    # A story that already alerted this many times (0: never) alerts again only for an update
    # whose hard new facts (numbers, full names) weigh at least ``repeat_alert_min_facts``, and
    # that much more for each further alert it sent; other updates are kept quietly.
    repeat_alert_after: int = 1
    repeat_alert_min_facts: float = 6.0
    # An incident story (its articles report an attack on the topic: see ``incident_terms``)
    # takes, for this many days after its first report, every article that refers
    # to it: an incident word beside one of the names or dates in its reports' headlines,
    # among the title and the first ``incident_head_sentences`` sentences. A key must be
    # this rare (its IDF in the index) to tell one incident from another ("Dasu",
    # "Karachi University", "July 14", not "China" or "CPEC"). For as long again, only its
    # date in an article's title or first sentence refers to it (and lends no
    # ``incident_floor``); after that, nothing does.
    incident_window_days: float = 21.0
    incident_head_sentences: int = 5
    incident_key_min_idf: float = 3.0
    # The similarity such a reference counts as (``match_threshold`` if that is higher).
    incident_similarity: float = 0.3
    # Reports of one occasion (a day's events at one place: occasions.py) join its story at
    # ``occasion_similarity`` rather than ``match_threshold`` when the article and a member
    # published within ``occasion_hours`` of it name the same place in their heads, a place
    # rare enough to tell one day's event from another (its IDF in the index: Gwadar 3.7,
    # Beijing 3.6-3.8, Rashakai 5.7 pass; Islamabad 1.2 and China 2.6 do not; Lahore, about
    # 3.5 as the index grows, is on the bar). 0 hours: never; an ``occasion_similarity`` at or above
    # ``match_threshold`` adds nothing.
    occasion_hours: float = 24.0
    occasion_similarity: float = 0.15
    occasion_place_min_idf: float = 3.5
    # At most this many changes are listed in an update.
    max_changes: int = 5
    # An article first seen this long after it was published is old news: judged and kept,
    # never alerted. A feed's backlog at its first poll, and old articles a search feed
    # (Google News) surfaces again, are not what is new. Its story is known as any story is,
    # for ``story_window_days`` from its publication (a follow-up within them is an update
    # of it). An entry without a date is dated when first seen (parse.py): never old news.
    old_news_days: float = 7.0
    # Members kept per story for matching (the first, the seeds, and the latest; reactions kept
    # on an incident reference go first); bounds memory.
    members_per_story: int = 30
