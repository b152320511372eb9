"""Pieces the goals forms share: inputs for codes, dates and numbers, the dates people may type, a period's
check, the version a form carries, and choosing a person."""

from django import forms
from django.utils.translation import gettext as _

from goals.models import display_name
from goals.values import ValueParseError, parse_value


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{display_name(obj)} ({obj.get_username()})"


def number_input():
    return forms.TextInput(attrs={"inputmode": "decimal", "class": "input-num", "autocomplete": "off"})


def code_input():
    return forms.TextInput(
        attrs={"class": "input-code", "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
    )


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# The dates people may type: 2027-04-01 or 2027/04/01.
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]


class PeriodMixin:
    """Refuses a period whose end comes before its start (fields `period_start` and `period_end`)."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The period ends before it starts. Enter an end date on or after the start date.")
            )
        return cleaned


class VersionedForm(forms.ModelForm):
    """A form that carries the version of what it edits, to refuse a save over someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]

    def changes(self):
        """{field: cleaned value} of the model fields this form edits: what a versioned save sets."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


def parse_number(text, unit):
    """A typed number (goals.values) for a form field: a Decimal, None when empty, or a ValidationError."""
    try:
        return parse_value(text, (unit or "").strip())
    except ValueParseError as error:
        raise forms.ValidationError(error.message) from None
