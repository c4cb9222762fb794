"""The certification pages: overview, map, tree, certificate, the published list; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from tests.conftest import pass_six_in_place
from warroom.communities.facts import CaseFacts
from warroom.communities.services import do_recompute_certification
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db

VICTIM = "990101001001001"


@pytest.fixture
def computed(city, hq, case_facts):
    today = timezone.localdate()
    for area in city.values():
        if area.level == "compound":
            pass_six_in_place(area, hq, today - dt.timedelta(days=3))
    case_facts[city["990102001001001"].pk] = CaseFacts(today - dt.timedelta(days=2), 0, 0)
    for back in (1, 0):
        do_recompute_certification(today - dt.timedelta(days=back), actor=hq)
    return today


def chart_option(html: str, testid: str) -> dict:
    tag = re.search(rf'data-testid="{testid}"[^>]*data-series=\'([^\']*)\'', html)
    assert tag, f"no chart {testid}"
    return json.loads(tag.group(1).replace("&quot;", '"'))


def test_the_map_colours_compounds_by_status(client, computed, hq):
    client.force_login(hq)
    html = client.get("/communities/map/").content.decode()
    option = chart_option(html, "compound-map")
    series = {s["id"]: s["data"] for s in option["series"]}
    assert [p[3] for p in series["compounds-certified"]] == [VICTIM, "990101001001002"]
    assert [p[3] for p in series["compounds-not_certified"]] == ["990102001001001"]
    assert series["compounds-certified"][0] == [114.33, 30.6, "受害小区", VICTIM]
    assert option["series"][0]["type"] == "map"  # the districts, coloured by certification


def test_the_map_of_a_district_shows_only_its_compounds(client, computed, outsider):
    client.force_login(outsider)
    html = client.get("/communities/map/").content.decode()
    option = chart_option(html, "compound-map")
    codes = [p[3] for s in option["series"] if s["id"].startswith("compounds-") for p in s["data"]]
    assert codes == ["990102001001001"]


def test_overview_tree_certificate_and_published_list(client, computed, officer):
    client.force_login(officer)
    html = client.get("/communities/").content.decode()
    assert 'data-status="certified"' in html and 'data-chart="option"' in html
    html = client.get("/communities/areas/990101001001/").content.decode()
    assert "受害小区" in html and "甲二小区" in html
    html = client.get("/communities/areas/990101001/").content.decode()
    assert "2 / 2" in html  # the community: both compounds certified
    html = client.get(f"/communities/areas/{VICTIM}/certificate/").content.decode()
    assert 'data-testid="certificate"' in html and "受害小区" in html
    html = client.get("/communities/published/").content.decode()
    assert "受害小区" in html and "甲区" in html


def test_a_unit_not_certified_has_no_certificate_and_shows_its_reasons(client, computed, hq):
    client.force_login(hq)
    html = client.get("/communities/areas/990102001001001/certificate/").content.decode()
    assert 'data-testid="not-certified"' in html and "观察期内" in html
    html = client.get("/communities/areas/9901/").content.decode()
    assert "1 个未达标" in html or "个下级单位中 1 个未达标" in html


def test_the_api_reads_statuses_and_counts(client, computed, officer):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.get(f"/api/communities/areas/{VICTIM}/certification", **headers)
    assert r.json()["status"] == "certified", r.content
    r = client.get("/api/communities/areas/990101/certification/counts", **headers)
    by_level = {c["level"]: c for c in r.json()}
    assert by_level["compound"]["certified"] == 2 and "city" not in by_level
    r = client.post(
        "/api/communities/certification/recompute",
        {"date": computed.isoformat()},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 403  # headquarters recomputes


def test_cli_certify_recomputes_a_day(city, hq):
    from typer.testing import CliRunner

    from warroom.cli import app

    result = CliRunner().invoke(app, ["certify", "--date", "2020-03-01"])
    assert result.exit_code == 0, result.output
    # Case facts come from case management; no compound is inspected, so none certifies.
    assert "compound" in result.output and "no case data" not in result.output
    assert CliRunner().invoke(app, ["certify", "--date", "March"]).exit_code == 2


def test_the_busiest_pages_read_in_a_constant_number_of_queries(
    client, computed, hq, django_assert_max_num_queries
):
    client.force_login(hq)
    for url in ("/communities/map/", "/communities/", "/communities/areas/9901/", "/tasks/"):
        client.get(url)  # warm the session and content types
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_inspectors_get_a_random_sample_of_certified_compounds(client, computed, inspector):
    client.force_login(inspector)
    html = client.get("/communities/inspections/").content.decode()
    sample = html.split('data-testid="random-sample"')[1].split("</ul>")[0]
    assert VICTIM in sample and "990101001001002" in sample
    assert "990102001001001" not in sample  # neither uncertified nor another district's
