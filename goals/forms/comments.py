"""The forms of the discussion: a comment or question on a node, a reply, an edit, the email preference, and an
action item of the weekly review."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import formatting
from goals.discussion.models import ACTION_ITEM_MAX_LENGTH, BODY_MAX_LENGTH
from goals.forms.fields import Form, ModelForm
from goals.models import ActionItem, Department, NoticePreference, display_name

BODY_HELP = gettext_lazy(
    "Plain text; links work. Write @ and a name (@田中, @tanaka) or a department (@営業部) to notify them."
)


def _body_field(label=None):
    return forms.CharField(
        label=label or gettext_lazy("Comment"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "data-mention-input": ""}),
        help_text=BODY_HELP,
        error_messages={
            "required": gettext_lazy("Write a comment before you post it."),
            "max_length": gettext_lazy("Write at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


def _clean_body(value):
    body = value.strip()
    if not body:
        raise forms.ValidationError(_("Write a comment before you post it."))
    return body


class CommentForm(Form):
    """A new thread on a node: a comment, pinned to a week or not, or a question to a department."""

    body = _body_field()
    to_department = forms.ModelChoiceField(
        label=gettext_lazy("Ask a department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("No: a comment for everyone"),
        help_text=gettext_lazy("A question stays open in the department's inbox until one of its members answers it."),
    )
    week = forms.TypedChoiceField(
        label=gettext_lazy("About the week"),
        required=False,
        empty_value=None,
        help_text=gettext_lazy("The comment is shown on that week in the chart."),
    )

    def __init__(self, *args, tree=None, departments=None, weeks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = departments if departments is not None else Department.objects.all()
        self.fields["week"].choices = [("", _("No particular week"))] + [
            (week.isoformat(), formatting.week_label(week)) for week in reversed(list(weeks))
        ]
        self.fields["week"].coerce = date.fromisoformat

    def clean_body(self):
        return _clean_body(self.cleaned_data["body"])


class ReplyForm(Form):
    body = _body_field(gettext_lazy("Reply"))

    def clean_body(self):
        return _clean_body(self.cleaned_data["body"])


class EditCommentForm(Form):
    body = _body_field()

    def clean_body(self):
        return _clean_body(self.cleaned_data["body"])


class NoticePreferenceForm(ModelForm):
    class Meta:
        model = NoticePreference
        fields = ["email", "reminders"]
        widgets = {"email": forms.RadioSelect}
        labels = {
            "email": gettext_lazy("Email me about my notices"),
            "reminders": gettext_lazy("Email me on Monday morning the numbers my departments still owe"),
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class ActionItemForm(ModelForm):
    owner = PersonChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody yet"),
    )

    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_date"]
        labels = {"text": gettext_lazy("Action"), "due_date": gettext_lazy("Due date")}
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "text": {
                "required": gettext_lazy("Write what is to be done."),
                "max_length": gettext_lazy("Write at most %(limit_value)d characters (it has %(show_value)d)."),
            },
            "due_date": {"invalid": gettext_lazy("Enter a date, such as 2026/07/10.")},
        }

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else get_user_model().objects.none()
        self.fields["text"].max_length = ACTION_ITEM_MAX_LENGTH

    def clean_text(self):
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError(_("Write what is to be done."))
        return text
