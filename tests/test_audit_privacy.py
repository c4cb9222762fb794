"""The audit log shows personal data by the person pages' rule (issue 14, finding 2).

The auditor (no ``people``, no ``personal_data``) gets 404 on a person's page, so the audit
log must not show him that person's ID number, phone, birth date or name either; whoever may
see them asks on purpose and that view is logged. The back office's audit list needs the
``audit`` capability, and no admin page shows personal data in clear.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, resident_id
from warroom.accounts.services import do_create_user
from warroom.audit.models import AuditEntry
from warroom.core.admin import ScopedAdmin, site
from warroom.core.context import SYSTEM
from warroom.core.personal import mask_id

pytestmark = pytest.mark.django_db
ID = resident_id(1)
BORN = f"{ID[6:10]}-{ID[10:12]}-{ID[12:14]}"


def _person_entry(patient) -> AuditEntry:
    return AuditEntry.objects.filter(
        object_type="cases.person", object_id=str(patient.pk), action="create"
    ).get()


def test_the_auditor_sees_the_log_with_personal_data_masked(cases_world, auditor, client):
    patient = cases_world["patient"]
    assert ID in _person_entry(patient).after  # the log itself keeps the record as it was
    client.force_login(auditor)
    assert client.get(f"/cases/people/{patient.pk}/").status_code == 404
    page = client.get("/audit/", {"object_type": "cases.person"}).content.decode()
    assert ID not in page and "13812345678" not in page and BORN not in page
    assert "受害小区病人" not in page  # he may not see people at all: names masked too
    assert mask_id(ID) in page and "138****5678" in page and "受*****" in page
    assert "audit-unmask" not in page  # nothing to ask for: his role may not see it
    denied = client.get("/audit/", {"object_type": "cases.person", "unmask": "1"})
    assert ID not in denied.content.decode()
    assert not AuditEntry.objects.filter(action="view_personal").exists()


def test_personal_data_in_the_log_is_shown_on_request_and_that_view_is_logged(
    cases_world, hq, client
):
    patient = cases_world["patient"]
    client.force_login(hq)
    page = client.get("/audit/", {"object_type": "cases.person"}).content.decode()
    assert ID not in page and "audit-unmask" in page
    assert "受害小区病人" in page  # hq may see people: names are shown
    assert not AuditEntry.objects.filter(action="view_personal").exists()
    clear = client.get("/audit/", {"object_type": "cases.person", "unmask": "1"})
    assert ID in clear.content.decode() and BORN in clear.content.decode()
    [view] = AuditEntry.objects.filter(action="view_personal", object_type="audit.auditentry")
    assert view.actor_name == "hq" and f"#{_person_entry(patient).seq}" in view.message


def test_a_role_with_people_but_not_personal_data_sees_names_not_ids(cases_world, city, client):
    supervisor = do_create_user(
        "sup", role="supervisor", area_code="9901", password=PASSWORD, actor=SYSTEM
    )
    client.force_login(supervisor)
    page = client.get("/audit/", {"object_type": "cases.person", "unmask": "1"}).content.decode()
    assert "受害小区病人" in page and ID not in page and mask_id(ID) in page


def test_the_admin_audit_log_needs_the_audit_capability(cases_world, officer, client):
    client.force_login(officer)  # a district officer: the back office, but not the audit log
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/audit/auditentry/").status_code in (403, 404)
    entry = _person_entry(cases_world["patient"])
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code in (403, 404)
    assert "auditentry" not in client.get("/admin/").content.decode()


def test_the_admin_audit_entry_masks_personal_data(cases_world, hq, client):
    client.force_login(hq)
    entry = _person_entry(cases_world["patient"])
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert ID not in body and BORN not in body and mask_id(ID) in body


def test_no_admin_page_shows_personal_data_in_clear(cases_world, hq, client):
    client.force_login(hq)
    patient = cases_world["patient"]
    body = client.get(f"/admin/cases/person/{patient.pk}/change/").content.decode()
    assert ID not in body and "13812345678" not in body and BORN not in body


def test_every_admin_model_is_scoped_and_asks_the_capability_its_data_needs(
    cases_world, city, client
):
    """The class of the finding: admin access by capability and scope, for every model."""
    from django.urls import reverse

    officer = do_create_user(
        "dist_c", role="district_officer", area_code="990101", password=PASSWORD, actor=SYSTEM
    )
    client.force_login(officer)
    for model, model_admin in site._registry.items():
        assert isinstance(model_admin, ScopedAdmin), f"{model.__name__}: not a ScopedAdmin"
        if getattr(model, "personal_fields", None):
            assert model_admin.capability == "people", model.__name__
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        allowed = officer.can(model_admin.capability)
        status = client.get(url).status_code
        assert (status == 200) == allowed, (model.__name__, status)
    assert site._registry[AuditEntry].capability == "audit"
