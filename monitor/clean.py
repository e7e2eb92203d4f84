"""Plain text from whatever a feed or a replay line carries (HTML, escaped HTML, plain text).

Pure functions; beautifulsoup4 does the HTML work so that entities, broken markup and
scripts are handled the way browsers would rather than by regular expressions.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

# Markup worth a paragraph break when flattened; everything else is inline.
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "tr", "table", "section", "article", "figure", "figcaption", "pre", "hr",
)
# Never visible text.
_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "svg", "form", "template")
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_SPACES = re.compile(r"[ \t\u00a0\u200b\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(content: str) -> str:
    """Visible text of ``content``, paragraphs separated by blank lines, whitespace folded.

    Plain text passes through with only whitespace normalised, so it is safe to call on
    anything.
    """
    if not content:
        return ""
    if _LOOKS_LIKE_MARKUP.search(content):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(content, "html.parser")
        for tag in soup.find_all(_DROP_TAGS):
            tag.decompose()
        for tag in soup.find_all(_BLOCK_TAGS):
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
        content = soup.get_text()
    return normalise_whitespace(content)


def normalise_whitespace(text: str) -> str:
    """Fold runs of spaces, keep paragraph breaks, strip each line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()
