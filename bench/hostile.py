"""The worst an uploader can make the server do: every field at its bound, hostile values.

One upload carries every form field the archive does not have to agree with at its bound
(warehouse_lite/forklift/bounds.py) and a description of MAX_DESCRIPTION_SIZE in the costliest
accepted shape we know (reStructuredText of nothing but sections and lists); it is accepted.
The others each carry the value that used to be slowest or deepest for one parser, at its
bound, and are refused by rule. The row reports the slowest of them next to a plain upload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.clients import RawUploader
from bench.packages import Dist
from warehouse_lite.forklift import bounds

# The archives the benchmark makes say these themselves; the form must say the same.
FROM_THE_ARCHIVE = {"name", "version", "metadata_version", "requires_python", "pyversion"}
# Fields whose bound no valid value reaches (checked by exact values elsewhere).
EXACT_VALUES = {"filetype", "protocol_version", "md5_digest", "sha256_digest", "blake2_256_digest"}
# Fields whose values must be ones the index knows, or that need another metadata version.
KNOWN_VALUES = {"classifiers", "dynamic", "import_name", "import_namespace"}
# Fields the archive must agree with (compared with the file's metadata).
COMPARED = {"requires_dist", "provides_extra"}


@dataclass(frozen=True)
class HostileUpload:
    label: str
    fields: list[tuple[str, str]]
    accepted: bool


def _filled(unit: str, length: int) -> str:
    """``unit`` repeated to exactly ``length`` characters, ending in a letter."""
    return (unit * (length // len(unit) + 1))[: length - 1] + "x"


def _at_bound(key: str, limit: int) -> str:
    if key in {"home_page", "download_url"}:
        return "https://example.com/" + "a" * (limit - 20)
    if key in {"project_urls", "project_url"}:
        return "Home, https://example.com/" + "a" * (limit - 26)
    if key in {"author_email", "maintainer_email"}:
        count = (limit - 13) // 15
        return "a@example.com" + ", b@example.com" * count + "x" * (limit - 13 - 15 * count)
    if key == "license_expression":
        count, longer = divmod(limit - 3, 7)  # pieces of 7 and 8 characters
        return "MIT" + " OR 0BSD" * longer + " OR MIT" * (count - longer)
    if key == "description_content_type":
        return "text/x-rst; charset=UTF-8; x=" + "a" * (limit - 29)
    if key == "license_file" or key == "license_files":
        return _filled("d/", limit - 2) + "fi"
    return _filled("Lorem ipsum dolor sit amet. ", limit)


def costly_description(size: int) -> str:
    """reStructuredText of exactly ``size`` bytes, all sections and lists."""
    unit = "Section\n=======\n\nA paragraph with *emphasis* and ``code``.\n\n- a list\n- item\n\n"
    body = unit * (size // len(unit))
    return body + "y" * (size - len(body))


def every_field_at_its_bound(description_size: int) -> list[tuple[str, str]]:
    """The fields of an accepted upload with every free field at its bound."""
    skipped = FROM_THE_ARCHIVE | EXACT_VALUES | KNOWN_VALUES | COMPARED
    fields: list[tuple[str, str]] = []
    for table in (bounds.SINGLE_LINE, bounds.MULTI_LINE, bounds.REPEATED):
        for key, limit in table.items():
            if key not in skipped:
                fields.append((key, _at_bound(key, limit)))
    fields = [(k, v) for k, v in fields if k != "license"] + [
        ("license", _filled("Permission is granted.\n", bounds.MAX_LICENSE_LENGTH))
    ]
    fields.append(("description", costly_description(description_size)))
    # License-Expression and License-File need metadata 2.4, and no License classifier.
    fields += [
        ("metadata_version", "2.4"),
        ("classifiers", "Programming Language :: Python :: 3"),
    ]
    return fields


def _marker(parentheses: int) -> str:
    return "other; " + "(" * parentheses + "os_name == 'a'" + ")" * parentheses


def hostile_uploads(description_size: int) -> list[HostileUpload]:
    """The accepted upload at every bound, then one refused upload per hostile value."""
    nested = "".join(" " * level + "quote\n\n" for level in range(300))
    refused = [
        ("author_email", "a@[" + "." * 1019 + "@]"),  # issue 12's shape at the bound
        ("author_email", "(" * 1024),
        ("maintainer_email", ":" * 1024),
        ("requires_dist", _marker(32) + " or os_name == 'b'" * 50),
        ("requires_dist", _marker(33)),
        ("home_page", "https://" + "[" * 2040),
        ("license_expression", "(" * 1024),
        ("version", "1." * 50),
        ("description_content_type", "text/plain" + " (" * 59),
        ("description", nested),
        ("description", "word " * 4000),
    ]
    uploads = [
        HostileUpload("every field at its bound", every_field_at_its_bound(description_size), True)
    ]
    for key, value in refused:
        fields = [(key, value)]
        if key == "description":
            fields.append(("description_content_type", "text/x-rst"))
        uploads.append(HostileUpload(f"{key}: {value[:24]}...", fields, False))
    return uploads


def worst_upload_ms(
    uploader: RawUploader, dists: Sequence[Dist], description_size: int
) -> tuple[float, str]:
    """(server time in ms, label) of the slowest hostile upload; one dist per upload.

    Raises RuntimeError when an upload is not answered as its case says (accepted, or refused
    with a 400): a 500 or an accepted hostile value is a failure, not a figure."""
    cases = hostile_uploads(description_size)
    if len(dists) < len(cases):
        raise ValueError(f"{len(cases)} distributions are needed, {len(dists)} given")
    worst, label = 0.0, ""
    for case, dist in zip(cases, dists, strict=False):
        status, reason, seconds = uploader.post(dist, case.fields)
        if status != (200 if case.accepted else 400):
            raise RuntimeError(f"hostile upload {case.label!r}: {status} {reason[:300]}")
        if seconds > worst:
            worst, label = seconds, case.label
    return worst * 1000, label
