"""Every importer fed generated hostile files (issue 14, done-when): sizes, encodings,
types, broken and bombed Excel XML, control characters, huge numbers, impossible dates.

Whatever the file, an importer answers with its result or a refusal (``TableRejected`` or
``WarroomError``: a 4xx), never another exception (a 5xx); a refusal writes nothing (the
rows of every table an import touches are counted); and reading stays within a memory
cap (tracemalloc's peak). The same files through the API and the web upload pages never
answer 5xx. Small limits (settings) keep the run to seconds.
"""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests import hostile
from warroom.accounts.services import do_create_token
from warroom.beds import imports as beds
from warroom.cases import imports as cases
from warroom.communities import imports as communities
from warroom.core.context import SYSTEM
from warroom.core.errors import WarroomError
from warroom.core.uploads import run_import
from warroom.geo import services as geo
from warroom.situation import services as situation
from warroom.surveillance import services as surveillance
from warroom.tables import Column, TableRejected

pytestmark = pytest.mark.django_db

LIMITS = {
    "WARROOM_IMPORT_MAX_BYTES": 256 * 1024,
    "WARROOM_IMPORT_MAX_ROWS": 500,
    "WARROOM_IMPORT_MAX_UNZIPPED_BYTES": 4 * 2**20,
}
MEMORY_CAP = 48 * 2**20  # bytes: reading a 256 KiB file (or a bomb) stays far below

IMPORTERS: dict[str, tuple[Callable[..., Any], list[Column]]] = {
    "areas": (geo.do_import_areas, geo.AREA_COLUMNS),
    "line-list": (cases.do_import_line_list, cases.LINE_LIST_COLUMNS),
    "results": (cases.do_import_results, cases.RESULT_COLUMNS),
    "treatments": (cases.do_import_treatments, cases.TREATMENT_COLUMNS),
    "daily-reports": (surveillance.do_import_daily_reports, surveillance.REPORT_COLUMNS),
    "series": (situation.do_import_series, surveillance.REPORT_COLUMNS),
    "facilities": (beds.do_import_facilities, beds.FACILITY_COLUMNS),
    "bed-reports": (beds.do_import_bed_reports, beds.REPORT_COLUMNS),
    "inspections": (communities.do_import_inspections, communities.INSPECTION_COLUMNS),
}

PLAUSIBLE = [
    "9901",
    "990101",
    "990101001001001",
    "2020-02-10",
    "2020-02-10 08:00",
    "confirmed",
    "确诊",
    "compound",
    "小区",
    "H1",
    "ICU",
    "定点医院",
    "six_in_place",
    "12",
    "0",
]
HOSTILE = [
    "0001-01-01",
    "0001-01-01 00:00",
    "9999-12-31 23:59:59",
    "0001-01-01T00:00:00+14:00",
    "2020-02-30",
    "99999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "1e309",
    "nan",
    "-inf",
    "-1",
    '=HYPERLINK("http://evil.example","x")',
    "\x00",
    "名\x1b字",
]
CELLS = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.integers(min_value=20, max_value=5000).map(lambda n: "9" * n),
    st.sampled_from(["x" * 32_768, "汉" * 40_000, "y" * 140_000]),  # over the cell limits
)
FORMS = [
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "mixed",
    "utf-16",
    "xlsx",
    "xlsx-bomb",
    "xlsx-entities",
    "xlsx-bad-xml",
    "xlsx-truncated",
    "xlsx-wide",
    "random",
]


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if re.fullmatch(r"-?[0-9]+", value) and len(value) < 22:
            return int(value)  # a number cell beyond 64 bits (openpyxl writes no larger)
    return value


@st.composite
def hostile_files(draw: st.DrawFn, columns: list[Column]) -> tuple[str, bytes]:
    header = [c.name if draw(st.booleans()) else c.label_zh for c in columns]
    header = draw(st.permutations(header))[: draw(st.integers(1, len(header)))]
    rows = [header] + [
        [draw(CELLS) for _ in header] for _ in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    form = draw(st.sampled_from(FORMS))
    text = _csv(rows)
    if form in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        return "f.csv", text.encode(form)
    if form == "mixed":
        cut = len(text) // 2
        return "f.csv", text[:cut].encode() + text[cut:].encode("gb18030")
    if form == "random":
        return "f.bin", draw(st.binary(max_size=400))
    if form == "xlsx-bomb":
        return "f.xlsx", hostile.xlsx_bomb(8)
    if form == "xlsx-entities":
        return "f.xlsx", hostile.xlsx_entities()
    if form == "xlsx-bad-xml":
        body = draw(st.sampled_from(['<row r="1"><c r="A1"', "<row><c><v>x</v></c></row>", "<"]))
        return "f.xlsx", hostile.xlsx_with_sheet(body)
    if form == "xlsx-wide":
        body = '<row r="1"><c r="XFD1"><v>1</v></c></row><row r="1048576"><c r="A1048576"/></row>'
        return "f.xlsx", hostile.xlsx_with_sheet(body, dimension="A1:XFD1048576")
    data = hostile.xlsx([[_xlsx_cell(c) for c in row] for row in rows])
    if form == "xlsx-truncated":
        # A share of the file, not a byte count: the workbook's own bytes (its timestamps)
        # differ from run to run, and hypothesis must draw the same thing when it replays.
        cut = draw(st.integers(min_value=1, max_value=999))
        data = data[: max(1, min(len(data) - 1, len(data) * cut // 1000))]
    return "f.xlsx", data


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.app_label
        in ("geo", "cases", "surveillance", "beds", "communities", "situation", "tasks", "core")
        or m._meta.label == "audit.AuditEntry"
    }


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_every_importer_refuses_hostile_files_cleanly_within_memory(kind, hq):
    importer, columns = IMPORTERS[kind]

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(hostile_files(columns))
    def run(file: tuple[str, bytes]) -> None:
        name, data = file
        before = _counts()
        tracemalloc.start()
        try:
            run_import(importer, data, actor=hq, filename=name)
        except (TableRejected, WarroomError):
            assert _counts() == before, "a refused file wrote something"
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < MEMORY_CAP, f"{peak / 2**20:.1f} MiB to read a {len(data)} byte file"

    with override_settings(**LIMITS):
        run()


API = {
    "areas": "/api/areas/import",
    "line-list": "/api/cases/import/line-list",
    "results": "/api/cases/import/results",
    "daily-reports": "/api/surveillance/import",
    "facilities": "/api/beds/facilities/import",
    "bed-reports": "/api/beds/reports/import",
    "inspections": "/api/communities/inspections/import",
}
WEB = {
    "line-list": ("/cases/import/", {"kind": "line-list"}),
    "results": ("/cases/import/", {"kind": "results"}),
    "daily-reports": ("/surveillance/", {}),
    "series": ("/situation/import/", {}),
    "facilities": ("/beds/import/", {"which": "facilities"}),
    "bed-reports": ("/beds/import/", {"which": "reports"}),
    "inspections": ("/communities/inspections/import/", {}),
}


@pytest.mark.parametrize("kind", sorted(set(API) | set(WEB)))
def test_hostile_uploads_never_answer_5xx_through_the_api_or_the_pages(kind, hq, client):
    _importer, columns = IMPORTERS[kind]
    token = do_create_token(hq, name="fuzz", actor=SYSTEM)[1]
    client.force_login(hq)

    @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(hostile_files(columns))
    def run(file: tuple[str, bytes]) -> None:
        name, data = file
        before = _counts()
        if kind in API:
            response = client.post(
                API[kind],
                {"file": SimpleUploadedFile(name, data)},
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            assert response.status_code < 500, response.content[:500]
            if response.status_code >= 400:
                assert _counts() == before
        if kind in WEB:
            url, fields = WEB[kind]
            response = client.post(url, {**fields, "file": SimpleUploadedFile(name, data)})
            assert response.status_code < 500

    with override_settings(**LIMITS):
        run()
