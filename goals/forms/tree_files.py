"""Forms of the tree-file pages: import a tree file, a new tree from a template, copy a tree to the next period."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from goals.forms.fields import DATE_FORMATS, Form, PeriodMixin, code_input, date_input
from goals.models import Tree, tree_code_validator
from goals.periods import fiscal_year

MAX_FILE_SIZE = 2 * 1024 * 1024


def _date_field(label, help_text=""):
    return forms.DateField(
        label=label,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=date_input(),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2027-04-01.")},
    )


def _clean_new_code(code):
    if code and Tree.objects.filter(code=code).exists():
        raise forms.ValidationError(
            _("A tree with the code %(code)s already exists. Choose another code.") % {"code": code}
        )
    return code


class TreeImportForm(Form):
    file = forms.FileField(
        label=gettext_lazy("Tree file (JSON)"),
        help_text=gettext_lazy("A file written by the export of a tree or in the same format, up to 2 MB."),
        error_messages={"required": gettext_lazy("Choose a tree file to import.")},
    )
    department = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Owner department of a new tree"),
        help_text=gettext_lazy("Used when the file creates a new tree. A tree that already exists keeps its own."),
    )
    replace = forms.BooleanField(
        required=False,
        label=gettext_lazy("Replace the tree with the same code if there is one"),
        help_text=gettext_lazy(
            "Its structure, definitions and targets are replaced by the file. Nodes whose code stays keep their "
            "entries; nodes that are not in the file are archived when they have entries, else deleted."
        ),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("Choose a department")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is larger than 2 MB. A tree file is much smaller: check the file.")
            )
        return upload


class TreeFromTemplateForm(PeriodMixin, Form):
    template = forms.ChoiceField(label=gettext_lazy("Template"), widget=forms.RadioSelect)
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=60,
        required=False,
        validators=[tree_code_validator],
        widget=code_input(),
        help_text=gettext_lazy("Leave it empty to use the fiscal year and the template, such as fy2027-b2b-funnel."),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave it empty to use the fiscal year and the template's name."),
    )
    period_start = _date_field(gettext_lazy("Period start"))
    period_end = _date_field(gettext_lazy("Period end"))
    department = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Owner department"))

    def __init__(self, *args, templates, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {template.key: template for template in templates}
        self.fields["template"].choices = [
            (
                template.key,
                ngettext(
                    "%(name)s (KGI: %(kgi)s, %(count)s node)",
                    "%(name)s (KGI: %(kgi)s, %(count)s nodes)",
                    template.node_count,
                )
                % {"name": template.name, "kgi": template.kgi, "count": template.node_count},
            )
            for template in templates
        ]
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("Choose a department")
        self.fields["department"].help_text = _(
            "Its leads, with the leads of the departments that own the KPIs, change the tree."
        )

    def clean_code(self):
        return _clean_new_code(self.cleaned_data["code"].strip())

    def clean(self):
        cleaned = super().clean()
        template = self.templates.get(cleaned.get("template"))
        start = cleaned.get("period_start")
        if template and start and not self.errors:
            year = fiscal_year(start)
            if not cleaned.get("code"):
                code = f"fy{year}-{template.key.replace('_', '-')}"
                try:
                    cleaned["code"] = _clean_new_code(code)
                except forms.ValidationError as error:
                    self.add_error("code", error)
            if not cleaned.get("name", "").strip():
                cleaned["name"] = f"FY{year} {template.name}"
        return cleaned


class TreeCopyForm(PeriodMixin, Form):
    code = forms.CharField(
        label=gettext_lazy("Code of the new tree"),
        max_length=60,
        validators=[tree_code_validator],
        widget=code_input(),
        help_text=gettext_lazy("Lower-case letters, digits, - and _, such as fy2027-marketing."),
    )
    name = forms.CharField(label=gettext_lazy("Name of the new tree"), max_length=200)
    period_start = _date_field(gettext_lazy("Period start"))
    period_end = _date_field(gettext_lazy("Period end"))

    def clean_code(self):
        return _clean_new_code(self.cleaned_data["code"].strip())
