"""Every audit entry written during a request carries that request's provenance.

The walk calls every URL of the project (every API operation with a JSON body filled
from its own schema, every web page's POST forms filled from the page) as District A's
officer, who owns the objects the URLs name. Whatever the call writes to the audit log
must say it came from the web or the API, from the client's address, under the request
id the response carries in ``X-Request-ID``. A service that opens a context of its own
and replaces the request's (defect 2 of issue 13) fails here, whichever app it is in.
"""

from __future__ import annotations

import json

import pytest

from tests.filler import api_bodies, matches, parse_forms, victim_refs
from tests.test_outsider_access import concrete_urls, world
from warroom.accounts.services import do_create_token
from warroom.audit.models import AuditEntry
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db

__all__ = ["world"]  # the outsider test's fixture: one object of every scoped model

CLIENT_IP = "127.0.0.1"  # the Django test client's REMOTE_ADDR


def _check(response, url: str, source: str, since: int, problems: list[str]) -> int:
    written = list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))
    for entry in written:
        got = (entry.source, entry.ip, entry.request_id)
        want = (source, CLIENT_IP, response["X-Request-ID"])
        if got != want:
            problems.append(f"{url}: {entry.action} {entry.object_type} written as {got}")
    return len(written)


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_every_write_through_a_request_is_audited_with_its_provenance(world, client):
    officer, _ = world
    _, token = do_create_token(officer, name="provenance", actor=SYSTEM)
    refs = victim_refs(officer)
    bodies = api_bodies(refs)
    problems: list[str] = []
    wrote: set[str] = set()
    client.force_login(officer)
    for url, _has_object in concrete_urls(officer):
        if url.startswith("/admin/") or url.endswith("/logout/"):
            continue
        if url.startswith("/api/"):
            auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            for (method, path), body in bodies.items():
                if matches(path, url):
                    since = _last_seq()
                    response = getattr(client, method)(
                        url, data=json.dumps(body), content_type="application/json", **auth
                    )
                    if _check(response, f"{method.upper()} {url}", "api", since, problems):
                        wrote.add(url)
            since = _last_seq()
            response = client.get(url, **auth)
            if _check(response, f"GET {url}", "api", since, problems):
                wrote.add(url)
            continue
        since = _last_seq()
        page = client.get(url)
        if _check(page, f"GET {url}", "web", since, problems):
            wrote.add(url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        for action, fields in parse_forms(page.content.decode("utf-8", "replace"), refs):
            target = action or url
            if not target.startswith("/") or target.startswith("/accounts/logout"):
                continue
            since = _last_seq()
            response = client.post(target, data=fields)
            if _check(response, f"POST {target}", "web", since, problems):
                wrote.add(target)
    assert not problems, "audited without the request's provenance:\n" + "\n".join(problems)
    # The walk must reach the writes of every app that audits, or it proves nothing.
    reached = {u.split("/")[2] if u.startswith("/api/") else u.split("/")[1] for u in wrote}
    missing = REACHED - reached
    assert not missing, f"the walk wrote nothing through {sorted(missing)}: fill their bodies"


# The apps whose writes the walk reaches (API segment or web prefix); grows with the filler.
REACHED = {
    "appeals",
    "beds",
    "cases",
    "communities",
    "dispatch",
    "services",
    "situation",
    "surveillance",
    "tasks",
}


def test_a_service_inside_a_request_keeps_its_provenance(city, hq):
    """The services the walk cannot feed a file to (area, facility imports; accounts)."""
    from types import SimpleNamespace

    from tests.conftest import SMALL_CITY_CSV
    from warroom.accounts.services import do_create_user
    from warroom.beds.imports import do_import_facilities
    from warroom.core.context import for_request
    from warroom.geo.services import do_import_areas
    from warroom.tables import read_table

    request = SimpleNamespace(auth=None, user=hq)
    facilities = (
        "code,name,kind,area_code,beds_shelter,beds_from\n"
        "PV001,Provenance Shelter,SHELTER,990101001001001,10,2020-02-01\n"
    )
    with for_request(request, source="api", ip="10.1.2.3") as ctx:
        since = _last_seq()
        do_create_user("provenance", role="analyst", area_code="9901", password="x" * 12, actor=hq)
        do_import_areas(
            read_table(SMALL_CITY_CSV.replace("350", "351").encode(), filename="c.csv"), actor=hq
        )
        do_import_facilities(read_table(facilities.encode(), filename="f.csv"), actor=hq)
    written = AuditEntry.objects.filter(seq__gt=since)
    assert {e.object_type.split(".")[0] for e in written} >= {"accounts", "geo", "beds"}
    assert {(e.source, e.ip, e.request_id, e.actor_name) for e in written} == {
        ("api", "10.1.2.3", ctx.request_id, "hq")
    }
