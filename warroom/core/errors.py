"""Errors a service raises for a person to read; the web and the API render them the same way."""

from __future__ import annotations

from django.core.exceptions import BadRequest


class WarroomError(Exception):
    """A refusal with a stable machine code and a message for people."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: object = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(WarroomError):
    code = "not_found"
    status = 404


class Forbidden(WarroomError):
    code = "forbidden"
    status = 403


class Conflict(WarroomError):
    code = "conflict"
    status = 409


class InvalidInput(WarroomError):
    code = "invalid"
    status = 422


class Malformed(WarroomError):
    """The request cannot be read at all (not UTF-8, not JSON): nothing was done."""

    code = "malformed"
    status = 400


class UnsupportedMediaType(WarroomError):
    code = "unsupported_media_type"
    status = 415


class RefusedAtTheEdge(BadRequest):
    """A request parameter no view can take (core.edge); its message names it and why."""
