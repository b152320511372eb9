"""Pieces the forms share (goals and metrics): clean text in every text field, inputs for codes, dates and
numbers, the dates people may type, a period's check, the version a form carries, and choosing a person.

Every form of the project derives from `Form` or `ModelForm` below (or mixes in `CleanTextMixin`), so that every
text field refuses what cannot be kept or shown (docs/numbers.md "Bounds"): control characters such as NUL,
lone surrogates and bidirectional controls (tabs and line breaks only in multi-line fields), and text longer
than its field, with a message in the person's language, before anything reaches the database.
"""

from django import forms
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import ngettext

from goals import periods
from goals.bounds import MAX_TEXT_LENGTH
from goals.formatting import plain
from goals.models import display_name
from goals.values import ValueParseError, parse_value, text_problem


class CleanText:
    """A validator of text: refuses the characters of goals.values.text_problem; `lines` allows tabs and breaks."""

    def __init__(self, lines=False):
        self.lines = lines

    def __call__(self, value):
        problem = text_problem(str(value), self.lines)
        if problem:
            raise forms.ValidationError(problem, code="unprintable")

    def __eq__(self, other):
        return isinstance(other, CleanText) and other.lines == self.lines


class TextLength(MaxLengthValidator):
    """Django's length check with a message that says by how much to shorten the text."""

    def __init__(self, limit):
        super().__init__(limit)

    def __call__(self, value):
        if len(value) > self.limit_value:
            raise forms.ValidationError(
                ngettext(
                    "It is %(length)s characters long; at most %(limit)s character is allowed. Shorten it.",
                    "It is %(length)s characters long; at most %(limit)s characters are allowed. Shorten it.",
                    self.limit_value,
                )
                % {"length": len(value), "limit": self.limit_value},
                code="max_length",
            )


class CleanTextMixin:
    """Gives every text field of the form (CharField and its kinds, passwords aside) the checks of clean text and
    a length: the field's own max_length, or MAX_TEXT_LENGTH for a multi-line field without one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clean_text_fields()

    def full_clean(self):
        self._clean_text_fields()  # fields a form adds after __init__ too
        super().full_clean()

    def _clean_text_fields(self):
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                clean_text_field(field)


def clean_text_field(field):
    """Set the clean-text checks on one CharField, once (fields are copied for each form, so this changes only
    the form's own)."""
    if any(isinstance(validator, CleanText) for validator in field.validators):
        return
    lines = isinstance(field.widget, forms.Textarea)
    limit = field.max_length or (MAX_TEXT_LENGTH if lines else None)
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(validator, (ProhibitNullCharactersValidator, MaxLengthValidator))
    ]
    field.validators.insert(0, CleanText(lines))
    if limit is not None:
        field.max_length = limit
        field.validators.append(TextLength(limit))
        field.widget.attrs.setdefault("maxlength", str(limit))


class Form(CleanTextMixin, forms.Form):
    """The base of every plain form: clean text in every text field."""


class ModelForm(CleanTextMixin, forms.ModelForm):
    """The base of every model form: clean text in every text field."""


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


class AdminForm(CleanTextMixin, forms.ModelForm):
    """The form of the admin site's pages: clean text, and every date and number within the bounds of
    docs/numbers.md "Bounds" (a period as in PeriodMixin), as the pages of Goaltree check them."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            try:
                if isinstance(field, forms.DateField) and value is not None:
                    check_date(value)
                elif isinstance(field, forms.DecimalField) and value is not None:
                    parse_number(plain(value), "")
            except forms.ValidationError as error:
                self.add_error(name, error)
        if "period_start" in self.fields and "period_end" in self.fields:
            which, problem = periods.period_problem(cleaned.get("period_start"), cleaned.get("period_end"))
            if problem and f"period_{which}" not in self.errors:
                self.add_error(f"period_{which}", problem)
        return cleaned


class PeriodMixin:
    """Refuses a period (fields `period_start` and `period_end`) outside 2000-2100, ending before it starts, or
    longer than five years (goals.periods.period_problem)."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        which, problem = periods.period_problem(start, end)
        if problem:
            name = "period_start" if which == "start" else "period_end"
            self.add_error(name, problem)
        return cleaned


def check_date(day):
    """A date typed into a form, within 2000-2100 (goals.periods.date_problem), or a ValidationError."""
    problem = periods.date_problem(day)
    if problem:
        raise forms.ValidationError(problem, code="out_of_range")
    return day


class VersionedForm(ModelForm):
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
