"""Domain errors. Each carries a stable code; each interface (API, pages) maps them once."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **params):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Input that breaks a rule a person can fix; ``field`` names what to fix."""

    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class Busy(DomainError):
    """The database was too contended to finish; the same request may succeed a moment later."""

    code = "busy"


class PermissionDenied(DomainError):
    """The person is known but their role does not allow this."""

    code = "forbidden"


class TooManyRequests(DomainError):
    """The same thing was asked too often; it may be asked again after ``retry_after`` seconds."""

    code = "rate_limited"
