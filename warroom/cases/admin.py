from django.contrib import admin

from warroom.cases.models import ContactLink, Person, Sample
from warroom.core.admin import ReadOnlyScopedAdmin, site


@admin.register(Person, site=site)
class PersonAdmin(ReadOnlyScopedAdmin):
    """Read-only: people change through the services (state machine, version checks)."""

    capability = "people"  # person-level records, as on their pages
    list_display = ["id", "name", "status", "severity", "isolation", "home"]
    list_filter = ["status", "category", "isolation"]
    search_fields = ["name"]
    list_select_related = ["home"]
    exclude = ["id_number", "phone"]  # personal data is shown (masked or audited) elsewhere
    show_full_result_count = False


@admin.register(Sample, site=site)
class SampleAdmin(ReadOnlyScopedAdmin):
    capability = "people"  # person-level records, as on their pages
    list_display = ["id", "kind", "lab", "code", "taken_at", "result"]
    list_filter = ["kind", "result"]
    list_select_related = ["person"]
    raw_id_fields = ["person"]


@admin.register(ContactLink, site=site)
class ContactLinkAdmin(ReadOnlyScopedAdmin):
    capability = "people"  # person-level records, as on their pages
    list_display = ["id", "case", "contact", "setting", "exposure_date"]
    list_filter = ["setting"]
    raw_id_fields = ["case", "contact"]
