"""Signed tokens for the links a guest is sent (manage booking, check-in, web key).

The token is the value and its signature, and nothing else: the same booking gives the same link every
time, so the e-mail and the WhatsApp message carry one link, and a link never depends on the second it
was made. Where a link must stop working, the value says until when and the caller checks it."""

from __future__ import annotations

from django.core import signing


def sign(value, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(value, compress=True)


def unsign(token: str, *, salt: str):
    """The signed value; ``signing.BadSignature`` if the token was not made by ``sign`` with this salt."""
    return signing.Signer(salt=salt).unsign_object(token or "")
