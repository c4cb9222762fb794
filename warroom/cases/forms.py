from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from warroom.cases.models import IdType, Result, SampleKind, Setting, Sex, Vulnerability
from warroom.cases.states import Category, Isolation, Severity


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices())
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices(), initial=Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Birth date"), required=False)
    home = forms.CharField(label=_("Home compound code"), max_length=32)
    workplace = forms.CharField(label=_("Workplace"), max_length=200, required=False)
    vulnerability = forms.MultipleChoiceField(
        label=_("Vulnerability"),
        choices=Vulnerability.choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *Category.choices()], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class TransitionForm(forms.Form):
    target = forms.CharField(max_length=16)
    version = forms.IntegerField()
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    isolation = forms.ChoiceField(
        label=_("Isolation"),
        choices=[
            ("", "—"),
            (Isolation.HOME, Isolation.HOME.label),
            (Isolation.QUARANTINE, Isolation.QUARANTINE.label),
        ],
        required=False,
    )
    facility = forms.CharField(label=_("Facility"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", "—"), *Severity.choices()], required=False
    )


class IsolateForm(forms.Form):
    version = forms.IntegerField()
    isolation = forms.ChoiceField(
        label=_("Isolation"),
        choices=[
            (Isolation.HOME, Isolation.HOME.label),
            (Isolation.QUARANTINE, Isolation.QUARANTINE.label),
        ],
    )
    facility = forms.CharField(label=_("Facility"), max_length=200, required=False)


class SampleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SampleKind.choices())
    lab = forms.CharField(label=_("Lab"), max_length=200, required=False)
    code = forms.CharField(label=_("Sample code"), max_length=64, required=False)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices())


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TreatmentForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ContactForm(forms.Form):
    contact_id = forms.IntegerField(label=_("Contact (person number)"))
    exposure_date = forms.DateField(label=_("Exposure date"))
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices())


class MergeForm(forms.Form):
    duplicate_id = forms.IntegerField(label=_("Duplicate (person number)"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("line-list", _("Line list")),
            ("results", _("Lab results")),
            ("screening", _("Mass screening results")),
        ],
    )
    file = forms.FileField(label=_("File (CSV or Excel)"))
