"""A DNS server on a local UDP port that answers TXT queries from a table, as an authoritative server would:
the records for a name, NOERROR with no answer for a name that has records of other types, NXDOMAIN for
an unknown name. Names can be made to stay silent (the asker times out) or to answer SERVFAIL."""

from __future__ import annotations

import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class FakeDns:
    def __init__(self):
        self.txt: dict[str, list[str]] = {}  # name -> the TXT values published for it
        self.other: set[str] = set()  # names that exist with records of other types only
        self.silent: set[str] = set()  # names whose queries get no answer at all
        self.failing: set[str] = set()  # names answered with SERVFAIL
        self.queries: list[tuple[str, str]] = []  # (name, type) of each query, in order
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))  # a port the system picks at bind time
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._sock.getsockname()
        return f"{host}:{port}"

    def publish(self, name: str, *values: str) -> None:
        self.txt[name.lower().rstrip(".")] = list(values)

    def start(self) -> FakeDns:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue  # not DNS: a real server drops it too
            answer = self._answer(query)
            if answer is not None:
                self._sock.sendto(answer.to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append((name, dns.rdatatype.to_text(question.rdtype)))
        if name in self.silent:
            return None
        if name in self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if name not in self.txt and name not in self.other:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        if question.rdtype == dns.rdatatype.TXT and self.txt.get(name):
            # One string per value, each split in 255-byte pieces as a TXT record must be.
            texts = []
            for value in self.txt[name]:
                raw = value.encode()
                pieces = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
                texts.append(" ".join('"' + p.decode().replace('"', '\\"') + '"' for p in pieces))
            response.answer.append(dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN,
                                                            dns.rdatatype.TXT, texts))
        return response  # NOERROR; an empty answer section when the name has no TXT record
