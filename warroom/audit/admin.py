from django.contrib import admin

from warroom.audit.models import AuditEntry
from warroom.core.admin import ReadOnlyScopedAdmin, site


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["seq", "ts", "actor_name", "source", "action", "object_type", "object_id"]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["actor_name", "object_id", "object_repr"]
