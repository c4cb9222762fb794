from django.urls import path

from warroom.waste import views

app_name = "waste"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_file, name="import"),
]
