from django.urls import path

from warroom.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.index, name="index"),
    path("movements/", views.movements, name="movements"),
    path("count/", views.count, name="count"),
    path("import/", views.import_movements, name="import"),
    path("template/", views.template, name="template"),
    path("donations/", views.donations, name="donations"),
    path("donations/<int:donation_id>/", views.donation, name="donation"),
    path("public/", views.public, name="public"),
    path("allocations/", views.plans, name="plans"),
    path("allocations/<int:plan_id>/", views.plan, name="plan"),
    path("teams/", views.teams, name="teams"),
]
