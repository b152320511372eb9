"""Forms of signing in and of the admin's page of departments and people."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy

from goals.forms.fields import CleanTextMixin, Form, ModelForm
from goals.models import Department, Membership


class LoginForm(CleanTextMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy(
            "The user name or password is not correct. Check them and try again; passwords are case-sensitive."
        ),
        "inactive": gettext_lazy("This account is not active. Ask a workspace admin."),
    }


class DepartmentForm(ModelForm):
    class Meta:
        model = Department
        fields = ["name"]


class MembershipForm(Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        label=gettext_lazy("Person"),
        empty_label=gettext_lazy("Choose a person"),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        label=gettext_lazy("Department"),
        empty_label=gettext_lazy("Choose a department"),
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, label=gettext_lazy("Role"))
