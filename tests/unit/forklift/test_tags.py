"""Wheel tags: the platform families installers know, in their documented forms, and sane
interpreter and ABI tags."""

from __future__ import annotations

import pytest

from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.tags import check_wheel_tags, is_valid_platform_tag

GOOD_PLATFORMS = [
    "any",
    "win32",
    "win_amd64",
    "win_arm64",
    "win_ia64",
    "manylinux1_x86_64",
    "manylinux1_i686",
    "manylinux2010_x86_64",
    "manylinux2010_i686",
    "manylinux2014_x86_64",
    "manylinux2014_aarch64",
    "manylinux2014_ppc64",
    "manylinux2014_ppc64le",
    "manylinux2014_s390x",
    "manylinux2014_armv7l",
    "manylinux_2_17_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux_2_31_riscv64",
    "manylinux_2_17_ppc64",
    "manylinux_2_5_i686",
    "musllinux_1_1_x86_64",
    "musllinux_1_2_aarch64",
    "musllinux_1_2_armv7l",
    "macosx_10_9_x86_64",
    "macosx_10_6_intel",
    "macosx_10_4_fat3",
    "macosx_10_16_universal2",
    "macosx_11_0_arm64",
    "macosx_14_0_universal2",
    "macosx_26_0_arm64",
    "ios_13_0_arm64_iphoneos",
    "ios_13_0_x86_64_iphonesimulator",
    "ios_17_4_arm64_iphonesimulator",
    "android_21_arm64_v8a",
    "android_24_armeabi_v7a",
    "android_21_x86_64",
    "android_21_x86",
    "emscripten_3_1_58_wasm32",
    "pyodide_2024_0_wasm32",
    "pyemscripten_2025_0_wasm32",
    # PyPI takes these two plain linux tags too (Raspberry Pi wheels)
    "linux_armv6l",
    "linux_armv7l",
]

BAD_PLATFORMS = [
    "evil_os",
    "",
    "anything",
    "win64",
    "win_x86",
    "windows_amd64",
    "manylinux_x86_64",  # no glibc version
    "manylinux_2_x86_64",
    "manylinux_2_17_sparc",
    "manylinux_2_17_",
    "manylinux_02x_17_x86_64",
    "manylinux_99999_0_x86_64",
    "manylinux2014_riscv64",  # the legacy aliases exist for their own arches only
    "manylinux1_aarch64",
    "manylinux2015_x86_64",
    "musllinux_1_2_ppc64",  # big-endian ppc64 has no musllinux profile
    "musllinux_1_x86_64",
    "macosx_10_9_sparc",
    "macosx_9_0_x86_64",  # macOS tags start at 10
    "macosx_10_x86_64",
    "macosx_11_0",
    "ios_13_0_arm64",
    "ios_13_0_armv7_iphoneos",
    "android_arm64_v8a",
    "android_21_mips",
    "emscripten_3_1_wasm32",
    "emscripten_3_1_58_wasm64",
    "pyodide_2024_wasm32",
    "freebsd_14_0_release_amd64",
    "cygwin_3_5_x86_64",
    "linux_evil",
    "linux_",
    "linux_x86_64_extra",
]


@pytest.mark.parametrize("platform", GOOD_PLATFORMS)
def test_known_platform_tags_are_valid(platform):
    assert is_valid_platform_tag(platform, allow_linux=False)
    assert is_valid_platform_tag(platform, allow_linux=True)


@pytest.mark.parametrize("platform", BAD_PLATFORMS)
def test_unknown_or_malformed_platform_tags_are_not(platform):
    assert not is_valid_platform_tag(platform, allow_linux=False)
    assert not is_valid_platform_tag(platform, allow_linux=True)


@pytest.mark.parametrize(
    "platform",
    ["linux_x86_64", "linux_i686", "linux_aarch64", "linux_ppc64le", "linux_s390x", "linux_armv8l"],
)
def test_plain_linux_tags_follow_the_setting(platform):
    assert is_valid_platform_tag(platform, allow_linux=True)
    assert not is_valid_platform_tag(platform, allow_linux=False)


@pytest.mark.parametrize(
    "tags",
    [
        "py3-none-any",
        "py2.py3-none-any",
        "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp313-cp313t-win_amd64",
        "cp38-cp38m-macosx_10_9_x86_64",
        "cp27-cp27mu-manylinux1_x86_64",
        "cp311-abi3-macosx_10_9_universal2",
        "pp310-pypy310_pp73-manylinux_2_17_x86_64",
        "graalpy311-graalpy242_311_native-manylinux_2_28_x86_64",
        "PY3-NONE-ANY",  # installers compare tags lowercased
    ],
)
def test_good_wheel_tags(tags):
    check_wheel_tags(f"sample-1.0-{tags}.whl", allow_linux=False)


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("py3-none-evil_os", "unsupported platform tag 'evil_os'"),
        ("py3-none-any.evil_os", "unsupported platform tag 'evil_os'"),
        ("cp312-cp312-manylinux_x86_64", "unsupported platform tag 'manylinux_x86_64'"),
        ("cp312-cp312-linux_x86_64", "repair the wheel with auditwheel"),
        ("3-none-any", "invalid Python tag '3'"),
        ("py_3-none-any", "invalid Python tag 'py_3'"),
        ("py3x-none-any", "invalid Python tag 'py3x'"),
        ("py3-no$ne-any", "invalid ABI tag 'no$ne'"),
        ("py3-3abi-any", "invalid ABI tag '3abi'"),
        ("py3-" + "a" * 65 + "-any", "invalid ABI tag"),
    ],
)
def test_bad_wheel_tags_are_refused_by_name(tags, message):
    with pytest.raises(UploadError) as excinfo:
        check_wheel_tags(f"sample-1.0-{tags}.whl", allow_linux=False)
    assert message in excinfo.value.message
    assert excinfo.value.message.startswith("Binary wheel 'sample-1.0-")
