"""Each transport against a real peer: what it sends, and temporary vs permanent errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from delivery_fixtures import make_alert
from smtp_peer import PASSWORD, USER, SmtpPeer, free_port
from test_daemon import SEEDS
from webhook_peer import WebhookPeer

from monitor.cli import main
from monitor.config import ChannelConfig, Seconds
from monitor.delivery.apprise_channel import AppriseChannel
from monitor.delivery.base import TransportError, digest_id
from monitor.delivery.email import EmailChannel
from monitor.delivery.file import FileChannel
from monitor.delivery.webhook import WebhookChannel
from monitor.models import Alert, Kind

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def alerts(n: int) -> list[Alert]:
    return [make_alert(i)[2] for i in range(n)]


def json_url(peer: WebhookPeer, query: str = "") -> str:
    """An Apprise URL that posts JSON to ``peer``."""
    port = peer.url.split(":")[2].split("/")[0]
    return f"json://127.0.0.1:{port}/hook{query}"


def fails(channel: object, batch: list[Alert]) -> TransportError:
    with pytest.raises(TransportError) as caught:
        asyncio.run(channel.send(batch))  # type: ignore[attr-defined]
    return caught.value


# -- file --------------------------------------------------------------------------------------

def test_file_sink_appends_exactly_the_payload_once(tmp_path: Path) -> None:
    sink = FileChannel(tmp_path / "alerts.jsonl")
    a, b, c = alerts(3)
    asyncio.run(sink.send([a]))
    asyncio.run(sink.send([b, c]))  # a digest: one line per alert
    asyncio.run(sink.send([a]))  # a repeat after a crash: not written twice
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [a.payload, b.payload, c.payload]


def test_file_sink_rewrites_an_alert_left_as_a_half_line(tmp_path: Path) -> None:
    # A line cut short (a crash or a full disk mid-write) holds the alert's id but is no
    # alert: it must not count as written, and the next line must not be glued onto it.
    path = tmp_path / "alerts.jsonl"
    a, b = alerts(2)
    whole = json.dumps(a.payload, ensure_ascii=False)
    path.write_text(whole[:40], encoding="utf-8")
    sink = FileChannel(path)
    asyncio.run(sink.send([a]))
    asyncio.run(sink.send([a, b]))  # a repeat: now it is a whole line, so it is not written again
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines == [whole[:40], whole, json.dumps(b.payload, ensure_ascii=False), ""]


# -- webhook -----------------------------------------------------------------------------------

@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookPeer]:
    monkeypatch.setenv("HOOK_SECRET", "webhook-secret")
    with WebhookPeer("webhook-secret") as peer:
        yield peer


def webhook(peer: WebhookPeer, timeout: float = 5.0) -> WebhookChannel:
    return WebhookChannel(ChannelConfig(type="webhook", url=peer.url, secret_env="HOOK_SECRET",
                                        timeout=Seconds(timeout)))


def test_webhook_posts_signed_payload_with_id_header(hook: WebhookPeer) -> None:
    (a,) = alerts(1)
    asyncio.run(webhook(hook).send([a]))
    (request,) = hook.requests
    assert hook.bad_signatures == 0 and request["status"] == 200
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["x-monitor-alert-id"] == a.id
    assert json.loads(request["body"]) == a.payload


def test_webhook_digest_body(hook: WebhookPeer) -> None:
    batch = alerts(3)
    asyncio.run(webhook(hook).send(batch))
    body = json.loads(hook.requests[0]["body"])
    assert body == {"kind": "digest", "id": digest_id(batch), "alerts": [a.payload for a in batch]}
    assert hook.requests[0]["headers"]["x-monitor-alert-id"] == digest_id(batch)


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (408, False), (429, False),
                                                   (404, True), (400, True), (410, True)])
def test_webhook_status_classes(hook: WebhookPeer, status: int, permanent: bool) -> None:
    hook.script = [status]
    error = fails(webhook(hook), alerts(1))
    assert error.permanent is permanent and str(status) in error.message


def test_webhook_wrong_secret_is_refused_permanently(hook: WebhookPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "not-the-secret")
    error = fails(webhook(hook), alerts(1))
    assert error.permanent and hook.bad_signatures == 1


def test_webhook_timeout_and_refused_are_temporary(hook: WebhookPeer) -> None:
    hook.script = ["hang"]
    assert fails(webhook(hook, timeout=0.3), alerts(1)).permanent is False
    closed = WebhookChannel(ChannelConfig(type="webhook", url=f"http://127.0.0.1:{free_port()}/"))
    assert fails(closed, alerts(1)).permanent is False


def test_webhook_missing_secret_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    channel = WebhookChannel(ChannelConfig(type="webhook", url="http://127.0.0.1:9/", secret_env="NO_SUCH_SECRET"))
    assert fails(channel, alerts(1)).permanent is True
    monkeypatch.setenv("NO_SUCH_SECRET", "")  # set but empty: `monitor check` calls it unset too
    assert fails(channel, alerts(1)).permanent is True


@pytest.mark.parametrize("url", ["http://[::1/hook", "hooks.example.org/hook"])
def test_webhook_unusable_url_is_permanent(url: str) -> None:
    error = fails(WebhookChannel(ChannelConfig(type="webhook", url=url)), alerts(1))
    assert error.permanent is True and error.message.startswith("webhook URL not usable")


# -- email -------------------------------------------------------------------------------------

def email(peer: SmtpPeer, *, password_env: str = "SMTP_PW") -> EmailChannel:
    config = ChannelConfig(type="email", host="127.0.0.1", port=peer.port, security=peer.security, username=USER,
                           password_env=password_env, from_="alerts@example.org",
                           to=("analyst@example.org", "desk@example.org"), timeout=Seconds(5))
    return EmailChannel(config, ssl_context=peer.client_context())


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_over_tls_with_auth(monkeypatch: pytest.MonkeyPatch, security: str) -> None:
    monkeypatch.setenv("SMTP_PW", PASSWORD)
    _, _, first = make_alert(1, story="s")
    _, _, update = make_alert(2, kind=Kind.UPDATE, story="s", first_alert_id=first.id)
    with SmtpPeer(security=security) as peer:
        asyncio.run(email(peer).send([update]))
    (msg,) = peer.messages
    assert peer.logins == [USER]
    assert peer.envelopes == [("alerts@example.org", ["analyst@example.org", "desk@example.org"])]
    assert msg["Message-ID"] == f"<{update.id}@monitor>"
    assert msg["In-Reply-To"] == f"<{first.id}@monitor>"
    assert str(msg["Subject"]) == "[monitor] Update: Attack on convoy s"
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(("html",))
    assert html is not None and "What changed" in html.get_content()


def test_email_errors_temporary_and_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PW", PASSWORD)
    monkeypatch.setenv("WRONG_PW", "nope")
    with SmtpPeer() as peer:
        peer.script = [451]
        assert fails(email(peer), alerts(1)).permanent is False
        peer.script = [550]
        assert fails(email(peer), alerts(1)).permanent is True
        assert fails(email(peer, password_env="WRONG_PW"), alerts(1)).permanent is True  # 535
        assert fails(email(peer, password_env="UNSET_PW"), alerts(1)).permanent is True
        peer.stop()
        assert fails(email(peer), alerts(1)).permanent is False  # refused connection
        assert peer.messages == []


# -- apprise -----------------------------------------------------------------------------------

def test_apprise_delivers_through_a_real_service(monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookPeer(secret=None) as peer:
        monkeypatch.setenv("APPRISE_URLS", json_url(peer))
        channel = AppriseChannel(ChannelConfig(type="apprise", urls_env="APPRISE_URLS"))
        asyncio.run(channel.send(alerts(1)))
        (request,) = peer.requests
        body = json.loads(request["body"])
        assert body["title"].startswith("[monitor] New story:") and "Death toll rises to 0." in body["message"]
        peer.script = [500]
        assert fails(channel, alerts(1)).permanent is False


def test_apprise_configuration_errors_are_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    channel = AppriseChannel(ChannelConfig(type="apprise", urls_env="APPRISE_URLS"))
    monkeypatch.delenv("APPRISE_URLS", raising=False)
    assert fails(channel, alerts(1)).permanent is True
    monkeypatch.setenv("APPRISE_URLS", "nosuchscheme://token")
    error = fails(channel, alerts(1))
    assert error.permanent is True and "token" not in error.message.replace("nosuchscheme", "")


def test_apprise_refuses_several_urls_so_that_no_retry_repeats_a_message(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With two URLs, one service's refusal failed the send and the retry repeated the
    message to the other service, which had taken it."""
    with WebhookPeer(secret=None) as took, WebhookPeer(secret=None) as refused:
        refused.script = [500]
        monkeypatch.setenv("APPRISE_URLS", f"{json_url(took)} {json_url(refused)}")
        channel = AppriseChannel(ChannelConfig(type="apprise", urls_env="APPRISE_URLS"))
        error = fails(channel, alerts(1))
        assert error.permanent is True and "holds 2 Apprise URLs" in error.message
        assert took.requests == [] and refused.requests == []
        config_file = tmp_path / "monitor.toml"
        config_file.write_text(f'[seeds]\ndir = "{SEEDS}"\n[[channels]]\ntype = "apprise"\nurls_env = "APPRISE_URLS"\n')
        assert main(["--config", str(config_file), "check"]) == 1
        assert (f"{config_file}:5: channels[0].urls_env: environment variable APPRISE_URLS holds 2 Apprise URLs"
                in capsys.readouterr().err)


def test_one_apprise_url_may_hold_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apprise lists targets inside a URL with commas; that is one URL, not several."""
    with WebhookPeer(secret=None) as peer:
        monkeypatch.setenv("APPRISE_URLS", json_url(peer, "?-X-Tag=a,b"))
        asyncio.run(AppriseChannel(ChannelConfig(type="apprise", urls_env="APPRISE_URLS")).send(alerts(1)))
        assert len(peer.requests) == 1


def test_an_apprise_send_gives_up_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A service that answers too slowly: the send is a temporary failure at 4 x timeout
    (it used to wait as long as the service took)."""
    with WebhookPeer(secret=None, hang_s=3.0) as peer:
        peer.script = ["hang"]
        monkeypatch.setenv("APPRISE_URLS", json_url(peer))
        channel = AppriseChannel(ChannelConfig(type="apprise", urls_env="APPRISE_URLS", timeout=Seconds(0.25)))
        error = fails(channel, alerts(1))
        assert error.permanent is False and error.deadline_s == 1.0 and "gave up after 1s" in error.message
