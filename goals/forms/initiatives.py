"""The form of an initiative (施策): what it is, the KPIs it aims to move, who owns it, when, and its cost."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import formatting
from goals.bounds import years_after
from goals.forms.fields import DATE_FORMATS, ModelForm, PersonChoiceField, check_date
from goals.models import Initiative
from goals.periods import bounded_period
from goals.values import ValueParseError, parse_value


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "input-date"}, format="%Y-%m-%d")


class InitiativeForm(ModelForm):
    """An initiative of `tree`; `nodes` are the tree's active nodes in outline order (with `.depth`).

    `own_department_ids`: for a person who is not a tree editor, the departments they belong to; at least one
    chosen KPI must be owned by one of them (docs/permissions.md). None for tree editors.

    Dates (docs/numbers.md "Bounds"): within 2000-2100, and the start from a year before the tree's period to its
    end, so that the weeks before and after the start can be compared within the tree's numbers.
    """

    cost = forms.CharField(
        label=gettext_lazy("Cost (yen)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input-num input-cost", "autocomplete": "off"}),
        help_text=gettext_lazy("The total cost in yen, such as 1,234,000. You can paste 1,234,000円."),
    )

    class Meta:
        model = Initiative
        fields = ["title", "description", "nodes", "owner", "start_date", "end_date", "cost"]
        field_classes = {"owner": PersonChoiceField}
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "nodes": forms.CheckboxSelectMultiple,
            "start_date": _date_input(),
            "end_date": _date_input(),
        }
        labels = {
            "title": gettext_lazy("Title"),
            "description": gettext_lazy("Description"),
            "nodes": gettext_lazy("KPIs it aims to move"),
            "owner": gettext_lazy("Owner"),
            "start_date": gettext_lazy("Start date"),
            "end_date": gettext_lazy("End date"),
        }
        help_texts = {
            "title": gettext_lazy("What the initiative is, such as 展示会出展 or Webinar series."),
            "description": gettext_lazy("Optional: what is done, for whom, and what it should change."),
            "nodes": gettext_lazy(
                "Its effect is measured on these KPIs: the mean weekly value after the start against before it."
            ),
            "start_date": gettext_lazy("The week that holds this date is the first week counted as after the start."),
            "end_date": gettext_lazy("Optional: leave it empty while the initiative continues."),
        }
        error_messages = {
            "title": {"required": gettext_lazy("Enter a title, such as 展示会出展.")},
            "nodes": {
                "required": gettext_lazy("Choose at least one KPI that the initiative aims to move."),
                "invalid_choice": gettext_lazy("Choose KPIs of this tree only."),
                "invalid_pk_value": gettext_lazy("Choose KPIs of this tree only."),
            },
            "owner": {
                "required": gettext_lazy("Choose the person responsible for the initiative."),
                "invalid_choice": gettext_lazy("Choose a person from the list."),
            },
            "start_date": {
                "required": gettext_lazy("Enter the date the initiative starts, such as 2026/06/29."),
                "invalid": gettext_lazy("Enter a date, such as 2026/06/29."),
            },
            "end_date": {"invalid": gettext_lazy("Enter a date, such as 2026/07/31, or leave it empty.")},
        }

    def __init__(self, *args, tree, nodes, own_department_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.nodes = list(nodes)
        self.own_department_ids = own_department_ids
        node_field = self.fields["nodes"]
        node_field.queryset = tree.nodes.active()
        node_field.choices = [(node.pk, node.name) for node in self.nodes]
        owner = self.fields["owner"]
        owner.required = True
        owner.queryset = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
        owner.empty_label = _("Choose a person")
        for name in ("start_date", "end_date"):
            self.fields[name].input_formats = DATE_FORMATS
        if self.instance.pk and self.instance.cost is not None and not self.is_bound:
            self.initial["cost"] = formatting.grouped(self.instance.cost)

    def node_options(self):
        """(checkbox, node) pairs in outline order, so the template can indent and describe each KPI."""
        by_id = {node.pk: node for node in self.nodes}
        return [(checkbox, by_id.get(int(checkbox.data["value"]))) for checkbox in self["nodes"]]

    def clean_start_date(self):
        start = check_date(self.cleaned_data.get("start_date"))
        period_start, latest = bounded_period(self.tree.period_start, self.tree.period_end)
        earliest = years_after(period_start, -1)
        if start is not None and not earliest <= start <= latest:
            raise forms.ValidationError(
                _(
                    "Enter a start date from %(earliest)s to %(latest)s: from a year before the period of %(tree)s "
                    "to its end. An initiative of another period belongs to that period's tree."
                )
                % {
                    "earliest": formatting.date_label(earliest),
                    "latest": formatting.date_label(latest),
                    "tree": self.tree.name,
                }
            )
        return start

    def clean_end_date(self):
        return check_date(self.cleaned_data.get("end_date"))

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean_cost(self):
        text = self.cleaned_data.get("cost", "")
        try:
            value = parse_value(text, "円")
        except ValueParseError as error:
            raise forms.ValidationError(error.message) from None
        if value is not None and value < 0:
            raise forms.ValidationError(_("A cost cannot be below zero. Enter the amount spent, such as 1,234,000."))
        return value

    def clean_nodes(self):
        nodes = self.cleaned_data["nodes"]
        if self.own_department_ids is not None and not any(
            node.department_id in self.own_department_ids for node in nodes
        ):
            raise forms.ValidationError(
                _(
                    "Choose at least one KPI that your department owns. Initiatives that aim only at other "
                    "departments' KPIs are added by those departments or by the tree's leads."
                )
            )
        return nodes

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date",
                _("The end date is before the start date. Enter a date on or after %(start)s, or leave it empty.")
                % {"start": formatting.date_label(start)},
            )
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk is None:
            self.instance.tree = self.tree
