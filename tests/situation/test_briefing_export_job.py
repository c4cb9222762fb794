"""The briefing's PDF (seconds of headless Chromium) is made by a worker, not the request."""

from __future__ import annotations

import pytest

from warroom.core.jobs import work
from warroom.core.models import Job

pytestmark = pytest.mark.django_db
URL = "/situation/briefing/990101/2020-03-20/briefing.pdf"


def test_the_pdf_is_queued_made_by_a_worker_and_downloaded_from_the_job_page(
    situation_world, officer, outsider, client
):
    client.force_login(officer)
    response = client.get(URL)
    queued = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{queued.pk}/"
    assert (queued.name, queued.args["fmt"], queued.area_path) == (
        "situation.briefing-export",
        "pdf",
        officer.area_path,
    )
    download = f"/jobs/{queued.pk}/download/"
    assert client.get(download)["Location"] == f"/jobs/{queued.pk}/"  # not ready yet
    assert work(burst=True) == 1
    page = client.get(f"/jobs/{queued.pk}/").content.decode()
    assert 'data-status="done"' in page and "briefing-990101-2020-03-20.pdf" in page
    pdf = client.get(download)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.force_login(outsider)
    assert client.get(download).status_code == 404
    assert client.get(URL).status_code == 404


def test_word_and_html_stay_direct_downloads(situation_world, officer, client):
    client.force_login(officer)
    response = client.get(URL.replace("pdf", "docx"))
    assert response.status_code == 200 and not Job.objects.exists()
