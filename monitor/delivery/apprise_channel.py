"""The long tail of channels (Slack, Discord, Teams, Telegram, ...) through Apprise.

The Apprise URL comes from the environment variable ``urls_env`` (it carries a token).
One channel, one URL: Apprise says only whether *every* service took a message, so a
channel of several would retry all of them when one refused, and repeat the message to the
others. (A URL may itself name several targets, "tgram://bot/chat1,chat2", with the same
effect; one target per URL keeps each delivery exactly once.) A refusal is retried; a URL
Apprise cannot parse, several URLs, or an unset variable are permanent.

A send has an overall deadline (``send_deadline``), as every network send does. Apprise
runs its plugins in threads, which cannot be stopped: a send cut off at its deadline may
still complete, and its retry then repeats it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from types import ModuleType

from monitor.config import ChannelConfig
from monitor.delivery.base import TransportError, send_deadline
from monitor.delivery.render import render
from monitor.models import Alert


@contextlib.contextmanager
def _plugin_warnings_ignored() -> Iterator[None]:
    """Apprise loads its plugins as it first needs them (on import, on a URL); they warn
    about stdlib modules they use (imghdr): not ours to fix, nor news to operators."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _apprise() -> ModuleType:
    # Imported here: it is large and only this channel needs it.
    with _plugin_warnings_ignored():
        import apprise

        return apprise


def apprise_urls(value: str) -> list[str]:
    """The Apprise URLs in ``value``, split as Apprise splits them (a comma inside a URL,
    "?to=a@x.org,b@x.org", does not end it)."""
    _apprise()
    try:
        from apprise.utils.parse import parse_urls
    except ImportError:  # (Apprise 1.x keeps it one module up)
        from apprise.utils import parse_urls  # type: ignore[attr-defined,no-redef]
    with _plugin_warnings_ignored():
        return [str(url) for url in parse_urls(value)]  # type: ignore[no-untyped-call]


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
        apprise = _apprise()
        notifier = apprise.Apprise()
        with _plugin_warnings_ignored():
            added = notifier.add(value.strip())
        if not added:
            # Never echo the URL: it carries the service's token.
            scheme = value.strip().split(":", 1)[0]
            raise TransportError(f"Apprise cannot use a {scheme}:// URL from {name}", permanent=True)
        rendered = render(alerts)
        deadline = send_deadline(self.config.timeout)
        try:
            async with asyncio.timeout(deadline):
                ok = await notifier.async_notify(title=rendered.subject, body=rendered.text,
                                                 body_format=apprise.NotifyFormat.TEXT)
        except TimeoutError:
            raise TransportError(f"Apprise gave up after {deadline:g}s in total (service too slow)",
                                 deadline_s=deadline) from None
        except Exception as exc:  # a plugin bug must not stop the other channels
            raise TransportError(f"Apprise: {type(exc).__name__}: {exc}") from exc
        if not ok:
            raise TransportError("Apprise: the service did not accept the message")
