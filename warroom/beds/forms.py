from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from warroom.beds.models import BedType, ChangeKind, FacilityKind, FacilityStatus
from warroom.beds.selectors import FIRST_DAY, LAST_DAY

DAY_RANGE = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class DayForm(forms.Form):
    date = forms.DateField(
        validators=DAY_RANGE,
        label=_("Date"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )


class ReportForm(forms.Form):
    date = forms.DateField(
        validators=DAY_RANGE, label=_("Date"), widget=forms.DateInput({"type": "date"})
    )
    bed_type = forms.ChoiceField(label=_("Bed type"), choices=BedType.choices)
    occupied = forms.IntegerField(label=_("Occupied"), min_value=0)


class CapacityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChangeKind.choices)
    bed_type = forms.ChoiceField(label=_("Bed type"), choices=BedType.choices)
    delta = forms.IntegerField(label=_("Change in beds"), required=False)
    level = forms.IntegerField(label=_("or new level"), required=False, min_value=0)
    effective = forms.DateField(
        validators=DAY_RANGE, label=_("Effective from"), widget=forms.DateInput({"type": "date"})
    )
    convert_to = forms.ChoiceField(
        label=_("Convert into"),
        choices=[("", "—"), *BedType.choices],
        required=False,
        help_text=_("For a conversion: the bed type the beds become."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ChangeKind.CONVERSION:
            if not data.get("convert_to") or not data.get("delta") or data["delta"] <= 0:
                raise forms.ValidationError(
                    _("A conversion needs the number of beds (positive) and the type they become.")
                )
        elif (data.get("delta") is None) == (data.get("level") is None):
            raise forms.ValidationError(_("Give either the change in beds or the new level."))
        return data


class PlannedOpeningForm(forms.Form):
    facility = forms.CharField(label=_("Facility code"), max_length=32)
    bed_type = forms.ChoiceField(label=_("Bed type"), choices=BedType.choices)
    beds = forms.IntegerField(label=_("Beds"), min_value=1)
    effective = forms.DateField(
        validators=DAY_RANGE, label=_("Opens on"), widget=forms.DateInput({"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class PlanForm(forms.Form):
    date = forms.DateField(
        validators=DAY_RANGE,
        label=_("Plan from"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )
    confirmed = forms.IntegerField(
        label=_("Assumed new confirmed per day"),
        required=False,
        min_value=0,
        help_text=_("Used only when no case forecast is available."),
    )
    quarantined = forms.IntegerField(
        label=_("Assumed new people to quarantine per day"), required=False, min_value=0
    )
    target = forms.IntegerField(
        label=_("Occupancy target (%)"), required=False, min_value=1, max_value=100
    )


class ImportForm(forms.Form):
    which = forms.ChoiceField(
        label=_("File contents"),
        choices=[("facilities", _("Facilities and beds")), ("reports", _("Occupancy reports"))],
    )
    file = forms.FileField(label=_("CSV or Excel file"))


class FacilityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All")), *FacilityKind.choices], required=False
    )
    q = forms.CharField(label=_("Name"), required=False)
    date = forms.DateField(
        validators=DAY_RANGE,
        label=_("Date"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FacilityStatus.choices)
    date = forms.DateField(
        validators=DAY_RANGE, label=_("From"), widget=forms.DateInput({"type": "date"})
    )


class FacilityForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=FacilityKind.choices)
    area_code = forms.CharField(label=_("Area code"), max_length=32)
    operator = forms.CharField(label=_("Operator"), max_length=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    contact_name = forms.CharField(
        label=pgettext_lazy("facility", "Contact"), max_length=100, required=False
    )
    contact_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    doctors = forms.IntegerField(label=_("Doctors"), min_value=0, required=False)
    nurses = forms.IntegerField(label=_("Nurses"), min_value=0, required=False)
    other_staff = forms.IntegerField(label=_("Other staff"), min_value=0, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))
