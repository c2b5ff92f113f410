"""One guard for every outbound URL a hotel can configure (its WAHA server, its TTLock server, ...).

The server sends secrets to such a URL and shows the outcome on the panel, so it must not be a way into
the installation's own network (the cloud metadata service, a database, an admin page on localhost):

- in production mode only https (plain http is allowed in the demo and in tests);
- every address the host name resolves to must be public: not loopback, private, link-local, shared,
  multicast, reserved or unspecified, nor an IPv6 address that carries such an IPv4 address (IPv4-mapped,
  6to4, Teredo, NAT64); OUTBOUND_ALLOW_PRIVATE_HOSTS lifts this for operators who run the service on
  their own network, the demo and tests;
- no redirect is followed (the clients made here never follow one, and callers treat a 3xx as a failure).

It is checked when the owner saves the URL (``check_outbound_url``, a clear error beside the field) and
again on every connection (``guarded_client``): the transport resolves the host itself, checks every
address and then connects to one of those very addresses, so a name that resolved to a public address
when it was saved and resolves to a private one later (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from innkeeper.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: 64:ff9b::a.b.c.d reaches a.b.c.d
DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundRefused(InvalidInput):
    """A hotel's outbound URL that the server will not send to; ``field`` names the setting to fix."""

    code = "outbound_refused"


def private_hosts_allowed() -> bool:
    """OUTBOUND_ALLOW_PRIVATE_HOSTS; MESSAGING_ALLOW_PRIVATE_HOSTS is its old name and still counts."""
    return bool(getattr(settings, "OUTBOUND_ALLOW_PRIVATE_HOSTS", False)
                or getattr(settings, "MESSAGING_ALLOW_PRIVATE_HOSTS", False))


def https_only() -> bool:
    return settings.INNKEEPER_MODE == "production"


def is_public(address: IPAddress | str) -> bool:
    """True when ``address`` is on the public internet (see the module's docstring for what is not)."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            return is_public(ip.ipv4_mapped)
        carried = [ip.sixtofour, *(ip.teredo or ()), ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
                   if ip in NAT64 else None]
        if any(inner is not None and not is_public(inner) for inner in carried):
            return False
    # Not global covers loopback, private, link-local, shared (100.64/10) and unspecified; some multicast
    # and reserved ranges count as global and are refused as well.
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an address literal is itself), in the resolver's order."""
    found: list[IPAddress] = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


def _not_public(host: str, addresses: list[IPAddress], field: str | None) -> OutboundRefused | None:
    for ip in addresses:
        if not is_public(ip):
            ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:127.0.0.1 shown as the 127.0.0.1 it is
            return OutboundRefused(_("The server address %(host)s is on a private or local network (%(ip)s); "
                                     "give its public address.") % {"host": host, "ip": ip}, field=field)
    return None


def _check_scheme(scheme: str, field: str | None) -> None:
    if https_only() and scheme != "https":
        raise OutboundRefused(_("Give an address that starts with https://: this installation sends nothing "
                                "over plain http."), field=field)
    if scheme not in DEFAULT_PORTS:
        raise OutboundRefused(_("Give an address that starts with https:// (or http://)."), field=field)


def check_outbound_url(url: str, *, field: str | None = None) -> None:
    """Raise OutboundRefused, with a message for the owner, unless the server may send to ``url``."""
    parts = urlsplit(url.strip())
    _check_scheme(parts.scheme.lower(), field)
    host = parts.hostname or ""
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
    except ValueError:
        raise OutboundRefused(_("The port in this address is not a number from 1 to 65535."),
                              field=field) from None
    if not host:
        raise OutboundRefused(_("Give the whole address, e.g. https://server.example.com."), field=field)
    if private_hosts_allowed():
        return
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise OutboundRefused(_("The server address %(host)s cannot be found: check the host name.")
                              % {"host": host}, field=field)
    problem = _not_public(host, addresses, field)
    if problem:
        raise problem


class _CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses it has checked: it resolves the host itself and connects to those very
    addresses, since a second lookup by the socket library could answer differently."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        if not private_hosts_allowed():
            problem = _not_public(host, addresses, None)
            if problem:
                raise problem
        failure: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except httpcore.ConnectError as exc:  # the next address may answer, as socket.create_connection
                failure = exc
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over ``_CheckedBackend``, refusing plain http in production mode.

    TLS still checks the certificate against the host name: only the TCP connection goes to the address."""

    def __init__(self) -> None:  # not super().__init__(): it would build the pool on the default backend
        self._pool = httpcore.ConnectionPool(  # httpx's default limits
            ssl_context=httpx.create_ssl_context(), max_connections=100, max_keepalive_connections=20,
            keepalive_expiry=5.0, network_backend=_CheckedBackend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _check_scheme(request.url.scheme, None)
        return super().handle_request(request)


def guarded_client(**kwargs) -> httpx.Client:
    """An httpx client for a hotel's outbound URLs: every connection checked, no redirect followed."""
    return httpx.Client(transport=GuardedTransport(), follow_redirects=False, **kwargs)
