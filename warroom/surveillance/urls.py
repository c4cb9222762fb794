from django.urls import path

from warroom.surveillance import views

app_name = "surveillance"
urlpatterns = [
    path("", views.index, name="index"),
    path("compute/", views.compute, name="compute"),
    path("template.xlsx", views.template, name="template"),
    path("quality/", views.quality, name="quality"),
    path("quality/<int:flag_id>/status/", views.flag_status, name="flag_status"),
]
