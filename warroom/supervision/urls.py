from django.urls import path

from warroom.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.index, name="index"),
    path("visits/", views.visits, name="visits"),
    path("visits/new/", views.new_visit, name="new_visit"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("ledger/", views.ledger, name="ledger"),
    path("findings/<int:finding_id>/", views.finding, name="finding"),
    path("places/", views.places, name="places"),
    path("places/<int:place_id>/", views.place, name="place"),
    path("accountability/", views.records, name="records"),
    path("accountability/<int:record_id>/", views.record, name="record"),
    path("integrity/", views.integrity_page, name="integrity"),
    path("rates/", views.rates, name="rates"),
    path("signals/", views.signals, name="signals"),
    path("signals/<int:signal_id>/handled/", views.signal_handled, name="signal_handled"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:phase_plan_id>/", views.plan, name="plan"),
    path("inbox/", views.inbox, name="inbox"),
]
