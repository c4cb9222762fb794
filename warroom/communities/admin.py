from django.contrib import admin

from warroom.communities.models import (
    CertificationStatus,
    ClosureStatus,
    EntryPoint,
    Inspection,
    ReopeningApplication,
)
from warroom.core.admin import ReadOnlyScopedAdmin, ScopedAdmin, site


@admin.register(ClosureStatus, site=site)
class ClosureStatusAdmin(ReadOnlyScopedAdmin):
    """The closure history is kept, never edited: changes are new rows (services)."""

    list_display = ["area", "status", "since", "set_by"]
    list_filter = ["status"]
    list_select_related = ["area", "set_by"]


@admin.register(EntryPoint, site=site)
class EntryPointAdmin(ScopedAdmin):
    list_display = ["name", "area", "duty_staff", "duty_phone", "active"]
    list_select_related = ["area"]
    raw_id_fields = ["area"]


@admin.register(Inspection, site=site)
class InspectionAdmin(ReadOnlyScopedAdmin):
    list_display = ["area", "kind", "date", "inspector", "passed"]
    list_filter = ["kind", "passed"]
    list_select_related = ["area", "inspector"]


@admin.register(CertificationStatus, site=site)
class CertificationStatusAdmin(ReadOnlyScopedAdmin):
    list_display = ["area", "date", "level", "status", "certified_since"]
    list_filter = ["level", "status"]
    list_select_related = ["area"]
    show_full_result_count = False


@admin.register(ReopeningApplication, site=site)
class ReopeningApplicationAdmin(ReadOnlyScopedAdmin):
    list_display = ["area", "applied_at", "applied_by", "status", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["area", "applied_by", "decided_by"]
