"""The busiest case pages read in a bounded number of queries (no N+1)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.cases import services

pytestmark = pytest.mark.django_db
A1 = "990101001001001"


@pytest.fixture
def crowd(city, officer):
    people = [
        services.do_register_person(
            name=f"人{i}",
            home=city[A1],
            actor=officer,
            id_number=resident_id(i),
            category="confirmed" if i % 3 == 0 else "contact",
        )
        for i in range(1, 31)
    ]
    index = people[2]
    for p in people[3:12]:
        if p.pk != index.pk:
            services.do_add_contact(
                index, p, exposure_date=timezone.localdate(), setting="work", actor=officer
            )
    for p in people[:6]:
        services.do_record_sample(p, kind="nucleic_acid", lab="L", code=f"c{p.pk}", actor=officer)
    return index


@pytest.mark.parametrize(
    "url",
    ["/cases/", "/cases/tracing/", "/cases/graph/990101/", "/cases/clearance/990101/"],
)
def test_list_pages_use_a_bounded_number_of_queries(
    crowd, officer, client, url, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_person_page_uses_a_bounded_number_of_queries(
    crowd, officer, client, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(30):
        page = client.get(f"/cases/people/{crowd.pk}/")
    assert page.status_code == 200 and "人" in page.content.decode()


@pytest.mark.parametrize(
    ("url", "first"),
    [
        ("/cases/template/line-list.xlsx", "姓名"),
        ("/cases/template/results.xlsx", "证件类型"),
        ("/surveillance/template.xlsx", "日期"),
    ],
)
def test_templates_download_as_excel(officer, client, url, first):
    import io

    from openpyxl import load_workbook

    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active.cell(1, 1).value == first
