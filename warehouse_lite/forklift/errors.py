"""The one exception every upload check raises; a view turns it into api_error()."""

from __future__ import annotations


class UploadError(Exception):
    """An upload refused with ``status`` and a message a person can act on.

    Raising (rather than returning a response) makes pyramid_tm abort the transaction, so
    nothing an upload wrote before the failing check survives: rows or stored files.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
