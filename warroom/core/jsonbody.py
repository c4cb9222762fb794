"""One way to read a JSON request body, strict at the door.

Every API body (django-ninja's own parsing through :class:`StrictJSONParser`, and the
endpoints that look their object up before reading the body through
:func:`parse_json_body`) goes through :func:`load_json_body`, which refuses, with a
reason, before anything is done:

- a body not sent as ``application/json`` (text/plain, form-encoded, none): 415;
- a body that is not UTF-8, not JSON, or nested beyond reason: 400;
- a value no service can take anywhere in it (an integer beyond 64 bits, a date outside
  1900-2199, a control character; ``core.edge.refusal``): 422 naming where.

An empty or unreadable body never stands for a default: it is refused.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import ValidationError as PydanticValidationError

from warroom.core.edge import refusal
from warroom.core.errors import InvalidInput, Malformed, UnsupportedMediaType

MAX_DEPTH = 32
_CHARSETS = {"utf-8", "utf8"}


def _where(path: list[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "body"


def _check(value: object, path: list[str | int], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise Malformed(f"the body is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{_where(path)}: not a finite number")
    reason = refusal(value)
    if reason is not None:
        raise InvalidInput(
            f"{_where(path)}: {reason}",
            details=[{"loc": ["body", *path], "msg": reason}],
        )
    if isinstance(value, dict):
        for k, v in value.items():
            _check(v, [*path, k], depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check(v, [*path, i], depth + 1)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a boolean" if isinstance(value, bool) else "a number"


def load_json_body(request: HttpRequest) -> Any:
    """The request's body as JSON, or a refusal (415, 400, 422) saying why."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json "
            f"(got {request.content_type or 'none'!r})"
        )
    charset = (request.content_params or {}).get("charset")
    if charset and charset.lower() not in _CHARSETS:
        raise UnsupportedMediaType(f"the body must be UTF-8 (got charset={charset!r})")
    raw = request.body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Malformed(f"the body is not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise Malformed("the body is empty; send a JSON object")
    try:
        data = json.loads(text)
    except RecursionError:
        raise Malformed(f"the body is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise Malformed(f"the body is not valid JSON ({exc})") from None
    _check(data, [])
    return data


def parse_json_body(request: HttpRequest, schema: type[Schema]) -> Any:
    """``schema`` validated from the request's JSON object (422 naming each field)."""
    data = load_json_body(request)
    if not isinstance(data, dict):
        raise InvalidInput(f"the body must be a JSON object, not {_json_type(data)}")
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise InvalidInput(
            "the request is not valid",
            details=json.loads(exc.json(include_url=False, include_context=False)),
        ) from None


class StrictJSONParser(Parser):
    """django-ninja's body parser, through :func:`load_json_body`. ninja wraps whatever the
    parser raises in a 400 ``HttpError``; the API's handler answers with the refusal it
    carries (its status, code and reason)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return load_json_body(request)
