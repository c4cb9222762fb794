from django.contrib import admin

from warroom.accounts.models import ApiToken, User
from warroom.core.admin import ScopedAdmin, site


@admin.register(User, site=site)
class UserAdmin(ScopedAdmin):
    list_display = ["username", "first_name", "role", "area", "is_active", "locked_until"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "email"]
    fields = ["username", "first_name", "email", "role", "area", "is_active", "locked_until"]
    readonly_fields = ["username"]
    raw_id_fields = ["area"]
    list_select_related = ["area"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # `warroom createuser` sets the password and checks its strength


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(ScopedAdmin):
    scope_note = "tokens are scoped by their user's area"
    list_display = [
        "name",
        "user",
        "key_id",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    fields = ["name", "user", "key_id", "expires_at", "revoked_at"]
    readonly_fields = ["user", "key_id"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # `warroom token create` shows the secret once
