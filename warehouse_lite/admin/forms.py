"""Forms of the admin area: every action needs a reason; removing a project also needs its
name typed (compared in the view, which knows the project)."""

from __future__ import annotations

from wtforms import StringField, TextAreaField, validators

from warehouse_lite.admin.services import REASON_MAX_LENGTH
from warehouse_lite.web.forms import Form


class ReasonForm(Form):
    reason = TextAreaField(
        "Reason",
        [
            validators.InputRequired(message="Give a reason: it is recorded with the action."),
            validators.Length(
                max=REASON_MAX_LENGTH,
                message=f"Keep the reason under {REASON_MAX_LENGTH} characters.",
            ),
        ],
    )

    def validate_reason(self, field: TextAreaField) -> None:
        if not " ".join((field.data or "").split()):
            raise validators.StopValidation("Give a reason: it is recorded with the action.")


class RemoveProjectForm(ReasonForm):
    confirm_project_name = StringField(
        "Type the project name to confirm",
        [validators.InputRequired(message="Type the project's name to confirm.")],
    )
