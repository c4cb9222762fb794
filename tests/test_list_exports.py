"""Every list pages and exports (issue 16): each list page offers Excel and CSV of its
whole filtered list, headers in Chinese, rows in the user's scope; 50 rows a page."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "/communities/inspections/",
    "/communities/reopening/",
    "/services/orders/?status=",
    "/services/medical/?all=1",
    "/tasks/?scope=area&status=",
    "/surveillance/quality/?status=",
]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _links(html: str) -> dict[str, str]:
    block = re.search(r'data-testid="exports">(.*?)</p>', html, re.S)
    assert block, "no export links"
    return {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block.group(1))
    }


@pytest.mark.parametrize("url", LIST_PAGES)
def test_every_list_page_exports_excel_and_csv(url, officer, cases_world):
    client = Client()
    assert client.login(username=officer.username, password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    links = _links(page.content.decode())
    assert set(links) == {"Excel", "CSV"}
    base = url.split("?")[0]
    xlsx = client.get(base + links["Excel"])
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows and all(HAN.search(str(h)) for h in rows[0]), rows[0]
    text = client.get(base + links["CSV"]).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [str(h) for h in rows[0]]
    assert len(table) == len(rows)


def test_a_long_list_pages_and_exports_every_row(officer, city):
    import datetime as dt

    from warroom.tasks.services import do_create_task

    area = city["990101001001001"]
    for n in range(120):
        do_create_task(
            title=f"任务{n}",
            area=area,
            owner=officer,
            deadline=dt.date(2020, 3, 1),
            source_kind="meeting",
            actor=officer,
        )
    client = Client()
    assert client.login(username=officer.username, password=PASSWORD)
    first = client.get("/tasks/?scope=area&status=")
    assert 'data-testid="pager"' in first.content.decode()
    assert first.content.decode().count("任务") >= 50
    third = client.get("/tasks/?scope=area&status=&page=3").content.decode()
    assert "任务" in third
    table = list(
        csv.reader(
            io.StringIO(
                client.get("/tasks/?scope=area&status=&export=csv").content.decode("utf-8-sig")
            )
        )
    )
    assert len(table) == 121  # the header and every task, not the first 100
