"""One local HTTP server that speaks the three WhatsApp providers' send APIs, checking requests as they do.

- WAHA:      POST /api/sendText, X-Api-Key, JSON {session: "default", chatId: "<digits>@c.us", text}
             (``waha_accounts``: the API keys it knows and the session each serves; "*": a WAHA Plus key,
             any session name). Sessions (waha.md): GET /api/sessions/{name}, POST /api/sessions {name}
             (create and start), POST /api/sessions/{name}/start and /logout, GET /api/{name}/auth/qr (a PNG
             while SCAN_QR_CODE; ``waha_rotate`` gives a new one), GET /api/sessions/{name}/me. A started
             session waits for a scan; ``waha_scan(name, phone)`` is the phone scanning it. The session a
             Core key serves is linked (WORKING) until a test says otherwise.
- Cloud API: POST /<version>/<phone_number_id>/messages, Bearer token, JSON template message
- Twilio:    POST /2010-04-01/Accounts/<sid>/Messages.json, HTTP Basic (sid, token), form-encoded; an
             approved template (ContentSid + ContentVariables, a JSON string with its keys) through the
             Messaging Service, or a free-text Body, refused with 63016 unless the guest wrote within
             24 hours (``guest_wrote``; by default nobody has)

Faults are programmed per request with ``fail(...)``: "500", "429" (Retry-After), "timeout" (no answer
for ``slow_seconds``, then the connection closes; nothing sent), "gzip" (a 201 whose body cannot be
decoded; nothing sent), "not-json" (sent, but the 201 answer is an HTML page), "late" (sent, but the
answer comes after ``slow_seconds``), "hold" (wait until ``release()``; ``held`` is set when the
request arrived), or a (status, json) pair. ``sends`` lists what was accepted (the messages a guest
would receive): like the real services, a repeated request is a new message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WAHA_KEY = "waha-test-key"
CLOUD_TOKEN = "cloud-test-token"
CLOUD_PHONE_ID = "1098765"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-token"
TWILIO_SERVICE = "MG" + "1" * 32
# Approved content templates (ContentSid → their variables "1".."n"): the booking confirmation in two languages,
# and the access message of a room without a smart lock (where to collect the key) in English.
TWILIO_CONTENT_EN, TWILIO_CONTENT_RU, TWILIO_KEY_COLLECTION = "HX" + "e" * 32, "HX" + "a" * 32, "HX" + "c" * 32
TWILIO_CONTENT = {TWILIO_CONTENT_EN: 6, TWILIO_CONTENT_RU: 6, TWILIO_KEY_COLLECTION: 4}
OUTSIDE_WINDOW = ("Failed to send freeform message because you are outside the allowed window. If you are using "
                  "WhatsApp, please use a Message Template.")
CORE_MESSAGE = ("WAHA Core support only 'default' session. If you want to run more then one WhatsApp account - "
                "please get WAHA PLUS version...")


class FakeWhatsApp:
    def __init__(self, slow_seconds: float = 2.0):
        self.slow_seconds = slow_seconds
        self.sends: list[dict] = []
        self.requests: list[dict] = []
        self.faults: list = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._accept_held = True
        self.twilio_inbound: dict[str, float] = {}  # "whatsapp:+7..." → when the guest last wrote
        self.next_ids: list[str] = []  # message ids to hand out next (a test may need to know one early)
        # WAHA: each API key this server knows and the session it serves (WAHA Core serves only "default").
        self.waha_accounts: dict[str, str] = {WAHA_KEY: "default"}
        self.waha_sessions: dict[str, dict] = {}  # name → {"status", "me", "qr"}: sessions a test changed
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self)

            def do_GET(self):
                fake._handle(self)

            def do_DELETE(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail(self, *faults):
        with self._lock:
            self.faults.extend(faults)

    def guest_wrote(self, e164: str, seconds_ago: float = 60):
        """The guest sent the business a WhatsApp message: free text is allowed for 24 hours."""
        self.twilio_inbound[f"whatsapp:{e164}"] = time.time() - seconds_ago

    def release(self, accept: bool = True):
        """Let a held request go on (``accept``: the provider sends it) or drop it (nothing sent)."""
        self._accept_held = accept
        self._release.set()

    # -- protocol ---------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler):
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path = urlsplit(h.path).path
        with self._lock:
            self.requests.append({"path": path, "headers": dict(h.headers), "body": body})
            fault = self.faults.pop(0) if self.faults else None
        if fault == "hold":
            self.held.set()
            self._release.wait(30)
            if not self._accept_held:
                return  # the request is dropped: nothing was sent
        elif fault == "timeout":  # no answer in time: the client must give up (nothing is sent)
            time.sleep(self.slow_seconds)
            return
        elif fault == "gzip":  # a broken answer (Content-Encoding: gzip, but it is not): nothing is sent
            return self._answer(h, 201, {"id": "x"}, {"Content-Encoding": "gzip"})
        elif fault == "500":
            return self._answer(h, 500, {"statusCode": 500, "message": "Internal server error"})
        elif fault == "429":
            return self._answer(h, 429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "1"})
        elif isinstance(fault, tuple):
            return self._answer(h, fault[0], fault[1])
        h.fault = fault  # "not-json" and "late" take the message, then spoil the answer
        if path.startswith("/api/sessions") or path.startswith("/api/") and path.endswith("/auth/qr"):
            return self._waha_session(h, path, body)
        if h.command == "GET":  # what a "test connection" reads: the session, the account, the phone number
            return self._looked_up(h, path)
        if path == "/api/sendText":
            return self._waha(h, body)
        if path.startswith("/2010-04-01/Accounts/"):
            return self._twilio(h, path, body)
        if path.endswith("/messages"):
            return self._cloud(h, path, body)
        self._answer(h, 404, {"message": "not found"})

    # -- WAHA sessions ----------------------------------------------------------------------------
    def waha_scan(self, name: str = "default", phone: str = "+79990001122", push_name: str = "Front desk"):
        """The hotel's phone scans the session's QR code: the session is linked to ``phone``."""
        with self._lock:
            self.waha_sessions[name] = {"status": "WORKING", "qr": 0,
                                        "me": {"id": phone.lstrip("+") + "@c.us", "pushName": push_name}}

    def waha_rotate(self, name: str = "default"):
        """WAHA shows a new QR code (it does every 20-60 s while it waits)."""
        with self._lock:
            self.waha_sessions[name]["qr"] += 1

    def waha_session(self, name: str) -> dict | None:
        with self._lock:
            if name in self.waha_sessions:
                return self.waha_sessions[name]
        if name in self.waha_accounts.values():  # the session sends go through: linked already
            return {"status": "WORKING", "me": {"id": "79990000000@c.us", "pushName": "Hotel"}, "qr": 0}
        return None

    def waha_qr_png(self, name: str) -> bytes:
        """A PNG that differs for each QR code shown (its text chunk says which)."""
        import struct
        import zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        number = self.waha_sessions[name]["qr"]
        header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
        pixels = zlib.compress(b"\x00\x00\xff\x00\xff\x00")
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", f"Comment\x00{name}-{number}".encode())
                + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))

    def _waha_session(self, h, path, body):
        key = h.headers.get("X-Api-Key", "")
        if key not in self.waha_accounts:
            return self._answer(h, 401, {"statusCode": 401, "message": "Unauthorized"})
        parts = path.strip("/").split("/")  # api/sessions[/name[/verb]] or api/<name>/auth/qr
        if h.command == "POST" and parts == ["api", "sessions"]:
            name = (json.loads(body or b"{}") or {}).get("name") or "default"
            verb = "create"
        elif parts[1] == "sessions" and len(parts) >= 3:
            name, verb = parts[2], (parts[3] if len(parts) > 3 else h.command)
        elif parts[2:] == ["auth", "qr"]:
            name, verb = parts[1], "qr"
        else:
            return self._answer(h, 404, {"statusCode": 404, "message": "not found"})
        if self.waha_accounts[key] not in ("*", name):
            return self._answer(h, 422, {"statusCode": 422, "message": CORE_MESSAGE, "error": "Unprocessable Entity"})
        known = self.waha_session(name)
        if verb == "create":
            if known is not None and known["status"] != "STOPPED":
                return self._answer(h, 422, {"statusCode": 422, "message": f"Session '{name}' is already started."})
            with self._lock:
                self.waha_sessions[name] = {"status": "SCAN_QR_CODE", "me": None, "qr": 1}
            return self._answer(h, 201, {"name": name, "status": "STARTING"})
        if known is None:
            return self._answer(h, 404, {"statusCode": 404, "message": f"Session '{name}' does not exist."})
        if verb == "GET":
            return self._answer(h, 200, {"name": name, "status": known["status"], "me": known["me"],
                                         "engine": {"engine": "WEBJS"}})
        if verb == "start" and h.command == "POST":
            with self._lock:
                self.waha_sessions[name] = {"status": "SCAN_QR_CODE", "me": None, "qr": known["qr"] + 1}
            return self._answer(h, 201, {"name": name, "status": "STARTING"})
        if verb == "logout" and h.command == "POST":
            with self._lock:
                self.waha_sessions[name] = {"status": "STOPPED", "me": None, "qr": known["qr"]}
            return self._answer(h, 201, {"name": name, "status": "STOPPED"})
        if verb == "me" and h.command == "GET":
            return self._answer(h, 200, known["me"]) if known["me"] else self._answer(h, 200, None)
        if verb == "qr" and h.command == "GET":
            if known["status"] != "SCAN_QR_CODE":
                return self._answer(h, 422, {"statusCode": 422, "message": "Can not get QR code, status is "
                                             + known["status"]})
            data = self.waha_qr_png(name)
            h.send_response(200)
            h.send_header("Content-Type", "image/png")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return None
        return self._answer(h, 404, {"statusCode": 404, "message": "not found"})

    def _looked_up(self, h, path):
        if path.startswith("/2010-04-01/Accounts/"):
            return self._answer(h, 200, {"sid": path.split("/")[3].removesuffix(".json"), "status": "active"})
        return self._answer(h, 200, {"id": path.rsplit("/", 1)[1], "display_phone_number": "+1 555-0100"})

    def _answer(self, h, status, payload, headers=None):
        data = json.dumps(payload).encode()
        fault = getattr(h, "fault", None)
        if fault == "not-json" and status < 300:
            data, headers = b"<html><body>OK</body></html>", {"Content-Type": "text/html"}
        elif fault == "late" and status < 300:
            time.sleep(self.slow_seconds)  # the message is sent, but the answer comes after the client gave up
        try:
            h.send_response(status)
        except OSError:
            return
        headers = {"Content-Type": "application/json", **(headers or {})}
        h.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            h.send_header(k, v)
        try:
            h.end_headers()
            h.wfile.write(data)
        except OSError:  # the client went away (e.g. a killed worker): the provider still did the work
            pass

    def _next_id(self) -> str | None:
        with self._lock:
            return self.next_ids.pop(0) if self.next_ids else None

    def _accept(self, provider, message_id, **fields):
        with self._lock:
            self.sends.append({"provider": provider, "id": message_id, **fields})

    def _waha(self, h, body):
        key = h.headers.get("X-Api-Key")
        if key not in self.waha_accounts:
            return self._answer(h, 401, {"statusCode": 401, "message": "Unauthorized"})
        data = json.loads(body)
        if data.get("session") != self.waha_accounts[key]:
            return self._answer(h, 422, {"statusCode": 422, "message": CORE_MESSAGE, "error": "Unprocessable Entity"})
        chat = data.get("chatId", "")
        if not (chat.endswith("@c.us") and chat[:-5].isdigit()) or not data.get("text"):
            return self._answer(h, 400, {"statusCode": 400, "message": "chatId and text are required"})
        message_id = self._next_id() or f"true_{chat}_{secrets.token_hex(10).upper()}"
        self._accept("waha", message_id, to=chat, text=data["text"], key=key, session=data["session"])
        self._answer(h, 201, {"id": message_id, "timestamp": int(time.time()), "from": "me", "to": chat})

    def _cloud(self, h, path, body):
        if h.headers.get("Authorization") != f"Bearer {CLOUD_TOKEN}":
            return self._answer(h, 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                                   "code": 190}})
        parts = path.strip("/").split("/")
        data = json.loads(body)
        if len(parts) != 3 or parts[1] != CLOUD_PHONE_ID or data.get("messaging_product") != "whatsapp":
            return self._answer(h, 400, {"error": {"message": "(#100) Invalid parameter", "code": 100}})
        to = data.get("to", "")
        template = data.get("template") or {}
        if not to.isdigit() or data.get("type") != "template" or not template.get("name"):
            return self._answer(h, 400, {"error": {"message": "(#100) Invalid parameter", "code": 100}})
        message_id = "wamid." + secrets.token_hex(16)
        self._accept("cloud", message_id, to=to, template=template)
        self._answer(h, 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                              "messages": [{"id": message_id}]})

    def _twilio(self, h, path, body):
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if h.headers.get("Authorization") != expected:
            return self._answer(h, 401, {"code": 20003, "message": "Authenticate", "status": 401})
        if path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json" or \
                not h.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self._answer(h, 404, {"code": 20404, "message": "not found", "status": 404})
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        to = form.get("To", "")
        if not to.startswith("whatsapp:+"):
            return self._answer(h, 400, {"code": 21211, "message": f"The 'To' number {to} is not valid.",
                                         "status": 400})
        if form.get("ContentSid"):
            refusal = self._twilio_template(form)
            if refusal:
                return self._answer(h, 400, {**refusal, "status": 400})
            sender, text = f"whatsapp:{form['MessagingServiceSid']}", None
        else:
            sender, text = form.get("From", ""), form.get("Body")
            if not sender.startswith("whatsapp:") or not text:
                return self._answer(h, 400, {"code": 21211, "message": "From and Body are required.", "status": 400})
            if time.time() - self.twilio_inbound.get(to, float("-inf")) > 24 * 3600:
                return self._answer(h, 400, {"code": 63016, "message": OUTSIDE_WINDOW, "status": 400})
        sid = "SM" + secrets.token_hex(16)
        answer = {"sid": sid, "account_sid": TWILIO_SID, "from": sender, "to": to, "body": text or "",
                  "messaging_service_sid": form.get("MessagingServiceSid"), "status": "queued",
                  "direction": "outbound-api"}
        self._accept("twilio", sid, to=to, text=text, content_sid=form.get("ContentSid"),
                     content_variables=form.get("ContentVariables"))
        self._answer(h, 201, answer)

    @staticmethod
    def _twilio_template(form) -> dict | None:
        if form.get("MessagingServiceSid") != TWILIO_SERVICE:
            return {"code": 21701, "message": "The Messaging Service Sid is invalid."}
        if "Body" in form or "From" in form:
            return {"code": 21619, "message": "Send a content template without Body or From."}
        expected = TWILIO_CONTENT.get(form["ContentSid"])
        if expected is None:
            return {"code": 20404, "message": f"Content {form['ContentSid']} was not found."}
        try:
            variables = json.loads(form.get("ContentVariables", ""))
        except ValueError:
            return {"code": 21656, "message": "The ContentVariables Parameter is invalid (not a JSON string)."}
        if not isinstance(variables, dict) or set(variables) != {str(i) for i in range(1, expected + 1)} or \
                not all(isinstance(v, str) and v for v in variables.values()):
            return {"code": 21656, "message": "The ContentVariables Parameter is invalid."}
        return None


# Signed status callbacks, computed as each provider does --------------------------------------------

def waha_signature(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def cloud_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(auth_token: str, url: str, params: dict) -> str:
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()
