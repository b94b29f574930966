"""The browser-facing defences: the Content-Security-Policy and the other headers on every page,
templates with nothing inline for the policy to refuse, uploaded and generated files served with
a type that no browser renders as a page, and production's HTTPS settings."""

import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from activities import services as activity_services
from activities.models import TrainingMaterial
from reports.exports import FORMATS
from reports.models import ExportState, ReportExport
from suggestions.models import Suggestion
from tests.activities.test_activities import log
from tests.groups.factories import AdminFactory, MentorFactory, sub_team_with_members
from tests.helpers import suggestion_form_data
from tests.suggestions.factories import Pipeline

BASE_DIR = Path(__file__).resolve().parents[2]
# Types a browser would render as a page (and so run script in) if it were told to.
RENDERED_AS_PAGES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><script>alert(1)</script>"


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def image_bytes(format="PNG"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, format=format)
    return out.getvalue()


def policy(response):
    """The Content-Security-Policy header as {directive: [source, ...]}."""
    parts = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in parts}


# --- The headers on pages -------------------------------------------------------------------


@pytest.fixture
def pages(client, db):
    """Each kind of page, with the client that may see it."""

    def public_home():
        client.logout()
        return client.get(url("home", "zh-hans"))

    def logged_in_page():
        client.force_login(Pipeline().child_user)
        return client.get(url("my_suggestions"))

    def admin_login():
        client.logout()
        return client.get(url("admin:login"))

    def api_docs():
        client.logout()
        return client.get(reverse("api-docs"))

    return {
        "public home": public_home,
        "logged-in page": logged_in_page,
        "admin login": admin_login,
        "API docs": api_docs,
    }


PAGES = ["public home", "logged-in page", "admin login", "API docs"]


@pytest.mark.parametrize("name", PAGES)
def test_every_kind_of_page_has_the_policy_with_no_inline_or_eval_script(pages, name):
    response = pages[name]()

    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    for relaxation in ("'unsafe-inline'", "'unsafe-eval'", "*"):
        assert relaxation not in response["Content-Security-Policy"].split()


@pytest.mark.parametrize("name", PAGES)
def test_every_kind_of_page_refuses_framing_and_sniffing(pages, name):
    response = pages[name]()

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", PAGES)
def test_every_kind_of_page_arrives_with_nothing_inline(pages, name):
    response = pages[name]()

    assert inline_content(response.content.decode()) == []


def test_the_api_docs_start_swagger_ui_from_a_script_file_under_the_same_policy(client):
    page = client.get(reverse("api-docs")).content.decode()
    assert '<script src="/api/docs/?script="></script>' in page

    script = client.get(reverse("api-docs") + "?script=")

    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert script["X-Content-Type-Options"] == "nosniff"
    assert "SwaggerUIBundle" in script.content.decode()
    assert policy(script)["script-src"] == ["'self'"]


# --- Templates: nothing inline --------------------------------------------------------------


class InlineContent(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would refuse."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        where = f"line {self.getpos()[0]}"
        named = dict(attrs)
        kind = (named.get("type") or "").strip().lower()
        if tag == "script" and "src" not in named and kind != "application/json":
            self.found.append(f"{where}: <script> without src")
        if tag == "style":
            self.found.append(f"{where}: <style> element")
        for name, value in attrs:
            if value is None:
                continue  # a bare word, such as a template tag's inside a start tag
            if name.startswith("on") and name[2:].isalpha():
                self.found.append(f"{where}: event handler {name}=")
            if name == "style":
                self.found.append(f"{where}: style= attribute")
            if value.strip().lower().replace("\t", "").replace("\n", "").startswith("javascript:"):
                self.found.append(f"{where}: javascript: URL in {name}=")


def inline_content(html):
    parser = InlineContent()
    parser.feed(html)
    parser.close()
    return parser.found


def project_templates():
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(BASE_DIR) and "site-packages" not in app.path
    ]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


@pytest.mark.parametrize(
    ("html", "refused"),
    [
        ("<script>alert(1)</script>", "<script> without src"),
        ('<script type="module">import "x";</script>', "<script> without src"),
        ("<style>p {}</style>", "<style> element"),
        ('<button onclick="go()">', "event handler onclick="),
        ('<body onLoad="go()">', "event handler onload="),
        ('<a href=" JavaScript:go()">', "javascript: URL in href="),
        ('<p style="color: red">', "style= attribute"),
    ],
)
def test_the_template_check_finds_each_kind_of_inline_content(html, refused):
    assert inline_content(html) == [f"line 1: {refused}"]


def test_the_template_check_lets_through_script_files_and_json_data():
    allowed = (
        '<script src="/static/js/charts.js" defer></script>'
        '<script type="application/json" id="chart-1">{"values": [1]}</script>'
        '<input {% if only %}disabled{% endif %} name="only">'
    )
    assert inline_content(allowed) == []


def test_no_template_has_inline_script_handlers_javascript_urls_or_styles():
    templates = project_templates()
    assert len(templates) > 20, "the templates were found"

    found = [
        f"{path.relative_to(BASE_DIR)} {problem}"
        for path in templates
        for problem in inline_content(path.read_text())
    ]

    assert found == []


# --- Uploaded and generated files -----------------------------------------------------------


def assert_served_safely(response, content_type, *, attachment):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert content_type.split(";")[0] not in RENDERED_AS_PAGES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Content-Disposition", "").startswith("attachment") == attachment


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def team(db):
    sub_team, children = sub_team_with_members(2)
    mentor = MentorFactory(sub_teams=[sub_team]).user
    return sub_team, children, mentor


def test_a_suggestion_photo_is_served_as_the_image_it_was_re_encoded_to(client, media, db):
    pipe = Pipeline()
    client.force_login(pipe.child_user)
    upload = SimpleUploadedFile("photo.png", image_bytes("PNG"), content_type="image/png")
    client.post(url("suggestion_new"), {**suggestion_form_data(pipe), "photo": upload, "save": "1"})

    served = client.get(url("suggestion_photo", pk=Suggestion.objects.get().pk))

    assert_served_safely(served, "image/png", attachment=False)


@pytest.mark.parametrize(
    ("name", "content"),
    [("page.html", image_bytes("PNG")), ("drawing.svg", SVG), ("photo.png", SVG)],
)
def test_a_suggestion_photo_named_or_made_as_a_page_is_refused(client, media, db, name, content):
    pipe = Pipeline()
    client.force_login(pipe.child_user)
    upload = SimpleUploadedFile(name, content, content_type="text/html")

    response = client.post(
        url("suggestion_new"), {**suggestion_form_data(pipe), "photo": upload, "save": "1"}
    )

    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "format", "content_type"),
    [
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("page.html", "PNG", "image/png"),
        ("drawing.svg", "WEBP", "image/webp"),
    ],
)
def test_an_activity_photo_is_served_as_its_image_type_whatever_its_name(
    client, team, media, name, format, content_type
):
    activity = log(team)
    client.force_login(team[2])
    upload = SimpleUploadedFile(name, image_bytes(format), content_type="text/html")
    client.post(url("activity_photo_new", pk=activity.pk), {"image": upload, "nobody_else": "on"})
    photo = activity.photos.get()

    assert not photo.image.name.endswith((".html", ".svg"))
    assert_served_safely(
        client.get(url("activity_photo", pk=photo.pk)), content_type, attachment=False
    )


def test_an_svg_activity_photo_is_refused(client, team, media):
    activity = log(team)
    client.force_login(team[2])

    client.post(
        url("activity_photo_new", pk=activity.pk),
        {"image": SimpleUploadedFile("drawing.svg", SVG), "nobody_else": "on"},
    )

    assert not activity.photos.exists()


def _log_training_with(client, team, *materials):
    sub_team, _children, mentor = team
    client.force_login(mentor)
    return client.post(
        url("training_new", pk=sub_team.pk),
        {
            "held_on": str(timezone.localdate()),
            "topic": "观察技能",
            "hours": "2",
            "sub_teams": [sub_team.pk],
            "materials": list(materials),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("handout.pdf", b"%PDF-1.7\n...", "application/pdf"),
        # A web page in a text file stays text, and a download.
        ("notes.txt", HTML, "text/plain; charset=utf-8"),
    ],
)
def test_a_training_material_is_a_download_of_its_checked_type(
    client, team, media, name, content, content_type
):
    _log_training_with(client, team, SimpleUploadedFile(name, content, content_type="text/html"))
    material = TrainingMaterial.objects.get()

    assert_served_safely(
        client.get(url("training_material", pk=material.pk)), content_type, attachment=True
    )


@pytest.mark.parametrize(("name", "content"), [("page.html", HTML), ("drawing.svg", SVG)])
def test_a_training_material_that_is_a_page_is_refused(client, team, media, name, content):
    response = _log_training_with(client, team, SimpleUploadedFile(name, content))

    assert response.status_code == 200
    assert not TrainingMaterial.objects.exists()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_report_file_is_a_download_of_its_formats_type(client, media, db, fmt):
    admin = AdminFactory()
    client.force_login(admin)
    export = ReportExport.objects.create(
        year=2026, format=fmt, language="en", requested_by=admin, state=ExportState.DONE
    )
    export.file.save(f"r.{FORMATS[fmt][0]}", BytesIO(b"made by the worker"))

    served = client.get(url("report_export_download", pk=export.pk))

    assert_served_safely(served, FORMATS[fmt][1], attachment=True)


def test_the_suggestions_csv_is_a_download(client, db):
    client.force_login(AdminFactory())

    served = client.get(url("report_suggestions_csv", year=2026))

    assert_served_safely(served, "text/csv; charset=utf-8", attachment=True)


def test_the_calendar_feed_is_a_calendar(client, team):
    feed = activity_services.calendar_feed_for(team[0])

    served = client.get(url("sub_team_feed", token=feed.token))

    assert_served_safely(served, "text/calendar; charset=utf-8", attachment=False)


def test_uploads_are_not_served_from_media_url(client, media, db):
    (media / "suggestions").mkdir()
    (media / "suggestions" / "photo.png").write_bytes(image_bytes())

    for prefix in ("/", "/en/"):
        assert client.get(f"{prefix}{settings.MEDIA_URL}suggestions/photo.png").status_code == 404


# --- Production: HTTPS only -----------------------------------------------------------------

PRINT_HTTPS_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    name: getattr(settings, name)
    for name in [
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    ]
}))
"""
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.production",
    "DJANGO_SECRET_KEY": "a-test-key-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal:secret@db.example:5432/portal",
    "REDIS_URL": "redis://cache.example:6379/2",
    "PERSONAL_DATA_KEYS": "dGVzdHMtb25seS1ub3QtYS1zZWNyZXQtMzItYnl0ZXM=",
}


def production_settings():
    """The production settings, loaded in a fresh process with only the required variables."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PERSONAL_DATA_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{PRINT_HTTPS_SETTINGS}"],
        cwd=BASE_DIR,
        env={**environment, **PRODUCTION_ENVIRONMENT},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_https_only_with_a_years_hsts_and_secure_cookies():
    loaded = production_settings()

    assert loaded["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SESSION_COOKIE_HTTPONLY"] is True
    assert loaded["X_FRAME_OPTIONS"] == "DENY"
    assert loaded["SECURE_CONTENT_TYPE_NOSNIFF"] is True
