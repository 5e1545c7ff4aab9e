"""Forms of the two-factor pages (checks that need a secret or the database are in services)."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, StringField, validators

from warehouse_lite.web.forms import Form


class TOTPForm(Form):
    totp_value = StringField(
        "Code from your authentication application",
        [validators.InputRequired(message="Enter the 6-digit code from your application.")],
    )


class RecoveryCodeForm(Form):
    recovery_code_value = StringField(
        "Recovery code", [validators.InputRequired(message="Enter one of your recovery codes.")]
    )


class PasswordConfirmForm(Form):
    password = PasswordField(
        "Your password",
        [validators.InputRequired(message="Enter your password to confirm this change.")],
    )


class DeleteWebAuthnForm(PasswordConfirmForm):
    webauthn_id = HiddenField()
    label = StringField(
        "Type the name of the key to confirm",
        [validators.InputRequired(message="Type the name of the key to confirm.")],
    )
