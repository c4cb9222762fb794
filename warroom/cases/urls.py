from django.urls import path

from warroom.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/new/", views.register, name="register"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/transition/", views.transition, name="transition"),
    path("people/<int:person_id>/isolate/", views.isolate, name="isolate"),
    path("people/<int:person_id>/sample/", views.sample, name="sample"),
    path("people/<int:person_id>/severity/", views.severity, name="severity"),
    path("people/<int:person_id>/treatment/", views.treatment, name="treatment"),
    path("people/<int:person_id>/contact/", views.contact, name="contact"),
    path("people/<int:person_id>/merge/", views.merge, name="merge"),
    path("samples/<int:sample_id>/result/", views.result, name="result"),
    path("import/", views.import_file, name="import"),
    path("template/line-list.xlsx", views.line_list_template, name="template_line_list"),
    path("template/results.xlsx", views.results_template, name="template_results"),
    path("template/screening.xlsx", views.screening_template, name="template_screening"),
    path("tracing/", views.tracing, name="tracing"),
    path("graph/", views.graph_home, name="graph_home"),
    path("graph/<str:code>/", views.graph, name="graph"),
    path("clearance/", views.clearance_home, name="clearance"),
    path("clearance/compute/", views.clearance_compute, name="clearance_compute"),
    path("clearance/<str:code>/", views.clearance_area, name="clearance_area"),
    path("clearance/<str:code>/export.xlsx", views.clearance_export, name="clearance_export"),
]
