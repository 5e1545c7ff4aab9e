from collections.abc import Iterator

import pytest

from tests.common.services import replaced
from tests.common.uploads import override_settings, storage_dir  # noqa: F401
from warehouse_lite.packaging.simple_fast import ISerialReader, SerialReader


@pytest.fixture
def fast_reader(wsgi_app, connection) -> Iterator[SerialReader]:
    """A serial reader on the test's own connection (production's has its own pool)."""
    with replaced(wsgi_app, ISerialReader, SerialReader(lambda: connection)) as reader:
        yield reader
