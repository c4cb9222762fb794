from django.urls import path

from warroom.services import views

app_name = "services"
urlpatterns = [
    path("", views.index, name="index"),
    path("residents/<int:resident_id>/", views.resident, name="resident"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("prices/", views.prices, name="prices"),
    path("medical/", views.medical, name="medical"),
    path("medical/<int:medical_id>/", views.medical_request, name="medical_request"),
]
