"""Booking reference codes: 6 characters a guest can read out over the phone."""

import secrets

# No 0/O, no 1/I/L: nothing a guest can misread.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(reference: str) -> str:
    return reference.strip().upper()
