"""The legacy upload API (/legacy/): form parsing and validation split into small modules.

bounds.py (field lengths) -> form.py (multipart fields) -> metadata.py (core metadata) ->
filenames.py (wheel/sdist names) -> digests.py (hashes, size) -> records.py (duplicates) ->
description.py (must render, in a render_worker.py process) -> archives.py (zip/tar
inspection) -> records.py (project/release/file rows) -> storage. upload.py runs them in
order; views.py dispatches on :action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.forklift")
