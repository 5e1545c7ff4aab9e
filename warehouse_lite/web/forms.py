"""WTForms glue: forms read Pyramid's POST data and render their own errors."""

from __future__ import annotations

from typing import Any

import wtforms


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
