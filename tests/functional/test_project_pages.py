"""Public pages: home, /project/<name>/, /project/<name>/<version>/ and /search/."""

from __future__ import annotations

from markupsafe import escape

from tests.common.factories import UserFactory
from tests.common.packaging_factories import (
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
)
from warehouse_lite.packaging.models import RoleName


def _project_with_release(db, **release_fields):
    project = ProjectFactory(name="Sample_Project")
    fields = {
        "version": "1.0",
        "summary": "A sample project",
        "description": "# Sample\n\nSome **bold** text.",
        "description_content_type": "text/markdown",
        "requires_python": ">=3.9",
        "home_page": "https://example.org/home",
        "project_urls": ["Source, https://example.org/src", "Tracker, https://example.org/bugs"],
        "classifiers": [
            "License :: OSI Approved :: MIT License",
            "Programming Language :: Python :: 3",
        ],
        "requires_dist": ["requests>=2"],
    }
    fields.update(release_fields)
    release = ReleaseFactory(project=project, **fields)
    return project, release


def test_project_page_shows_the_latest_release(app, db):
    project, release = _project_with_release(db)
    wheel = FileFactory(
        release=release,
        filename="sample_project-1.0-py3-none-any.whl",
        packagetype="bdist_wheel",
        python_version="py3",
        size=2_500_000,
    )
    sdist = FileFactory(release=release, filename="sample_project-1.0.tar.gz", size=999)
    RoleFactory(project=project, user=UserFactory(username="alice"))
    RoleFactory(project=project, user=UserFactory(username="bob"), role_name=RoleName.MAINTAINER)
    ReleaseFactory(project=project, version="0.9", yanked=True, yanked_reason="Broken build")

    page = app.get("/project/sample-project/")
    text = page.text
    assert "<h1>Sample_Project" in text
    assert "A sample project" in text
    # The markdown was rendered (at view time here: no stored rendering).
    assert "<strong>bold</strong>" in text
    assert 'href="https://example.org/home"' in text and ">Homepage<" in text
    assert 'href="https://example.org/src"' in text and ">Source<" in text
    assert ">Tracker<" in text
    assert "<dt>License</dt><dd>OSI Approved :: MIT License</dd>" in text
    assert "<code>&gt;=3.9</code>" in text
    assert "<li>alice</li>" in text and "<li>bob</li>" in text
    assert "requests&gt;=2" in text
    assert "pip install Sample_Project==1.0 --index-url http://localhost/simple/" in text
    assert 'data-copy-target="pip-command"' in text
    assert "/static/copy.js" in text
    for file in (wheel, sdist):
        assert f'href="/packages/{file.path}"' in text
        assert file.sha256_digest in text
        assert file.blake2_256_digest in text
    assert "(2.4 MiB, 2500000 bytes)" in text and "(999 bytes)" in text
    # Release history: both versions, the yanked one marked with its reason.
    history = text[text.index('id="history"') : text.index('id="files"')]
    assert history.index(">1.0<") < history.index(">0.9<")
    assert "yanked" in history and "Broken build" in history


def test_release_page_shows_that_version(app, db):
    project, old = _project_with_release(db, version="1.0")
    ReleaseFactory(project=project, version="2.0", summary="Newer")
    old.yanked = True
    old.yanked_reason = "Security hole"
    db.flush()
    page = app.get("/project/sample-project/1.0/")
    assert "pip install Sample_Project==1.0" in page.text
    assert "This release has been yanked" in page.text
    assert "Reason: Security hole" in page.text
    assert "is not the newest version" in page.text
    assert 'href="/project/sample-project/2.0/">2.0</a> is.' in page.text


def test_latest_skips_yanked_and_prereleases(app, db):
    project, _ = _project_with_release(db, version="1.0")
    ReleaseFactory(project=project, version="1.1", yanked=True)
    ReleaseFactory(project=project, version="2.0rc1")
    page = app.get("/project/sample-project/")
    assert "pip install Sample_Project==1.0 " in page.text


def test_stored_rendered_description_is_used(app, db):
    _project_with_release(
        db, description="ignored source", rendered_description="<p>Stored <em>render</em></p>"
    )
    page = app.get("/project/sample-project/")
    assert "<p>Stored <em>render</em></p>" in page.text
    assert "ignored source" not in page.text


def test_description_html_is_sanitized_or_escaped(app, db):
    project, _ = _project_with_release(
        db,
        version="1.0",
        description="Hi <script>alert('md')</script> <img src=x onerror=alert(1)>",
        description_content_type="text/markdown",
    )
    page = app.get("/project/sample-project/1.0/")
    assert "<script>alert('md')" not in page.text
    assert "onerror" not in page.text
    # reStructuredText that does not render is shown as escaped text, never as HTML.
    ReleaseFactory(
        project=project,
        version="2.0",
        description="<script>alert('rst')</script>\n\n`broken",
        description_content_type="text/x-rst",
    )
    page = app.get("/project/sample-project/2.0/")
    assert "<script>alert('rst')" not in page.text
    assert str(escape("<script>alert('rst')</script>")) in page.text
    # Plain text is escaped as well.
    ReleaseFactory(
        project=project,
        version="3.0",
        description="<b>plain</b>",
        description_content_type="text/plain",
    )
    page = app.get("/project/sample-project/3.0/")
    assert "<b>plain</b>" not in page.text and "&lt;b&gt;plain&lt;/b&gt;" in page.text


def test_only_http_urls_become_links(app, db):
    _project_with_release(
        db, home_page="javascript:alert(1)", project_urls=["Docs, javascript:alert(2)"]
    )
    page = app.get("/project/sample-project/")
    assert 'href="javascript:' not in page.text
    assert "<code>javascript:alert(2)</code>" in page.text


def test_non_normalized_names_redirect_permanently(app, db):
    _project_with_release(db, version="1.0")
    response = app.get("/project/Sample_Project/", status=301)
    assert response.location.endswith("/project/sample-project/")
    response = app.get("/project/SAMPLE.project/1.0/", status=301)
    assert response.location.endswith("/project/sample-project/1.0/")
    # A version in another spelling redirects to the release's own.
    response = app.get("/project/sample-project/1.0.0/", status=301)
    assert response.location.endswith("/project/sample-project/1.0/")


def test_unknown_project_or_version_is_404_with_a_message(app, db):
    _project_with_release(db, version="1.0")
    response = app.get("/project/nope/", status=404)
    assert "There is no project named &#39;nope&#39;." in response.text
    response = app.get("/project/sample-project/9.9/", status=404)
    assert "Sample_Project has no release with version &#39;9.9&#39;." in response.text
    response = app.get("/project/%3Cscript%3E/", status=404)
    assert "<script>" not in response.text


def test_project_without_releases(app, db):
    ProjectFactory(name="empty")
    page = app.get("/project/empty/")
    assert "This project has no releases." in page.text


def test_post_to_a_page_is_405(app, db):
    _project_with_release(db)
    app.post("/project/sample-project/", status=405)


def test_home_page_lists_recent_uploads(app, db):
    _project_with_release(db, version="1.0", summary="Recent thing")
    page = app.get("/")
    assert "Recent uploads" in page.text
    assert 'href="/project/sample-project/1.0/"' in page.text
    assert "Recent thing" in page.text


def test_search_matches_name_and_summary(app, db):
    ReleaseFactory(project=ProjectFactory(name="alpha-tool"), summary="First")
    ReleaseFactory(project=ProjectFactory(name="beta"), summary="An ALPHA-grade helper")
    ReleaseFactory(project=ProjectFactory(name="gamma"), summary="Unrelated")
    page = app.get("/search/", params={"q": "alpha"})
    assert "2 projects" in page.text
    assert 'href="/project/alpha-tool/"' in page.text
    assert 'href="/project/beta/"' in page.text
    assert "gamma" not in page.text
    # The exact name comes first.
    page = app.get("/search/", params={"q": "beta"})
    assert "1 project " in page.text


def test_search_escapes_like_wildcards(app, db):
    ProjectFactory(name="under_score")
    ProjectFactory(name="underXscore")
    ProjectFactory(name="percent")
    page = app.get("/search/", params={"q": "under_score"})
    assert "1 project " in page.text and "underXscore" not in page.text
    page = app.get("/search/", params={"q": "%"})
    assert "0 projects" in page.text and "No project matches." in page.text
    page = app.get("/search/", params={"q": "\\"})
    assert "0 projects" in page.text


def test_search_is_paginated(app, db):
    for n in range(25):
        ProjectFactory(name=f"paged-{n:02d}")
    first = app.get("/search/", params={"q": "paged"})
    assert "25 projects" in first.text and "page 1 of 2" in first.text
    assert first.text.count('href="/project/paged-') == 20
    second = app.get("/search/", params={"q": "paged", "page": "2"})
    assert second.text.count('href="/project/paged-') == 5
    assert 'rel="prev"' in second.text
    beyond = app.get("/search/", params={"q": "paged", "page": "9"})
    assert beyond.text.count('href="/project/paged-') == 0


def test_search_bad_input(app, db):
    response = app.get("/search/", params={"q": "x", "page": "abc"}, status=400)
    assert "page number must be a positive whole number" in response.text
    app.get("/search/", params={"q": "x", "page": "0"}, status=400)
    empty = app.get("/search/")
    assert "No project matches." not in empty.text
    long_query = app.get("/search/", params={"q": "y" * 5000})
    assert long_query.status_code == 200


def test_search_page_numbers_are_capped(app, db):
    """A huge page number overflowed the OFFSET (SQLite OverflowError, PostgreSQL bigint)."""
    ProjectFactory(name="capped")
    for page in ["99999999999999999999", "9223372036854775807", "1001", "1" * 5000]:
        response = app.get("/search/", params={"q": "capped", "page": page}, status=400)
        assert "page number" in response.text
    assert "at most 1000" in app.get("/search/?q=capped&page=1001", status=400).text
    last = app.get("/search/", params={"q": "capped", "page": "1000"})
    assert last.status_code == 200 and "capped" in last.text
