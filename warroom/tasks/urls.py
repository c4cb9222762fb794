from django.urls import path

from warroom.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:task_id>/", views.detail, name="detail"),
    path("<int:task_id>/submit/", views.submit, name="submit"),
    path("<int:task_id>/verify/", views.verify, name="verify"),
    path("<int:task_id>/evidence/", views.evidence, name="evidence"),
]
