"""A local HTTP server that publishes channel calendars (.ics) the way Airbnb and Booking.com do
(shared/integrations/ical.md): one secret path per listing, ``text/calendar``, CRLF lines, long lines folded.

``feeds`` maps a path ("/calendar/ical/1234.ics?s=...") to its body; ``fault`` makes every answer one of
"500", "404", "timeout" (no answer for ``slow_seconds``), "huge" (an endless-looking body past the size
limit), "redirect" (302 to an internal address) or "html" (a 200 login page). ``requests`` records each path.

``airbnb(...)`` and ``booking_com(...)`` write feeds in each channel's shape: Airbnb's PRODID, hex UIDs
@airbnb.com, "Reserved" with a folded DESCRIPTION (reservation URL, phone's last 4 digits) for bookings and
"Airbnb (Not available)" for blocks; Booking.com's "CLOSED - Not available" on every event, UIDs
@booking.com, no STATUS or DESCRIPTION. All-day dates, DTEND exclusive (the check-out day).
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fold(line: str) -> str:
    """RFC 5545 folding: lines longer than 75 octets continue on the next line after CRLF and a space."""
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def calendar(prodid: str, events: list[list[str]], *, newline: str = "\r\n", extra: tuple[str, ...] = ()) -> bytes:
    lines = ["BEGIN:VCALENDAR", f"PRODID:{prodid}", "CALSCALE:GREGORIAN", "VERSION:2.0", *extra]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return (newline.join(fold(line) for line in lines) + newline).encode()


def _d(day: date) -> str:
    return day.strftime("%Y%m%d")


def airbnb_booking(check_in: date, check_out: date, code: str, phone4: str = "1234") -> list[str]:
    uid = hashlib.md5(code.encode()).hexdigest()[:12] + "-" + hashlib.sha1(code.encode()).hexdigest()[:32]
    return ["DTSTAMP:20260810T120000Z", f"DTSTART;VALUE=DATE:{_d(check_in)}", f"DTEND;VALUE=DATE:{_d(check_out)}",
            "SUMMARY:Reserved", f"UID:{uid}@airbnb.com",
            f"DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/{code}\\n"
            f"Phone Number (Last 4 Digits): {phone4}"]


def airbnb_block(check_in: date, check_out: date, seed: str) -> list[str]:
    uid = hashlib.sha1(seed.encode()).hexdigest()[:12] + "-" + hashlib.md5(seed.encode()).hexdigest()
    return ["DTSTAMP:20260810T120000Z", f"DTSTART;VALUE=DATE:{_d(check_in)}", f"DTEND;VALUE=DATE:{_d(check_out)}",
            "SUMMARY:Airbnb (Not available)", f"UID:{uid}@airbnb.com"]


def airbnb(*events: list[str], **kwargs) -> bytes:
    return calendar("-//Airbnb Inc//Hosting Calendar 1.0//EN", list(events), **kwargs)


def booking_com_closed(check_in: date, check_out: date, seed: str) -> list[str]:
    return [f"UID:{hashlib.sha1(seed.encode()).hexdigest()[:40]}@booking.com", "DTSTAMP:20260810T120000Z",
            f"DTSTART;VALUE=DATE:{_d(check_in)}", f"DTEND;VALUE=DATE:{_d(check_out)}",
            "SUMMARY:CLOSED - Not available"]


def booking_com(*events: list[str], **kwargs) -> bytes:
    return calendar("-//admin.booking.com//EN", list(events), **kwargs)


class FakeCalendars:
    def __init__(self, slow_seconds: float = 2.0):
        self.feeds: dict[str, bytes] = {}
        self.fault = ""
        self.slow_seconds = slow_seconds
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append(self.path)
                fake._answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def _send(self, handler, status: int, body: bytes, content_type: str = "text/calendar; charset=utf-8",
              **headers):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, handler):
        fault = self.fault
        if fault == "timeout":
            time.sleep(self.slow_seconds)
            return
        if fault in ("500", "404"):
            return self._send(handler, int(fault), b"<html>error</html>", "text/html")
        if fault == "redirect":
            return self._send(handler, 302, b"", Location="http://169.254.169.254/latest/meta-data/")
        if fault == "html":
            return self._send(handler, 200, b"<!doctype html><html><body>Sign in</body></html>", "text/html")
        if fault == "huge":  # a chunked body that never says how long it is
            handler.send_response(200)
            handler.send_header("Content-Type", "text/calendar")
            handler.end_headers()
            chunk = b"X-FILLER:" + b"x" * 65_000 + b"\r\n"
            try:
                for _ in range(100):  # 6.5 MB, more than the reader takes
                    handler.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        body = self.feeds.get(handler.path)
        if body is None:
            return self._send(handler, 404, b"Not found", "text/plain")
        self._send(handler, 200, body)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
