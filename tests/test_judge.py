"""The judge on synthetic articles: relevance, story matching, novelty, purity, memory."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from judge_articles import (
    CHINA_ONLY,
    CHINA_ONLY_TITLE,
    GWADAR,
    GWADAR_TITLE,
    OFF_TOPIC,
    OFF_TOPIC_TITLE,
    T0,
    article,
    attack,
    attack_follow_up,
    attack_rewrite,
)

from monitor.judge import Judge, JudgeSettings, TopicSettings
from monitor.judge.novelty import Novelty, StoryKnowledge, assess, is_office
from monitor.judge.occasions import read_occasion
from monitor.judge.relevance import TopicModel
from monitor.judge.text import (
    Analysis,
    analyse,
    dateline,
    names_in,
    numbers_in,
    readable,
    split_sentences,
    subject_of,
)
from monitor.models import Article, Decision, Kind


def judge(**judge_settings: object) -> Judge:
    return Judge.create(TopicSettings(), JudgeSettings(**judge_settings), [])  # type: ignore[arg-type]


def feed(j: Judge, *articles: Article) -> list[Decision]:
    decisions = []
    for a in articles:
        d = j.decide(a, a.published)
        j.remember(a, d)
        decisions.append(d)
    return decisions


def _knowledge_of(story: Analysis) -> StoryKnowledge:
    """What a story of one article knows, as ``StoryIndex.add`` folds it in."""
    return StoryKnowledge({f for s in story.sentences for f in s.facts} | story.names,
                          {w for n in story.names for w in n.split()},
                          {w for s in story.sentences for w in s.words})


# -- relevance ------------------------------------------------------------------------------

def test_off_topic_article_is_irrelevant_and_says_why() -> None:
    d = judge().decide(article("x", OFF_TOPIC_TITLE, OFF_TOPIC), T0)
    assert d.kind is Kind.IRRELEVANT
    assert not d.alert
    assert d.relevance == 0.0
    assert any("anchor" in why for why in d.why)


def test_china_without_pakistan_is_not_on_topic() -> None:
    d = judge().decide(article("x", CHINA_ONLY_TITLE, CHINA_ONLY), T0)
    assert d.kind is Kind.IRRELEVANT
    assert d.relevance < TopicSettings().threshold


def test_china_and_pakistan_in_one_paragraph_are_a_bilateral_matter_in_separate_ones_not() -> None:
    """The topic reads paragraphs: an outlet's point names China in one sentence and Pakistan
    in the next; the same sentences a paragraph apart are two points."""
    title = "Envoy calls on minister"
    one = ("The Chinese ambassador called on the minister on Monday. They reviewed bilateral "
           "cooperation, trade and investment in Islamabad.")
    apart = one.replace(" They reviewed", "\n\nThey reviewed")
    model = TopicModel(TopicSettings())
    in_one, in_two = model.score(title, one), model.score(title, apart)
    assert in_one.score > in_two.score > 0
    assert "bilateral" in in_one.reasons[0] and "bilateral" not in in_two.reasons[0]


CHINA_INDIA_TITLE = "India and China agree to resume direct flights, ease visa rules"
CHINA_INDIA = """NEW DELHI: India and China agreed on Tuesday to resume direct flights and ease visa rules for business travellers, as the two countries seek to normalise ties after years of tension on their border.

Indian External Affairs Minister S. Jaishankar and Chinese Foreign Minister Wang Yi met in New Delhi and also discussed trade curbs and the boundary.

Pakistan's Foreign Office has said it is watching the talks closely."""


def test_china_with_another_power_and_not_pakistan_is_china_elsewhere() -> None:
    """"China in a global context" (labelling.md): a sentence naming China with India and not
    Pakistan pulls the score down; the same sentence with Pakistan in it does not."""
    model = TopicModel(TopicSettings())
    elsewhere = model.score(CHINA_INDIA_TITLE, CHINA_INDIA)
    neutral = TopicModel(TopicSettings(elsewhere={})).score(CHINA_INDIA_TITLE, CHINA_INDIA)
    assert elsewhere.score < neutral.score
    assert elsewhere.score < TopicSettings().threshold
    assert "india" in elsewhere.reasons[0]
    # A term ending in a non-word character matches too.
    assert "u.s." in model.score("China and the U.S. agree on tariffs", "BEIJING: China and the U.S. agreed.").reasons[0]
    # Dawn writes "US", which lower case alone would read as "us"; "let us" stays a pronoun.
    assert "u.s." in model.score("China and the US agree on tariffs", "BEIJING: China and the US agreed.").reasons[0]
    assert "u.s." not in model.score("Let us talk, China says", "BEIJING: China asked us to talk.").reasons[0]
    with_pakistan = CHINA_INDIA_TITLE.replace("India and China", "Pakistan, India and China")
    assert model.score(with_pakistan, CHINA_INDIA).score > elsewhere.score


TURKISH_ZONE_TITLE = "Pakistan, Turkiye to set up special economic zone for Turkish investors in Karachi"
TURKISH_ZONE = """ISLAMABAD: Pakistan and Turkiye agreed on Wednesday to set up a special economic zone for Turkish investors in Karachi, the foreign minister said after talks with his Turkish counterpart.

The special economic zone will offer tax holidays and land on lease to Turkish investors, he said at a joint press conference at the Foreign Office.

Turkiye's defence minister, also in Islamabad, discussed defence cooperation, joint defence production and security in the region with his Pakistani counterpart.

The two sides agreed to raise bilateral trade to $5 billion and to hold the next strategic cooperation council in Ankara.

Defence industry cooperation, the defence ministers said, would cover naval ships, drones and training, and a defence and security dialogue would meet twice a year.

The foreign minister said the special economic zone would be ready for Turkish investors within a year."""
KKH_AMBUSH_TITLE = "Two Scouts martyred in terrorist attack on Karakoram Highway near Chilas"
KKH_AMBUSH = """CHILAS: Two Gilgit-Baltistan Scouts personnel were martyred when terrorists attacked their vehicle on the Karakoram Highway near Chilas on Friday, police said.

Security forces cordoned off the Karakoram Highway and launched a search operation."""
KKH_BORDER_TITLE = "Traders block Karakoram Highway at Sost, halting Pakistan-China border trade"
KKH_BORDER = """GILGIT: Traders blocked the Karakoram Highway at Sost for a third day on Monday, halting Pakistan-China trade through the Khunjerab Pass as they protested new taxes on goods imported from China.

Dozens of containers bound for China and Chinese travellers were stranded on the Karakoram Highway, the only road link between Pakistan and China."""


def test_a_zone_or_the_highway_is_the_topic_beside_china_not_alone() -> None:
    """A special economic zone and the Karakoram Highway count where China or CPEC is named:
    a zone for Turkish investors or an ambush of Scouts on the highway is not the topic,
    the China border trade halted on it is."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    assert model.score(TURKISH_ZONE_TITLE, TURKISH_ZONE).score == 0.0  # nothing of the topic at all
    assert model.score(KKH_AMBUSH_TITLE, KKH_AMBUSH).score < bar
    assert model.score(KKH_BORDER_TITLE, KKH_BORDER).score >= bar


DASU_WAGES_TITLE = "Dasu project workers block Karakoram Highway against non-payment of wages"
DASU_WAGES = """KOHISTAN: Hundreds of workers of the Dasu hydropower project blocked the Karakoram Highway near the Dasu bridge on Saturday, demanding salaries unpaid for three months.

The Dasu project's contractor said the wages would be paid next week, and the protesters dispersed in the evening."""
DASU_ATTACK_TITLE = "Foreign hand behind Dasu terrorist attack, says minister"
DASU_ATTACK = """ISLAMABAD: The minister said on Monday that a hostile agency had planned the Dasu terrorist attack, and that its facilitators had been arrested.

He told the Senate the investigation would be completed this month."""
UZBEK_PROTOCOL_TITLE = "Pakistan, Uzbekistan sign protocol on joint security commission"
UZBEK_PROTOCOL = """ISLAMABAD: Pakistan and Uzbekistan on Tuesday signed a protocol establishing a joint security commission, the national security division said.

The joint security commission will meet every year, alternately in Islamabad and Tashkent."""


def test_a_core_term_that_is_not_china_s_by_itself_needs_china_or_an_attack() -> None:
    """Dasu is a World Bank dam and Pakistan has joint security commissions with others: those
    words are the topic beside China, CPEC or an attack, not alone."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    wages = model.score(DASU_WAGES_TITLE, DASU_WAGES)
    assert wages.score < bar
    assert "not counted without China in the article: dasu" in wages.reasons
    assert model.score(UZBEK_PROTOCOL_TITLE, UZBEK_PROTOCOL).score < bar
    assert model.score(DASU_ATTACK_TITLE, DASU_ATTACK).score >= bar  # the attack on its Chinese engineers
    with_china = DASU_WAGES.replace("The Dasu project's contractor", "The Dasu project's Chinese contractor")
    unqualified = TopicModel(TopicSettings(needs_china=()))
    assert model.score(DASU_WAGES_TITLE, with_china) == unqualified.score(DASU_WAGES_TITLE, with_china)
    on_cpec = DASU_WAGES.replace("The Dasu project's contractor", "The CPEC road's contractor")  # another core term
    assert model.score(DASU_WAGES_TITLE, on_cpec) == unqualified.score(DASU_WAGES_TITLE, on_cpec)
    # Without the qualification the wages protest was on topic: the test can fail.
    assert unqualified.score(DASU_WAGES_TITLE, DASU_WAGES).score >= bar
    # Only where it counted is a term's mention counted.
    recalled = model.score(DASU_WAGES_TITLE, DASU_WAGES + "\n\nThe workers recalled the Dasu attack of 2021.")
    assert recalled.reasons[0].startswith("topic terms: dasu ×1 ")
    # A user's negative term is no core term that lets Dasu count; a prefix is qualified as
    # its vocabulary names it.
    with_bank = DASU_WAGES.replace("demanding", "as the World Bank delayed funds, demanding")
    assert TopicModel(TopicSettings(terms={"world bank": -0.5})).score(DASU_WAGES_TITLE, with_bank).score < bar
    core = {**{t: w for t, w in TopicSettings().core.items() if t != "dasu"}, "dasu*": 2.0}
    as_prefix = TopicModel(TopicSettings(core=core, needs_china=("dasu*",))).score(DASU_WAGES_TITLE, DASU_WAGES)
    assert as_prefix.score < bar
    assert "not counted without China in the article: dasu*" in as_prefix.reasons


GWADAR_BOATS_TITLE = "Fishermen missing as boat capsizes off Gwadar"
GWADAR_BOATS = """GWADAR: Three fishermen were missing after their boat capsized in rough seas off Gwadar on Friday, the district administration said.

Coast guards and local fishermen searched the waters near Gwadar's eastern bay until nightfall, and the search resumes on Saturday.

The Gwadar fisheries department asked boats to stay ashore until the weekend. Fishermen's groups in Gwadar called for radios on every boat.

Last year four boats from Gwadar were lost in the same season."""


def test_gwadar_alone_is_a_town_its_port_is_cpec() -> None:
    """A boat lost off Gwadar is the town's news, not CPEC's; the same article about the port,
    or naming China, is on topic."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    boats = model.score(GWADAR_BOATS_TITLE, GWADAR_BOATS)
    assert boats.score < bar
    assert "not counted without China in the article: gwadar" in boats.reasons
    # Without the qualification the town's news was on topic: the test can fail.
    assert TopicModel(TopicSettings(needs_china=())).score(GWADAR_BOATS_TITLE, GWADAR_BOATS).score >= bar
    in_the_city = GWADAR_BOATS.replace("near Gwadar's eastern bay", "off Gwadar city's eastern bay")
    assert model.score(GWADAR_BOATS_TITLE, in_the_city).score < bar
    at_port = GWADAR_BOATS.replace("near Gwadar's eastern bay", "near Gwadar Port's berths")
    assert model.score(GWADAR_BOATS_TITLE, at_port).score >= bar
    chinese = GWADAR_BOATS.replace("local fishermen", "a Chinese survey vessel")
    assert model.score(GWADAR_BOATS_TITLE, chinese).score >= bar


CHINA_5G_TITLE = "China switches on its two millionth 5G base station"
CHINA_5G = """ISLAMABAD, Mar 4 (APP): China has built more than two million 5G base stations, Chinese officials said on Thursday, as Beijing pushes the technology into factories, ports and hospitals.

China's industry ministry said Chinese carriers and China's tower company would add another half a million stations in China this year. Beijing wants every Chinese county town covered by the end of next year.

Chinese equipment makers said China's exports of 5G gear rose by a third.

Beijing's carriers said China would lead research on 6G. Chinese users passed a billion, China's regulator said."""


def test_a_wire_s_dateline_is_not_the_article_s_pakistan_side() -> None:
    """APP files China's own news under "ISLAMABAD, ... (APP):": that dateline does not make an
    article about China one about China and Pakistan; Pakistan named in its lead does."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    assert model.score(CHINA_5G_TITLE, CHINA_5G).score < bar
    in_lead = CHINA_5G.replace("ports and hospitals.", "ports and hospitals, and offered Pakistan the same.")
    assert model.score(CHINA_5G_TITLE, in_lead).score >= bar
    # Without its dateline read as one, the same text is on topic: the test can fail.
    assert model.score(CHINA_5G_TITLE, CHINA_5G.replace("(APP):", "(APP)")).score >= bar
    # Only its Pakistan is left out: a CPEC site in the dateline still says what it is about.
    at_gwadar = CHINA_5G.replace("ISLAMABAD, Mar 4 (APP):", "GWADAR, Mar 4 (APP):")
    assert model.score(CHINA_5G_TITLE, at_gwadar).score > model.score(CHINA_5G_TITLE, CHINA_5G).score
    # APP types its dateline many ways; Dawn's is the place and a colon.
    for opening in ("ISLAMABAD, Mar 4 (APP):", "ISLAMABAD Jan 5 (APP):", "ISLAMABAD, Sep 28, 2021 (APP):",
                    "ISLAMABAD (APP):", "BEIJING, Sept. 2 (APP):", "GWADAR/ISLAMABAD:", "KARACHI:"):
        assert dateline(f"{opening} Police said") == opening
    assert dateline("Prime minister Shehbaz said: no") == ""


INDIA_VISAS_TITLE = "India to resume issuing tourist visas to Chinese citizens"
INDIA_VISAS = """NEW DELHI: India will resume issuing tourist visas to Chinese citizens from Thursday, the Indian embassy in Beijing said, after a pause of five years.

Chinese citizens can apply online, the embassy said, as India and China work to rebuild ties."""


def test_china_s_own_people_beside_another_power_and_not_pakistan_are_china_elsewhere() -> None:
    """"Chinese citizens" is a core term (their safety in Pakistan is the topic), but beside
    India and without Pakistan it is China in a global context (labelling.md: rel 0)."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    unchanged = TopicModel(TopicSettings(chinas_own=()))
    assert model.score(INDIA_VISAS_TITLE, INDIA_VISAS).score < bar
    assert unchanged.score(INDIA_VISAS_TITLE, INDIA_VISAS).score >= bar
    # Not when the sentence names Pakistan, another core term or an attack: each of these
    # is scored as if the rule did not exist.
    for title, text in [
        ("Pakistan and India to ease visas for Chinese citizens",
         "ISLAMABAD: Pakistan and India will ease visas for Chinese citizens, officials said."),
        ("India objects to CPEC as Chinese engineers arrive",
         "NEW DELHI: India objected to CPEC on Monday as more Chinese engineers arrived for its projects."),
        ("India behind attack on Chinese engineers, says Foreign Office",
         "The Foreign Office said India was behind the attack on Chinese engineers, and shared the evidence."),
    ]:
        assert model.score(title, text) == unchanged.score(title, text), title


def test_a_people_named_in_the_plural_is_its_country() -> None:
    """"Indians" names India as "Indian" does: a headline of Indians and the PLA is China's
    border with India, which names no Pakistan (an APP item of October 2021, filed from
    Islamabad, scored .66 before)."""
    title = "Indians furious over release of pictures of soldiers beaten by PLA"
    text = ("ISLAMABAD, Oct 10 (APP): Pictures of captured Indian soldiers emerged on Chinese social media.\n"
            "The PLA soldiers patrolled the border area, news reports said.")
    plural = TopicModel(TopicSettings()).score(title, text)
    singular_only = TopicModel(TopicSettings(elsewhere={
        term: weight for term, weight in TopicSettings().elsewhere.items() if term != "indians"})).score(title, text)
    # Beside another power the PLA is China's own, not the topic's core (see chinas_own).
    assert plural.core == 0.0 < singular_only.core
    assert "indians" in plural.reasons[0] and plural.score < singular_only.score



def test_the_hangor_class_is_china_pakistan_defence_and_hangor_day_is_not() -> None:
    """The submarines China builds for Pakistan are the Hangor class; PNS Hangor of 1971, which
    "Hangor Day" remembers each December, is not (an APP item of December 2021 scored .69)."""
    model, bar = TopicModel(TopicSettings()), TopicSettings().threshold
    launch = model.score("Pakistan Navy launches third Hangor-class submarine in China",
                         "WUHAN: The Pakistan Navy launched the third Hangor-class submarine on Friday.")
    day = model.score("Pakistan Navy celebrates Golden Jubilee of Hangor Day",
                      "KARACHI: The navy remembered the Hangor, which sank an Indian frigate in 1971.\n"
                      "The Hangor's crew were honoured; China's ties with the navy were recalled.")
    assert launch.score >= bar and "hangor class" in launch.reasons[0]
    assert day.score < bar and "hangor" not in day.reasons[0]


COURTESY_CALL_TITLE = "Chinese ambassador calls on Senate chairman, lauds Pakistan-China friendship"
COURTESY_CALL = """ISLAMABAD: Chinese Ambassador Jiang Zaidong called on Senate Chairman Yousuf Raza Gilani on Tuesday and said the friendship between Pakistan and China was higher than the mountains.

The chairman thanked the Chinese ambassador and said parliamentary exchanges between the two countries would be expanded.

The Chinese ambassador invited a Senate delegation to visit Beijing next year."""


def test_an_envoy_s_courtesy_call_is_on_topic_but_not_core() -> None:
    """labelling.md: a China-Pakistan exchange is rel 1 (tracked) unless it is about CPEC or
    security; the envoy's title alone does not make it alert-worthy."""
    relevance = TopicModel(TopicSettings()).score(COURTESY_CALL_TITLE, COURTESY_CALL)
    assert relevance.score >= TopicSettings().threshold
    assert relevance.core < TopicSettings().alert_threshold
    on_security = TopicModel(TopicSettings()).score(
        "Chinese ambassador calls on interior minister, discusses security of Chinese nationals",
        COURTESY_CALL.replace("the friendship between Pakistan and China was higher than the mountains",
                              "Pakistan must tighten the security of Chinese nationals working on CPEC projects"))
    assert on_security.core >= TopicSettings().alert_threshold


def test_attack_on_chinese_engineers_is_a_new_story_that_alerts() -> None:
    d = judge().decide(attack(), T0)
    assert d.kind is Kind.NEW_STORY
    assert d.alert
    assert d.story_id == "story:a1"
    assert d.story_title == attack().title
    assert "suicide bomber" in d.summary.lower()
    assert any("chinese engineers" in why for why in d.why)  # the terms that made it relevant


def test_a_compound_names_both_countries_and_an_en_dash_joins_words_like_a_hyphen() -> None:
    model = TopicModel(TopicSettings())
    compound = model.score("Ties", "The Sino-Pak friendship will strengthen cooperation and bilateral investment.")
    spelled = model.score("Ties", "The Pakistan and China friendship will strengthen cooperation and bilateral investment.")
    # China and Pakistan in one word is a bilateral matter: its subjects count as when spelled out.
    assert "bilateral ×1" in compound.reasons[0] and "bilateral ×1" in spelled.reasons[0]
    dashed = model.score("Work resumes", "Work on the China–Pakistan Economic Corridor resumed in Gwadar.")
    assert "china pakistan economic corridor ×1" in dashed.reasons[0]


def test_old_news_is_judged_and_kept_but_never_alerts() -> None:
    """A feed's backlog at its first poll, or an old article a search feed surfaces again:
    it does not alert, but its story is known (for ``story_window_days`` from its
    publication), so a fresh follow-up is an update of it that alerts."""
    j = judge(old_news_days=7)
    seen_late = attack().published + timedelta(days=8)
    old = j.decide(attack(), seen_late)
    assert old.kind is Kind.NEW_STORY and not old.alert
    assert any(w.startswith("old news: published 8.0 days before it was seen") for w in old.why)
    j.remember(attack(), old)
    fresh = j.decide(attack_follow_up(), attack_follow_up().published + timedelta(hours=2))
    assert fresh.kind is Kind.UPDATE and fresh.story_id == old.story_id and fresh.alert
    # Within the window it is news; a replay (which judges each article at its own time)
    # and --all-relevant are never affected.
    assert judge(old_news_days=7).decide(attack(), attack().published + timedelta(days=6)).alert
    assert judge(old_news_days=7).decide(attack(), seen_late, all_relevant=True).alert


def test_cpec_project_article_is_core() -> None:
    relevance = TopicModel(TopicSettings()).score(GWADAR_TITLE, GWADAR)
    assert relevance.score >= TopicSettings().threshold
    assert relevance.core >= TopicSettings().alert_threshold


def test_user_terms_and_must_not_change_the_topic() -> None:
    settings = TopicSettings(terms={"pumping station": 20.0}, anchors={}, core={}, must=("pumping",))
    assert TopicModel(settings).score(OFF_TOPIC_TITLE, OFF_TOPIC).score >= 0.5
    vetoed = TopicSettings(must_not=("suicide bomber",))
    relevance = TopicModel(vetoed).score(attack().title, attack().text)
    assert relevance.score == 0.0
    assert "must_not" in relevance.reasons[0]


def test_ml1_with_a_roman_numeral_is_the_railway_too() -> None:
    model = TopicModel(TopicSettings())
    for spelling, term in (("ML-1", "ml 1"), ("ML-I", "ml i"), ("Mainline-I", "mainline i")):
        relevance = model.score(f"Railways to seek finance for {spelling}",
                                f"Pakistan Railways will ask lenders to finance the {spelling} upgrade.")
        assert f"{term} ×2" in relevance.reasons[0] and relevance.core > 0, (spelling, relevance)


def test_the_topic_gate_opens_on_a_word_start_only() -> None:
    # "BRI" (the Belt and Road) ending "Sabri", "PLA" ending "Chupla": no topic anchor.
    model = TopicModel(TopicSettings())
    inside = model.score("Sabri Brothers sing", "The Sabri Brothers sang at Chupla, and won the championship.")
    assert inside.score == 0.0
    assert inside.reasons == ("no topic anchor (China, CPEC, ...) in the text",)
    # A term opening the title or the text counts, as after a space or a bracket.
    for title, text in (("CPEC projects reviewed", "Officials met."),
                        ("Officials met", "Gwadar port's new berth opened."),
                        ("Officials met", "The plan (CPEC) was reviewed.")):
        assert model.score(title, text).reasons[0].startswith("topic terms:"), (title, text)
    # A user's term that starts with a non-word character may follow a letter.
    hashtag = TopicModel(TopicSettings(terms={"#cpec": 20.0}, anchors={}, core={}))
    assert hashtag.score("Trending", "Posts tagged x#cpec today.").reasons[0].startswith("topic terms: #cpec")
    # A required word is a word, not the end of another, whatever else is required.
    for must in (("port",), ("port", "#cpec")):
        required = TopicModel(TopicSettings(must=must))
        assert required.score("China and Pakistan open CPEC airport", "").score == 0.0, must
        assert required.score("China and Pakistan open CPEC port", "").score >= 0.5, must


def test_all_relevant_skips_the_topic_filter() -> None:
    d = judge().decide(article("x", OFF_TOPIC_TITLE, OFF_TOPIC), T0, all_relevant=True)
    assert d.kind is Kind.NEW_STORY


# -- stories and novelty -------------------------------------------------------------------

def test_rewrite_of_the_same_report_is_a_duplicate() -> None:
    first, second = feed(judge(), attack(), attack_rewrite())
    assert second.kind is Kind.DUPLICATE
    assert second.story_id == first.story_id
    assert second.matched == "a1"
    assert not second.alert
    assert second.similarity is not None and second.similarity >= JudgeSettings().match_threshold


def test_exact_copy_is_a_duplicate() -> None:
    copy = dataclasses.replace(attack(), id="copy", published=T0 + timedelta(hours=1))
    _, second = feed(judge(), attack(), copy)
    assert second.kind is Kind.DUPLICATE
    assert second.similarity == 1.0
    assert any("exact copy" in why for why in second.why)


def test_follow_up_with_new_facts_is_an_update_listing_them() -> None:
    _, update = feed(judge(), attack(), attack_follow_up())
    assert update.kind is Kind.UPDATE
    assert update.alert
    assert update.story_id == "story:a1"
    changes = " ".join(update.changes)
    assert "four suspects" in changes or "Gul Rehman" in changes
    assert "1,200" in changes
    assert "Compared with: " + attack().title in update.summary
    # what the story already said is not repeated as a change
    assert not any("bend in the road" in c for c in update.changes)
    # After a second article, the changes are new to both: the summary says so.
    *_, later = feed(judge(), attack(), attack_rewrite(), attack_follow_up())
    assert later.kind is Kind.UPDATE
    assert "Compared with the story's 2 articles so far; closest: " in later.summary, later.summary


def test_same_kind_of_event_a_month_later_is_a_new_story() -> None:
    later = dataclasses.replace(attack_rewrite(), id="later", published=T0 + timedelta(days=30))
    first, second = feed(judge(), attack(), later)
    assert second.kind is Kind.NEW_STORY
    assert second.story_id != first.story_id


def test_similarity_decays_from_the_matched_article_not_from_the_story_s_last_growth() -> None:
    # The story grows on day 9 with an article unlike the first; a rewrite of the first article
    # on day 10 is compared with the first article's date (10 days old), not the story's last.
    gwadar_in_story = article("g", GWADAR_TITLE, GWADAR, T0 + timedelta(days=9))
    rewrite = dataclasses.replace(attack_rewrite(), id="r", published=T0 + timedelta(days=10))
    by_member, by_story = judge(), judge(decay_from_member=False)
    for j in (by_member, by_story):
        j.remember(attack(), j.decide(attack(), T0))
        j.remember(gwadar_in_story, dataclasses.replace(
            j.decide(gwadar_in_story, gwadar_in_story.published), kind=Kind.UPDATE, story_id="story:a1"))
    member_decayed = by_member.decide(rewrite, rewrite.published)
    story_decayed = by_story.decide(rewrite, rewrite.published)
    assert member_decayed.similarity is not None and story_decayed.similarity is not None
    assert member_decayed.similarity < story_decayed.similarity


ENVOY_MEETING_TITLE = "Interior minister, Chinese envoy discuss security of Chinese nationals"
ENVOY_MEETING = """ISLAMABAD: Interior Minister Mohsin Naqvi on Monday met Chinese Ambassador Jiang Zaidong and discussed the security of Chinese nationals working on CPEC projects.

The minister said the Special Security Division would add two wings and that foolproof security would be provided to Chinese engineers in Sindh and Khyber Pakhtunkhwa.

The ambassador thanked the minister and said China valued Pakistan's efforts."""
DELEGATION_MEETING_TITLE = "Interior minister meets Chinese security delegation, reviews protection of Chinese nationals"
DELEGATION_MEETING = """ISLAMABAD: Interior Minister Mohsin Naqvi on Tuesday received a delegation of China's Ministry of Public Security led by Vice Minister Liu Zhongyi and reviewed the security of Chinese nationals working on CPEC projects.

The minister briefed the delegation on the safe city cameras installed at project sites in Punjab and on the training of police escorts.

The minister said foolproof security would be provided to Chinese engineers, and the delegation said the two sides would hold regular consultations."""


def test_two_meetings_on_one_subject_a_week_apart_are_two_stories() -> None:
    # labelling.md: each distinct meeting is its own story. The second shares the first's
    # subject and much of its wording (0.38 before any decay): a week's decay keeps it apart.
    envoy = article("m1", ENVOY_MEETING_TITLE, ENVOY_MEETING)
    delegation = article("m2", DELEGATION_MEETING_TITLE, DELEGATION_MEETING, T0 + timedelta(days=7))
    first, second = feed(judge(), envoy, delegation)
    assert second.kind is Kind.NEW_STORY and second.story_id != first.story_id, second.why
    # (At the earlier 4% a day it joined the first.)
    _, joined = feed(judge(day_penalty=0.04), envoy, delegation)
    assert joined.story_id == first.story_id, joined.why



def obituary(id_: str, title: str, name: str, surname: str, age: int, hours: float) -> Article:
    text = f"""LAHORE: {name}, a former federal minister who led the talks on the first CPEC power projects, died in Lahore on Sunday. He was {age}.

{surname} served as minister for planning and later chaired the Senate committee on the China-Pakistan Economic Corridor, and visited Beijing often.

His family said {surname} had been ill for several months. Funeral prayers will be offered in Lahore on Monday.

Prime Minister Shehbaz Sharif expressed grief over the death of {surname} and said his services for the corridor would be remembered."""
    return article(id_, title, text, T0 + timedelta(hours=hours))


def test_two_deaths_of_one_day_are_two_stories_and_a_rewrite_joins_by_the_surname() -> None:
    # ECB+'s pairs: two events of one kind, in the same words, told of different people.
    first = obituary("d1", "Former minister Tariq Mahmood dies at 81", "Tariq Mahmood", "Mahmood", 81, 0)
    other = obituary("d2", "Former minister Anwar Baloch passes away", "Anwar Baloch", "Baloch", 78, 3)
    rewrite = article("d3", "Mahmood, who chaired Senate's CPEC committee, dies", """LAHORE: Mahmood, the former planning minister, died on Sunday after months of illness.

Mahmood led the talks on the first power projects of the corridor and chaired the Senate committee on CPEC.

Mahmood's funeral prayers will be offered in Lahore on Monday, his family said.""", T0 + timedelta(hours=5))
    j = judge()
    opened = j.decide(first, first.published, all_relevant=True)
    j.remember(first, opened)
    apart = j.decide(other, other.published, all_relevant=True)
    assert apart.kind is Kind.NEW_STORY, apart.why
    assert any("is about mahmood, this article about baloch" in w for w in apart.why), apart.why
    j.remember(other, apart)
    joined = j.decide(rewrite, rewrite.published, all_relevant=True)
    assert joined.story_id == opened.story_id, joined.why
    # Without subjects, the second death is a rewrite of the first.
    blind = judge(subject_sentences=0)
    blind.remember(first, blind.decide(first, first.published, all_relevant=True))
    merged = blind.decide(other, other.published, all_relevant=True)
    assert merged.story_id == opened.story_id, merged.why

VISIT_ARRIVAL_TITLE = "PM arrives in Rashakai to review work on CPEC special economic zone"
VISIT_ARRIVAL = """RASHAKAI: Prime Minister Shehbaz Sharif arrived in Rashakai on Wednesday on a day-long visit to review work on the special economic zone being built under the China-Pakistan Economic Corridor.

He was received by the Khyber Pakhtunkhwa chief minister and was briefed by officials of the zone's Chinese developer on the roads, the grid station and the first factories.

The zone is spread over 1,000 acres along the Peshawar-Islamabad motorway."""
VISIT_ADDRESS_TITLE = "CPEC factories to get cheaper electricity, 40,000 jobs for Nowshera: PM"
VISIT_ADDRESS = """RASHAKAI: The prime minister said on Wednesday that factories opening under CPEC would get electricity at a reduced tariff for five years.

Addressing local elders and traders, he said that 40,000 jobs would be created for the youth of Nowshera and that a technical college would be opened next year.

He said China had stood by Pakistan in every difficulty and that the federal government would remove every hurdle in the way of Chinese companies."""


def test_a_day_s_reports_from_one_rare_place_are_one_story_unless_one_reports_a_meeting() -> None:
    # labelling.md: a visit is one story. The PM's address shares little wording with the
    # report of his arrival (0.23, under the 0.24 a rewrite clears) but its dateline names
    # the same rare place, four hours later: the same occasion.
    arrival = article("v1", VISIT_ARRIVAL_TITLE, VISIT_ARRIVAL)
    address = article("v2", VISIT_ADDRESS_TITLE, VISIT_ADDRESS, T0 + timedelta(hours=4))
    first, second = feed(judge(), arrival, address)
    assert second.story_id == first.story_id, second.why
    assert any("same occasion: rashakai within 24 h" in w for w in second.why), second.why
    # Without the occasion rule, on its words alone, it is a story of its own ...
    _, alone = feed(judge(occasion_hours=0), arrival, address)
    assert alone.kind is Kind.NEW_STORY, alone.why
    # ... and so it is a day later, or where the place is too common to tell one day's event
    # from another's (its IDF under the bar) ...
    for later, settings in ((30, {}), (4, {"occasion_place_min_idf": 20.0})):
        moved = dataclasses.replace(address, published=T0 + timedelta(hours=later))
        _, apart = feed(judge(**settings), arrival, moved)
        assert apart.kind is Kind.NEW_STORY, (later, settings, apart.why)
    # ... or when it reports a meeting: each distinct meeting is its own story, even on a visit,
    # and no report joins a meeting's story as the same occasion either.
    meeting = dataclasses.replace(address, text=VISIT_ADDRESS.replace(
        "Addressing local elders and traders", "In a meeting with traders"))
    _, met = feed(judge(), arrival, meeting)
    assert met.kind is Kind.NEW_STORY, met.why
    met_first = dataclasses.replace(arrival, title="PM meets Chinese developers of CPEC zone in Rashakai")
    _, after_meeting = feed(judge(), met_first, address)
    assert after_meeting.kind is Kind.NEW_STORY, after_meeting.why
    # A report that reaches the daemon after a later one (feeds are polled in turn) is the
    # same occasion when it was published within the window of it, before or after.
    for hours_before, joins in ((4, True), (30, False)):
        earlier = dataclasses.replace(address, published=T0 - timedelta(hours=hours_before))
        first, late = feed(judge(), arrival, earlier)
        assert (late.story_id == first.story_id) is joins, (hours_before, late.why)


def test_a_story_that_alerted_alerts_again_only_for_hard_new_facts() -> None:
    _, update = feed(judge(repeat_alert_min_facts=100.0), attack(), attack_follow_up())
    assert update.kind is Kind.UPDATE
    assert not update.alert
    assert any("quiet update" in why for why in update.why)
    _, update = feed(judge(repeat_alert_after=0), attack(), attack_follow_up())
    assert update.alert


def test_an_update_under_the_alert_bar_is_quiet_even_in_a_story_that_alerted() -> None:
    # The interior minister's meeting names the blast and China once: it joins the attack's
    # story as an update, but it is about law and order at large, and alerts no more than it
    # would as a story of its own (even with no repeat bar to pass).
    minister = article("m", MINISTER_TITLE, MINISTER, T0 + timedelta(days=1))
    first, update = feed(judge(repeat_alert_min_facts=0.0), attack(), minister)
    assert first.alert
    assert update.kind is Kind.UPDATE and update.story_id == first.story_id
    assert not update.alert
    assert any("< alert threshold" in why for why in update.why)


# A cabinet briefing on CPEC and tariffs that mentions the attack in its third sentence.
CABINET_TITLE = "Cabinet approves new CPEC special economic zone, power tariff cut: minister"
CABINET = """ISLAMABAD: Information Minister Attaullah Tarar told a news conference on Wednesday that the federal cabinet had approved a new special economic zone under CPEC at Dhabeji and a cut of Rs7 per unit in power tariffs for industry.

He said the zone would draw Chinese investors in textiles and electronics, and that 1,200 acres had been allotted to it.

The cabinet also condemned the Thakot attack on Chinese engineers and approved compensation for the families of the victims.

The minister said the cabinet approved new chairmen for the railways and the water authority, and a plan to clear circular debt of Rs400 billion by June."""


def test_an_article_tied_to_an_attack_only_below_its_lead_joins_its_story_quietly() -> None:
    # (No repeat bar: only where the attack is named decides the alert.)
    briefing = article("b", CABINET_TITLE, CABINET, T0 + timedelta(days=1))
    first, update = feed(judge(repeat_alert_min_facts=0.0), attack(), briefing)
    assert update.kind is Kind.UPDATE and update.story_id == first.story_id and update.by_reference, update.why
    assert update.relevance >= TopicSettings().threshold  # on topic, and alert-worthy on its own ...
    assert any(">= alert threshold" in why for why in update.why), update.why
    assert not update.alert, update.why  # ... but not news of the attack
    assert any("below its lead" in why for why in update.why), update.why
    # Named in its title, the attack is what the article is about: news of the story.
    headline = dataclasses.replace(briefing, title="Cabinet condemns Thakot attack, approves new CPEC special economic zone")
    _, news = feed(judge(repeat_alert_min_facts=0.0), attack(), headline)
    assert news.kind is Kind.UPDATE and news.story_id == first.story_id and news.alert, news.why


def test_unrelated_on_topic_articles_are_different_stories() -> None:
    _, second = feed(judge(), attack(), article("g", GWADAR_TITLE, GWADAR, T0 + timedelta(hours=2)))
    assert second.kind is Kind.NEW_STORY
    assert second.story_id == "story:g"


# -- purity, rebuild, memory ----------------------------------------------------------------

# -- incidents: an attack's story takes the reactions that refer to it ------------------------

CONDOLENCE_TITLE = "President visits Chinese embassy, condoles loss of lives in Thakot attack"
CONDOLENCE = """ISLAMABAD: President Asif Ali Zardari on Wednesday visited the Chinese embassy and wrote in the condolence book that the nation stood with the bereaved families.

He said the cowardly Thakot attack could not shake the iron-clad friendship between the two countries, and that the perpetrators would be brought to justice.

Ambassador Jiang Zaidong thanked the president for his visit."""


def condolence(days: float = 2) -> Article:
    """The president's condolence visit, ``days`` after the attack: a reaction that names it."""
    return article("c", CONDOLENCE_TITLE, CONDOLENCE, T0 + timedelta(days=days))

# A reaction that names China once, in passing: on topic only as a reaction to a known attack.
MINISTER_TITLE = "Interior minister chairs law and order meeting after Thakot blast"
MINISTER = """ISLAMABAD: Interior Minister Mohsin Naqvi on Wednesday chaired a meeting on law and order in Khyber Pakhtunkhwa after the Thakot blast that killed Chinese engineers and their driver.

The meeting reviewed the deployment of police and Frontier Constabulary on highways, the checking of vehicles at entry points, and the performance of the provincial counter terrorism department.

The minister directed officials to complete the review of standard operating procedures for convoys within a week and to submit weekly reports to the ministry."""

OTHER_ATTACK_TITLE = "Gunmen attack Chinese-run factory near Hub, guards repulse assault"
OTHER_ATTACK = """HUB: Gunmen attacked a Chinese-run textile factory near Hub in Balochistan on Wednesday, the Levies said; the guards repulsed the assault and no Chinese national was hurt.

The factory employs some 40 Chinese engineers and 600 local workers."""


def test_a_reaction_that_refers_to_an_attack_joins_its_story() -> None:
    j = judge()
    first, reaction = feed(j, attack(), condolence())
    assert reaction.story_id == first.story_id, reaction.why
    assert any("refers to the incident by thakot" in why for why in reaction.why), reaction.why
    # Without the attack known it scores just under the topic bar: the reference made it news.
    alone = judge().decide(condolence(), T0)
    assert alone.kind is Kind.IRRELEVANT and alone.relevance < TopicSettings().threshold


CONSULATE_ATTACK_TITLE = "Gunmen storm Chinese Consulate in Karachi, four killed"
CONSULATE_ATTACK = """KARACHI: Three gunmen attacked the Chinese Consulate in Karachi's Clifton area on Friday, killing two policemen and two visa applicants before security forces shot them dead, police said.

No Chinese diplomat was hurt, the Chinese Consulate said, and the area was cordoned off."""
CONSULATE_REACTION_TITLE = "President condemns Clifton consulate attack, vows to protect diplomats"
CONSULATE_REACTION = """ISLAMABAD: President Arif Alvi on Saturday condemned the attack on the consulate in Clifton and said Pakistan would never let anyone harm its iron-clad friendship with China.

He praised the police officers who gave their lives defending the mission."""


def test_an_attack_on_a_chinese_mission_is_an_incident_story() -> None:
    """The consulate is no core term (an envoy's courtesy call is not core news), but an
    attack on it is an attack on the topic: its reactions join it by their reference."""
    attack_on_mission = article("k1", CONSULATE_ATTACK_TITLE, CONSULATE_ATTACK)
    reaction = article("k2", CONSULATE_REACTION_TITLE, CONSULATE_REACTION, T0 + timedelta(days=1))
    first, second = feed(judge(), attack_on_mission, reaction)
    assert first.kind is Kind.NEW_STORY and first.alert, first.why
    assert second.story_id == first.story_id and second.by_reference, second.why
    # ... also when it names the attack by the mission alone, as wire copy capitalises it.
    by_mission = article("k3", "PM Condemns Attack On Chinese Consulate",
                         "ISLAMABAD: The prime minister on Saturday condemned the attack on the Chinese Consulate "
                         "and said Pakistan would never let anyone harm its friendship with China.",
                         T0 + timedelta(days=1))
    *_, third = feed(judge(), attack_on_mission, by_mission)
    assert third.story_id == first.story_id, third.why
    # A minister who briefs his Chinese counterpart on an attack elsewhere reports no attack
    # on the topic.
    briefing = article("d", "Dar briefs Chinese counterpart on Jaffar Express attack",
                       "ISLAMABAD: Deputy Prime Minister Ishaq Dar on Tuesday briefed his Chinese counterpart "
                       "Wang Yi on the terrorist attack on the Jaffar Express near Bolan.", T0)
    assert not judge().incidents.marks(briefing.title, analyse(briefing.title, briefing.text, 8000)).reports


def test_a_low_scoring_reaction_is_on_topic_only_while_its_attack_is_known() -> None:
    minister = article("m", MINISTER_TITLE, MINISTER, T0 + timedelta(days=1))
    alone = judge().decide(minister, minister.published)
    assert alone.kind is Kind.IRRELEVANT, alone.why
    # Its syndicated copy (an exact copy under another id) is the attack's too.
    copy = dataclasses.replace(minister, id="m2", published=minister.published + timedelta(hours=2))
    _, reaction, copied = feed(judge(), attack(), minister, copy)
    assert reaction.kind in (Kind.UPDATE, Kind.DUPLICATE), reaction.why
    assert reaction.story_id == copied.story_id == "story:a1", copied.why
    assert copied.kind is Kind.DUPLICATE
    assert any("follow-up of on-topic story" in why for why in reaction.why)


def test_another_attack_elsewhere_and_a_late_reference_are_not_the_attack_s_story() -> None:
    window = JudgeSettings().incident_window_days
    other = article("o", OTHER_ATTACK_TITLE, OTHER_ATTACK, T0 + timedelta(days=3))
    # The attack's story is still open (a rewrite keeps it growing) when the reference comes
    # a day after the incident window: the reference alone no longer joins it.
    rewrite = dataclasses.replace(attack_rewrite(), published=T0 + timedelta(days=window - 6))
    late = condolence(window + 1)
    in_time = condolence(window - 1)
    first, second, third, fourth = feed(judge(), attack(), other, rewrite, late)
    assert second.kind is Kind.NEW_STORY and second.story_id != first.story_id, second.why
    assert third.story_id == first.story_id, third.why
    assert fourth.story_id != first.story_id, fourth.why
    *_, joined = feed(judge(), attack(), other, rewrite, in_time)
    assert joined.story_id == first.story_id, joined.why


PROBE_TITLE = "JIT names three suspects in March 10 attack on Chinese engineers"
PROBE = """ISLAMABAD: The joint investigation team probing the March 10 attack on Chinese engineers near Thakot has named three suspects, officials said on Thursday.

The team said the explosives were bought in Bajaur and the car was registered in Mardan."""

UNSC_TITLE = "UNSC urges states to help bring perpetrators of March 10 terror attack on Chinese nationals to justice"
UNSC_LATE_DATE = """NEW YORK: The UN Security Council on Friday urged all states to cooperate actively with Pakistan and China in bringing to justice the perpetrators, organisers and financiers of the attack, which killed Chinese nationals working on a CPEC project.

Council members expressed their deepest sympathy and condolences to the families of the victims and to the governments of China and Pakistan."""

UN_REPORT_TITLE = "UN monitors name group behind March 10 terror attack on Chinese nationals"
UN_REPORT = """NEW YORK: A report by the UN sanctions monitoring team says a faction of a banned outfit based across the border planned the bombing of the Chinese convoy, and that its financiers used hawala networks in the Gulf.

The report asks member states to freeze the assets of four named facilitators."""

NEW_ATTACK_TITLE = "Guard opens fire on Chinese nationals at Thakot camp, two injured"
NEW_ATTACK = """THAKOT: A security guard opened fire on Chinese nationals at a camp near Thakot on Friday, injuring two of them, police said.

Police said the guard was arrested at the scene and an inquiry had begun.

The shooting comes weeks after the March 10 attack on Chinese engineers near Thakot, which killed three Chinese nationals."""


COURT_TITLE = "Court adjourns hearing in March 10 attack case"
COURT = """PESHAWAR: An anti-terrorism court on Monday adjourned till next week the hearing of the March 10 attack case, in which a Chinese engineer was among those killed, after the prosecution sought time to produce its witnesses."""


def test_after_the_incident_window_only_the_attack_s_date_in_a_lead_refers_to_it() -> None:
    window = JudgeSettings().incident_window_days
    probe = article("p", PROBE_TITLE, PROBE, T0 + timedelta(days=2))  # gives the story its date
    rewrite = dataclasses.replace(attack_rewrite(), published=T0 + timedelta(days=window - 6))
    unsc = article("u", UNSC_TITLE, UNSC_LATE_DATE, T0 + timedelta(days=window + 3))
    first, second, third, late = feed(judge(), attack(), probe, rewrite, unsc)
    assert second.story_id == third.story_id == first.story_id, (second.why, third.why)
    assert late.story_id == first.story_id, late.why
    assert any("refers to the incident by date:mar 10" in why for why in late.why), late.why
    # (Only the date's position is tested here; a place named late is the test above.)
    # A new attack at the same place recalls the old one by date further down: its own story.
    new = article("n", NEW_ATTACK_TITLE, NEW_ATTACK, T0 + timedelta(days=window + 3))
    *_, other = feed(judge(), attack(), probe, rewrite, new)
    assert other.kind is Kind.NEW_STORY and other.story_id != first.story_id, other.why
    # Past twice the window nothing refers to it, though the late reference kept it live.
    again = article("u2", UN_REPORT_TITLE, UN_REPORT, T0 + timedelta(days=2 * window + 1))
    *_, too_late = feed(judge(), attack(), probe, rewrite, unsc, again)
    assert too_late.story_id != first.story_id, too_late.why


# Another desk's version of the same UN statement: other words, the date further down, and
# one fact more (who read it out).
UNSC_REWRITE_TITLE = "UNSC urges all states to help bring perpetrators of terror attack on Chinese nationals to justice"
UNSC_REWRITE = """NEW YORK: The UN Security Council has urged all states to cooperate actively with China and Pakistan to bring to justice the perpetrators, organisers and financiers of the terror attack that killed Chinese nationals working on a CPEC project.

In a press statement on Friday, council members condemned the March 10 attack and expressed their deepest sympathy and condolences to the families of the victims and to the governments of China and Pakistan.

The statement was read out by the council's president, Ambassador Vanessa Frazier of Malta, after all 15 members agreed to it; they asked for a report on the investigation within 30 days."""


def test_a_rewrite_of_a_reaction_joined_on_its_reference_joins_the_story_the_same_way() -> None:
    """Past the incident window the UN statement joins on the attack's date in its lead; the
    other desk's version names the date further down, and is that statement told again."""
    window = JudgeSettings().incident_window_days
    probe = article("p", PROBE_TITLE, PROBE, T0 + timedelta(days=2))
    rewrite = dataclasses.replace(attack_rewrite(), published=T0 + timedelta(days=window - 6))
    unsc = article("u", UNSC_TITLE, UNSC_LATE_DATE, T0 + timedelta(days=window + 3))
    retold = article("u2", UNSC_REWRITE_TITLE, UNSC_REWRITE, T0 + timedelta(days=window + 3, hours=4))
    j = judge()
    first, *_, statement = feed(j, attack(), probe, rewrite, unsc)
    centroid = dict(j.index.stories[str(first.story_id)].centroid)
    (again,) = feed(j, retold)
    assert statement.story_id == first.story_id and statement.by_reference, statement.why
    assert again.story_id == first.story_id and again.by_reference, again.why
    assert again.matched == unsc.id and any("tells again" in why for why in again.why), again.why
    # It has news (who read the statement out), but is no news of the attack: it joins quietly,
    # and, like the statement, lends the story none of its words.
    assert again.kind is Kind.UPDATE and not again.alert, again.why
    assert any(why.startswith("quiet update: it joined on telling again") for why in again.why), again.why
    assert j.index.stories[str(first.story_id)].centroid == centroid
    # A copy of it is a duplicate, which never alerts: no reason calls it a quiet update.
    copy = dataclasses.replace(retold, id="u3", published=retold.published + timedelta(hours=1))
    (dup,) = feed(j, copy)
    assert dup.kind is Kind.DUPLICATE and dup.by_reference, dup.why
    assert not any("quiet update" in why for why in dup.why), dup.why
    # Without the rule it is a story of its own: neither its words (the statement lends the
    # story none) nor its lead refer to the attack.
    *_, alone = feed(judge(reference_rewrite=1.01), attack(), probe, rewrite, unsc, retold)
    assert alone.kind is Kind.NEW_STORY and alone.alert, alone.why


def test_a_late_reference_lends_no_incident_floor_whatever_else_is_live() -> None:
    """A court hearing that names the attack's date past its window is not news of it by that
    alone: not even when another attack, days old, lowers the bar for its own reactions."""
    window = JudgeSettings().incident_window_days
    probe = article("p", PROBE_TITLE, PROBE, T0 + timedelta(days=2))
    rewrite = dataclasses.replace(attack_rewrite(), published=T0 + timedelta(days=window - 6))
    consulate = article("k1", CONSULATE_ATTACK_TITLE, CONSULATE_ATTACK, T0 + timedelta(days=window + 1))
    court = article("h", COURT_TITLE, COURT, T0 + timedelta(days=window + 3))
    *_, other_attack, hearing = feed(judge(), attack(), probe, rewrite, consulate, court)
    assert other_attack.kind is Kind.NEW_STORY, other_attack.why
    assert TopicSettings().incident_floor <= hearing.relevance < TopicSettings().threshold
    assert hearing.kind is Kind.IRRELEVANT, hearing.why


# The president's next call on the ambassador: the condolence's words, but no attack in it.
AMBASSADOR_TITLE = "President Zardari receives Chinese ambassador Jiang Zaidong, discusses trade"
AMBASSADOR = """ISLAMABAD: President Asif Ali Zardari on Saturday received Chinese Ambassador Jiang Zaidong at the Aiwan-e-Sadr and said the iron-clad friendship between the two countries had stood the test of time.

The president said Pakistan wanted to raise its exports of seafood, sesame and minerals to China, and welcomed Chinese investment in agriculture and mining.

Ambassador Jiang Zaidong thanked the president and said China would send a trade delegation to Lahore and Karachi next month."""


def test_a_reaction_joined_by_its_reference_lends_the_attack_s_story_no_words() -> None:
    later = article("z", AMBASSADOR_TITLE, AMBASSADOR, T0 + timedelta(days=4))
    first, reaction, call = feed(judge(), attack(), condolence(), later)
    assert reaction.story_id == first.story_id and reaction.by_reference, reaction.why
    # The call shares the condolence's words (president, ambassador, iron-clad friendship)
    # but not the attack: it is a story of its own.
    assert call.kind is Kind.NEW_STORY and call.story_id != first.story_id, call.why
    # ... which is the reference's doing: had the condolence been a member on its words,
    # the call would have followed it into the attack's story.
    on_words = judge()
    feed(on_words, attack())
    visit = condolence()
    on_words.remember(visit, dataclasses.replace(on_words.decide(visit, visit.published), by_reference=False))
    assert on_words.decide(later, later.published).story_id == first.story_id


def test_a_reference_only_member_stays_out_of_the_story_s_centroid_while_kept_and_when_dropped() -> None:
    j = judge(members_per_story=2)
    first, reaction = feed(j, attack(), condolence())
    story = j.index.stories[str(first.story_id)]
    report, kept = (m for m in story.members)
    assert reaction.by_reference and kept.by_reference and not report.by_reference
    assert story.centroid == report.vector
    # A follow-up on its words: over the story's quota, the reaction is the one dropped, and
    # the centroid is the sum of the two reports.
    (follow_up,) = feed(j, attack_follow_up())
    assert follow_up.story_id == first.story_id and not follow_up.by_reference, follow_up.why
    assert [m.article_id for m in story.members] == ["a1", follow_up.article_id]
    expected = dict(report.vector)
    for term, weight in story.members[1].vector.items():
        expected[term] = expected.get(term, 0.0) + weight
    assert story.centroid == pytest.approx(expected)


def test_a_full_story_drops_a_reaction_kept_on_its_reference_before_a_report() -> None:
    j = judge(members_per_story=3)
    decisions = feed(j, attack(), attack_rewrite(), condolence(), attack_follow_up())
    assert len({d.story_id for d in decisions}) == 1, [d.why for d in decisions]
    story = j.index.stories[str(decisions[0].story_id)]
    assert [m.article_id for m in story.members] == ["a1", attack_rewrite().id, attack_follow_up().id]
    # A reaction that arrives when the story is full is the one that goes.
    j = judge(members_per_story=3)
    late = dataclasses.replace(condolence(), published=attack_follow_up().published + timedelta(hours=1))
    *_, last = feed(j, attack(), attack_rewrite(), attack_follow_up(), late)
    assert last.by_reference, last.why
    story = j.index.stories[str(last.story_id)]
    assert [m.article_id for m in story.members] == ["a1", attack_rewrite().id, attack_follow_up().id]


def test_an_article_close_enough_on_its_words_is_no_reference_only_member() -> None:
    # With the reference floor far above the match threshold, the arrests (close on their
    # words) are raised to the floor too, but joined on their words; the condolence did not.
    j = judge(incident_similarity=0.9)
    _, arrests, reaction = feed(j, attack(), attack_follow_up(), condolence())
    assert arrests.similarity == reaction.similarity == 0.9, (arrests.why, reaction.why)
    assert not arrests.by_reference and reaction.by_reference


def test_decide_does_not_change_the_index_and_is_deterministic() -> None:
    j = judge()
    feed(j, attack())
    before = (len(j.index.stories), j.index.documents, dict(j.index.document_frequency))
    first = j.decide(attack_follow_up(), attack_follow_up().published)
    second = j.decide(attack_follow_up(), attack_follow_up().published)
    assert first == second
    assert (len(j.index.stories), j.index.documents, dict(j.index.document_frequency)) == before


def test_remember_alone_rebuilds_the_same_index() -> None:
    original = judge()
    pairs = list(zip((attack(), attack_rewrite()), feed(original, attack(), attack_rewrite()), strict=True))
    rebuilt = judge()
    for a, d in pairs:
        rebuilt.remember(a, d)
    follow_up = attack_follow_up()
    assert rebuilt.decide(follow_up, follow_up.published) == original.decide(follow_up, follow_up.published)


def test_stories_expire_after_the_window_but_seed_stories_do_not() -> None:
    seed = dataclasses.replace(attack(), id="seed:x", is_seed=True, published=T0 - timedelta(days=400))
    j = Judge.create(TopicSettings(), JudgeSettings(story_window_days=7), [seed])
    feed(j, article("g", GWADAR_TITLE, GWADAR, T0))
    assert set(j.index.stories) == {"seed:x", "story:g"}
    feed(j, article("o", OFF_TOPIC_TITLE, OFF_TOPIC, T0 + timedelta(days=20)))
    assert set(j.index.stories) == {"seed:x"}
    assert j.index.documents == 1


def test_members_per_story_are_bounded() -> None:
    j = judge(members_per_story=3)
    for i in range(6):
        copy = dataclasses.replace(attack(), id=f"c{i}", text=attack().text + f" Update {i}.",
                                   published=T0 + timedelta(hours=i))
        feed(j, copy)
    story = j.index.stories["story:c0"]
    assert story.articles == 6
    assert len(story.members) == 3
    assert story.members[0].article_id == "c0"  # the first article names the story


# -- bad input ------------------------------------------------------------------------------

def test_empty_and_non_english_articles_are_irrelevant() -> None:
    j = judge()
    assert j.decide(article("e", "", ""), T0).kind is Kind.IRRELEVANT
    urdu = article("u", "چینی انجینئرز پر حملہ", "داسو میں چینی انجینئرز کی گاڑی پر خودکش حملہ ہوا۔")
    assert j.decide(urdu, T0).kind is Kind.IRRELEVANT


def test_huge_article_is_capped_and_cheap() -> None:
    huge = article("h", attack().title, attack().text + (" The convoy was attacked near Thakot." * 50000))
    started = time.perf_counter()
    d = judge(max_chars=20000).decide(huge, T0)
    assert time.perf_counter() - started < 2.0
    assert d.kind is Kind.NEW_STORY


# -- text -----------------------------------------------------------------------------------

def test_text_facts() -> None:
    assert split_sentences("Mr. Wang met Dr. Ali in Islamabad. They agreed.\n\nNew paragraph") == [
        "Mr. Wang met Dr. Ali in Islamabad.", "They agreed.", "New paragraph"]
    # A sentence keeps its end mark and closing quotes (a changes list shows it whole); the
    # spaces after it go; a digit may open the next; an abbreviation in brackets ends none.
    assert split_sentences('He said: "We agree."  (Talks ended.) 30 were there! Why?\nNext') == [
        'He said: "We agree."', "(Talks ended.)", "30 were there!", "Why?", "Next"]
    assert split_sentences("The firm (China Co.) Ltd signed. It met the (U.S.) Army.") == [
        "The firm (China Co.) Ltd signed.", "It met the (U.S.) Army."]
    # An initial stands alone; a party's or a line's letter ends a sentence.
    assert split_sentences("He left PML-N. Muhammad A. Khan joined. ML-I. Work began.") == [
        "He left PML-N.", "Muhammad A. Khan joined.", "ML-I.", "Work began."]
    names, openers = names_in("Chairing the meeting, Prime Minister Shehbaz Sharif met Li Qiang on Monday.")
    assert "prime minister shehbaz sharif" in names and "li qiang" in names
    assert "monday" not in names and "chairing" in openers
    # After an opening quote, bracket or bullet a word still opens the sentence.
    for opened in ("“Every school shut, Ahsan Iqbal said.", "• Every school shut, Ahsan Iqbal said."):
        assert names_in(opened) == ({"ahsan iqbal"}, {"every"})
    assert numbers_in("nearly 30,000 workers, $50 billion and 4.5% growth, two engineers") == {
        "30000", "50bn", "4.5%", "2"}
    # Rupees as Dawn and APP write them: a currency before the digits, not a word.
    assert numbers_in("Rs850m for wages of Rs37,000, of a Rs1,200 billion plan; COVID19") == {"850m", "37000", "1200bn"}
    assert numbers_in("The team starts on December 1 and reports by 15th Jan.") >= {"date:dec 1", "date:jan 15"}
    # Read in the lowered sentence: capitals count, and a long s is no s (no key, no crash).
    assert numbers_in("FIVE engineers arrived on 3 MARCH; ſix and two left") == {"5", "date:mar 3", "2"}
    # A date's day is no count, nor a year an amount: "when" is news a follow-up always has.
    assert numbers_in("Held on July 14, 2025, and in 2015 with 2,000 troops on Jan 9") == {
        "year:2025", "year:2015", "2000", "date:jan 9"}
    # Only the date's own day goes; a rupee amount or a quantity of four digits is no year.
    assert numbers_in("On Jan 5, 5 were hurt; Rs2000 for 1900 km") == {"date:jan 5", "5", "2000", "1900"}
    assert not any(f.startswith("date:") for f in numbers_in("Published on July 2, 2025"))
    analysis = analyse("T", "ISLAMABAD, Jul 01 (APP): Officials met.\nPublished in Dawn, July 2nd, 2025", 1000)
    assert [s.text for s in analysis.sentences] == ["ISLAMABAD: Officials met."]
    # Line breaks a feed escaped twice ("\\n\\n" in the text) still end paragraphs.
    escaped = analyse("T", "Officials met on Monday\\n\\nThe talks ended.\\r\\nThey agreed", 1000)
    assert [s.text for s in escaped.sentences] == ["Officials met on Monday", "The talks ended.", "They agreed"]
    # Paragraphs a scraper glued end to start part again, to the topic model too; an
    # abbreviation, a web address or a number does not end one.
    glued = ("The envoy met the minister.China and Pakistan agreed, he added.”Both sides, Prof.Li Li "
             "said, grew 116.47pc.Trade rose, see www.dawn.com/News.Pakistan for more or press@app.Gov")
    assert [s.text for s in analyse("T", glued, 1000).sentences] == [
        "The envoy met the minister.", "China and Pakistan agreed, he added.”",
        "Both sides, Prof.Li Li said, grew 116.47pc.", "Trade rose, see www.dawn.com/News.Pakistan for more or press@app.Gov"]
    assert readable(glued, 1000).count("\n") == 3



def test_an_article_s_subject_is_the_name_most_of_its_sentences_give() -> None:
    assert subject_of({"felt": 4, "fbi": 2, "nixon": 3}, 3) == "felt"
    assert subject_of({"felt": 3, "nixon": 3}, 3) == ""  # a tie: no subject
    assert subject_of({"felt": 2, "nixon": 1}, 3) == ""  # too few sentences
    assert subject_of({"felt": 4}, 0) == ""  # 0: never a subject
    text = ("Mark Felt died on Thursday.\nThe FBI said Felt was 95.\nIn 1974 Nixon resigned and Felt stayed."
            "\nHis son said Felt was the source.")
    assert analyse("Mark Felt dies", text, 1000, subject_sentences=3).subject == "felt"
    assert analyse("Mark Felt dies", text, 1000).subject == ""

def test_a_quote_over_several_sentences_is_a_fact_of_the_sentence_it_opens_in() -> None:
    """A quote is read in its paragraph, which pairs its marks: split into sentences, the
    second half's closing mark would open a "quote" of what the reporter wrote between."""
    quoted = ('"We will finish the port on time. It will employ 5,000 people," the minister told reporters '
              'at the ceremony, adding that "ships from China and beyond will berth there by June."')
    facts = [sorted(f for f in s.facts if f.startswith("quote:")) for s in analyse("T", quoted, 1000).sentences]
    assert facts == [["quote:5000 employ finish people port"], ["quote:berth beyond china june ship"]]
    # A quote that goes on in the next paragraph is left open in the first (and opened again).
    running = "The minister said: “Gwadar will handle ships from China by June.\n“It will employ many people.”"
    assert sorted(analyse("T", running, 1000).sentences[0].facts) == [
        "china", "gwadar", "quote:china gwadar handle june ship"]


def test_what_changed_lists_news_about_the_story_before_a_press_conference_s_other_subjects() -> None:
    """A minister's press conference on an attack also covers passports and Afghanistan: its
    sentences about the attack (some words known to the story, some new) come first."""
    known = _knowledge_of(analyse(ATTACK_TITLE_FOR_NOVELTY, ATTACK_FOR_NOVELTY, 8000))
    presser = analyse("Minister vows security for Chinese engineers after Thakot attack", PRESSER, 8000)
    novelty = assess(presser, known, min_new_facts=3.0, min_new_sentences=1, known_overlap=0.6, max_changes=2)
    assert novelty.material
    assert all("Thakot" in change or "Chinese" in change for change in novelty.changes), novelty.changes


def test_what_changed_lists_the_topic_s_news_before_a_briefing_s_list_of_other_visits() -> None:
    """A weekly briefing's sentence on a visit elsewhere names many people, in the words the
    story uses (minister, visit, met): of the briefing's news, what names the topic comes first."""
    known = _knowledge_of(analyse("Wang Yi to visit Islamabad for strategic dialogue", VISIT_ANNOUNCED, 8000))
    briefing = analyse("FO: Pakistan, China reaffirm partnership in strategic dialogue", BRIEFING, 8000)
    by_facts = assess(briefing, known, min_new_facts=3.0, min_new_sentences=1, known_overlap=0.6, max_changes=2)
    assert any("London" in change for change in by_facts.changes), by_facts.changes
    by_topic = assess(briefing, known, min_new_facts=3.0, min_new_sentences=1, known_overlap=0.6, max_changes=2,
                      names_topic=TopicModel(TopicSettings()).names_topic)
    assert by_topic.material == by_facts.material  # (the order of the changes, not the decision)
    assert len(by_topic.changes) == 2 and all("China" in c or "CPEC" in c for c in by_topic.changes), by_topic.changes


def test_what_changed_leaves_out_a_sentence_on_another_subject_unless_nothing_else_is_new() -> None:
    """A sentence that neither names the topic nor shares a quarter of its words with the story
    (a briefing's word on floods elsewhere) is not listed, even with room to spare."""
    known = _knowledge_of(analyse("Wang Yi to visit Islamabad for strategic dialogue", VISIT_ANNOUNCED, 8000))
    floods = "The spokesperson also said floods in Sylhet had displaced 40,000 families in Bangladesh."

    def novelty_of(text: str) -> Novelty:
        return assess(analyse("FO weekly briefing", text, 8000), known, min_new_facts=3.0, min_new_sentences=1,
                      known_overlap=0.6, max_changes=5, names_topic=TopicModel(TopicSettings()).names_topic)

    briefing = novelty_of(f"{BRIEFING}\n\n{floods}")
    # (Every sentence of the briefing, with a place to spare.)
    assert len(briefing.changes) == 4 and not any("Sylhet" in c for c in briefing.changes), briefing.changes
    assert {"sylhet", "40000"} <= set(briefing.new_facts)  # (still news: it counts towards an update)
    assert novelty_of(floods).changes == (floods,)


def test_an_update_s_changes_name_the_topic_first() -> None:
    """The judge orders an update's changes by the topic: the briefing's news that names
    China (300 engineers for Gwadar) comes before the London visit's longer list of names."""
    dialogue = article("v", "Pakistan, China agree to speed up CPEC Phase-II at strategic dialogue", DIALOGUE)
    briefing = article("b", "FO: Pakistan, China reaffirm partnership in strategic dialogue", BRIEFING,
                       T0 + timedelta(days=1))
    first, update = feed(judge(max_changes=1), dialogue, briefing)
    assert update.kind is Kind.UPDATE and update.story_id == first.story_id, update.why
    assert update.changes == ("He said China would send 300 engineers to complete the Gwadar airport road by December.",)


DIALOGUE = """ISLAMABAD: Pakistan and China held their strategic dialogue at the Foreign Office on Thursday, with Chinese Foreign Minister Wang Yi and Deputy Prime Minister Ishaq Dar agreeing to speed up CPEC Phase-II, the Foreign Office spokesperson said.

The two sides reviewed progress on CPEC projects, including Gwadar port and the Khunjerab border crossing, and agreed to meet again next year."""
VISIT_ANNOUNCED = """ISLAMABAD: Chinese Foreign Minister Wang Yi will visit Islamabad on Thursday for the strategic dialogue with Deputy Prime Minister Ishaq Dar, the Foreign Office said.

The foreign minister's visit will review bilateral relations and the regional situation, the spokesperson said."""
BRIEFING = """ISLAMABAD: The Foreign Office spokesperson said on Friday that Pakistan and China agreed at the strategic dialogue to speed up CPEC Phase-II and open two new border crossings at Khunjerab.

The spokesperson said the deputy prime minister also paid a visit to London, where he met Foreign Secretary David Lammy, Minister Hamish Falconer, Lord Tariq Ahmad, Baroness Sayeeda Warsi and members of the British parliament.

He said China would send 300 engineers to complete the Gwadar airport road by December.

The spokesperson said the deputy prime minister will visit Brussels next week."""


ATTACK_TITLE_FOR_NOVELTY = "Suicide bomber targets convoy of Chinese engineers near Thakot"
ATTACK_FOR_NOVELTY = """THAKOT: A suicide bomber rammed an explosives-laden car into a convoy carrying Chinese engineers near Thakot on Monday, killing three Chinese nationals and their Pakistani driver, police said.

The engineers were travelling to the hydropower project site when the convoy was attacked."""
PRESSER = """ISLAMABAD: Interior Minister Mohsin Naqvi said on Tuesday that 12 suspects had been detained over the Thakot convoy bombing and that security for Chinese engineers on every project would be raised.

Regarding fake identity cards, he said 48 officials of the registration authority had been suspended across Punjab and Sindh in 2025.

On Afghanistan, he said Kabul's interim rulers had promised at talks in Doha to act against 19 camps along the western border.

He said the Chinese engineers at the Thakot project site would travel only in armoured vehicles, escorted by the Special Protection Unit."""


def test_incident_keys_are_places_and_dates_not_the_topic_s_own_names() -> None:
    j = judge()
    title = "Attack on CPEC convoy in Karachi kills two Chinese engineers"
    text = ("KARACHI: Prime Minister Shehbaz Sharif condemned the October 6 attack on a CPEC convoy in Karachi "
            "that killed two Chinese engineers.\n\nPakistan and China vowed to find the attackers.")
    marks = j.incidents.marks(title, analyse(title, text, 8000))
    assert marks.reports and marks.concerns_topic
    assert {"karachi", "date:oct 6"} <= marks.keys
    assert not {"cpec", "chinese", "china", "pakistan"} & marks.keys
    assert "prime minister shehbaz sharif" in marks.keys  # a reference may name who reacted ...
    assert "prime minister shehbaz sharif" not in marks.story_keys  # ... a story is not known by it


def test_an_outlet_that_names_the_ministers_office_tells_no_news() -> None:
    """The second outlet says "Federal Minister" and lists the ministries at the meeting where the
    first named only the minister: titles, not new actors, so the report is a duplicate."""
    known = _knowledge_of(analyse(
        "Maritime minister sees $850m export potential in Gwadar seafood",
        "ISLAMABAD: Maritime Affairs Minister Junaid Anwar Chaudhry said on Friday that Gwadar's seafood and "
        "dates could earn $850 million a year. Pakistan International Airlines will raise its weekly flights to "
        "Gwadar from one to three, he told a meeting on the port's operations.", 8000))
    rewrite = analyse(
        "Junaid Chaudhry underscores $850 million export potential in Gwadar",
        "ISLAMABAD: Federal Minister for Maritime Affairs Junaid Anwar Chaudhry on Friday said seafood and dates "
        "from Gwadar could earn $850 million a year. Chairing a meeting on the operations of Gwadar Port, attended "
        "by officials of the Ministries of Commerce, Communication and Industries, he said Pakistan International "
        "Airlines will raise its weekly flights to Gwadar from one to three.", 8000)
    novelty = assess(rewrite, known, min_new_facts=3.0, min_new_sentences=1, known_overlap=0.6, max_changes=5)
    assert not novelty.material, novelty.new_facts
    assert not {"federal minister", "ministries of commerce", "communication", "industries"} & set(novelty.new_facts)
    # A body that acts is news of its own.
    assert not is_office("national assembly") and not is_office("foreign office") and is_office("ministries of commerce")
    # A title with a name in it is a new actor all the same.
    briefed = analyse("Secretary briefs", "Federal Secretary Rizwan Ahmed briefed the meeting on the port.", 8000)
    assert "federal secretary rizwan ahmed" in assess(briefed, known, min_new_facts=3.0, min_new_sentences=1,
                                                      known_overlap=0.6, max_changes=5).new_facts


def test_an_article_places_itself_by_its_dateline_and_the_names_after_in_or_at() -> None:
    text = ("GWADAR, Jun 3 (APP): The prime minister arrived in Gwadar Port City on Friday and spoke "
            "at the Expo Centre.\n\nFrom Islamabad he had called on Chinese companies to invest, he "
            "told Chief Minister Sarfraz Bugti.\n\nLater he went to Turbat.")
    occasion = read_occasion("PM flies to Pasni", analyse("PM flies to Pasni", text, 8000))
    # The title and two sentences (the third's Turbat is not in the head); no words that many
    # places' names have (port, city, centre), no person ("to Chief Minister ...").
    assert occasion.places == {"gwadar", "expo", "islamabad", "pasni"}
    assert not occasion.meeting  # "called on Chinese companies to invest" is what a speech says
    for title in ("PM meets Chinese envoy", "PM met with traders", "Talks with Chinese delegation held"):
        assert read_occasion(title, analyse(title, text, 8000)).meeting, title
