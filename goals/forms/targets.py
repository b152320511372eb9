"""The form of a node's weekly targets: how its target is spread over the weeks (seasonality)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.formatting import week_label
from goals.forms.fields import Form
from goals.values import ValueParseError, parse_value


class SeasonalityForm(Form):
    """How a `sum` node's target is spread: evenly, by business days, or by one weight per week."""

    EVEN, BUSINESS_DAYS, CUSTOM = "even", "business_days", "custom"

    method = forms.ChoiceField(
        label=gettext_lazy("How to spread the target"),
        widget=forms.RadioSelect,
        choices=[
            (EVEN, gettext_lazy("Evenly: the same share every week")),
            (BUSINESS_DAYS, gettext_lazy("By business days: weekends and Japanese public holidays excluded")),
            (CUSTOM, gettext_lazy("By weights I enter: one number per week")),
        ],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, weeks, **kwargs):
        super().__init__(*args, **kwargs)
        self.weeks = list(weeks)
        for index, week in enumerate(self.weeks):
            self.fields[f"w{index}"] = forms.CharField(
                label=_("Week of %(week)s") % {"week": week_label(week)},
                required=False,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "input-num weight-input", "autocomplete": "off"}
                ),
            )

    def weight_fields(self):
        return [(week, self[f"w{index}"]) for index, week in enumerate(self.weeks)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") != self.CUSTOM:
            return cleaned
        weights = []
        for index in range(len(self.weeks)):
            name = f"w{index}"
            text = self.data.get(name, "")
            try:
                value = parse_value(text, "")
            except ValueParseError as error:
                self.add_error(name, error.message)
                continue
            if value is None:
                self.add_error(name, _("Enter a weight, such as 1; enter 0 for a week without a target."))
            elif value < 0:
                self.add_error(name, _("“%(text)s” is negative. Enter zero or more.") % {"text": text.strip()})
            else:
                weights.append(value)
        if len(weights) == len(self.weeks) and not sum(weights) > 0:
            raise forms.ValidationError(
                _("Every weight is zero. Give at least one week a weight above zero, or spread the target evenly.")
            )
        cleaned["weights"] = weights
        return cleaned
