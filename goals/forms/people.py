"""Forms of signing in, invitations, password reset and the pages of departments and people."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from goals.accounts.invitations import send_email
from goals.forms.fields import CleanTextMixin, Form, ModelForm
from goals.models import Department, Invitation, Membership


class LoginForm(CleanTextMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy(
            "The user name or password is not correct. Check them and try again; passwords are case-sensitive."
        ),
        "inactive": gettext_lazy("This account is not active. Ask a workspace admin."),
    }


class ResetRequestForm(CleanTextMixin, PasswordResetForm):
    """Django's form: emails the active accounts of the address, says nothing about whether there are any. The
    email goes out through the worker, as every email does (goals.accounts.invitations.send_email)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_email.enqueue(subject, body, to_email)


class ResetPasswordForm(CleanTextMixin, SetPasswordForm):
    pass


class DepartmentForm(ModelForm):
    class Meta:
        model = Department
        fields = ["name"]


def _departments(departments):
    return forms.ModelChoiceField(
        queryset=departments if departments is not None else Department.objects.all(),
        label=gettext_lazy("Department"),
        empty_label=gettext_lazy("Choose a department"),
    )


class MembershipForm(Form):
    """A person in a department with a role (added, or the role changed). `departments`: those the person filling
    it manages."""

    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=gettext_lazy("Person"),
        empty_label=gettext_lazy("Choose a person"),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.all())
    role = forms.ChoiceField(choices=Membership.Role.choices, label=gettext_lazy("Role"))

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"] = _departments(departments)
        self.order_fields(["user", "department", "role"])


class RoleForm(Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, label=gettext_lazy("Role"))


class MoveForm(Form):
    """Move a membership to another department (same role)."""

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"] = _departments(departments)
        self.fields["department"].label = gettext_lazy("Move to")


class InvitationForm(Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    role = forms.ChoiceField(choices=Invitation.Role.choices, label=gettext_lazy("Role"))

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"] = _departments(departments)
        self.order_fields(["email", "department", "role"])

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                gettext_lazy(
                    "Someone with this address already has an account. Add them to the department from the "
                    "list of people instead."
                ),
                code="taken",
            )
        return email


class AcceptInvitationForm(Form):
    """The new person's name, user name and password."""

    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150, required=False)
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        help_text=gettext_lazy("What you type to log in: letters, digits and @ . + - _ only."),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "At least 8 characters, not only digits, not a common password and not like your name."
        ),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        model = get_user_model()
        model.username_validator(username)
        if model.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(gettext_lazy("This user name is taken. Choose another one."), code="taken")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext_lazy("The two passwords are not the same. Type them again."))
        elif first:
            user = get_user_model()(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
