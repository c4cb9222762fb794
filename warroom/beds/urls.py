from django.urls import path

from warroom.beds import views

app_name = "beds"
urlpatterns = [
    path("", views.index, name="index"),
    path("facilities/", views.facility_list, name="facilities"),
    path("facilities/new/", views.facility_new, name="facility-new"),
    path("facilities/<str:facility_code>/", views.facility, name="facility"),
    path("facilities/<str:facility_code>/report/", views.report, name="report"),
    path("facilities/<str:facility_code>/capacity/", views.capacity, name="capacity"),
    path("facilities/<str:facility_code>/status/", views.status, name="status"),
    path("board/", views.board, name="board"),
    path("balance/", views.balance, name="balance"),
    path("plan/", views.plan, name="plan"),
    path("import/", views.import_file, name="import"),
    path("template/facilities.xlsx", views.template, {"which": "facilities"}, name="template"),
    path("template/reports.xlsx", views.template, {"which": "reports"}, name="template-reports"),
]
