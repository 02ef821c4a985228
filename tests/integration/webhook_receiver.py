"""A webhook receiver on loopback for the tests: records each delivery's
headers and body; with `fail_first`, answers 500 to the first attempt of
every delivery (by X-Ferry-Delivery) and 200 afterwards."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, fail_first: bool = False):
        self.received = []  # (headers, body) of successful deliveries
        self.attempts = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["X-Ferry-Delivery"]
                outer.attempts[key] = outer.attempts.get(key, 0) + 1
                status = 500 if fail_first and outer.attempts[key] == 1 else 200
                if status == 200:
                    outer.received.append((dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n, timeout=30):
        deadline = time.time() + timeout
        while len(self.received) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.received

    def wait_for_event(self, event: str, predicate, timeout=30):
        """The body (JSON) of the first delivery of `event` that `predicate` accepts."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for headers, body in list(self.received):
                payload = json.loads(body)
                if headers.get("X-Ferry-Event") == event and predicate(payload):
                    return payload
            time.sleep(0.05)
        raise AssertionError(f"no {event} delivery matched; received {self.received}")

    def close(self):
        self.server.shutdown()
