"""A real HTTP receiver on 127.0.0.1 for webhook tests: verifies signatures, records alert ids.

It answers from a script (``peer.script = [500, 500]``: two 500s, then the default 200),
or hangs (``"hang"``: it accepts the alert, then answers only after ``hang_s``, as a slow
receiver that has already acted does). Like a careful receiver it dedupes on the alert id:
``accepted`` lists every alert id it acted on, repeats included, so tests count both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookPeer:
    def __init__(self, secret: str | None = "webhook-secret", *, hang_s: float = 5.0) -> None:
        self.secret = secret
        self.hang_s = hang_s
        self.script: list[int | str] = []
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []  # every request: headers, body, status
        self.accepted: list[str] = []  # alert ids acted on (digests expanded), repeats included
        self.bad_signatures = 0
        self.release = threading.Event()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                peer.handle(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> WebhookPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            action = self.script.pop(0) if self.script else 200
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("x-monitor-signature", "")):
                with self.lock:
                    self.bad_signatures += 1
                action = 401
        status = 200 if action == "hang" else int(action)
        with self.lock:
            self.requests.append({"headers": headers, "body": body, "status": status})
            if 200 <= status < 300:
                self.accepted.extend(_alert_ids(json.loads(body)))
        if action == "hang":
            self.release.wait(self.hang_s)
        try:
            request.send_response(status)
            request.send_header("Content-Type", "text/plain")
            request.end_headers()
            request.wfile.write(b"ok" if status == 200 else f"status {status}".encode())
        except OSError:
            pass  # the client gave up waiting

    def counts(self) -> tuple[int, int]:
        """(distinct alerts delivered, repeats the receiver dropped by id)."""
        with self.lock:
            return len(set(self.accepted)), len(self.accepted) - len(set(self.accepted))


def _alert_ids(obj: Any) -> list[str]:
    if isinstance(obj, dict) and obj.get("kind") == "digest":
        return [str(a["id"]) for a in obj.get("alerts", [])]
    if isinstance(obj, dict) and "id" in obj:
        return [str(obj["id"])]
    return []
