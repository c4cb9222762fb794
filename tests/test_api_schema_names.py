"""Every schema of the API has a name of its own.

django-ninja files each body and answer under its class name in the OpenAPI components;
two apps' classes of one name (two ``DecisionIn``) silently share one entry, so one app's
operations are documented, and fuzzed, with the other's shape.
"""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _schemas() -> dict[str, set[str]]:
    import warroom.api  # noqa: F401 (mounts every router, importing every schema)

    seen: dict[str, set[str]] = defaultdict(set)
    todo = list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("warroom."):
            seen[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    return seen


def test_no_two_api_schemas_share_a_name():
    shared = {name: sorted(where) for name, where in _schemas().items() if len(where) > 1}
    assert shared == {}, f"rename one of each: {shared}"
