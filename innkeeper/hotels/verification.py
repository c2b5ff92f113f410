"""Which names a hotel may claim, and the DNS proof that a claimed domain is the hotel's.

A claimed domain is proven by a TXT record ``_innkeeper.<domain>`` holding ``innkeeper-verify=<token>``,
the token random per claim. The lookup asks DOMAIN_VERIFY_NAMESERVERS (else the system's resolvers) and
gives up after DOMAIN_VERIFY_TIMEOUT_SECONDS; whatever happens, the result says in words what was found.
The lookup runs in a worker (the beat's recheck, or an owner's "Check now"), never in a request.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings
from django.utils.translation import gettext as _

from innkeeper.core import checks

RECORD_PREFIX = "_innkeeper."
VALUE_PREFIX = "innkeeper-verify="
LOCAL_SUFFIX = ".localhost"  # browsers resolve *.localhost to this machine: <slug>.localhost for demos
MAX_VALUES_SHOWN = 5


def record_name(domain: str) -> str:
    return RECORD_PREFIX + domain


def record_value(token: str) -> str:
    return VALUE_PREFIX + token


@functools.lru_cache(maxsize=1)
def _public_suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # the list the package ships: no download at run time


def is_public_suffix(host: str) -> bool:
    """``com``, ``co.uk``, ``github.io``: a name under which anyone may register, not one's own."""
    return _public_suffixes().is_public(host)


def own_hosts(slug: str) -> list[str]:
    """The names a hotel has without proof: ``<slug>.localhost`` and ``<slug>.<PLATFORM_DOMAIN>``."""
    platform = settings.PLATFORM_DOMAIN
    return [slug + LOCAL_SUFFIX] + ([f"{slug}.{platform}"] if platform else [])


def needs_no_proof(host: str) -> bool:
    """A name under the platform's own domain or ``.localhost``: the platform decides who has it."""
    platform = settings.PLATFORM_DOMAIN
    return host.endswith(LOCAL_SUFFIX) or bool(platform) and host.endswith("." + platform)


def slug_of_own_host(host: str) -> str | None:
    """``grand`` for ``grand.localhost`` or ``grand.<PLATFORM_DOMAIN>``; None for any other name."""
    for suffix in [LOCAL_SUFFIX] + (["." + settings.PLATFORM_DOMAIN] if settings.PLATFORM_DOMAIN else []):
        label = host[: -len(suffix)] if host.endswith(suffix) else ""
        if label and "." not in label:
            return label
    return None


# Where a claimed domain stands, as its row in the panel says: not checked yet, being checked by a worker
# ("Check now"), proven, or not proven by the last check (its ``check_result`` says what was found).
PENDING, CHECKING, VERIFIED, NOT_VERIFIED = "pending", "checking", "verified", "not_verified"


def domain_state(row, *, now=None) -> str:
    """PENDING, CHECKING, VERIFIED or NOT_VERIFIED for a HotelDomain row."""
    if row.verified_at is not None:
        return VERIFIED
    if checks.state(requested_at=row.check_requested_at, done_at=row.checked_at, now=now) == checks.CHECKING:
        return CHECKING
    return NOT_VERIFIED if row.checked_at is not None else PENDING


@dataclass(frozen=True)
class Check:
    verified: bool
    found: str  # what the lookup found, in words a hotel owner understands


def _resolver() -> dns.resolver.Resolver:
    configured = settings.DOMAIN_VERIFY_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        servers = []
        for server in configured:
            if server.startswith("["):
                address, _bracket, port = server[1:].partition("]")
                port = port.removeprefix(":")
            elif server.count(":") == 1:
                address, port = server.split(":")
            else:
                address, port = server, ""
            servers.append(dns.nameserver.Do53Nameserver(address, int(port or 53)))
        resolver.nameservers = servers
    resolver.cache = None  # a record just published must be seen at the next check
    return resolver


def _texts(rdata) -> str:
    return b"".join(rdata.strings).decode("utf-8", "replace")


def check(domain: str, token: str) -> Check:
    """Look up ``_innkeeper.<domain>`` TXT and say whether it holds this claim's token."""
    name, expected = record_name(domain), record_value(token)
    timeout = settings.DOMAIN_VERIFY_TIMEOUT_SECONDS
    try:
        answer = _resolver().resolve(name, dns.rdatatype.TXT, lifetime=timeout, search=False)
    except dns.resolver.NXDOMAIN:
        return Check(False, _("No record %(name)s was found: the name does not exist in DNS yet. Create the "
                              "TXT record, then check again (a new record can take up to an hour to be "
                              "seen).")
                     % {"name": name})
    except dns.resolver.NoAnswer:
        return Check(False, _("The name %(name)s exists in DNS but has no TXT record. Create the TXT record, "
                              "then check again.") % {"name": name})
    except dns.resolver.LifetimeTimeout:
        return Check(False, _("The DNS servers did not answer within %(seconds)s seconds; the domain will be "
                              "checked again later.") % {"seconds": f"{timeout:g}"})
    except dns.resolver.NoNameservers:
        return Check(False, _("The DNS servers for %(domain)s answered with an error, so the record could "
                              "not be read; the domain will be checked again later.") % {"domain": domain})
    except dns.exception.DNSException as exc:
        return Check(False, _("The DNS lookup of %(name)s failed (%(error)s); the domain will be checked "
                              "again later.") % {"name": name, "error": exc.__class__.__name__})
    values = [_texts(rdata) for rdata in answer]
    if expected in values:
        return Check(True, _("The TXT record %(name)s holds %(value)s.") % {"name": name, "value": expected})
    shown = ", ".join(f'"{value}"' for value in values[:MAX_VALUES_SHOWN])
    if len(values) > MAX_VALUES_SHOWN:
        shown += ", …"
    return Check(False, _("The TXT record %(name)s holds %(found)s, not %(value)s. Change it to that value, "
                          "then check again.") % {"name": name, "found": shown, "value": expected})
