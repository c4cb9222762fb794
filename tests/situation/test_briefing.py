"""The daily briefing: archived per area and day, from the dashboard's figures; exports."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest

from tests.conftest import epidemic_csv
from warroom.core import daily
from warroom.core.context import SYSTEM
from warroom.situation import briefing as doc
from warroom.situation import selectors
from warroom.situation.models import Briefing
from warroom.situation.services import do_compute_situation, do_generate_briefings
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 28)
GAP = dt.date(2020, 2, 10)


@pytest.fixture
def reports(city, hq):
    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)


def _brief(day: dt.date, code: str = "9901") -> Briefing:
    do_compute_situation(day)
    do_generate_briefings(day)
    return Briefing.objects.get(area__code=code, day=day)


def test_a_briefing_per_area_and_day_from_the_dashboards_numbers(reports, hq):
    found = _brief(DAY)
    assert Briefing.objects.filter(day=DAY).count() == 3  # the city and both districts
    live = selectors.room(hq, found.area, DAY)
    stored = {k: v for k, v in found.payload.items() if k != "decisions"}
    assert stored == live  # no second copy of a number
    assert "测试市" in found.html and "低位运行期" in found.html
    assert "<svg" in found.html


def test_a_day_with_missing_data_says_what_is_missing_instead_of_zeros(reports):
    found = _brief(GAP)
    html = found.html
    assert "测试市 2月10日未报送" in html
    assert "新增确诊：未报送" in html
    assert "新增确诊：0" not in html
    # District B never reports: said so in the city's briefing every day.
    assert "乙区 2月28日未报送" in _brief(DAY).html


def test_generating_twice_gives_the_same_briefing(reports):
    first = _brief(DAY)
    do_generate_briefings(DAY)
    again = Briefing.objects.get(pk=first.pk)
    assert (again.payload, again.html, again.generated_at) == (
        first.payload,
        first.html,
        first.generated_at,
    )


def test_the_daily_cycle_writes_the_briefing_last(reports):
    names = [s.name for s in daily.ordered_steps()]
    assert names[-1] == "situation.briefing"
    daily.run_daily_cycle(DAY)
    assert Briefing.objects.filter(day=DAY, area__code="9901").exists()


def test_the_pdf_embeds_a_cjk_font_and_its_chinese_text_is_extractable(reports):
    from pypdf import PdfReader

    pdf = doc.to_pdf(_brief(DAY).html)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or (
                font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                if "/DescendantFonts" in font
                else None
            )
            if descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                fonts.add(str(font["/BaseFont"]))
    names = {f.split("+")[-1].replace("-", "") for f in fonts}  # subset prefix ABCDEF+
    assert any(n.startswith(("NotoSansCJKSC", "NotoSerifCJKSC")) for n in names), fonts
    text = reader.pages[0].extract_text()
    assert "测试市" in text and "每日动态通报" in text


def test_the_pdf_page_rasterised_shows_ink(reports, tmp_path):
    """A rendered page is not blank (pdftoppm, from poppler-utils)."""
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(doc.to_pdf(_brief(DAY).html))
    cmd = ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", pdf, tmp_path / "p"]
    subprocess.run(cmd, check=True)
    from PIL import Image

    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 500


def test_the_word_file_holds_the_sections_and_the_charts(reports):
    import docx

    found = _brief(DAY)
    document = docx.Document(io.BytesIO(doc.to_docx(found.payload, language="zh-hans")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "测试市" in text and "日清日结" in text
    assert len(document.inline_shapes) >= 2  # the curve and Rt


def test_without_the_pdf_library_the_export_fails_with_a_message(reports, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(doc.ExportUnavailable, match="libpango"):
        doc.to_pdf("<p>x</p>")


def test_the_pages_and_exports(reports, hq, client):
    _brief(DAY)
    client.force_login(hq)
    page = client.get("/situation/briefing/9901/2020-02-28/").content.decode()
    assert "测试市" in page and 'data-testid="briefing"' in page
    assert "2020-02-28" in client.get("/situation/briefing/").content.decode()
    queued = client.get("/situation/briefing/9901/2020-02-28/briefing.pdf")  # a worker makes it
    assert queued.status_code == 302 and queued["Location"].startswith("/jobs/")
    from warroom.core.jobs import work

    work(burst=True)
    pdf = client.get(queued["Location"] + "download/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    word = client.get("/situation/briefing/990101/2020-02-28/briefing.docx")
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert client.get("/situation/briefing/9901/2020-02-27/").status_code == 404
    assert client.get("/situation/briefing/9901/2020-02-28/briefing.exe").status_code == 404


def test_the_briefing_page_in_english(reports, hq, client):
    _brief(DAY)
    client.force_login(hq)
    page = client.get("/situation/briefing/9901/2020-02-28/", HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Daily briefing of Test City" in page


def test_the_api_returns_the_archived_briefing(reports, hq, outsider, client):
    from warroom.accounts.services import do_create_token

    _brief(DAY)
    _, token = do_create_token(hq, name="t", actor=SYSTEM)
    body = client.get(
        "/api/situation/9901/briefing?day=2020-02-28", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert body["day"] == "2020-02-28" and body["payload"]["area"]["code"] == "9901"
    _, other = do_create_token(outsider, name="o", actor=SYSTEM)
    refused = client.get(
        "/api/situation/990101/briefing?day=2020-02-28", HTTP_AUTHORIZATION=f"Bearer {other}"
    )
    assert refused.status_code == 404
