"""Wheel compatibility tags (PEP 425): which interpreter, ABI and platform tags an upload may
carry.

A platform tag decides which machines an installer puts the wheel on, so an unknown one
(``evil_os``) or a malformed one (``manylinux_x86_64``) would publish a file no installer can
ever pick, or one it picks wrongly. Only the platform families that ``packaging`` knows are
accepted, each in its documented form with an architecture that family really has. Interpreter
and ABI tags have no fixed list (new interpreters appear), so they are only checked to be the
lowercase identifiers installers compare against.

Plain ``linux_<arch>`` wheels promise nothing about the C library of the machine that installs
them; PyPI refuses them except ``linux_armv6l``/``linux_armv7l`` (Raspberry Pi builds). A private
index whose users share one distribution may want them: ``ALLOW_LINUX_WHEELS`` decides.
"""

from __future__ import annotations

import re

from warehouse_lite.forklift.errors import UploadError

TAGS_SPEC_URL = "https://packaging.python.org/specifications/platform-compatibility-tags/"

# Platforms spelled out in full: Windows, and the manylinux names from before PEP 600.
_FIXED_PLATFORMS = frozenset(
    {
        "any",
        "win32",
        "win_amd64",
        "win_arm64",
        "win_ia64",
        "manylinux1_x86_64",
        "manylinux1_i686",
        "manylinux2010_x86_64",
        "manylinux2010_i686",
        *(
            f"manylinux2014_{arch}"
            for arch in ("x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x")
        ),
    }
)
# Architectures of the glibc (PEP 600) and musl (PEP 656) profiles that auditwheel builds.
_LIBC_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"}
)
_MANYLINUX_ARCHES = _LIBC_ARCHES | {"ppc64"}
# What sysconfig reports on Linux machines (ppc64 big-endian and armv6l/armv8l included).
_LINUX_ARCHES = _MANYLINUX_ARCHES | {"armv6l", "armv8l"}
# Plain linux tags PyPI takes even so (Raspberry Pi wheels, as built by piwheels).
PYPI_LINUX_PLATFORMS = frozenset({"linux_armv6l", "linux_armv7l"})
# The binary formats macOS wheels are built for (fat* and universal* are multi-arch).
_MACOS_ARCHES = frozenset(
    {
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat32",
        "fat64",
        "universal",
        "universal2",
    }
)
_ANDROID_ABIS = frozenset({"armeabi_v7a", "arm64_v8a", "x86", "x86_64"})

# Family -> the whole tag's form. Version numbers are bounded so a tag stays a tag.
_N = r"(0|[1-9][0-9]{0,3})"
_FAMILY_FORMS: dict[str, re.Pattern[str]] = {
    "manylinux": re.compile(rf"manylinux_{_N}_{_N}_(?P<arch>[a-z0-9_]+)"),
    "musllinux": re.compile(rf"musllinux_{_N}_{_N}_(?P<arch>[a-z0-9_]+)"),
    "macosx": re.compile(rf"macosx_(?P<major>{_N})_{_N}_(?P<arch>[a-z0-9_]+)"),
    "ios": re.compile(rf"ios_{_N}_{_N}_(?P<arch>arm64|x86_64)_(iphoneos|iphonesimulator)"),
    "android": re.compile(rf"android_{_N}_(?P<arch>[a-z0-9_]+)"),
    "emscripten": re.compile(rf"emscripten_{_N}_{_N}_{_N}_wasm32"),
    "pyodide": re.compile(rf"pyodide_{_N}_{_N}_wasm32"),
    "pyemscripten": re.compile(rf"pyemscripten_{_N}_{_N}_wasm32"),
    "linux": re.compile(r"linux_(?P<arch>[a-z0-9_]+)"),
}
_FAMILY_ARCHES: dict[str, frozenset[str]] = {
    "manylinux": _MANYLINUX_ARCHES,
    "musllinux": _LIBC_ARCHES,
    "macosx": _MACOS_ARCHES,
    "android": _ANDROID_ABIS,
    "linux": _LINUX_ARCHES,
}

# Interpreter tags: an implementation abbreviation and an optional version (py3, cp311,
# pp310, graalpy311); ABI tags: an identifier (none, abi3, cp311, cp313t, pypy310_pp73).
_PYTHON_TAG = re.compile(r"[a-z]{1,16}[0-9]{0,8}")
_ABI_TAG = re.compile(r"[a-z][a-z0-9_]{0,63}")


def is_valid_platform_tag(platform: str, *, allow_linux: bool) -> bool:
    """Whether ``platform`` (one lowercase tag, e.g. ``manylinux_2_17_x86_64``) is a
    well-formed tag of a platform family installers know."""
    if platform in _FIXED_PLATFORMS:
        return True
    if platform.startswith("linux_") and not allow_linux:
        return platform in PYPI_LINUX_PLATFORMS
    family = platform.split("_", 1)[0]
    form = _FAMILY_FORMS.get(family)
    match = form.fullmatch(platform) if form is not None else None
    if match is None:
        return False
    arches = _FAMILY_ARCHES.get(family)
    if arches is not None and match.group("arch") not in arches:
        return False
    # macOS versions start at 10 (10.x until Big Sur, then 11, 12, ...).
    return family != "macosx" or int(match.group("major")) >= 10


def _unsupported_platform(filename: str, platform: str, allow_linux: bool) -> UploadError:
    if platform.startswith("linux_") and not allow_linux:
        hint = (
            "this index takes manylinux or musllinux wheels instead (repair the wheel "
            "with auditwheel)"
        )
    else:
        hint = f"see {TAGS_SPEC_URL} for the platform tags installers know"
    return UploadError(
        f"Binary wheel {filename!r} has an unsupported platform tag {platform!r}: {hint}."
    )


def check_wheel_tags(filename: str, *, allow_linux: bool) -> None:
    """UploadError naming the first interpreter, ABI or platform tag of the wheel
    ``filename`` (already parsed by packaging) that no installer would match."""
    python_part, abi_part, platform_part = filename.removesuffix(".whl").split("-")[-3:]
    # packaging compares tags lowercased, and so do we; compressed sets (py2.py3) split on dots.
    for python_tag in python_part.lower().split("."):
        if not _PYTHON_TAG.fullmatch(python_tag):
            raise UploadError(
                f"Binary wheel {filename!r} has an invalid Python tag {python_tag!r}: "
                f"expected e.g. py3 or cp312 (see {TAGS_SPEC_URL})."
            )
    for abi_tag in abi_part.lower().split("."):
        if not _ABI_TAG.fullmatch(abi_tag):
            raise UploadError(
                f"Binary wheel {filename!r} has an invalid ABI tag {abi_tag!r}: "
                f"expected e.g. none, abi3 or cp312 (see {TAGS_SPEC_URL})."
            )
    for platform in platform_part.lower().split("."):
        if not is_valid_platform_tag(platform, allow_linux=allow_linux):
            raise _unsupported_platform(filename, platform, allow_linux)
