"""Playwright against pytest-django's live server, in Debian's chromium (never a downloaded one)."""

import shutil
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client

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


@pytest.fixture
def portal(page, live_server, transactional_db):
    return Portal(page, live_server.url)
