from django.urls import path

from warroom.economy import views

app_name = "economy"
urlpatterns = [
    path("", views.levels, name="index"),
    path("areas/<str:code>/", views.area_levels, name="area"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/import/", views.import_closures, name="import_closures"),
    path("roster/", views.roster, name="roster"),
    path("businesses/", views.businesses, name="businesses"),
    path("businesses/<int:business_id>/", views.business, name="business"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:resumption_id>/", views.application, name="application"),
    path("resumption/", views.resumption, name="resumption"),
    path("transport/", views.transport, name="transport"),
    path("transport/trips/<int:trip_id>/", views.trip, name="trip"),
]
