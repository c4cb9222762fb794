from django.urls import path

from warroom.communities import views

app_name = "communities"
urlpatterns = [
    path("", views.index, name="index"),
    path("map/", views.area_map, name="map"),
    path("published/", views.published, name="published"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/import/", views.import_inspections, name="import_inspections"),
    path("inspections/template.xlsx", views.inspections_template, name="inspections_template"),
    path("inspections/<int:inspection_id>/", views.inspection, name="inspection"),
    path("reopening/", views.reopenings, name="reopenings"),
    path("reopening/<int:application_id>/", views.application, name="application"),
    path("areas/<str:code>/", views.tree, name="tree"),
    path("areas/<str:code>/certificate/", views.certificate, name="certificate"),
    path("areas/<str:code>/inspect/", views.inspect, name="inspect"),
    path("areas/<str:code>/closure/", views.closure, name="closure"),
    path("areas/<str:code>/reopen/", views.apply_reopening, name="apply_reopening"),
]
