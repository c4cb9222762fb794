"""The single doors, held by reading the code (AST): a copy of a mechanism fails here.

- Acting context: only ``warroom/core/context.py`` opens a context of its own (the
  middleware's ``for_request``); services say who acts with ``acting(actor)`` and never
  set the source or the address, and nothing wraps ``acting`` in a context manager of
  its own (``cases.services.acting_as`` was such a copy).
- Restricted user lookup: views, API modules, services, selectors and importers never
  query ``User.objects``; they call ``warroom/core/users.py`` (the accounts app, which
  owns the model, and the operator's CLI are exempt).
- Scoped access: API authentication lives in ``warroom/core/apiauth.py`` (the accounts
  app's plain token and session checks are its building blocks); no router sets its own
  ``auth``; an object is loaded for a user through ``warroom.core.scoping.load_for``,
  never with a hand-written ``restrict(...).filter(pk=...).first()`` and a NotFound.
- Permits under an area: a service asks whether an actor may change something under an
  area with ``warroom.core.permits.require_in_area`` (NotFound outside the jurisdiction,
  Forbidden for the role), never with its own ``in_scope`` + ``can`` + raise.
- Objects for a page: a view loads what its URL names with ``warroom.web.found``
  (``load_or_404``, ``area_or_404``, ``asked_area``) and what a form names with its
  ``in_form`` / ``form_area``, never with its own ``try: load_for(...)/get_area(...)
  except NotFound:`` (answering a 404, a form's refusal or a message).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "warroom"
LAYERS = ("views", "api", "services", "selectors", "imports", "clearance")


@cache
def modules() -> tuple[tuple[str, ast.Module], ...]:
    """Every module's syntax tree, parsed once for all the checks of this file."""
    return tuple(
        (rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel))
        for path in sorted(ROOT.rglob("*.py"))
        if "/migrations/" not in (rel := path.relative_to(ROOT.parent).as_posix())
    )


def _service_sections() -> set[str]:
    """The modules a ``services.py`` re-exports from its own package (its sections, e.g.
    ``warroom/cases/people.py``): they are the service layer as much as the facade is."""
    found = set()
    for path in sorted(ROOT.rglob("services.py")):
        package = path.parent.relative_to(ROOT.parent).as_posix().replace("/", ".")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package + "."):
                found.add(node.module.replace(".", "/") + ".py")  # type: ignore[union-attr]
    return found


SECTIONS = _service_sections()


def in_layer(rel: str) -> bool:
    return Path(rel).stem in LAYERS or rel in SECTIONS


def test_the_service_sections_are_known() -> None:
    """The split service modules (issue 13) stay under the layer checks."""
    assert {
        "warroom/cases/people.py",
        "warroom/communities/certifying.py",
        "warroom/dispatch/placing.py",
    } <= SECTIONS


def calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (
                isinstance(f, ast.Attribute) and f.attr == name
            ):
                yield node


def test_no_service_opens_a_context_that_replaces_the_requests() -> None:
    problems = []
    for rel, tree in modules():
        if rel == "warroom/core/context.py":
            continue
        for call in calls(tree, "ContextVar"):
            problems.append(f"{rel}:{call.lineno}: a context variable of its own")
        for call in calls(tree, "for_request"):
            if rel != "warroom/core/middleware.py":
                problems.append(f"{rel}:{call.lineno}: for_request outside the middleware")
        if in_layer(rel):
            for call in calls(tree, "acting"):
                given = {k.arg for k in call.keywords}
                if given & {"source", "ip"}:
                    problems.append(f"{rel}:{call.lineno}: a service sets the provenance")
        for node in ast.walk(tree):
            wrapper = isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Name) and d.id == "contextmanager" for d in node.decorator_list
            )
            if wrapper and any(True for _ in calls(node, "acting")):
                problems.append(f"{rel}:{node.lineno}: {getattr(node, 'name', '')} wraps acting()")
    assert not problems, "\n".join(problems)


def test_no_user_lookup_outside_the_restricted_helper() -> None:
    problems = []
    for rel, tree in modules():
        if rel.startswith("warroom/accounts/") or not in_layer(rel):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id == "User"
            ):
                problems.append(f"{rel}:{node.lineno}: User.{node.attr} (use warroom.core.users)")
            if isinstance(node, ast.Call) and any(True for _ in calls(node, "get_user_model")):
                problems.append(f"{rel}:{node.lineno}: get_user_model() (use warroom.core.users)")
    assert not problems, "\n".join(problems)


def test_scoped_api_auth_only_from_core() -> None:
    problems = []
    auth_bases = {"HttpBearer", "SessionAuth", "APIKeyHeader", "TokenAuth", "ActiveSessionAuth"}
    for rel, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and rel not in (
                "warroom/core/apiauth.py",
                "warroom/accounts/auth.py",
            ):
                bases = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                has_auth = any(
                    isinstance(f, ast.FunctionDef) and f.name in ("authenticate", "__call__")
                    for f in node.body
                ) and ("Auth" in node.name)
                if bases & auth_bases or has_auth:
                    problems.append(f"{rel}:{node.lineno}: API authentication {node.name}")
        for call in calls(tree, "Router"):
            if any(k.arg == "auth" for k in call.keywords):
                problems.append(f"{rel}:{call.lineno}: a router with its own auth")
        for call in calls(tree, "NinjaAPI"):
            auth = next((k.value for k in call.keywords if k.arg == "auth"), None)
            if not (
                isinstance(auth, ast.Call)
                and isinstance(auth.func, ast.Name)
                and auth.func.id == "scoped_auth"
            ):
                problems.append(f"{rel}:{call.lineno}: the API's auth is not scoped_auth()")
    assert not problems, "\n".join(problems)


def test_objects_are_loaded_for_a_user_through_load_for() -> None:
    """A function that restricts, filters one object by key, takes ``.first()`` and raises
    NotFound is a copy of ``load_for``."""
    problems = []
    for rel, tree in modules():
        if rel == "warroom/core/scoping.py" or not in_layer(rel):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            restricts = any(True for _ in calls(node, "restrict"))
            first = any(True for _ in calls(node, "first"))
            not_found = any(
                isinstance(n, ast.Raise)
                and isinstance(n.exc, ast.Call)
                and getattr(n.exc.func, "id", "") == "NotFound"
                for n in ast.walk(node)
            )
            by_key = any(
                k.arg in ("pk", "code", "id") for c in calls(node, "filter") for k in c.keywords
            )
            if restricts and first and not_found and by_key:
                problems.append(f"{rel}:{node.lineno}: {node.name} loads by hand (use load_for)")
    assert not problems, "\n".join(problems)


def _raises(node: ast.AST, name: str) -> bool:
    return any(
        isinstance(n, ast.Raise)
        and isinstance(n.exc, ast.Call)
        and getattr(n.exc.func, "id", "") == name
        for n in ast.walk(node)
    )


def area_check_copies(tree: ast.AST) -> Iterator[ast.FunctionDef]:
    """Functions that ask the area (``in_scope``) and the role (``.can``) and answer
    NotFound or Forbidden themselves: copies of ``require_in_area``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef)
            and any(True for _ in calls(node, "in_scope"))
            and any(True for _ in calls(node, "can"))
            and _raises(node, "NotFound")
            and _raises(node, "Forbidden")
        ):
            yield node


def test_area_scoped_changes_are_permitted_through_require_in_area() -> None:
    """Who may change something under an area is asked by one function,
    ``warroom.core.permits.require_in_area`` (economy's ``_check`` and communities'
    ``_check_change`` were copies of each other, issue 13)."""
    problems = [
        f"{rel}:{node.lineno}: {node.name} checks area and role by hand (use require_in_area)"
        for rel, tree in modules()
        if rel != "warroom/core/permits.py" and in_layer(rel)
        for node in area_check_copies(tree)
    ]
    assert not problems, "\n".join(problems)


def test_the_area_check_sees_a_copy() -> None:
    copy = ast.parse(
        "def _check(actor, area):\n"
        "    if not in_scope(actor, area.path):\n"
        "        raise NotFound('area not found')\n"
        "    if not actor.can('change'):\n"
        "        raise Forbidden('no')\n"
    )
    assert [f.name for f in area_check_copies(copy)] == ["_check"]


def page_load_copies(tree: ast.AST) -> Iterator[ast.Try]:
    """``try: load_for(...)`` (or ``get_area``) ``except NotFound:`` answered by hand."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        loads = any(
            True
            for stmt in node.body
            for name in ("load_for", "get_area")
            for _ in calls(stmt, name)
        )
        # Whatever the handler answers — a 404, a form's refusal, a message — it is a copy
        # of a door in warroom.web.found (load_or_404, area_or_404, in_form, form_area).
        handles = any(getattr(h.type, "id", "") == "NotFound" for h in node.handlers)
        if loads and handles:
            yield node


def test_pages_load_their_objects_through_the_web_helper() -> None:
    problems = [
        f"{rel}:{node.lineno}: loads for a page by hand (use warroom.web.found)"
        for rel, tree in modules()
        if rel != "warroom/web/found.py" and Path(rel).stem == "views"
        for node in page_load_copies(tree)
    ]
    assert not problems, "\n".join(problems)


def test_the_page_check_sees_a_copy() -> None:
    copy = ast.parse(
        "def _area(request, code):\n"
        "    try:\n"
        "        return geo.get_area(request.user, code)\n"
        "    except NotFound:\n"
        "        raise Http404 from None\n"
    )
    assert len(list(page_load_copies(copy))) == 1
    form_copy = ast.parse(
        "def _compound(request, code):\n"
        "    try:\n"
        "        return geo.get_area(request.user, code)\n"
        "    except NotFound:\n"
        "        messages.error(request, 'no such compound')\n"
        "        return None\n"
    )
    assert len(list(page_load_copies(form_copy))) == 1
