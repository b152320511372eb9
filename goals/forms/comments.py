"""The form of a comment on a node."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.forms.fields import Form


class CommentForm(Form):
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mention someone with @ and their user name, such as @tanaka."),
        error_messages={"required": gettext_lazy("Write a comment before you post it.")},
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write a comment before you post it."))
        return body
