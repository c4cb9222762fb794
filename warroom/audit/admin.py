from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warroom.audit.messages import object_type_label, source_label
from warroom.audit.models import ACTION_LABELS, AuditEntry
from warroom.audit.selectors import shown_entries
from warroom.core.admin import ReadOnlyScopedAdmin, coded_filter, site


class ActionFilter(admin.SimpleListFilter):
    """The actions by their names in the reader's language (the stored code as the key)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in ACTION_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ReadOnlyScopedAdmin):
    """The audit log in the back office: the ``audit`` capability, one's subtree, and
    personal data always masked (the clear view is /audit/'s, where it is logged)."""

    capability = "audit"
    scope_action = "audit"
    list_display = [
        "seq",
        "ts",
        "actor_name",
        "source_name",
        "action_name",
        "type_name",
        "object_id",
    ]
    list_filter = [
        ActionFilter,
        coded_filter("source", _("source"), source_label),
        coded_filter("object_type", _("object type"), object_type_label),
    ]
    search_fields = ["actor_name", "object_id"]
    fields = [
        "seq",
        "ts",
        "actor_name",
        "source_name",
        "ip",
        "request_id",
        "action_name",
        "type_name",
        "object_id",
        "shown_object",
        "description",
        "area_path",
        "shown_before",
        "shown_after",
        "message",
        "key_id",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        entry = super().get_object(request, object_id, from_field)
        if entry is not None:
            entry.shown = shown_entries(request.user, [entry], unmask=False)[0]
        return entry

    @admin.display(description=_("source"), ordering="source")
    def source_name(self, entry: AuditEntry) -> str:
        return source_label(entry.source)

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, entry: AuditEntry) -> str:
        return entry.action_label

    @admin.display(description=_("object type"), ordering="object_type")
    def type_name(self, entry: AuditEntry) -> str:
        return object_type_label(entry.object_type)

    @admin.display(description=_("description"))
    def description(self, entry: AuditEntry) -> str:
        return str(entry.shown.description)  # type: ignore[attr-defined]

    @admin.display(description=_("object"))
    def shown_object(self, entry: AuditEntry) -> str:
        return str(entry.shown.object_repr)  # type: ignore[attr-defined]

    @admin.display(description=_("before"))
    def shown_before(self, entry: AuditEntry) -> str:
        return str(entry.shown.before)  # type: ignore[attr-defined]

    @admin.display(description=_("after"))
    def shown_after(self, entry: AuditEntry) -> str:
        return str(entry.shown.after)  # type: ignore[attr-defined]
