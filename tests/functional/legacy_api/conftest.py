from tests.common.uploads import override_settings, storage_dir  # noqa: F401
