from django.urls import path

from warroom.appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.index, name="index"),
    path("operator/", views.operator, name="operator"),
    path("<int:appeal_id>/", views.appeal, name="appeal"),
    path("roster/", views.roster, name="roster"),
    path("stats/", views.stats, name="stats"),
    path("topics/", views.topics, name="topics"),
    path("public/", views.public_file, name="public_file"),
    path("public/status/", views.public_status, name="public_status"),
    path("public/rebuttals/", views.public_rebuttals, name="public_rebuttals"),
]
