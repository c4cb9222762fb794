from django.urls import path

from warroom.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/", views.areas, name="areas"),
    path("areas/<str:code>/", views.area, name="area"),
    path("jobs/<int:queued_job_id>/", views.job, name="job"),
    path("jobs/<int:queued_job_id>/download/", views.job_download, name="job_download"),
]
