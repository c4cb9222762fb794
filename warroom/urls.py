from django.urls import include, path
from django.views.i18n import set_language

from warroom.api import api
from warroom.core.admin import site as admin_site

urlpatterns = [
    path("", include("warroom.web.urls")),
    path("accounts/", include("warroom.accounts.urls")),
    path("audit/", include("warroom.audit.urls")),
    path("beds/", include("warroom.beds.urls")),
    path("dispatch/", include("warroom.dispatch.urls")),
    path("zones/", include("warroom.economy.urls")),
    path("tasks/", include("warroom.tasks.urls")),
    path("communities/", include("warroom.communities.urls")),
    path("services/", include("warroom.services.urls")),
    path("supplies/", include("warroom.supplies.urls")),
    path("waste/", include("warroom.waste.urls")),
    path("appeals/", include("warroom.appeals.urls")),
    path("cases/", include("warroom.cases.urls")),
    path("surveillance/", include("warroom.surveillance.urls")),
    path("situation/", include("warroom.situation.urls")),
    path("supervision/", include("warroom.supervision.urls")),
    path("admin/", admin_site.urls),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

# Error pages in the house style (JSON under /api/); never Django's debug pages.
handler400 = "warroom.web.errors.bad_request"
handler403 = "warroom.web.errors.permission_denied"
handler404 = "warroom.web.errors.page_not_found"
handler500 = "warroom.web.errors.server_error"
