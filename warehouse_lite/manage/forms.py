"""Forms of the project management pages. Confirmations are compared in the views, which know
the expected text (a version, a filename, the project's name)."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, validators

from warehouse_lite.packaging.models import RoleName
from warehouse_lite.web.forms import Form, OnePrintableLine

# Plain strings (value = label): tuple choices are deprecated in recent WTForms.
ROLE_CHOICES = [RoleName.OWNER.value, RoleName.MAINTAINER.value]
_REQUIRED = validators.InputRequired(message="Type the text shown to confirm.")
_ROLE = validators.AnyOf(ROLE_CHOICES, message="The role must be Owner or Maintainer.")


class YankForm(Form):
    yanked_reason = StringField(
        "Reason (optional, shown to everyone)",
        [
            validators.Length(max=500, message="Keep the reason under 500 characters."),
            OnePrintableLine("Write the reason on one line, without control characters."),
        ],
    )


class DeleteReleaseForm(Form):
    confirm_version = StringField("Type the version to confirm", [_REQUIRED])


class DeleteFileForm(Form):
    file_id = HiddenField()
    confirm_filename = StringField("Type the filename to confirm", [_REQUIRED])


class DeleteProjectForm(Form):
    confirm_project_name = StringField("Type the project name to confirm", [_REQUIRED])


class InviteCollaboratorForm(Form):
    username = StringField(
        "Username", [validators.InputRequired(message="Enter the username of an account.")]
    )
    role_name = SelectField(
        "Role",
        [_ROLE],
        choices=ROLE_CHOICES,
        default=RoleName.MAINTAINER.value,
        validate_choice=False,
    )


# Changing a role, removing someone and leaving take two steps: the first POST (without the
# confirmation field) shows what will happen; the second must carry the typed confirmation.
_CONFIRM = StringField("Type the username to confirm")


class ChangeRoleForm(Form):
    username = HiddenField(
        validators=[validators.InputRequired(message="Say whose role to change.")]
    )
    role_name = SelectField("Role", [_ROLE], choices=ROLE_CHOICES, validate_choice=False)
    confirm_username = _CONFIRM


class RemoveCollaboratorForm(Form):
    username = HiddenField(validators=[validators.InputRequired(message="Say whom to remove.")])
    confirm_username = _CONFIRM


class LeaveProjectForm(Form):
    confirm_project_name = StringField("Type the project name to confirm")


class InvitationForm(Form):
    """Accept, decline or revoke one invitation."""

    invitation_id = HiddenField(
        validators=[validators.InputRequired(message="Say which invitation.")]
    )
