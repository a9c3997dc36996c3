"""A local stand-in of Twilio's Messages API, for the tests and the benchmark.

A threaded HTTP server on a free port that the real twilio client talks to (TWILIO_API_URL). It
checks the account's basic auth, records every message it is asked to send, answers with Twilio's
JSON, lists what it recorded (GET Messages.json?To=...), and can be told to fail: with an error code
(21610, 21211), with 429, or with 500, for the next requests or for one number.
"""

import base64
import email.utils
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+15550009999"

ERRORS = {
    21211: (400, "The 'To' number is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
}


@dataclass
class Sent:
    sid: str
    to: str
    body: str
    from_: str
    status_callback: str
    at: float


class TwilioStandIn:
    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.sent: list[Sent] = []
        self.requests = 0
        self._failures: list[int] = []  # Twilio error codes for the next requests, in order (0: take it, then hang up)
        self._number_failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="twilio-standin", daemon=True)

    # --- control -----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "TwilioStandIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, code: int, times: int = 1) -> None:
        """Answer the next `times` send requests with this Twilio error (21211, 21610, 20429, 20500)."""
        with self._lock:
            self._failures.extend([code] * times)

    def take_then_hang_up(self, times: int = 1) -> None:
        """Take the next messages, then close the connection without answering (the client cannot
        know whether Twilio has them)."""
        with self._lock:
            self._failures.extend([0] * times)

    def fail_number(self, to: str, code: int) -> None:
        with self._lock:
            self._number_failures[to] = code

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._failures.clear()
            self._number_failures.clear()
            self.requests = 0

    def bodies_to(self, to: str) -> list[str]:
        with self._lock:
            return [s.body for s in self.sent if s.to == to]

    def count_by_number(self) -> Counter:
        with self._lock:
            return Counter(s.to for s in self.sent)

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until `count` messages were taken (polls the record; returns False on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.sent) >= count:
                    return True
            time.sleep(0.02)
        return False

    # --- the server --------------------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One response is headers then body in two writes: without this, Nagle and the client's
            # delayed ACK hold every answer ~40 ms, which is the stand-in's artefact, not Twilio's.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                return self.headers.get("Authorization") == expected

            def _path_ok(self, path: str) -> bool:
                return path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
                with standin._lock:
                    standin.requests += 1
                if not self._authorized():
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self._path_ok(urlsplit(self.path).path):
                    return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                if standin.delay:
                    time.sleep(standin.delay)
                to = form.get("To", "")
                with standin._lock:
                    code = standin._failures.pop(0) if standin._failures else standin._number_failures.get(to)
                if code == 0:
                    with standin._lock:
                        standin.sent.append(Sent("SM" + uuid.uuid4().hex, to, form.get("Body", ""), form.get("From", ""), form.get("StatusCallback", ""), time.time()))
                    self.close_connection = True
                    return
                if code:
                    status, text = ERRORS[code]
                    return self._answer(status, {"code": code, "message": text, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})
                if not to or not (form.get("Body") or "").strip() or not (form.get("From") or form.get("MessagingServiceSid")):
                    return self._answer(400, {"code": 21604, "message": "A 'To' phone number, 'From' and 'Body' are required.", "status": 400})
                record = Sent("SM" + uuid.uuid4().hex, to, form["Body"], form.get("From", ""), form.get("StatusCallback", ""), time.time())
                with standin._lock:
                    standin.sent.append(record)
                self._answer(201, standin._resource(record))

            def do_GET(self):
                parts = urlsplit(self.path)
                if not self._authorized():
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self._path_ok(parts.path):
                    return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with standin._lock:
                    found = [standin._resource(s) for s in reversed(standin.sent) if s.to == query.get("To", s.to)]
                self._answer(200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": len(found), "start": 0, "end": len(found)})

        return Handler

    @staticmethod
    def _resource(record: Sent) -> dict:
        stamp = email.utils.formatdate(record.at, usegmt=False).replace("-0000", "+0000")
        return {
            "sid": record.sid,
            "account_sid": ACCOUNT_SID,
            "to": record.to,
            "from": record.from_ or FROM_NUMBER,
            "body": record.body,
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "num_media": "0",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": stamp,
            "date_updated": stamp,
            "date_sent": None,
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{record.sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{record.sid}/Media.json"},
        }
