from django.contrib import admin

from warroom.core.admin import ScopedAdmin, site
from warroom.tasks.models import Task


@admin.register(Task, site=site)
class TaskAdmin(ScopedAdmin):
    list_display = ["title", "area", "owner", "deadline", "status", "source_kind"]
    list_filter = ["status", "source_kind"]
    search_fields = ["title"]
    list_select_related = ["area", "owner"]
    raw_id_fields = ["area", "owner", "created_by", "submitted_by", "verified_by"]
    readonly_fields = ["source_type", "source_id"]
