"""Fixtures shared across the test suite. Keep each one small and documented."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving feeds (see tests/feedserver.py)."""
    with FeedServer() as server:
        yield server
