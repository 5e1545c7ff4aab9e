"""WTForms glue: forms read Pyramid's POST data and render their own errors."""

from __future__ import annotations

import unicodedata
from typing import Any

import wtforms


def is_one_printable_line(text: str) -> bool:
    """No line breaks, control characters or invisible format characters (bidi overrides such
    as U+202E, zero-width joiners): text shown to everyone must read as it is."""
    return not any(unicodedata.category(c) in ("Cc", "Cf") for c in text)


class OnePrintableLine:
    """Validator: the field's text is one printable line (see is_one_printable_line)."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not is_one_printable_line(field.data or ""):
            raise wtforms.validators.ValidationError(self.message)


class _PostData:
    """Adapts WebOb's MultiDict (getall) to what WTForms expects (getlist)."""

    def __init__(self, multidict: Any) -> None:
        self._data = multidict

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def getlist(self, key: str) -> list[Any]:
        return list(self._data.getall(key))


class Form(wtforms.Form):
    """Base form: build it with ``Form(request.POST)`` (or None for an empty form)."""

    def __init__(self, formdata: Any = None, **kwargs: Any) -> None:
        super().__init__(_PostData(formdata) if formdata is not None else None, **kwargs)

    @property
    def first_error(self) -> str | None:
        for errors in self.errors.values():
            if errors:
                return str(errors[0]) if not isinstance(errors, dict) else None
        return None
