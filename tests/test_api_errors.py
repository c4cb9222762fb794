"""The API answers in JSON with a stable code, never an HTML error page."""

from __future__ import annotations

import pytest

from tests.conftest import SMALL_CITY_CSV
from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq_token(hq):
    return do_create_token(hq, name="t", actor=SYSTEM)[1]


def _get(client, url, token):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_openapi_schema_and_docs_are_served(client, hq_token):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/areas/{code}" in schema.json()["paths"]
    assert client.get("/api/docs").status_code == 200


def test_a_missing_area_is_a_json_404(client, hq_token):
    response = _get(client, "/api/areas/nope", hq_token)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_bad_query_parameters_are_a_json_422(client, hq_token):
    response = _get(client, "/api/areas/?level=planet", hq_token)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_the_tree_endpoints(client, hq_token):
    detail = _get(client, "/api/areas/990101001001001", hq_token).json()
    assert [a["code"] for a in detail["ancestors"]] == [
        "9901",
        "990101",
        "990101001",
        "990101001001",
    ]
    kids = _get(client, "/api/areas/990101/children", hq_token).json()
    assert [k["code"] for k in kids] == ["990101001"]
    sub = _get(client, "/api/areas/9901/subtree?level=compound", hq_token).json()
    assert sub["count"] == 3


def test_an_import_with_a_bad_row_is_a_json_422_naming_the_row(client, hq_token):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SMALL_CITY_CSV.replace("甲区,District A,600", ",District A,600")
    upload = SimpleUploadedFile("bad.csv", bad.encode(), content_type="text/csv")
    response = client.post(
        "/api/areas/import", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {hq_token}"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rejected"
    assert body["errors"][0] == {
        "row": 3,
        "column": "name_zh",
        "value": "",
        "reason": "empty, but required",
        "reason_words": {"id": "empty, but required"},  # a known sentence: its words
    }


def test_only_headquarters_may_import_areas(client, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    upload = SimpleUploadedFile("a.csv", SMALL_CITY_CSV.encode(), content_type="text/csv")
    response = client.post(
        "/api/areas/import", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_an_unexpected_error_is_a_json_500(client, hq_token, monkeypatch):
    from warroom.geo import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(selectors, "get_area", boom)
    response = _get(client, "/api/areas/9901", hq_token)
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "an internal error occurred; it has been logged",
    }


@pytest.mark.parametrize("query", ["limit=99999999999999999999", "offset=9223372036854775808"])
def test_huge_pagination_numbers_are_a_422_not_a_database_error(client, hq_token, query):
    response = _get(client, f"/api/areas/?{query}", hq_token)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_the_schema_documents_every_operations_refusals(client):
    """Clients and fuzzers rely on the schema: every operation lists the refusals it can
    answer (401/403/404/422, 409 for writes, 400/415 for JSON bodies), all of one shape."""
    schema = client.get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    operations = 0
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            documented = {int(s) for s in op["responses"]}
            assert any(200 <= s < 300 for s in documented), (method, path)
            expected = {401, 403, 404, 422}
            if method != "get":
                expected.add(409)
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                expected |= {400, 415}
            assert expected <= documented, (method, path, sorted(documented))
            for status in (s for s in documented if s >= 400):
                ref = op["responses"][str(status)]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}
            operations += 1
    assert operations > 50


def test_a_huge_day_count_is_refused_naming_it(client, hq_token):
    response = _get(client, "/api/services/areas/9901/backlogs?days=1000000000", hq_token)
    assert response.status_code == 422 and "days" in response.content.decode()


def test_a_date_is_iso_text_never_a_number_or_a_far_year(client, hq_token):
    """pydantic would read ``?date=0.0`` as 1970-01-01 (seconds since the epoch)."""
    for url in ("/api/beds/balance", "/api/surveillance/reports", "/api/situation/9901"):
        for value in ("0.0", "1700000000", "2020-3-1x", "1899-12-31"):
            response = _get(
                client, f"{url}?{'day' if 'situation' in url else 'date'}={value}", hq_token
            )
            assert response.status_code == 422, (url, value, response.status_code)
