"""Seed files, and the seed scenario of the brief (on the seeds shipped in config/seeds)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from judge_articles import NOT_THE_SEED_STORY, SEED_REWRITES, airport_attack_stream

from monitor.judge import Judge, JudgeSettings, TopicSettings
from monitor.judge.background import load_background
from monitor.models import Article, Kind
from monitor.seeds import SEED_PUBLISHED, load_seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "config" / "seeds"
sys.path.insert(0, str(ROOT / "bench"))
from quality import holdout_seedset, seedset_results  # noqa: E402

NOW = datetime(2024, 11, 12, tzinfo=UTC)

# A plain rewrite of seed 000 written for this test: the same facts in other words.
REWRITE_OF_SEED_000 = """Pakistan and China are nearing an agreement to create joint security companies that would guard Chinese nationals in Pakistan, following a series of deadly militant attacks on them.
According to sources who spoke to Nikkei Asia, the arrangement would allow Chinese security personnel to operate inside Pakistan, something Islamabad has long resisted despite pressure from Beijing, and Chinese nationals could travel in armored vehicles.
China, Pakistan's biggest investor, has become cautious about new deals since its citizens were attacked, and thousands of Chinese work on projects in the country.
Militancy is rising in Pakistan, from Islamists who want to overthrow the government to separatists in Balochistan, home of Gwadar port, the centrepiece of the $50 billion China-Pakistan Economic Corridor (CPEC).
During talks on the second phase of CPEC, part of the Belt and Road Initiative, Beijing pushed for armor-protected vehicles and more protection for its citizens.
Beijing has demanded since 2022 that Pakistan let Chinese security companies protect its citizens, and has tied future investment to counterterrorism cooperation.
To sweeten the deal, Beijing offers more CPEC funding for infrastructure, energy and transport, and hints at a quick restart of the $7 billion Main Line 1 railway linking Peshawar and Karachi.
Khuram Iqbal, an Islamabad counterterrorism expert, said Beijing is willing to take a proactive role to protect its overseas interests, while Ayesha Siddiqa of King's College London warned of a local backlash."""


@pytest.fixture(scope="module")
def seeds() -> list[Article]:
    return load_seeds(SEEDS)


def news(seed: Article, article_id: str, **changes: object) -> Article:
    """A seed's text arriving as an ordinary news article."""
    return dataclasses.replace(seed, id=article_id, is_seed=False, content_hash="", published=NOW,
                               **changes)  # type: ignore[arg-type]


def test_load_seeds(seeds: list[Article]) -> None:
    assert [s.id for s in seeds] == ["seed:000_62cc25fecc494a02", "seed:002_b1cd8732edfbedeb"]
    assert all(s.is_seed and s.published == SEED_PUBLISHED for s in seeds)
    # neither file starts with a headline: the title is the first sentence, trimmed
    assert seeds[0].title.startswith("ISLAMABAD — Beijing and Islamabad are close to a deal")
    assert len(seeds[0].title) <= 120
    assert "joint security companies" in seeds[0].text


def test_headline_first_line_is_the_title(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second seed sentence one. More text.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("China, Pakistan agree on security deal\nBody sentence. More.\n",
                                    encoding="utf-8")
    loaded = load_seeds(tmp_path)
    assert [s.id for s in loaded] == ["seed:a", "seed:b"]
    assert loaded[0].title == "China, Pakistan agree on security deal"
    assert loaded[0].text == "Body sentence. More."
    assert loaded[1].title == "Second seed sentence one."


def test_both_seeds_make_one_story(seeds: list[Article]) -> None:
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds)
    assert list(judge.index.stories) == ["seed:000_62cc25fecc494a02"]
    assert judge.index.stories["seed:000_62cc25fecc494a02"].articles == 2


def test_seed_002_as_news_updates_the_seed_000_story(seeds: list[Article]) -> None:
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds[:1])
    d = judge.decide(news(seeds[1], "news:002"), NOW)
    assert d.kind is Kind.UPDATE
    assert d.alert
    assert d.story_id == "seed:000_62cc25fecc494a02"
    assert d.matched == "seed:000_62cc25fecc494a02"
    changes = " ".join(d.changes).lower()
    assert "airport bombing" in changes and "karachi" in changes
    assert "30,000 chinese nationals" in changes
    assert "cordon" not in changes  # seed 000 already told the inner/outer cordon plan
    assert "Compared with: " in d.summary and "(seed)" in d.summary


def test_syndicated_copy_of_a_seed_is_a_duplicate(seeds: list[Article]) -> None:
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds[:1])
    text = seeds[0].text.replace("Multiple sources", "Several sources").replace(" ,", ",")
    d = judge.decide(news(seeds[0], "news:copy", text=text, title="Beijing, Islamabad near security deal"), NOW)
    assert d.kind is Kind.DUPLICATE
    assert d.story_id == "seed:000_62cc25fecc494a02"


def test_plain_rewrite_of_a_seed_is_a_duplicate(seeds: list[Article]) -> None:
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds[:1])
    rewrite = news(seeds[0], "news:rewrite", text=REWRITE_OF_SEED_000,
                   title="China and Pakistan near deal on joint security firms")
    d = judge.decide(rewrite, NOW)
    assert d.story_id == "seed:000_62cc25fecc494a02"
    assert d.kind is Kind.DUPLICATE, d.why


def test_the_seeds_link_with_a_margin(seeds: list[Article]) -> None:
    """Seed 002 joins seed 000 on its own merits (words and phrases), clear of the seeds' bar."""
    settings = JudgeSettings()
    judge = Judge.create(TopicSettings(), settings, seeds[:1])
    article = news(seeds[1], "news:002")
    d = judge.decide(article, NOW)
    match = judge.nearest(article, NOW)
    assert match is not None and match.story.is_seed
    assert match.seed_similarity >= 1.1 * settings.seed_match_threshold, d.why
    assert match.phrase_similarity > 0.03, d.why  # the subject's phrases, not only its words


def test_a_nearer_story_below_the_bar_does_not_keep_an_article_from_the_seeds_story() -> None:
    """The interior minister on the joint protection mechanism (held-out set), after the
    weeks' news before it: the story of that morning's security audit of Chinese sites shares
    more of its words (interior ministry, guards, Chinese staff) than the seeds' story does,
    but too few to take it; the seeds' story takes it on its subject score."""
    held_out = sorted((article for _, _, article in holdout_seedset()), key=lambda a: a.published)
    minister = next(a for a in held_out if a.id == "ho-pos-03")
    judge = Judge.create(TopicSettings(), JudgeSettings(), load_seeds(SEEDS))
    for article in held_out[: held_out.index(minister)]:
        judge.remember(article, judge.decide(article, article.published))
    assert "story:ho-neg-04" in judge.index.stories  # the audit's: nearer in words (0.20), under the bar
    decision = judge.decide(minister, minister.published)
    assert str(decision.story_id).startswith("seed:"), decision.why


def test_seed_recognition_set() -> None:
    """Articles on the negotiations join the seeds' story; other on-topic stories stay out.

    Each article is judged alone by a judge that knows only the seeds (the hard case), and
    all of them as one stream in date order.
    """
    results = seedset_results(SEEDS)
    bar = JudgeSettings().seed_match_threshold
    for mode, rows in results.items():
        positives = [r for r in rows if r[0].startswith("pos")]
        negatives = [r for r in rows if r[0].startswith("neg")]
        assert sum(r[2] for r in positives) >= 8, (mode, [r for r in positives if not r[2]])
        assert sum(r[2] for r in negatives) <= 1, (mode, [r for r in negatives if r[2]])
    alone = results["alone"]
    assert max(r[3] for r in alone if r[0].startswith("neg")) <= 0.7 * bar


def test_held_out_seed_recognition_set() -> None:
    """The same on a synthetic set written by a helper that never saw the judge
    (bench/labels/seedset-holdout.jsonl; 11/12 and 12/12 recognised when written down)."""
    for mode, rows in seedset_results(SEEDS, holdout_seedset()).items():
        positives = [r for r in rows if r[0].startswith("pos")]
        negatives = [r for r in rows if r[0].startswith("neg")]
        assert sum(r[2] for r in positives) >= 10, (mode, [r for r in positives if not r[2]])
        assert sum(r[2] for r in negatives) <= 1, (mode, [r for r in negatives if r[2]])


@pytest.mark.parametrize("name", list(NOT_THE_SEED_STORY))
def test_other_cpec_and_security_stories_are_not_the_seed_story(seeds: list[Article], name: str) -> None:
    """A fresh daemon knows only the seeds: the topic's everyday words must not merge news into them.

    (The defect: a Gwadar shipping story joined the seeds' story at 0.252 against a 0.25 bar.)
    """
    title, text = NOT_THE_SEED_STORY[name]
    settings = JudgeSettings()
    judge = Judge.create(TopicSettings(), settings, seeds)
    article = Article(id="news:other", url=None, title=title, published=NOW, source="Test", text=text)
    d = judge.decide(article, NOW)
    assert d.kind is Kind.NEW_STORY, d.why
    assert d.alert
    match = judge.nearest(article, NOW)
    assert match is not None and match.story.is_seed
    assert match.seed_similarity <= 0.8 * settings.seed_match_threshold, d.why
    assert match.similarity <= 0.6 * settings.match_threshold, d.why


def test_background_frequencies_make_the_topic_s_everyday_words_cheap() -> None:
    """Before any news, "Dasu" identifies a story and "CPEC" does not."""
    background = load_background()
    assert background.whole.documents > 5000 and 100 < background.on_topic.documents < background.whole.documents
    index = Judge.create(TopicSettings(), JudgeSettings(), []).index
    assert index.idf("dasu") > index.idf("cpec") + 1.0
    assert index.idf("n:pakistan") < index.idf("cpec")


@pytest.mark.parametrize("known", ["both seeds", "its own seed"])
@pytest.mark.parametrize("name", list(SEED_REWRITES))
def test_other_versions_of_a_seed_land_in_the_seed_story(seeds: list[Article], name: str, known: str) -> None:
    """Wire summaries and rewrites are duplicates; a follow-up with a new fact is an update naming it."""
    index, title, text, kind, new_words = SEED_REWRITES[name]
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds if known == "both seeds" else [seeds[index]])
    article = Article(id="news:version", url=None, title=title, published=NOW, source="Test", text=text)
    d = judge.decide(article, NOW)
    # Both seeds make one story, named after seed 000.
    assert d.story_id == ("seed:000_62cc25fecc494a02" if known == "both seeds" else seeds[index].id)
    assert d.kind.value == kind, d.why
    changes = " ".join(d.changes)
    assert all(word in changes for word in new_words), d.changes


def test_an_attack_in_the_seeds_months_keeps_its_own_story(seeds: list[Article]) -> None:
    """The Karachi airport bombing (which seed 002 names) is a story of its own: its reactions
    join it, even one that names China only in passing; an article on the seeds' subject that
    names the attack stays in the seeds' story; arrests in the attack's case go to the attack."""
    judge = Judge.create(TopicSettings(), JudgeSettings(), seeds)
    decisions = {}
    for article in airport_attack_stream():
        decisions[article.id] = judge.decide(article, article.published)
        judge.remember(article, decisions[article.id])
    blast = decisions["blast"]
    assert blast.kind is Kind.NEW_STORY and blast.alert, blast.why
    for reaction in ("pm", "embassy", "arrests"):
        assert decisions[reaction].story_id == blast.story_id, decisions[reaction].why
    assert decisions["pm"].relevance < TopicSettings().threshold  # on topic as a reaction only
    assert str(decisions["security"].story_id).startswith("seed:"), decisions["security"].why
