from django.contrib import admin

from warroom.core.admin import ScopedAdmin, site
from warroom.services.models import GroupOrder, MedicalRequest, PriceObservation, VulnerableResident


@admin.register(VulnerableResident, site=site)
class VulnerableResidentAdmin(ScopedAdmin):
    capability = "people"  # person-level records, as on their pages
    list_display = ["name", "kind", "area", "caretaker_name", "caretaker_user", "last_visit_at"]
    list_filter = ["kind", "active"]
    list_select_related = ["area", "caretaker_user"]
    raw_id_fields = ["area", "caretaker_user"]


@admin.register(GroupOrder, site=site)
class GroupOrderAdmin(ScopedAdmin):
    list_display = ["area", "kind", "status", "ordered_at", "delivered_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["area"]
    raw_id_fields = ["area", "created_by"]


@admin.register(PriceObservation, site=site)
class PriceObservationAdmin(ScopedAdmin):
    list_display = ["area", "item", "date", "price", "unit"]
    list_select_related = ["area"]
    raw_id_fields = ["area", "recorded_by"]


@admin.register(MedicalRequest, site=site)
class MedicalRequestAdmin(ScopedAdmin):
    capability = "people"  # person-level records, as on their pages
    list_display = ["person", "kind", "area", "hospital", "status", "requested_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["area"]
    raw_id_fields = ["area", "resident"]
