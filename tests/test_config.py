"""The config: defaults, strict checking, and errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import ConfigError, line_of, load_config, parse_duration


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_shipped_config_loads_with_feeds_and_the_file_channel() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "config" / "monitor.toml")
    assert len(config.feeds) >= 20
    assert all(f.url.startswith(("http://", "https://")) for f in config.feeds)
    assert [c.type for c in config.channels] == ["file"]
    assert config.seeds.dir == Path("config/seeds")


def test_empty_file_means_embedded_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.state.dir == Path("state")
    assert config.state.forget_after == 60 * 86400.0
    assert config.defaults.interval == 900.0
    assert [c.type for c in config.channels] == ["file"]


def test_durations() -> None:
    assert parse_duration("90s") == 90.0
    assert parse_duration("15m") == 900.0
    assert parse_duration("6h") == 21600.0
    assert parse_duration("2d") == 172800.0
    assert parse_duration(30) == 30.0
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_unknown_key_names_file_line_and_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, """
[defaults]
interval = "15m"

[[feeds]]
url = "https://a.example/feed"

[[feeds]]
url = "https://b.example/feed"
intervall = "10m"
""")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:10: ")
    assert "unknown key 'intervall' in feeds[1]" in problem
    assert "interval" in problem.split("known:")[1]


def test_a_renamed_key_says_its_new_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[topic]\nsentence_cap = 5.0\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: unknown key 'sentence_cap' in topic; it is now 'paragraph_cap'")


def test_wrong_type_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[state]\ndir = 5\n\n[defaults]\ninterval = "often"\n')
    found = problems_of(path)
    assert f"{path}:2: state.dir: expected a path string, got int" in found
    assert any(p.startswith(f"{path}:5: defaults.interval: expected a duration") for p in found)


def test_unknown_table_and_bad_channel(tmp_path: Path) -> None:
    path = write(tmp_path, """
[sate]
dir = "x"

[[channels]]
type = "pigeon"

[[channels]]
type = "webhook"
""")
    found = problems_of(path)
    assert any(p.startswith(f"{path}:2: unknown key or table 'sate'") for p in found)
    assert any(p.startswith(f"{path}:6: channels[0].type: 'pigeon' is not one of") for p in found)
    assert any(p.startswith(f"{path}:8: channels[1] (webhook) needs 'url'") for p in found)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[state]\ndir = "state"\n[[feeds]\nurl = "x"\n')
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: TOML syntax error")


def test_missing_file(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.toml")
    assert problem == f"{tmp_path / 'nope.toml'}: config file not found"


def test_feed_checks_url_duplicates_and_politeness(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[feeds]]
url = "ftp://a.example/feed"

[[feeds]]
url = "https://b.example/feed"
interval = "5s"

[[feeds]]
url = "https://b.example/feed"
""")
    found = problems_of(path)
    assert f"{path}:3: feeds[0].url: not an http(s) URL: 'ftp://a.example/feed'" in found
    assert f"{path}:7: feeds[1].interval: at least 1m, to be polite" in found
    assert f"{path}:10: feeds[2].url: duplicate of feeds[1]" in found


def test_email_channel_from_key_and_env_secret_name(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[channels]]
type = "email"
host = "127.0.0.1"
port = 2525
from = "monitor@example.org"
to = ["analyst@example.org"]
password_env = "SMTP_PW"
digest = "hourly"
""")
    (channel,) = load_config(path).channels
    assert channel.from_ == "monitor@example.org"
    assert channel.to == ("analyst@example.org",)
    assert channel.password_env == "SMTP_PW"
    assert channel.digest == "hourly"


def test_numbers_out_of_range_are_errors_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "[fetch]\nmax_bytes = -5\nmax_redirects = -1\nconnect_timeout = \"0s\"\n\n\n"
        "[topic]\nthreshold = -3\nhalf_score = 0\nalert_threshold = 0.5\n"
        "[judge]\nmatch_threshold = 7\nmax_chars = 0\n"
        "[[channels]]\ntype = \"email\"\nhost = \"localhost\"\nfrom = \"a@b.c\"\nto = [\"x@y.z\"]\nport = 70000\n"
        "max_attempts = 0\n"
        "[[channels]]\ntype = \"webhook\"\nurl = \"not a url\"\n"
    ))
    found = problems_of(path)
    for line, words in [(2, "fetch.max_bytes: must be above 0, got -5"), (3, "fetch.max_redirects: must not be negative"),
                        (4, "fetch.connect_timeout: must be above 0"),
                        (8, "topic.threshold: must not be negative"), (9, "topic.half_score: must be above 0"),
                        (12, "judge.match_threshold: a share or similarity, from 0 to 1; got 7"),
                        (13, "judge.max_chars: must be above 0"), (19, "channels[0].port: 70000 is no TCP port"),
                        (20, "channels[0].max_attempts: must be above 0"),
                        # (numbered as in the file, though channels[0] could not be built)
                        (23, "channels[1].url: not an http(s) URL")]:
        assert any(p.startswith(f"{path}:{line}: ") and words in p for p in found), (line, words, found)
    assert len(found) == 10, found  # alert_threshold = 0.5 is fine
    backoff = write(tmp_path, '[fetch]\nbackoff_base = "12h"\n')
    assert problems_of(backoff) == [
        f"{backoff}:1: fetch.backoff_max (21600s; default 21600s) is below fetch.backoff_base (43200s)"]
    assert load_config(write(tmp_path, '[fetch]\nbackoff_base = "0s"\n')).fetch.backoff_base == 0.0
    short = write(tmp_path, '[state]\nforget_after = "12h"\n')
    assert problems_of(short) == [
        f'{short}:2: state.forget_after: at least 1d (a rate limit of "N/d" looks back a day)']
    assert load_config(write(tmp_path, '[state]\nforget_after = "90d"\n')).state.forget_after == 90 * 86400.0
    under_old_news = write(tmp_path, '[state]\nforget_after = "5d"\n[judge]\nold_news_days = 6\n')
    assert problems_of(under_old_news) == [f"{under_old_news}:2: state.forget_after: at least judge.old_news_days "
                                           "(6d), or a forgotten entry listed again could alert as news"]


def test_a_problem_with_a_table_the_file_does_not_have_is_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, '[state]\ndir = "state"\n')
    assert line_of(path, ("seeds", "dir")) == 1  # (not line 2, [state]'s dir)
    assert line_of(path, ("state", "dir")) == 2


def test_a_value_of_the_wrong_type_is_one_problem_not_also_a_missing_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[[feeds]]\nurl = 5\n")
    assert problems_of(path) == [f"{path}:2: feeds[0].url: expected a string, got 5"]


def test_values_that_would_fail_at_run_time_are_refused_by_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, """
[fetch]
read_timeout = nan
connect_timeout = inf

[judge]
match_threshold = nan

[[feeds]]
url = "http://exa mple.com/feed"

[[feeds]]
url = "https://b.example/feed\\n"

[[feeds]]
url = "https://a.example/feed"
interval = "99999999999d"
""")
    found = problems_of(path)
    assert f"{path}:3: fetch.read_timeout: expected a duration like \"15m\", got nan" in found
    assert f"{path}:4: fetch.connect_timeout: expected a duration like \"15m\", got inf" in found
    assert f"{path}:7: judge.match_threshold: expected a number, got nan" in found
    assert f"{path}:10: feeds[0].url: not an http(s) URL: 'http://exa mple.com/feed'" in found
    assert f"{path}:13: feeds[1].url: not an http(s) URL: 'https://b.example/feed\\n'" in found
    assert f"{path}:17: feeds[2].interval: at most 36500d, got '99999999999d'" in found
    assert len(found) == 6


def test_a_url_scheme_in_capitals_is_a_url(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nurl = "HTTPS://A.example/feed"\n')
    assert load_config(path).feeds[0].url == "HTTPS://A.example/feed"
