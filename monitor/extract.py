"""The main text of an article page, for feeds that carry only a teaser. Pure.

trafilatura finds the article body among navigation, adverts and comments; comments are
left out because readers' opinions are not what the publisher reported. The pipeline
decides when a page is worth fetching (a per-feed option, and a short entry text).
"""

from __future__ import annotations

import logging

import trafilatura

from monitor.clean import normalise_whitespace

log = logging.getLogger(__name__)

# Below this, what trafilatura found is a cookie banner or a paywall notice, not an article.
MIN_TEXT_CHARS = 200


def extract_main_text(html: bytes | str, url: str) -> str | None:
    """Plain main text of the page ``html`` fetched from ``url``, or None if none is found."""
    if not html or not html.strip():
        return None
    try:
        text = trafilatura.extract(
            html,
            url=url,
            output_format="txt",
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            favor_precision=True,
        )
    except Exception:  # a parser crash on one strange page must not stop the cycle
        log.warning("could not extract the main text of %s", url, exc_info=True)
        return None
    if not text:
        return None
    text = normalise_whitespace(text)
    return text if len(text) >= MIN_TEXT_CHARS else None
