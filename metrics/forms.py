"""Forms of metrics: the entries file to import."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.forms.fields import Form
from metrics import csvfiles


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
