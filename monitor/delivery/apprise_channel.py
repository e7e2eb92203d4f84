"""The long tail of channels (Slack, Discord, Teams, Telegram, ...) through Apprise.

The Apprise URL comes from the environment variable ``urls_env`` (it carries a token).
One channel, one URL: Apprise says only whether *every* service took a message, so a
channel of several would retry all of them when one refused, and repeat the message to the
others; one apprise channel per service keeps each delivery exactly once. A refusal is
retried; a URL Apprise cannot parse, several URLs, or an unset variable are permanent.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence

from monitor.config import ChannelConfig
from monitor.delivery.base import TransportError
from monitor.delivery.render import render
from monitor.models import Alert


def apprise_urls(value: str) -> list[str]:
    return [u for u in re.split(r"[\s,]+", value) if u]


def several_urls_problem(name: str, value: str) -> str | None:
    """Why ``value`` (the variable ``name``) cannot serve one channel, or None."""
    count = len(apprise_urls(value))
    if count <= 1:
        return None
    return (f"environment variable {name} holds {count} Apprise URLs; a channel sends to one service "
            "(so that a retry never repeats a message another service took): configure one apprise "
            "channel per URL")


class AppriseChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    async def send(self, alerts: Sequence[Alert]) -> None:
        name = self.config.urls_env
        value = os.environ.get(name) if name else None
        if not value:
            raise TransportError(f"environment variable {name or '(urls_env)'} (Apprise URL) is not set",
                                 permanent=True)
        if problem := several_urls_problem(name, value):
            raise TransportError(problem, permanent=True)
        with warnings.catch_warnings():
            # Imported here: it is large and only this channel needs it. Loading its plugins
            # warns about stdlib modules they use (imghdr): not ours to fix, nor news to operators.
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            notifier = apprise.Apprise()
            for url in apprise_urls(value):
                if not notifier.add(url):
                    # Never echo the URL: it carries the service's token.
                    scheme = url.split(":", 1)[0]
                    raise TransportError(f"Apprise cannot use a {scheme}:// URL from {name}", permanent=True)
        rendered = render(alerts)
        try:
            ok = await notifier.async_notify(title=rendered.subject, body=rendered.text,
                                             body_format=apprise.NotifyFormat.TEXT)
        except Exception as exc:  # a plugin bug must not stop the other channels
            raise TransportError(f"Apprise: {type(exc).__name__}: {exc}") from exc
        if not ok:
            raise TransportError("Apprise: the service did not accept the message")
