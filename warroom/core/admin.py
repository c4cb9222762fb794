"""The back office: Django admin, scoped like everything else.

Only roles with the ``admin`` capability enter; each model admin also needs the
capability its data needs anywhere else (``capability``: ``audit`` for the audit log,
``people`` for person-level records), reads through ``restrict(user, action)``, and an
object outside one's subtree answers 404, as a missing one would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django's admin strings its zh_Hans catalogue lacks (screen-reader headers of the app
# list, Django 5.1+): translated in ours, so the chrome is Chinese all the way.
DJANGO_ADMIN_GAPS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


class WarroomAdminSite(admin.AdminSite):
    site_header = _("warroom back office")
    site_title = _("warroom")
    index_title = _("Back office")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.can("admin"))  # type: ignore[union-attr]

    def get_urls(self) -> list[Any]:
        # Django's "view on site" shortcut looks objects up without any scope: replace it
        # with one that reads through restrict(), so another district's object is a 404.
        scoped = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.scoped_shortcut),
            name="view_on_site",
        )
        return [scoped, *super().get_urls()]

    def scoped_shortcut(self, request: HttpRequest, content_type_id: str, object_id: str) -> Any:
        from django.contrib.contenttypes.models import ContentType

        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        manager = getattr(model, "_default_manager", None)
        if manager is None or not hasattr(manager, "restrict"):
            raise Http404
        obj = manager.restrict(request.user).filter(pk=object_id).first()
        if obj is None or not hasattr(obj, "get_absolute_url"):
            raise Http404
        return redirect(obj.get_absolute_url())


site = WarroomAdminSite(name="admin")


def is_stored(field: Any) -> bool:
    """A value as people or imports wrote it (a name, a note, a code, JSON, another
    record's name): data, shown as written, not the interface. A field with choices is
    shown by its label, which is the interface's."""
    if getattr(field, "choices", None):
        return False
    stored = (
        models.CharField,
        models.TextField,
        models.JSONField,
        models.ForeignKey,
        models.GenericIPAddressField,
    )
    return isinstance(field, stored)


def _stored_display(field: Any, empty: str) -> Callable[[Any], Any]:
    """The field's value marked ``data-stored`` (the mark the audit page uses), so that a
    check for untranslated text leaves the stored value out and the label in."""

    def show(obj: Any) -> Any:
        value = getattr(obj, field.name)
        if value is None or value == "" or value == [] or value == {}:
            return empty
        if isinstance(field, models.JSONField):
            value = json.dumps(value, ensure_ascii=False)
        return format_html("<span data-stored>{}</span>", value)

    show.__name__ = field.name
    show.short_description = field.verbose_name  # type: ignore[attr-defined]
    show.admin_order_field = field.name  # type: ignore[attr-defined]
    return show


def _yes_no_display(field: Any, empty: str) -> Callable[[Any], Any]:
    """Django's yes/no icon with its text in the reader's language (Django's own says
    "True"/"False" in every language)."""

    def show(obj: Any) -> Any:
        value = getattr(obj, field.name)
        if value is None:
            return empty
        icon = static("admin/img/icon-yes.svg" if value else "admin/img/icon-no.svg")
        return format_html('<img src="{}" alt="{}">', icon, _("Yes") if value else _("No"))

    show.__name__ = field.name
    show.short_description = field.verbose_name  # type: ignore[attr-defined]
    show.admin_order_field = field.name  # type: ignore[attr-defined]
    return show


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Reads through restrict(); needs ``capability`` to see the model at all (the same as
    its pages need) and the ``change`` capability to change it.

    Shown values that are data (names, notes, codes, JSON, another record's name) are
    marked ``data-stored`` in the lists and the read-only fields, yes/no by their names in
    the reader's language; labels, choices and the chrome are the interface's."""

    capability = "view"
    scope_action = "view"

    def _shown(self, name: Any) -> Any:
        """The display for a model field shown as a value (list cell, read-only field)."""
        if not isinstance(name, str):
            return name
        displays = self.__dict__.setdefault("_displays", {})
        if name not in displays:
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                displays[name] = name
            else:
                empty = self.get_empty_value_display()
                if isinstance(field, models.BooleanField):
                    displays[name] = _yes_no_display(field, empty)
                elif is_stored(field):
                    displays[name] = _stored_display(field, empty)
                else:
                    displays[name] = name
        return displays[name]

    def get_list_display(self, request: HttpRequest) -> Sequence[Any]:
        shown = [self._shown(name) for name in super().get_list_display(request)]
        return [_object_name if name == "__str__" else name for name in shown]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[Any]:
        return [self._shown(name) for name in super().get_readonly_fields(request, obj)]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[Any]:
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [self._shown(name) for name in fields]  # all read-only: shown as values
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The displays of read-only fields are no form fields.
        if kwargs.get("fields") is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if isinstance(name, str)]
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and is_stored(db_field) and not db_field.choices:
            # an editable stored value (a note's text, another record's name in a list)
            formfield.widget.attrs["data-stored"] = ""
        return formfield

    def get_queryset(self, request: HttpRequest) -> Any:
        return self.model._default_manager.restrict(request.user, self.scope_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return site.has_permission(request) and request.user.can(self.capability)  # type: ignore[union-attr]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request) and request.user.can("change")  # type: ignore[union-attr]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # ID numbers, phones, birth dates: shown (masked, or in clear and logged) by the
        # app's own pages, never by the back office (warroom.core.personal).
        excluded = list(super().get_exclude(request, obj) or ())
        personal = getattr(self.model, "personal_fields", {})
        return excluded + [
            name for name, spec in personal.items() if spec.sensitive and name not in excluded
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        raise Http404  # another district's object looks exactly like a missing one


def coded_filter(
    field: str, title: Any, name: Callable[[str], str]
) -> type[admin.SimpleListFilter]:
    """A list filter over a stored code of an open set (a source, a kind), each code by its
    name in the reader's language (the code itself when it has none)."""

    class CodedFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            codes = model_admin.get_queryset(request).order_by(field).values_list(field, flat=True)
            return [(code, name(code)) for code in codes.distinct() if code]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    CodedFilter.title = title
    return CodedFilter


@admin.display(description=_("object"))
def _object_name(obj: Any) -> Any:
    return format_html("<span data-stored>{}</span>", str(obj))


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
