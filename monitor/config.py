"""The TOML configuration: load, check and describe errors by file and line.

A config file names only what it changes: every table has defaults (the shipped CPEC
setup). Checking is strict, because a typo in a key that is silently ignored is a feed
that is silently never polled: unknown keys, wrong types and bad values are errors that
name the file and the line.

Relative paths (``state.dir``, ``seeds.dir``) are taken from the working directory, the
way the systemd unit and the README quick start run the daemon (from the project root).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.delivery.policy import parse_quiet_hours, parse_rate_limit
from monitor.judge.settings import JudgeSettings, TopicSettings

DEFAULT_CONFIG = Path("config/monitor.toml")


class ConfigError(Exception):
    """One or more problems in a config file; ``problems`` are "file:line: message" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Seconds(float):
    """A duration in seconds, written in the config as "90s", "15m", "6h" or "2d"."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


# The longest duration a setting may give: a hundred years.
MAX_DURATION_S = 36500 * 86400.0


def parse_duration(value: object) -> Seconds:
    """Seconds in ``value``: a number of seconds, or a string like "15m"."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like \"15m\", got a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        raise ValueError(f"expected a duration like \"90s\", \"15m\", \"6h\" or \"2d\", got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"expected a duration like \"15m\", got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION_S:
        # (Times are added to dates: past this, a poll's next time would not be a date.)
        raise ValueError(f"at most {MAX_DURATION_S // 86400:g}d, got {value!r}")
    return Seconds(seconds)


@dataclass(frozen=True)
class StateConfig:
    dir: Path = Path("state")
    # An irrelevant entry is forgotten once no feed has listed it for this long (the judge
    # never looks at one again; it is kept only to answer "why no alert?"), and so is the
    # delivery log's history: without this the database grows by every entry ever polled.
    forget_after: Seconds = Seconds(60 * 86400)


@dataclass(frozen=True)
class SeedsConfig:
    dir: Path = Path("config/seeds")


@dataclass(frozen=True)
class DefaultsConfig:
    interval: Seconds = Seconds(900)
    # Fetch the article page when a feed carries only a teaser (per feed override).
    fetch_article: bool = False


@dataclass(frozen=True)
class FetchConfig:
    """How politely and how defensively feeds are fetched."""

    connect_timeout: Seconds = Seconds(10)
    read_timeout: Seconds = Seconds(30)
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    concurrency: int = 50
    user_agent: str = "monitor/0.1 (+news monitoring daemon; CPEC watch)"
    # Backoff after failures: base * 2**(failures-1), capped, with jitter.
    backoff_base: Seconds = Seconds(60)
    backoff_max: Seconds = Seconds(6 * 3600)


@dataclass(frozen=True)
class HealthConfig:
    """When a failing feed becomes a ``feed_error`` alert."""

    error_after: Seconds = Seconds(6 * 3600)


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str = ""
    interval: Seconds | None = None
    fetch_article: bool | None = None


DEFAULT_MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class ChannelConfig:
    """One alert channel. ``type`` picks which of the other keys apply.

    Secrets are never in the file: ``password_env`` and ``secret_env`` name environment
    variables read at delivery time.
    """

    type: str
    name: str = ""
    # email
    host: str = ""
    port: int = 0
    security: str = "starttls"
    username: str = ""
    password_env: str = ""
    from_: str = ""
    to: tuple[str, ...] = ()
    # webhook
    url: str = ""
    secret_env: str = ""
    timeout: Seconds = Seconds(15)
    # apprise (Slack, Discord, Teams, Telegram, ...): Apprise URLs, read from the environment
    urls_env: str = ""
    # file
    path: str = ""
    # delivery policy, any channel
    digest: str = "off"  # "off", "hourly" or "daily"
    quiet_hours: str = ""  # "22:00-07:00", local time of the daemon
    rate_limit: str = ""  # "10/h": overflow goes into the next digest, never dropped
    # Temporary failures in a row after which delivery is reported stuck (``delivery_stuck``,
    # ``status``); it goes on retrying hourly all the same: a long outage must not lose alerts.
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    @property
    def key(self) -> str:
        """Stable identity of the channel in the outbox."""
        return self.name or self.type


CHANNEL_TYPES = ("file", "email", "webhook", "apprise")


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    state: StateConfig = field(default_factory=StateConfig)
    seeds: SeedsConfig = field(default_factory=SeedsConfig)
    defaults: DefaultsConfig = field(default_factory=DefaultsConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    topic: TopicSettings = field(default_factory=TopicSettings)
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    feeds: tuple[FeedConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = (ChannelConfig(type="file"),)

    def feed_interval(self, feed: FeedConfig) -> Seconds:
        return feed.interval if feed.interval is not None else self.defaults.interval

    def feed_fetches_article(self, feed: FeedConfig) -> bool:
        return feed.fetch_article if feed.fetch_article is not None else self.defaults.fetch_article


def default_config_path() -> Path:
    """``$MONITOR_CONFIG`` when set, else config/monitor.toml."""
    return Path(os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG)


def load_config(path: Path | None = None) -> Config:
    """Read and check a config file; raise ConfigError listing every problem with its line."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read config file: {exc}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends "(at line N, column M)": lift the line to the front.
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = match.group(1) if match else "1"
        raise ConfigError([f"{path}:{line}: TOML syntax error: {message}"]) from None
    builder = _Builder(path, text)
    config = builder.build(data)
    if builder.problems:
        raise ConfigError(builder.problems)
    return config


def line_of(path: Path, where: tuple[str | int, ...]) -> int:
    """The line of ``path`` that sets ``where`` (("seeds", "dir")), for a problem found after
    loading (a directory that does not exist); 1 when the file cannot be read again."""
    try:
        return _Builder(path, path.read_text(encoding="utf-8")).line_of(where)
    except (OSError, UnicodeDecodeError):
        return 1


_TABLES: dict[str, type[Any]] = {
    "state": StateConfig,
    "seeds": SeedsConfig,
    "defaults": DefaultsConfig,
    "fetch": FetchConfig,
    "health": HealthConfig,
    "topic": TopicSettings,
    "judge": JudgeSettings,
}
_ARRAYS: dict[str, type[Any]] = {"feeds": FeedConfig, "channels": ChannelConfig}
# What a feed's or a webhook's url must look like: a scheme the fetcher speaks, and a host.
# (Any case: a scheme is case-insensitive. No blank anywhere: a URL has none.)
_HTTP_URL = re.compile(r"^https?://[^\s/]+\S*\Z", re.IGNORECASE)
# TOML keys that are Python keywords.
_KEY_ALIASES = {"from": "from_"}
# Keys that were renamed, so an old config says what to write instead.
_RENAMED = {"sentence_cap": "paragraph_cap", "lead_sentences": "lead_paragraphs"}
# What a number may not be, beyond its type. Every number a table holds is a count, a size,
# a time, a weight or a share, so none is negative (topic term weights are tables of their
# own, and may be). These must be above 0: each sizes, bounds or divides work (a timeout of 0
# fails every fetch; a half_score of 0 divides by zero). These are shares, similarities and
# score thresholds, at most 1 (a match_threshold of 7 would join nothing).
_ABOVE_ZERO = {
    "defaults": {"interval"},
    # (backoff_base may be 0: backing off then starts from the feed's own interval.)
    "fetch": {"connect_timeout", "read_timeout", "max_bytes", "per_host", "concurrency", "backoff_max"},
    "topic": {"paragraph_cap", "half_score"},
    "judge": {"story_window_days", "max_chars", "max_changes", "members_per_story", "old_news_days"},
    "channels": {"timeout", "max_attempts"},
}
_AT_MOST_ONE = {
    "topic": {"china_alone", "focus_share", "threshold", "alert_threshold", "follow_up_band",
              "follow_up_similarity", "incident_floor"},
    "judge": {"near_duplicate", "reference_rewrite", "match_threshold", "seed_match_threshold",
              "seed_subject_phrases", "centroid_weight", "known_sentence_overlap", "incident_similarity",
              "occasion_similarity"},
}


class _Builder:
    """Turns parsed TOML into Config, collecting problems with their line numbers."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[str] = []
        # Where each built [[feeds]] and [[channels]] entry is in the file: one that failed
        # to build is left out, and the next must keep its own number.
        self.positions: dict[str, list[int]] = {}

    def build(self, data: dict[str, Any]) -> Config:
        values: dict[str, Any] = {"path": self.path}
        for key, raw in data.items():
            if key in _TABLES:
                if not isinstance(raw, dict):
                    self.problem((key,), f"[{key}] must be a table")
                    continue
                values[key] = self.dataclass_from(_TABLES[key], raw, (key,))
            elif key in _ARRAYS:
                if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
                    self.problem((key,), f"{key} must be an array of tables, written [[{key}]]")
                    continue
                items = [self.dataclass_from(_ARRAYS[key], t, (key, i)) for i, t in enumerate(raw)]
                values[key] = tuple(item for item in items if item is not None)
                self.positions[key] = [i for i, item in enumerate(items) if item is not None]
            else:
                known = ", ".join(sorted([*_TABLES, *_ARRAYS]))
                self.problem((key,), f"unknown key or table {key!r} (known: {known})")
        if "channels" in values and not values["channels"]:
            values["channels"] = Config.channels
        values = {k: v for k, v in values.items() if v is not None}
        config = Config(**values)
        self.check_semantics(config, data)
        return config

    def dataclass_from(self, cls: type[Any], table: dict[str, Any], where: tuple[str | int, ...]) -> Any:
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        ok = True
        for key, raw in table.items():
            name = _KEY_ALIASES.get(key, key)
            if name not in fields:
                known = ", ".join(sorted(k.rstrip("_") for k in fields))
                renamed = _RENAMED.get(key)
                hint = f"; it is now {renamed!r}" if renamed else ""
                self.problem((*where, key), f"unknown key {key!r} in {_describe(where)}{hint} (known: {known})")
                ok = False
                continue
            try:
                kwargs[name] = _coerce(raw, hints[name])
                _check_range(str(where[0]), name, kwargs[name])
            except ValueError as exc:
                self.problem((*where, key), f"{_describe(where)}.{key}: {exc}")
                ok = False
        given = {_KEY_ALIASES.get(key, key) for key in table}  # (a bad value is said above, not as missing)
        missing = [
            n for n, f in fields.items()
            if n not in given and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        for name in missing:
            self.problem(where, f"{_describe(where)} is missing required key {name!r}")
            ok = False
        return cls(**kwargs) if ok else None

    def check_semantics(self, config: Config, data: dict[str, Any]) -> None:
        seen: dict[str, int] = {}
        for i, feed in zip(self.positions.get("feeds", []), config.feeds, strict=True):
            if not _HTTP_URL.match(feed.url):
                self.problem(("feeds", i, "url"), f"feeds[{i}].url: not an http(s) URL: {feed.url!r}")
            if feed.url in seen:
                self.problem(("feeds", i, "url"), f"feeds[{i}].url: duplicate of feeds[{seen[feed.url]}]")
            seen[feed.url] = i
            if feed.interval is not None and feed.interval < 60:
                self.problem(("feeds", i, "interval"), f"feeds[{i}].interval: at least 1m, to be polite")
        if config.state.forget_after < 86400:
            self.problem(("state", "forget_after"),
                         "state.forget_after: at least 1d (a rate limit of \"N/d\" looks back a day)")
        elif config.state.forget_after < config.judge.old_news_days * 86400:
            # A forgotten entry its feed lists again is judged again, as new: only old news
            # keeps a dated one from alerting then.
            self.problem(("state", "forget_after"),
                         f"state.forget_after: at least judge.old_news_days ({config.judge.old_news_days:g}d), "
                         "or a forgotten entry listed again could alert as news")
        if config.defaults.interval < 60:
            self.problem(("defaults", "interval"), "defaults.interval: at least 1m, to be polite")
        if config.fetch.backoff_max < config.fetch.backoff_base:
            self.problem(("fetch", "backoff_max"),
                         f"fetch.backoff_max ({config.fetch.backoff_max:g}s; default "
                         f"{FetchConfig.backoff_max:g}s) is below fetch.backoff_base ({config.fetch.backoff_base:g}s)")
        channel_keys: dict[str, int] = {}
        # (None when no [[channels]] entry was built: the default file channel, which
        # config.channels then holds, needs no check.)
        for i, ch in zip(self.positions.get("channels", []), config.channels, strict=False):
            self.check_channel(i, ch)
            if ch.key in channel_keys:
                self.problem(("channels", i),
                             f"channels[{i}]: two channels named {ch.key!r}; give each a distinct name")
            channel_keys[ch.key] = i

    def check_channel(self, i: int, ch: ChannelConfig) -> None:
        where: tuple[str | int, ...] = ("channels", i)
        if ch.type not in CHANNEL_TYPES:
            self.problem((*where, "type"), f"channels[{i}].type: {ch.type!r} is not one of {', '.join(CHANNEL_TYPES)}")
            return
        required = {
            "email": ("host", "from_", "to"),
            "webhook": ("url",),
            "apprise": ("urls_env",),
            "file": (),
        }[ch.type]
        for name in required:
            if not getattr(ch, name):
                self.problem(where, f"channels[{i}] ({ch.type}) needs {name.rstrip('_')!r}")
        if ch.type == "webhook" and ch.url and not _HTTP_URL.match(ch.url):
            self.problem((*where, "url"), f"channels[{i}].url: not an http(s) URL: {ch.url!r}")
        if ch.type == "email" and ch.security not in ("starttls", "tls", "none"):
            self.problem((*where, "security"), f"channels[{i}].security: one of starttls, tls, none")
        if ch.digest not in ("off", "hourly", "daily"):
            self.problem((*where, "digest"), f"channels[{i}].digest: one of off, hourly, daily")
        # The delivery policy's own parsers: what check accepts, delivery can use.
        for key, parse in (("quiet_hours", parse_quiet_hours), ("rate_limit", parse_rate_limit)):
            try:
                parse(getattr(ch, key))
            except ValueError as exc:
                self.problem((*where, key), f"channels[{i}].{key}: {exc}")

    def problem(self, where: tuple[str | int, ...], message: str) -> None:
        self.problems.append(f"{self.path}:{self.line_of(where)}: {message}")

    def line_of(self, where: tuple[str | int, ...]) -> int:
        """Best line for a key path: the key's own line, else its table's header, else 1.

        tomllib keeps no positions, so find the table header ("[state]", or the n-th
        "[[feeds]]") and then the key's first assignment after it.
        """
        header_re: re.Pattern[str] | None = None
        index = 0
        rest: list[str | int] = list(where)
        if rest and isinstance(rest[0], str) and len(rest) >= 2 and isinstance(rest[1], int):
            header_re = re.compile(rf"^\s*\[\[\s*{re.escape(rest[0])}\s*\]\]")
            index = rest[1]
            rest = rest[2:]
        elif rest and isinstance(rest[0], str) and (rest[0] in _TABLES or len(rest) == 1):
            header_re = re.compile(rf"^\s*\[\[?\s*{re.escape(rest[0])}\s*\]")
            if len(rest) > 1 or any(header_re.match(line) for line in self.lines):
                rest = rest[1:]
            else:
                header_re = None
        start = 0
        if header_re is not None:
            hits = [n for n, line in enumerate(self.lines) if header_re.match(line)]
            if index >= len(hits):
                return 1  # (no such table in the file: a default is at fault, not another table's key)
            start = hits[index]
        key = next((k for k in rest if isinstance(k, str)), None)
        if key is not None:
            key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for n in range(start, len(self.lines)):
                if n > start and header_re is not None and re.match(r"^\s*\[", self.lines[n]):
                    break
                if key_re.match(self.lines[n]):
                    return n + 1
        return start + 1


def _describe(where: tuple[str | int, ...]) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _check_range(table: str, name: str, value: object) -> None:
    """ValueError when the number ``value`` of ``table``.``name`` is one it may not be."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if table == "channels" and name == "port":
        if not 0 <= value <= 65535:
            raise ValueError(f"{value} is no TCP port (1-65535; 0 or none: the default for its security)")
    elif name in _ABOVE_ZERO.get(table, ()) and value <= 0:
        raise ValueError(f"must be above 0, got {value:g}")
    elif value < 0:
        raise ValueError(f"must not be negative, got {value:g}")
    elif name in _AT_MOST_ONE.get(table, ()) and value > 1:
        raise ValueError(f"a share or similarity, from 0 to 1; got {value:g}")


def _coerce(value: Any, hint: Any) -> Any:
    """``value`` as type ``hint``, or ValueError saying what was expected."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(value, options[0])
    if hint is Seconds:
        return parse_duration(value)
    if hint is Path:
        if not isinstance(value, str):
            raise ValueError(f"expected a path string, got {type(value).__name__}")
        return Path(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {value!r}")
        (item_hint, *_) = typing.get_args(hint)
        return tuple(_coerce(v, item_hint) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"expected a table of name = value, got {value!r}")
        key_hint, value_hint = typing.get_args(hint)
        return {_coerce(k, key_hint): _coerce(v, value_hint) for k, v in value.items()}
    raise ValueError(f"unsupported setting type {hint!r}")
