"""Every list pages and exports (issue 16): each list page offers Excel and CSV of its
whole filtered list, headers in Chinese, rows in the user's scope; 50 rows a page."""

from __future__ import annotations

import csv
import datetime as dt
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


def _links(html: str, nth: int = 0) -> dict[str, str]:
    """The export links of the page's ``nth`` list (a page may hold two)."""
    blocks = re.findall(r'data-testid="exports">(.*?)</p>', html, re.S)
    assert len(blocks) > nth, "no export links"
    return {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', blocks[nth])
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


# --- the remaining list pages (cases, residents, facilities, dispatch, audit) -------------


def _export(client, url: str, page_html: str, nth: int = 0) -> tuple[list[tuple], list[list[str]]]:
    """The page's Excel and CSV exports, opened: (Excel rows, CSV rows), the same table."""
    links = _links(page_html, nth)
    assert set(links) == {"Excel", "CSV"}, links
    base = url.split("?")[0]
    xlsx = client.get(base + links["Excel"])
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows and all(HAN.search(str(h)) for h in rows[0]), rows[0]
    text = client.get(base + links["CSV"]).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [str(h) for h in rows[0]] and len(table) == len(rows)
    return rows, table


def test_the_remaining_list_pages_page_and_export_in_scope_masked(
    officer, outsider, cases_world, city
):
    """Line list, tracing, vulnerable residents, facilities, waiting list and a dispatch
    proposal: each offers Excel and CSV of its filtered list, the rows of the user's area,
    personal data masked as on the page; another district's officer gets none of them."""
    from warroom.beds.services import do_create_facility, do_record_capacity_change
    from warroom.core.context import SYSTEM
    from warroom.dispatch.proposing import do_propose
    from warroom.services.services import do_register_vulnerable

    victim = city["990101001001001"]
    do_register_vulnerable(
        victim,
        name="王奶奶",
        kind="elderly_alone",
        phone="13912345678",
        address="一栋",
        actor=officer,
    )
    shelter = do_create_facility(
        code="SA1", name="甲区方舱医院", kind="SHELTER", area=city["990101"], actor=SYSTEM
    )
    do_record_capacity_change(
        shelter,
        bed_type="SHELTER",
        kind="opening",
        delta=5,
        effective=dt.date(2020, 1, 1),
        actor=SYSTEM,
    )
    proposal = do_propose(actor=officer)
    pages = {
        "/cases/?status=": ("受害小区病人", "138****5678"),
        "/cases/tracing/": ("受害小区密接", None),
        "/services/?backlog=": ("王奶奶", "139****5678"),
        "/beds/facilities/": ("甲区方舱医院", None),
        "/dispatch/": ("受害小区密接", None),
        f"/dispatch/proposals/{proposal.pk}/": ("受害小区密接", None),
    }
    mine, theirs = Client(), Client()
    assert mine.login(username=officer.username, password=PASSWORD)
    assert theirs.login(username=outsider.username, password=PASSWORD)
    for url, (row_mark, masked) in pages.items():
        page = mine.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        _, table = _export(mine, url, html)
        flat = "\n".join(",".join(r) for r in table[1:])
        assert row_mark in flat, (url, table)
        if masked:  # the export shows what the list shows: masked, never the clear value
            assert masked in flat and masked in html, url
            assert masked.replace("****", "1234") not in flat + html, url
        assert "13812345678" not in flat and "13912345678" not in flat and "一栋" not in flat
        # Another district's officer: his own (empty) list, or a 404 for our proposal.
        r = theirs.get(url)
        if "proposals" in url:
            assert r.status_code == 404
            assert theirs.get(url + "?export=csv").status_code == 404
            continue
        assert r.status_code == 200, url
        _, other = _export(theirs, url, r.content.decode())
        assert row_mark not in "\n".join(",".join(x) for x in other), url
    # /dispatch/'s second list, the proposals: its own exports and pager key, in scope.
    html = mine.get("/dispatch/?page=1").content.decode()
    links = _links(html, 1)
    assert "proposals_export=csv" in links["CSV"] and "page=1" in links["CSV"], links
    _, table = _export(mine, "/dispatch/", html, 1)
    assert [r[0] for r in table[1:]] == [str(proposal.pk)], table
    _, other = _export(theirs, "/dispatch/", theirs.get("/dispatch/").content.decode(), 1)
    assert len(other) == 1, other  # the header only: not our proposal
    # The filters are kept in the export links; the page query with them.
    html = mine.get("/services/?backlog=not_visited&area=990101").content.decode()
    assert "backlog=not_visited" in _links(html)["CSV"] and "area=990101" in _links(html)["CSV"]
    # Another district's area in the filter: refused, not silently widened.
    assert theirs.get("/services/?area=990101&export=csv").status_code == 404
    assert theirs.get("/cases/?area=990101&export=csv").status_code == 404


def test_the_audit_log_pages_exports_and_speaks_the_readers_language(
    officer, cases_world, city, hq
):
    """The audit log: paged, exported (masked, in scope), every action kind used and each
    stored message shown in Chinese (the stored English text is kept, never rewritten)."""
    from django.utils import translation

    from tests.conftest import _user
    from warroom.audit.messages import FORMS, describe
    from warroom.audit.models import AuditEntry
    from warroom.audit.selectors import shown_entries

    patient = cases_world["patient"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=officer.username, password=PASSWORD)
    client.get(f"/cases/people/{patient.pk}/")  # an audited view of personal data
    client.logout()
    assert client.login(username=hq.username, password=PASSWORD)
    stored = {e.seq: e.message for e in AuditEntry.objects.all()}
    with translation.override("zh-hans"):
        entries = list(AuditEntry.objects.order_by("seq"))
        kinds = {e.action for e in entries}
        assert {"view_personal", "transition", "sign_in", "import", "compute"} <= kinds, kinds
        for shown in shown_entries(hq, entries, unmask=False):
            e = shown.entry
            assert HAN.search(e.action_label), e.action
            assert HAN.search(shown.object_type), e.object_type
            if e.message:
                assert HAN.search(shown.description) and "recorded text" not in shown.description
                assert "原始记录" not in shown.description, (e.action, e.message)
        # Every stored form the writers use reads back in Chinese.
        for form in FORMS:
            sample = re.sub(r"%\((\w+)\)s", "7", form.template)
            fake = AuditEntry(action="update", object_type="cases.person", message=sample)
            text = describe(fake)  # read back by its form, not the generic line
            assert "原始记录" not in text and text != sample, form.template
            assert translation.gettext(form.template) != form.template, form.template
    page = client.get("/audit/").content.decode()
    assert "查看了人员" in page and "登录" in page and "状态变更" in page
    assert "viewed the ID number" not in page
    _rows, table = _export(client, "/audit/", page)
    described = [r[9] for r in table[1:]]
    assert any("查看了人员" in d for d in described)
    assert "13812345678" not in "\n".join(",".join(r) for r in table)  # masked snapshots
    # The stored rows are as they were written (the chain is sealed).
    assert {e.seq: e.message for e in AuditEntry.objects.filter(seq__in=stored)} == stored
    # A supervisor of the other district reads his own subtree only.
    other = _user("sup_b", "supervisor", "990102")
    theirs = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert theirs.login(username=other.username, password=PASSWORD)
    _, table = _export(theirs, "/audit/", theirs.get("/audit/").content.decode())
    assert not [r for r in table[1:] if r[7] == str(patient.pk) and "人员" in r[6]]
    assert "受害小区" not in "\n".join(",".join(r) for r in table)


def test_the_admin_chrome_is_chinese_for_a_chinese_reader(hq):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=hq.username, password=PASSWORD)
    index = client.get("/admin/").content.decode()
    assert "站点管理" in index or "后台管理" in index
    assert "注销" in index and "Model name" not in index and "Add link" not in index
    changelist = client.get("/admin/audit/auditentry/").content.decode()
    # Django's own "Home" (首页), not the person's home (住址); actions by their names.
    assert "首页" in changelist and "住址" not in changelist
    assert "登录" in changelist and ">sign_in<" not in changelist
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert english.login(username=hq.username, password=PASSWORD)
    assert "Log out" in english.get("/admin/").content.decode()
