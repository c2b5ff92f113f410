"""A real SMTP server (aiosmtpd) on a local port that keeps what it receives; faults on request."""

from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.faults: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@invalid.example"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.faults:
            fault = self.faults.pop(0)
            return {"421": "421 4.3.2 Service not available, try later", "451": "451 4.3.0 Try again later"}[fault]
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _OnAnyFreePort(Controller):
    """Listens on a port the system picks at bind time. Asking for a free port first and binding it later
    leaves a moment in which another process (a parallel test run, any outgoing connection) may take it."""

    def _create_server(self):
        async def create():
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0,
                                                   ssl=self.ssl_context)
            self.port = server.sockets[0].getsockname()[1]  # before start() connects to it
            return server
        return create()


class FakeSmtp:
    def __init__(self):
        self.handler = _Handler()
        self.controller = _OnAnyFreePort(self.handler, hostname="127.0.0.1", port=0)

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self):
        return self.handler.messages

    def fail(self, *codes: str):
        self.handler.faults.extend(codes)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
