"""Forms of the API token pages."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from wtforms import DateField, PasswordField, SelectMultipleField, StringField, validators
from wtforms.validators import ValidationError

from warehouse_lite.web.forms import Form, is_one_printable_line

if TYPE_CHECKING:
    from warehouse_lite.packaging.models import Project

USER_SCOPE = "scope:user"
# Latest expiry date, in days from today. Beyond that a date is most likely a typo (2205 for
# 2025), and far-off dates such as 9999-12-31 would overflow the "end of the day" arithmetic.
# A token that should never expire is made by leaving the date empty.
MAX_EXPIRY_DAYS = 3650
PROJECT_SCOPE_PREFIX = "scope:project:"


class CreateMacaroonForm(Form):
    """description + token_scope (one "scope:user", or one or more "scope:project:<name>")
    + an optional expiry date. ``projects`` are the projects the user may upload to."""

    description = StringField(
        "Token name",
        [
            validators.InputRequired(message="Give the token a name, e.g. where it is used."),
            validators.Length(max=100, message="The name must be at most 100 characters."),
        ],
    )
    token_scope = SelectMultipleField("Scope", validate_choice=False)
    expires = DateField("Expires on (optional)", [validators.Optional()], format="%Y-%m-%d")

    def __init__(
        self, formdata: Any = None, *, projects: list[Project], taken: Any, **kwargs: Any
    ) -> None:
        super().__init__(formdata, **kwargs)
        self.projects = {p.normalized_name: p for p in projects}
        self._taken = taken
        self.selected_projects: list[Project] = []

    def validate_description(self, field: Any) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("Give the token a name, e.g. where it is used.")
        if not is_one_printable_line(text):
            raise ValidationError("The name contains characters that are not allowed.")
        if self._taken(text):
            raise ValidationError("You already have a token with this name. Pick another one.")
        field.data = text

    def validate_token_scope(self, field: Any) -> None:
        values = [v for v in (field.data or []) if v]
        if not values:
            raise ValidationError("Choose the token's scope: the whole account or projects.")
        if USER_SCOPE in values:
            if len(values) > 1:
                raise ValidationError(
                    "A token is either for the whole account or for some projects, not both."
                )
            return
        chosen: dict[str, Project] = {}
        for value in values:
            if not value.startswith(PROJECT_SCOPE_PREFIX):
                raise ValidationError(f"Unknown scope {value!r}.")
            name = canonicalize_name(value[len(PROJECT_SCOPE_PREFIX) :])
            project = self.projects.get(name)
            if project is None:
                raise ValidationError(
                    f"You cannot scope a token to '{name}': you are not allowed to upload to "
                    "a project of that name."
                )
            chosen[name] = project
        self.selected_projects = list(chosen.values())

    def validate_expires(self, field: Any) -> None:
        if field.data is None:
            return
        today = datetime.datetime.now(datetime.UTC).date()
        # The date is the last day the token works (it expires at the next midnight, UTC), so
        # today is a valid choice: a token for the rest of the day.
        if field.data < today:
            raise ValidationError("The expiry date cannot be in the past.")
        latest = today + datetime.timedelta(days=MAX_EXPIRY_DAYS)
        if field.data > latest:
            raise ValidationError(
                f"The expiry date can be at most {MAX_EXPIRY_DAYS} days (about ten years) from "
                f"today, i.e. no later than {latest.isoformat()}. Leave it empty for a token "
                "that does not expire."
            )

    @property
    def expires_at(self) -> datetime.datetime | None:
        """End of the chosen day (UTC): the token works through the whole expiry date."""
        if self.expires.data is None:
            return None
        next_day = self.expires.data + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time(), datetime.UTC)


class DeleteMacaroonForm(Form):
    macaroon_id = StringField("Token", [validators.InputRequired()])
    password = PasswordField(
        "Your password",
        [validators.InputRequired(message="Enter your password to remove a token.")],
    )
