"""Forms of metrics: the entries file to import, a new API token, a new webhook."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.forms.fields import Form, ModelForm
from goals.models import Department
from metrics import csvfiles, webhooks
from metrics.models import ApiToken, Webhook


class EntriesFileForm(Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns tree,node,week,value, with the header on the first line. UTF-8, or CSV as Japanese Excel "
            "saves it. An empty value deletes that week's number."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csvfiles.MAX_FILE_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


def too_large_message():
    return _("The file is larger than %(limit)s MB. Split it into smaller files and import them one by one.") % {
        "limit": csvfiles.MAX_FILE_BYTES // (1024 * 1024)
    }


class ApiTokenForm(Form):
    """A new API token: its name, the departments whose numbers it writes, read-write or read-only."""

    READ_WRITE, READ_ONLY = "read_write", "read_only"

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy(
            "What uses it, such as “HubSpot nightly” or “MA sheet”. It is shown in the history of numbers beside "
            "every change the token sends."
        ),
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        label=gettext_lazy("Departments"),
        help_text=gettext_lazy("The token writes the numbers of the nodes these departments own."),
        widget=forms.CheckboxSelectMultiple,
    )
    access = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=[
            (READ_WRITE, gettext_lazy("Read and write numbers")),
            (READ_ONLY, gettext_lazy("Read only")),
        ],
        initial=READ_WRITE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = token_departments(user)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if ApiToken.objects.active().filter(name=name).exists():
            raise forms.ValidationError(
                _("A token named “%(name)s” already exists. Choose another name, or revoke that token first.")
                % {"name": name}
            )
        return name


def token_departments(user):
    """The departments a person may make tokens for: their own; every department for an admin."""
    if user.is_staff or user.is_superuser:
        return Department.objects.all()
    return Department.objects.filter(memberships__user=user).distinct()


class WebhookForm(ModelForm):
    class Meta:
        model = Webhook
        fields = ["url", "on_week_complete", "on_status_change"]
        help_texts = {
            "url": gettext_lazy("The address that receives a signed POST with JSON (https)."),
        }

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_address(url)
        except webhooks.UnsafeAddress as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("on_week_complete") and not cleaned.get("on_status_change"):
            raise forms.ValidationError(_("Choose at least one event to be told about."))
        return cleaned
