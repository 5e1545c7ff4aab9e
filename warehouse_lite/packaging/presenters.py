"""What the project pages show, computed from rows: ordering, description, links, sizes,
download URLs."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from packaging.version import InvalidVersion, Version
from readme_renderer import markdown, rst, txt

from warehouse_lite.packaging.models import File, Release

if TYPE_CHECKING:
    from pyramid.request import Request

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _version_key(release: Release) -> tuple[int, Version, datetime.datetime]:
    # Versions were validated at upload; the fallback only keeps odd legacy rows sortable.
    try:
        return (1, Version(release.version), release.created or _EPOCH)
    except InvalidVersion:
        return (0, Version("0"), release.created or _EPOCH)


def sorted_releases(releases: Iterable[Release]) -> list[Release]:
    """Newest version first (PEP 440 order)."""
    return sorted(releases, key=_version_key, reverse=True)


def latest_release(releases: Iterable[Release]) -> Release | None:
    """The release a project page shows: the newest final, non-yanked one if any, else the
    newest non-yanked one, else the newest one."""
    ordered = sorted_releases(releases)
    usable = [r for r in ordered if not r.yanked]
    finals = [r for r in usable if not _version_key(r)[1].is_prerelease]
    for candidates in (finals, usable, ordered):
        if candidates:
            return candidates[0]
    return None


# Content-type parameters are matched lowercased; readme_renderer wants these spellings.
_MARKDOWN_VARIANTS = {"gfm": "GFM", "commonmark": "CommonMark"}


def _render_description(release: Release) -> str | None:
    text = release.description or ""
    content_type = (release.description_content_type or "text/x-rst").lower()
    mime, _, params = content_type.partition(";")
    mime = mime.strip()
    if mime == "text/markdown":
        variant = "GFM"
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "variant":
                variant = _MARKDOWN_VARIANTS.get(value.strip(), variant)
        return markdown.render(text, variant=variant)
    if mime == "text/plain":
        return txt.render(text)
    return rst.render(text)


def description_html(release: Release) -> Markup | None:
    """The release's description as safe HTML, or None when it must be shown as plain text.

    ``rendered_description`` was produced at upload by readme_renderer, whose output is
    sanitized (nh3), which is the only reason it may be marked safe. Older rows without it are
    rendered now the same way; if that fails too the template shows the raw text escaped.
    """
    if not release.description:
        return None
    html = release.rendered_description
    if html is None:
        html = _render_description(release)
    return Markup(html) if html is not None else None  # noqa: S704 (sanitized above)


def _safe_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    clickable: bool


def project_links(release: Release) -> list[Link]:
    """Home page, download URL and every "Label, URL" project URL; only http(s) URLs become
    links (a ``javascript:`` URL in metadata must never be clickable)."""
    links: list[Link] = []
    if release.home_page:
        links.append(Link("Homepage", release.home_page, _safe_url(release.home_page)))
    for entry in release.project_urls or []:
        label, sep, url = entry.partition(",")
        if not sep:  # a bare URL
            label, url = entry, entry
        label, url = label.strip(), url.strip()
        if url:
            links.append(Link(label or url, url, _safe_url(url)))
    if release.download_url:
        links.append(Link("Download", release.download_url, _safe_url(release.download_url)))
    return links


def classifier_groups(classifiers: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Classifiers grouped by their first segment: ("License", ["OSI Approved :: MIT ..."])."""
    groups: dict[str, list[str]] = {}
    for classifier in sorted(classifiers or []):
        head, _, rest = classifier.partition(" :: ")
        groups.setdefault(head, []).append(rest or head)
    return list(groups.items())


def human_size(size: int) -> str:
    """1536 -> "1.5 KiB", 104857600 -> "100 MiB": binary units, the ones the size limits are
    set in, so that a limit reads exactly ("the limit is 100 MiB") in upload refusals and a
    file's size on the project pages is measured the same way."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KiB"
    for larger in ("MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    # One decimal, as pypi.org shows sizes ("2.4 MiB"), none when it is 0 ("100 MiB").
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def with_article(word: str) -> str:
    """A role name (or any word) after its indefinite article: "an Owner", "a Maintainer"."""
    vowel = bool(word) and word[0].lower() in "aeiou"
    return f"{'an' if vowel else 'a'} {word}"


def file_url(request: Request, file: File) -> str:
    """The absolute download URL of ``file``."""
    return request.route_url("packaging.file", path="") + quote(file.path)
