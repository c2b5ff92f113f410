"""Schemas every router shares: the one Problem shape every error answers with."""

from ninja import Schema


class Problem(Schema):
    detail: str
    code: str
