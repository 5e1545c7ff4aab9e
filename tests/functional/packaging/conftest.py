from collections.abc import Iterator

import pytest

from tests.common.uploads import override_settings, storage_dir  # noqa: F401
from warehouse_lite.packaging.simple_fast import READER_KEY, SerialReader


@pytest.fixture
def fast_reader(wsgi_app, connection) -> Iterator[SerialReader]:
    """A serial reader on the test's own connection (production's has its own pool)."""
    registry = wsgi_app.registry
    previous = registry[READER_KEY]
    registry[READER_KEY] = reader = SerialReader(lambda: connection)
    yield reader
    registry[READER_KEY] = previous
