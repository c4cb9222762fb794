from django.urls import path

from warroom.situation import views

app_name = "situation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("briefing/", views.briefings, name="briefings"),
    path("briefing/<str:area_code>/<str:day>/", views.briefing, name="briefing"),
    path(
        "briefing/<str:area_code>/<str:day>/briefing.<str:fmt>",
        views.briefing_export,
        name="briefing_export",
    ),
    path("standup/", views.standup_today, name="standup_today"),
    path("standup/<str:area_code>/<str:day>/", views.standup, name="standup"),
    path("map/", views.map_home, name="map_home"),
    path("map/<str:code>/", views.area_map, name="map"),
    path("map/<str:code>/shapes.geojson", views.map_shapes, name="map_shapes"),
    path("import/", views.import_series, name="import"),
    path("import/<int:job_id>/", views.import_status, name="import_status"),
]
