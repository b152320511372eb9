"""Forms of a tree: its settings, and a new tree with its KGI."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import codes, history, periods
from goals.forms.fields import PeriodMixin, VersionedForm, code_input, date_input, number_input, parse_number
from goals.models import Node, Tree, code_validator


class TreeForm(PeriodMixin, VersionedForm):
    """A tree's settings; `departments` limits the owner department to those the person may choose."""

    class Meta:
        model = Tree
        fields = list(history.TREE_FIELDS)  # the settings a person edits are the ones the history records
        widgets = {
            "code": code_input(),
            "period_start": date_input(),
            "period_end": date_input(),
            "warning_threshold": forms.TextInput(attrs={"inputmode": "decimal", "class": "input-num input-short"}),
            "max_depth": forms.TextInput(attrs={"inputmode": "numeric", "class": "input-num input-short"}),
        }
        help_texts = {
            "code": gettext_lazy(
                "Used in files and the API. Lower-case letters, digits, - and _, such as fy2026-marketing."
            ),
            "period_start": gettext_lazy("The first day of the period, such as the start of the fiscal year."),
            "week_start": gettext_lazy("Weekly numbers are entered per week starting on this day."),
            "warning_threshold": gettext_lazy(
                # xgettext:no-python-format
                "A KPI below 100% of its target to date but at or above this "
                "percentage is shown as At risk; below it, Off track."
            ),
            "max_depth": gettext_lazy("How many levels of KPIs may sit below the KGI."),
        }

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The code names the tree in files and links; it is set once, when the tree is created.
            del self.fields["code"]
        else:
            self.fields["code"].required = False
            self.fields["code"].help_text = _(
                "Leave empty to make one from the period and the name. Used in files and the API: lower-case "
                "letters, digits, - and _, such as fy2026-marketing."
            )
        field = self.fields["department"]
        field.required = True
        field.empty_label = _("Choose a department")
        if departments is not None:
            field.queryset = departments
        field.help_text = _("Its leads, with the leads of the departments that own its KPIs, change the tree.")
        self.fields["warning_threshold"].error_messages["invalid"] = _("Enter a number from 0 to 100, such as 90.")


class NewTreeForm(TreeForm):
    """A new tree and its KGI, created together."""

    kgi_code = forms.CharField(
        label=gettext_lazy("KGI code"),
        max_length=50,
        required=False,
        validators=[code_validator],
        widget=code_input(),
        help_text=gettext_lazy(
            "Leave empty to make one from the name. Lower-case letters, digits and _, starting with a letter, "
            "such as revenue."
        ),
    )
    kgi_name = forms.CharField(label=gettext_lazy("KGI name"), max_length=200, help_text=gettext_lazy("Such as 売上."))
    kgi_unit = forms.CharField(
        label=gettext_lazy("KGI unit"), max_length=30, required=False, help_text=gettext_lazy("Such as 円, 件 or %.")
    )
    kgi_target = forms.CharField(
        label=gettext_lazy("KGI target"),
        required=False,
        widget=number_input(),
        help_text=gettext_lazy("The committed target for the period. You can set it later."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and cleaned.get("name") and "code" not in self.errors:
            start = cleaned.get("period_start")
            year = periods.fiscal_year(start) if start else None
            taken = set(Tree.objects.values_list("code", flat=True))
            code = codes.tree_code(cleaned["name"], year, taken)
            cleaned["code"] = code
            self.instance.code = code
        if not cleaned.get("kgi_code") and cleaned.get("kgi_name") and "kgi_code" not in self.errors:
            cleaned["kgi_code"] = codes.node_code(cleaned["kgi_name"], set())
        return cleaned

    def clean_kgi_target(self):
        return parse_number(self.cleaned_data.get("kgi_target", ""), self.cleaned_data.get("kgi_unit", ""))

    def save_kgi(self, tree):
        data = self.cleaned_data
        return Node.objects.create(
            tree=tree,
            code=data["kgi_code"],
            name=data["kgi_name"],
            unit=data["kgi_unit"].strip(),
            target=data["kgi_target"],
            department=tree.department,
            aggregation=Node.Aggregation.SUM,
        )
