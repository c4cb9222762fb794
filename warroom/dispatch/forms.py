from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from warroom.beds.models import BedType
from warroom.dispatch.models import Outcome


class PlaceForm(forms.Form):
    facility = forms.CharField(label=_("Facility code"), max_length=32)
    bed_type = forms.ChoiceField(label=_("Bed type"), choices=BedType.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RefuseForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=300)


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(o, Outcome(o).label) for o in ("discharged", "died", "released")],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
