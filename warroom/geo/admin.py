from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from warroom.core.admin import ScopedAdmin, site
from warroom.geo.models import KIND_LABELS, Area


@admin.register(Area, site=site)
class AreaAdmin(ScopedAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "kind_name", "population", "synthetic"]
    list_filter = ["level", "synthetic"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["code", "parent", "level", "path", "depth"]
    list_select_related = ["parent"]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # areas come from an import, which checks the whole tree

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, area: Area) -> str:
        return str(KIND_LABELS.get(area.kind, area.kind))
