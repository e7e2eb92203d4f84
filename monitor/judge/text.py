"""What the judge reads in an article: sentences, content words, names, numbers, quotes.

Everything here is a pure function of the text, built on regular expressions so that an
article costs microseconds per kilobyte. ``analyse`` is only called for articles that passed
the cheap relevance gate (or for every article under ``--all-relevant``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more
most my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself said says say told according also however would could may might must
shall upon within without among amid around across while since per via yet still even many much
one ones mr mrs ms dr its it's he's she's they're we're there's that's today yesterday tomorrow
new year years day days time times week weeks month months including include includes
""".split())

# Capitalised words that start sentences without naming anything.
_NOT_NAMES = STOPWORDS | frozenset("""
the this that these those he she it they we his her their its our in on at for from with by as
but and or if when while after before during under over meanwhile however moreover earlier later
according speaking addressing separately also officials sources minister ministry government
""".split())

# Month and day names date an article, they do not tell its news.
CALENDAR = frozenset("""
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday
""".split())

# A dateline: where the wire filed from ("ISLAMABAD", "GWADAR/ISLAMABAD"), then APP's date and
# name as it types them ("ISLAMABAD, Jul 01 (APP):", "ISLAMABAD Jan 5 (APP):", "ISLAMABAD,
# Sep 28, 2021 (APP):", "ISLAMABAD (APP):"), or Dawn's bare colon ("KARACHI:").
DATELINE_PLACE = r"[A-Z][A-Z .'’/-]{2,40}"
_WIRE = r"\s*\([A-Za-z]{2,10}\)"
_WIRE_DATE = rf",?\s*[A-Za-z]{{3,9}}\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?,?{_WIRE}"
# ``analyse`` keeps the place and drops the wire's date and name. (The "?" after the place
# makes it lazy: "ISLAMABAD Jan 5" is the place "ISLAMABAD" and a date, not "ISLAMABAD J".)
_DATELINE = re.compile(rf"^({DATELINE_PLACE}?)(?:{_WIRE_DATE}|{_WIRE})\s*:")
_ANY_DATELINE = re.compile(rf"^\s*{DATELINE_PLACE}?(?:{_WIRE_DATE}|{_WIRE})?\s*:")
# "Published in Dawn, July 2nd, 2025": the outlet's footer, not the story.
_FOOTER = re.compile(r"\n\s*Published in [^\n]{2,60}\d{4}\s*$")

_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
}
_SCALES = {
    "million": "m", "mn": "m", "m": "m", "billion": "bn", "bn": "bn", "b": "bn",
    "trillion": "tn", "tn": "tn", "percent": "%", "per cent": "%", "pc": "%", "%": "%",
}

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CONTENT_WORD = re.compile(r"[a-z][a-z0-9]+|\d[\d,.]*\d|\d")
# A name after the character before it (``names_in`` reads a sentence with a space in front):
# a leading "\b" is a test at every position; a non-word character is a class the engine
# skips ahead on.
_NAME = re.compile(
    r"\W([A-Z][A-Za-z’'.\-]*[A-Za-z](?:\s+(?:of\s+|the\s+|al[\s-]|bin\s+)?[A-Z][A-Za-z’'.\-]*[A-Za-z])*)")
# Currencies written against their amount, as Dawn and APP write rupees: "Rs850m", "Rs1,200 billion".
_CURRENCIES = ("Rs", "Rs.", "PKR")
# (Not inside a word or a number, but after a currency.)
_NUMBER = re.compile(
    "(?:(?<![\\w.])" + "".join(rf"|(?<=\b{re.escape(c)})" for c in _CURRENCIES) + ")"
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(%|per cent|percent|pc\b|million\b|mn\b|m\b|"
    r"billion\b|bn\b|b\b|trillion\b|tn\b)?",
    re.IGNORECASE,
)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
# "December 1", "1 December", "Dec. 1st": a calendar date is a fact (when something happens),
# and its day no number. One with its year ("July 2, 2025"; group 5) is the article's own
# more often than not ("Published on ..."): no date fact (its year is a year, as any is).
_DATE = re.compile(
    rf"\b(?:({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS}))\b(\s*,?\s*\d{{3}})?",
)  # (read in a lowered sentence, as _NUMBER_WORD is)
# What makes a four-digit number an amount or a quantity, not a year.
_CURRENCY_BEFORE = re.compile("(?:" + "|".join(rf"\b{re.escape(c)}" for c in _CURRENCIES) + r"|\$)\s*$")
_UNIT_AFTER = re.compile(r"\s*(?:mw|kw|gw|km|kg|acres?|tons?|tonnes?|megawatts?|kilomet|met(?:er|re)s|feet|sq)\b",
                         re.IGNORECASE)
_MONTH_STEMS = frozenset(month[:3] for month in _MONTHS.split("|"))  # (what numbers_in looks for first)
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
# A quote in its marks; or one a paragraph opens and leaves open, as a quote that runs into
# the next paragraph is written (only a curly mark says that it opens). (About half of those
# are a closing mark the outlet forgot; mostly still real speech.)
_QUOTE = re.compile(r"[“\"]([^”\"]{25,400})[”\"]|“([^”\"]{25,})$")
# A sentence's end mark, closing quotes or brackets, and the space before a capital or digit.
# (The mark is matched, not looked behind for: a pattern that opens with a lookbehind is
# tried at every position, one that opens with a character class skips ahead to it.)
_SENTENCE_END = re.compile(r"([.!?][\"”’)\]]*)\s+(?=[“\"‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|No|Gen|Lt|Col|Maj|Brig|Capt|Sen|Rep|Gov|Prof|Jan|Feb|Mar|Apr|Jun|Jul|"
    r"Aug|Sep|Sept|Oct|Nov|Dec|Inc|Co|Corp|Ltd|vs|approx|etc)|(?<![\w-])[A-Z])\.[\"”’)\]]*$"
)  # (An initial, "U." or "A.", stands alone: "PML-N." and "ML-I." end sentences.)
_ESCAPED_BREAK = re.compile(r"(?:\\r)?\\n")
# A paragraph break the source lost: "... media persons.The working journalists ...". A
# scraper that drops the markup between paragraphs glues them end to start, and each glued
# pair reads as one run-on sentence and one paragraph. Two small letters or digits, an end
# mark, then a capitalised word: not "Mr.Khan" (one small letter), "dawn.com" or "1.5".
# (A full stop opens the pattern, so the engine scans for it as a literal, three times faster
# than for a class of marks; "!" and "?" are looked for only in a text that has one.)
_GLUED_NEXT = r"[\"”’)]*(?=[“\"‘]?[A-Z][a-z])"  # (closing quotes, then the next paragraph's start)
_GLUED_STOP = re.compile(r"\.(?<=[a-z0-9]{2}\.)" + _GLUED_NEXT)
_GLUED_MARK = re.compile(r"[!?](?<=[a-z0-9]{2}[!?])" + _GLUED_NEXT)
_DOTTED_WORD = re.compile(r"[A-Za-z]\.[A-Za-z]")  # "www.facebook.com/Sead", "U.S"


@dataclass(frozen=True)
class Sentence:
    """One sentence with what novelty compares: its content words and its facts."""

    text: str
    words: frozenset[str]
    facts: frozenset[str]


@dataclass(frozen=True)
class Analysis:
    """An article as the matcher and the novelty check see it."""

    sentences: tuple[Sentence, ...]
    terms: dict[str, float]  # content word -> 1 + log(count), title words doubled
    names: frozenset[str]
    numbers: frozenset[str]
    shingles: frozenset[int]
    # Adjacent content words within a sentence ("security personnel", "joint security") ->
    # count, the title's counted twice: what a subject is called, as opposed to its words.
    phrases: dict[str, int] = field(default_factory=dict)
    # Who or what the article is about: the name more sentences give than any other (``subject_of``).
    subject: str = ""


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A deliberately light stemmer: plurals only, so "attacks" meets "attack"."""
    if len(word) > 4 and word[-1] == "s" and word[-2] not in "su'":
        if word.endswith("ies"):
            return word[:-3] + "y"
        return word[:-1]
    return word


def split_paragraphs(text: str) -> list[str]:
    """The non-blank lines of ``text``: its paragraphs, as ``clean`` and the replay keep them."""
    return [stripped for paragraph in text.split("\n") if (stripped := paragraph.strip())]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; paragraph breaks always end a sentence."""
    return [sentence for paragraph in split_paragraphs(text) for _, sentence in sentences_at(paragraph)]


def sentences_at(paragraph: str) -> list[tuple[int, str]]:
    """The sentences of one paragraph, each with the place in it where it starts."""
    sentences: list[tuple[int, str]] = []
    pending = ""
    pending_at = start = 0
    for end in _SENTENCE_END.finditer(paragraph):
        piece = paragraph[start : end.end(1)]  # (with its end mark and closing quotes)
        if not pending:
            pending_at = start
        start = end.end()
        pending = f"{pending} {piece}" if pending else piece
        # "Mr. Wang" and "U.S. officials" are not sentence ends.
        if _ABBREVIATION.search(pending):
            continue
        sentences.append((pending_at, pending))
        pending = ""
    last = paragraph[start:]
    sentences.append((pending_at, f"{pending} {last}") if pending else (start, last))
    return sentences


def content_words(text: str) -> list[str]:
    """Lower-case, stemmed words that carry meaning (no stopwords, no one-letter tokens)."""
    return [stem(w) for w in _CONTENT_WORD.findall(text.lower().replace(",", "")) if w not in STOPWORDS]


# What may come before a sentence's first word without making it any less the first.
_OPENING_MARKS = " \t“\"‘'([•·*-"


def names_in(sentence: str) -> tuple[set[str], set[str]]:
    """Capitalised spans, lower-cased: (names, single capitalised words opening the sentence).

    The second set is kept apart because "Chairing the meeting, ..." capitalises a verb:
    a sentence-opening word is a name only if the article also capitalises it elsewhere.
    """
    found: set[str] = set()
    openers: set[str] = set()
    for match in _NAME.finditer(" " + sentence):
        words = match.group(1).replace("’", "'").split()
        while words and words[0].lower().rstrip(".") in _NOT_NAMES:
            words = words[1:]
        if not words:
            continue
        name = " ".join(words).lower().rstrip(".").removesuffix("'s")
        if len(name) <= 1 or name in _NOT_NAMES or name in CALENDAR:
            continue
        # (The match opens one character before the name, which is where the name is in ``sentence``.)
        before = sentence[: match.start()].rstrip(_OPENING_MARKS)
        # The sentence opens at its start (after an opening quote, bracket or bullet: "“Every
        # ...", "• Closure of ..."), or right after a dateline ("KARACHI: Chairing ...").
        opening = not before or (before[-1] in ":—–" and before[:-1].strip().isupper())
        if opening and len(words) == 1 and not words[0].isupper():
            openers.add(name)
        else:
            found.add(name)
    return found, openers


def numbers_in(sentence: str) -> set[str]:
    """Numbers with their scale, normalised: "30,000" -> "30000", "$50 billion" -> "50bn"."""
    found: set[str] = set()
    has_digit = _DIGIT.search(sentence) is not None  # (most sentences have none: skip two scans)
    # Number words and dates are read in the lowered sentence (what the substring tests see:
    # the engine's case folding differs from lower(), "ſix" matched and was no key), and only
    # when a substring test finds one: most sentences have no number word, and no month
    # where they have a digit, and a scan by either pattern costs far more.
    lowered = sentence.lower()
    if any(map(lowered.__contains__, _NUMBER_WORDS)):  # (map: no generator frame per word)
        for match in _NUMBER_WORD.finditer(lowered):
            found.add(_NUMBER_WORDS[match.group(1)])
    dated = has_digit and any(map(lowered.__contains__, _MONTH_STEMS))
    day_at: set[int] = set()  # where a date's day starts (lower() keeps an ASCII text's places)
    for match in _DATE.finditer(lowered) if dated else ():
        day_group = 2 if match.group(2) else 3
        day_at.add(match.start(day_group))
        if not match.group(5):
            found.add(f"date:{(match.group(1) or match.group(4))[:3]} {int(match.group(day_group))}")
    for match in _NUMBER.finditer(sentence) if has_digit else ():
        if match.start(1) in day_at:
            continue
        value = match.group(1).replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        value = value.lstrip("0") or "0"
        scale = match.group(2)
        if not scale and len(match.group(1)) == 4 and value[:2] in ("19", "20") \
                and not _CURRENCY_BEFORE.search(sentence, 0, match.start(1)) \
                and not _UNIT_AFTER.match(sentence, match.end()):
            found.add("year:" + value)  # when, not how many (not "2,000", "Rs2000", "2000 MW")
            continue
        found.add(value + (_SCALES.get(scale.lower(), "") if scale else ""))
    return found


def quotes_in(paragraph: str) -> list[tuple[int, str]]:
    """Quoted statements of a paragraph, each with where it opens, keyed by its first
    content words so a re-quote is recognised.

    A paragraph, not a sentence, is searched: a quote often runs over several sentences
    ("We will finish it. It will employ 5,000 people," he said), and only the paragraph
    pairs curly marks right; a sentence alone would see the second half's closing mark open
    a "quote" of "he said, adding". (Straight marks, which cannot say whether they open or
    close, can still pair across a short quote; 28 of about 46,500 quotes in the corpora.)
    A quote a paragraph leaves open, to go on in the next, is one too: its key is read from
    its first words.
    """
    keys: list[tuple[int, str]] = []
    for match in _QUOTE.finditer(paragraph):
        words = content_words(match.group(1) or match.group(2))
        if len(words) >= 4:
            keys.append((match.start(), "quote:" + " ".join(sorted(words[:8]))))
    return keys


def shingles_of(text: str, size: int = 5) -> frozenset[int]:
    """Hashed word ``size``-grams: near-copies share most of them, rewrites few."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    # (Zipping the words shifted by 0 to size - 1 places builds each shingle without a slice
    # of its own; the shifted lists are meant to differ in length.)
    return frozenset(map(hash, zip(*(words[i:] for i in range(size)), strict=False)))


def readable(text: str, max_chars: int) -> str:
    """The first ``max_chars`` of ``text`` as the judge reads them, everywhere it reads them.

    Some feeds (and 275 articles of the Dawn/APP 2025 stream, from both) escape their line breaks
    twice: a literal "\\n\\n" between paragraphs glues them into one run-on "sentence",
    and hides a paragraph's first word from the topic terms ("\\nCPEC" is no word "CPEC").
    Others lost the breaks altogether and glue a paragraph's last word to the next one's first
    ("media persons.The working journalists"; one APP article in seven in 2021-22): the
    break is put back.
    """
    text = text[:max_chars]
    if "\\n" in text:
        text = _ESCAPED_BREAK.sub("\n", text)
    text = _GLUED_STOP.sub(_restore_break, text)
    return _GLUED_MARK.sub(_restore_break, text) if "!" in text or "?" in text else text


def _restore_break(glued: re.Match[str]) -> str:
    """The paragraph break after a sentence glued to the next, unless the "sentence end" is
    an abbreviation's ("Prof.Li", "Gen.Asim") or inside a web address."""
    before = glued.string[max(0, glued.start() - 40) : glued.end()]
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    if _ABBREVIATION.search(before) or _DOTTED_WORD.search(word[:-1]) or "@" in word:
        return glued.group(0)
    return glued.group(0) + "\n"


def dateline(text: str) -> str:
    """The dateline ``text`` opens with ("ISLAMABAD, Sep 28 (APP):", "KARACHI:"), or ""."""
    found = _ANY_DATELINE.match(text)
    return found.group(0).strip() if found else ""


def analyse(title: str, text: str, max_chars: int, subject_sentences: int = 0) -> Analysis:
    """Everything the matcher and the novelty check need, from at most ``max_chars`` of text
    (a subject only when ``subject_sentences`` name it: see ``subject_of``)."""
    body = _FOOTER.sub("", _DATELINE.sub(r"\1:", readable(text, max_chars).lstrip()))
    counts: dict[str, int] = {}
    phrases: dict[str, int] = {}
    title_words = content_words(title)
    for word in title_words:
        counts[word] = counts.get(word, 0) + 2
    _count_phrases(title_words, phrases, 2)
    parsed: list[tuple[str, list[str], set[str], set[str], set[str]]] = []
    all_names, _ = names_in(title)
    for paragraph in split_paragraphs(body):
        quotes = quotes_in(paragraph)
        at_sentence = sentences_at(paragraph)
        for (at, raw), (ends, _) in zip(at_sentence, [*at_sentence[1:], (len(paragraph), "")], strict=True):
            words = content_words(raw)
            for word in words:
                counts[word] = counts.get(word, 0) + 1
            _count_phrases(words, phrases, 1)
            names, openers = names_in(raw)
            all_names |= names
            # (A quote belongs to the sentence it opens in: that is the one a changes list shows.)
            opened_here = {key for opens, key in quotes if at <= opens < ends}
            parsed.append((raw, words, names, openers, numbers_in(raw) | opened_here))
    sentences: list[Sentence] = []
    all_numbers: set[str] = set()
    sentences_naming: dict[str, int] = {}
    for raw, words, names, openers, others in parsed:
        named = names | (openers & all_names)
        for name in named:
            sentences_naming[name] = sentences_naming.get(name, 0) + 1
        facts = named | others
        all_numbers |= {f for f in others if not f.startswith("quote:")}
        sentences.append(Sentence(raw, frozenset(words), frozenset(facts)))
    terms = {word: log_count(n) for word, n in counts.items()}
    return Analysis(
        sentences=tuple(sentences),
        terms=terms,
        names=frozenset(all_names),
        numbers=frozenset(all_numbers),
        shingles=shingles_of(body),
        phrases=phrases,
        subject=subject_of(sentences_naming, subject_sentences),
    )


def subject_of(sentences_naming: dict[str, int], least: int) -> str:
    """The name that more sentences give than any other, in at least ``least`` of them
    ("" on a tie, or when none is that frequent; ``least`` 0: never a subject).

    A report of an event names its protagonist again and again (Fred LaRue, his obituary's
    subject), while others of the kind name theirs (Mark Felt): two deaths, two arrests, two
    title fights are two stories however alike their words (``StoryIndex``).
    """
    if least <= 0 or not sentences_naming:
        return ""
    first = second = 0
    subject = ""
    for name, count in sentences_naming.items():
        if count > first:
            first, second, subject = count, first, name
        elif count > second:
            second = count
    return subject if first >= least and first > second else ""


def log_count(n: int) -> float:
    """1 + log(n), the weight of a term or phrase counted ``n`` times (small counts are
    looked up: an article has hundreds of phrases, nearly all counted once or twice)."""
    return _LOG_COUNTS[n] if 0 < n < len(_LOG_COUNTS) else 1.0 + math.log(n)


_LOG_COUNTS = [0.0, *(1.0 + math.log(n) for n in range(1, 64))]


def _count_phrases(words: list[str], phrases: dict[str, int], weight: int) -> None:
    for first, second in pairwise(words):
        phrase = f"{first} {second}"
        phrases[phrase] = phrases.get(phrase, 0) + weight


def lead(analysis: Analysis, max_chars: int = 400) -> str:
    """The first sentence or two, as a short summary."""
    out = ""
    for sentence in analysis.sentences:
        if out and len(out) + len(sentence.text) > max_chars:
            break
        out = f"{out} {sentence.text}" if out else sentence.text
        if len(out) >= 160:
            break
    return shorten(out, max_chars)


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary with an ellipsis when longer than ``max_chars``."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
