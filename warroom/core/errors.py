"""Errors a service raises for a person to read; the web and the API render them the same way."""

from __future__ import annotations


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
