"""The back office: Django admin, scoped like everything else.

Only roles with the ``admin`` capability enter; each model admin also needs the
capability its data needs anywhere else (``capability``: ``audit`` for the audit log,
``people`` for person-level records), reads through ``restrict(user, action)``, and an
object outside one's subtree answers 404, as a missing one would.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import path
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


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Reads through restrict(); needs ``capability`` to see the model at all (the same as
    its pages need) and the ``change`` capability to change it."""

    capability = "view"
    scope_action = "view"

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


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
