"""Plain text from whatever a feed or a replay line carries (HTML, escaped HTML, plain text).

Pure functions; beautifulsoup4 does the HTML work so that entities, broken markup and
scripts are handled the way browsers would rather than by regular expressions.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4.element import Tag

# Markup worth a paragraph break when flattened; everything else is inline.
_BLOCK_TAGS = frozenset((
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "tr", "table", "section", "article", "figure", "figcaption", "pre", "hr",
))
# Never visible text.
_DROP_TAGS = frozenset((
    "script", "style", "noscript", "iframe", "object", "embed", "svg", "form", "template", "head",
))
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*+/?\s*+[a-zA-Z][^<>]*+>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
# Runs of blanks other than one plain space (matching every single space would make the
# substitution rewrite the whole text).
_SPACES = re.compile(r" [ \t\u00a0\u200b\u2009\u202f]+|[\t\u00a0\u200b\u2009\u202f][ \t\u00a0\u200b\u2009\u202f]*")
_ODD_BLANKS = ("  ", "\t", "\u00a0", "\u200b", "\u2009", "\u202f")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Invisible characters inside words: the soft hyphens of print-edition text ("repo\u00adrted",
# in about one Dawn article in four), word joiners, a byte-order mark. Left in, they split words
# ("pla\u00adnted" reads as "pla", the PLA).
_INVISIBLE = ("\u00ad", "\u2060", "\ufeff")
# No news article needs more markup than this; a bigger body is a page dump or an attack.
MAX_MARKUP_CHARS = 1_000_000
_BREAK = "\n\n"


def html_to_text(content: str) -> str:
    """Visible text of ``content``, paragraphs separated by blank lines, whitespace folded.

    Plain text passes through with only whitespace normalised, so it is safe to call on
    anything.
    """
    if not content:
        return ""
    if ("<" in content or "&" in content) and _LOOKS_LIKE_MARKUP.search(content):
        # (Imported at the first markup, not with this module: a replay of plain text never
        # pays for importing bs4, a fifth of a second of CPU in each process that would.)
        from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            # lxml as bs4's tree builder: about twice as fast as html.parser on feed content.
            soup = BeautifulSoup(content[:MAX_MARKUP_CHARS], "lxml")
        content = "".join(_visible_text(soup))
    return normalise_whitespace(content)


def _visible_text(root: Tag) -> list[str]:
    """Text pieces in document order, block elements wrapped in paragraph breaks.

    One iterative walk (no recursion: feed HTML can nest deeper than Python's stack).
    """
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction, Tag

    invisible = (Comment, CData, ProcessingInstruction, Declaration, Doctype)
    parts: list[str] = []
    stack: list[object] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, str):  # our own break markers, and NavigableStrings
            if not isinstance(node, invisible):
                parts.append(str(node))
        elif isinstance(node, Tag) and node.name not in _DROP_TAGS:
            if node.name in _BLOCK_TAGS:
                stack.append(_BREAK)
                stack.extend(reversed(node.contents))
                stack.append(_BREAK)
            else:
                stack.extend(reversed(node.contents))
    return parts


def normalise_whitespace(text: str) -> str:
    """Fold runs of spaces, keep paragraph breaks, strip each line; drop invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for invisible in _INVISIBLE:
        if invisible in text:
            # (``replace``, not ``translate``: a table lookup per character cost a tenth of
            # reading a stream.)
            text = text.replace(invisible, "")
    # (Substring tests first: most feed text has none of these, and they cost far less
    # than a regular-expression scan.)
    if any(blank in text for blank in _ODD_BLANKS):
        text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    # (With its lines stripped, the text's blank runs are newlines alone: only three or more
    # of them in a row are anything but the paragraph break they are folded to.)
    return _BLANK_LINES.sub(_BREAK, text).strip() if "\n\n\n" in text else text.strip()
