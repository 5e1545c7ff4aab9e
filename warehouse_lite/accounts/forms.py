"""Forms of the account pages. Checks that need the database take the UserService."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email
from wtforms import HiddenField, PasswordField, StringField, ValidationError, validators

from warehouse_lite.accounts.passwords import NullBreachedPasswordChecker, password_problems
from warehouse_lite.accounts.services import username_problem
from warehouse_lite.web.forms import Form

if TYPE_CHECKING:
    from warehouse_lite.accounts.services import UserService


def normalize_email_address(address: str) -> str:
    """A syntactically valid address (no DNS lookup), or ValidationError."""
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationError(f"The email address isn't valid: {exc}") from None


class NewPasswordMixin:
    new_password = PasswordField("Password", [validators.InputRequired()])
    password_confirm = PasswordField(
        "Confirm password",
        [
            validators.InputRequired(),
            validators.EqualTo("new_password", message="Your passwords don't match. Try again."),
        ],
    )

    def check_new_password(self, username: str, min_length: int, breached: Any) -> None:
        field = self.new_password
        for problem in password_problems(
            field.data or "", username=username, min_length=min_length
        ):
            field.errors = [*field.errors, problem]
        if not field.errors and breached.is_breached(field.data or ""):
            field.errors = [
                *field.errors,
                "This password appears in a breach of another site. Choose another one.",
            ]


class EmailField(StringField):
    pass


class RegistrationForm(NewPasswordMixin, Form):
    username = StringField("Username", [validators.InputRequired(), validators.Length(max=50)])
    full_name = StringField("Name", [validators.Optional(), validators.Length(max=100)])
    email = EmailField("Email address", [validators.InputRequired(), validators.Length(max=254)])

    def validate_full_name(self, field: Any) -> None:
        if field.data and any(c in field.data for c in "\x00\r\n<>"):
            raise ValidationError("Name contains characters that are not allowed.")

    def check_against(self, users: UserService, min_length: int, breached: Any = None) -> bool:
        """Run every check, including those that need the database; True when all pass."""
        ok = self.validate()
        username = (self.username.data or "").strip()
        problem = username_problem(username)
        if problem and not self.username.errors:
            self.username.errors = [problem]
        elif not problem and users.username_is_taken(username):
            self.username.errors = [
                "This username is already being used by another account. Choose another one."
            ]
        if self.email.data and not self.email.errors:
            try:
                self.email.data = normalize_email_address(self.email.data.strip())
            except ValidationError as exc:
                self.email.errors = [str(exc)]
            else:
                if users.email_is_taken(self.email.data):
                    self.email.errors = [
                        "This email address is already being used by another account. "
                        "Use a different email."
                    ]
        if not self.new_password.errors:
            self.check_new_password(username, min_length, breached or NullBreachedPasswordChecker())
        return ok and not any(f.errors for f in self)


class LoginForm(Form):
    username = StringField("Username", [validators.InputRequired(), validators.Length(max=254)])
    password = PasswordField("Password", [validators.InputRequired(), validators.Length(max=4096)])


class RequestPasswordResetForm(Form):
    username_or_email = StringField(
        "Username or email", [validators.InputRequired(), validators.Length(max=254)]
    )


class ResetPasswordForm(NewPasswordMixin, Form):
    new_password = PasswordField("New password", [validators.InputRequired()])


class ChangePasswordForm(NewPasswordMixin, Form):
    password = PasswordField("Current password", [validators.InputRequired()])
    new_password = PasswordField("New password", [validators.InputRequired()])


class AddEmailForm(Form):
    email = EmailField("Email address", [validators.InputRequired(), validators.Length(max=254)])

    def validate_email(self, field: Any) -> None:
        field.data = normalize_email_address((field.data or "").strip())


class ConfirmPasswordForm(Form):
    """Sudo mode's confirmation: the password, and the page to go back to."""

    password = PasswordField(
        "Password", [validators.InputRequired(message="Enter your password to continue.")]
    )
    next = HiddenField()
