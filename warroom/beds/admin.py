from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from warroom.beds.models import (
    REPORT_SOURCES,
    BedReport,
    BedReservation,
    CapacityChange,
    Facility,
)
from warroom.core.admin import ReadOnlyScopedAdmin, ScopedAdmin, coded_filter, site


def report_source(code: str) -> str:
    return str(REPORT_SOURCES.get(code, code))


@admin.register(Facility, site=site)
class FacilityAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "area", "status", "opened_on", "closed_on", "synthetic"]
    list_filter = ["kind", "status", "synthetic"]
    search_fields = ["code", "name", "operator"]
    # Beds change through the capacity history; the area (the scope) through an import.
    readonly_fields = ["code", "kind", "area"]
    list_select_related = ["area"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # facilities come from the beds pages or an import


@admin.register(CapacityChange, site=site)
class CapacityChangeAdmin(ReadOnlyScopedAdmin):
    """The capacity history is append-only: shown here, never edited."""

    list_display = ["facility", "bed_type", "kind", "delta", "effective", "actor", "created_at"]
    list_filter = ["kind", "bed_type"]
    list_select_related = ["facility", "actor"]
    search_fields = ["facility__code", "facility__name"]


@admin.register(BedReport, site=site)
class BedReportAdmin(ReadOnlyScopedAdmin):
    list_display = ["facility", "date", "bed_type", "occupied", "free", "capacity", "source_name"]
    list_filter = ["bed_type", coded_filter("source", _("source"), report_source)]
    list_select_related = ["facility"]
    date_hierarchy = "date"

    @admin.display(description=_("source"), ordering="source")
    def source_name(self, report: BedReport) -> str:
        return report.source_label


@admin.register(BedReservation, site=site)
class BedReservationAdmin(ReadOnlyScopedAdmin):
    list_display = ["facility", "bed_type", "beds", "reference", "created_at", "released_at"]
    list_select_related = ["facility"]
