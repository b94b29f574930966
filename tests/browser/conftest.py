"""Playwright against a live server, in Debian's chromium (never a downloaded one).

A test that writes asks for `portal`: it starts from an empty database, flushed after it, as
every transactional test. A test that only reads the demo asks for `read_only_demo`: the demo is
seeded once (seeding is the slow part) and kept for the next read-only tests of any module here,
then flushed when the run leaves tests/browser. The two may share a module in any order: `portal`
flushes a demo left by a read-only test before its test starts. (pytest-django runs the
read-only tests, which ask for no database fixture, after the transactional ones: together.)
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from pytest_django.live_server_helper import LiveServer

# The messages' servers: a real SMTP server and the WeChat stand-in (tests/messaging/).
from tests.messaging.conftest import smtp_server, wechat  # noqa: F401

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


class Portal:
    """A page on the live server that remembers every request it made."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests = []
        page.on("request", lambda request: self.requests.append(request.url))

    def goto(self, path):
        return self.page.goto(self.base_url + path)

    def log_in_as(self, user):
        """Give the browser a session for this user, without going through the form."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": self.base_url}]
        )

    def foreign_requests(self):
        own = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != own
        ]

    def serious_accessibility_violations(self):
        results = Axe().run(self.page)
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def overflows_sideways(self):
        return self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )

    def problems(self, path):
        """Open the page in both languages, on a desktop and a phone screen; list what is wrong.

        Each language is its own address (Chinese unprefixed, English under /en/), so `path`
        is the Chinese one. An empty list means: it loads, axe finds no serious or critical
        violation, nothing overflows sideways on the phone, and no request left the portal.
        """
        found = []
        for prefix, language in [("", "zh-hans"), ("/en", "en")]:
            self.page.set_viewport_size(DESKTOP)
            response = self.goto(prefix + path)
            where = f"{language} {path}"
            if response is None or response.status != 200:
                found.append(f"{where}: status {response and response.status}")
                continue
            if self.page.locator("html").get_attribute("lang") != language:
                found.append(f"{where}: html lang is not {language}")
            found += [f"{where} desktop: {v}" for v in self.serious_accessibility_violations()]
            self.page.set_viewport_size(PHONE)
            found += [f"{where} phone: {v}" for v in self.serious_accessibility_violations()]
            if self.overflows_sideways():
                found.append(f"{where} phone: the page is wider than the screen")
        found += [f"request to another host: {url}" for url in self.foreign_requests()]
        return found


@pytest.fixture(scope="session")
def _test_database(django_db_setup, django_db_blocker):
    """The test database, also in a run whose only tests are read-only browser tests:
    pytest-django makes it only when a collected test asks for it (by the django_db marker or
    the `db`, `transactional_db` or `live_server` fixture)."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield
        return
    with django_db_blocker.unblock():
        made = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(made, verbosity=0)


@pytest.fixture(scope="session")
def portal_server(request, _test_database):
    """pytest-django's live server, started here rather than by its `live_server` fixture: a
    test that asks for that one (even through another fixture) always gets a transactional
    database, flushed after it, and the read-only tests keep theirs."""
    server = LiveServer(
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    yield server
    server.stop()


class _Demo:
    """Whether the demo is in the database, committed, for the read-only tests."""

    seeded = False


def _flush():
    """What a transactional test does after itself: empty every table."""
    call_command("flush", verbosity=0, interactive=False)
    _Demo.seeded = False


@pytest.fixture
def portal(page, portal_server, transactional_db):
    """A browser on the live server, for a test that writes: the database is empty at its start
    and flushed after it."""
    if _Demo.seeded:
        _flush()
    return Portal(page, portal_server.url)


@pytest.fixture(scope="package")
def _demo_flushed_after_the_package(_test_database, django_db_blocker):
    yield
    if _Demo.seeded:
        with django_db_blocker.unblock():
            _flush()


@pytest.fixture
def read_only_demo(page, portal_server, _demo_flushed_after_the_package, django_db_blocker):
    """A browser on the live server with the demo seeded, for a test that only reads the demo.

    The demo is seeded by the first such test and kept for the next ones, in this module and the
    others of tests/browser (what their page views write, such as sessions and last logins,
    stays, as on any server). Not for a test that changes what another test's assertions read:
    that one asks for `portal`."""
    with django_db_blocker.unblock():
        if not _Demo.seeded:
            try:
                call_command("seed_demo", verbosity=0)
            except BaseException:
                _flush()  # half a demo is no demo
                raise
            _Demo.seeded = True
        yield Portal(page, portal_server.url)
