from django.urls import path

from warroom.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.index, name="index"),
    path("propose/", views.propose, name="propose"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path("proposals/<int:proposal_id>/confirm/", views.confirm, name="confirm"),
    path("lines/<int:line_id>/refuse/", views.refuse, name="refuse"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/place/", views.place, name="place"),
    path("placements/<int:placement_id>/transfer/", views.transfer, name="transfer"),
    path("placements/<int:placement_id>/end/", views.end, name="end"),
    path("facilities/<str:facility_code>/occupants/", views.occupants, name="occupants"),
]
