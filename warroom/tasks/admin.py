from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from warroom.core.admin import ScopedAdmin, coded_filter, site
from warroom.tasks.models import SOURCE_LABELS, Task


def source_name(code: str) -> str:
    return str(SOURCE_LABELS.get(code, code))


@admin.register(Task, site=site)
class TaskAdmin(ScopedAdmin):
    list_display = ["title", "area", "owner", "deadline", "status", "source_name"]
    list_filter = ["status", coded_filter("source_kind", _("source"), source_name)]
    search_fields = ["title"]
    list_select_related = ["area", "owner"]
    raw_id_fields = ["area", "owner", "created_by", "submitted_by", "verified_by"]
    readonly_fields = ["source_type", "source_id"]

    @admin.display(description=_("source"), ordering="source_kind")
    def source_name(self, task: Task) -> str:
        return task.source_label
