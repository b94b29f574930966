"""Phone-sized screenshots of the pages children and guardians use, from a fresh demo.

`make screens` runs this: a demo portal on SQLite in a temporary folder, Debian's chromium at
390 × 844 (a common phone), both languages. The pictures go to docs/screens/ and the README
links them; run it again after changing one of these pages, and look at what changed.
"""

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
PHONE = {"width": 390, "height": 844}
PASSWORD = "hangzhou-demo"  # the demo's, printed by `make run`
LANGUAGES = {"zh": "", "en": "/en"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args, **options):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, **options
    )


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def journey_of_demo_child(env) -> int:
    """The demo child's suggestion with the longest way behind it, for the journey page."""
    code = (
        "from suggestions.models import Suggestion;"
        "from django.db.models import Count;"
        "s = Suggestion.objects.filter(child__user__username='child', state='in_progress')"
        ".annotate(n=Count('history')).order_by('-n', 'pk').first()"
        " or Suggestion.objects.filter(child__user__username='child').order_by('-pk').first();"
        "print(s.pk)"
    )
    done = manage(env, "shell", "-c", code, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1])


def ask_demo(env, code: str) -> int:
    """A number from the demo's database (the last line `code` prints)."""
    done = manage(env, "shell", "-c", code, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1])


def peer_of_demo_child(env) -> int:
    """Another child's suggestion the demo child may say "me too" to."""
    return ask_demo(
        env,
        "from groups.models import User; from suggestions.models import Suggestion;"
        "from suggestions.permissions import peer_may_join;"
        "c = User.objects.get(username='child').child;"
        "print(next(s.pk for s in Suggestion.objects.exclude(child=c).select_related('child')"
        ".order_by('pk') if peer_may_join(c, s)))",
    )


def activity_of_demo_mentor(env) -> int:
    """An activity whose children the demo mentor may record suggestions for."""
    return ask_demo(
        env,
        "from groups.models import User; from activities.models import Activity;"
        "m = User.objects.get(username='mentor');"
        "print(next(a.pk for a in Activity.objects.select_related('group').order_by('pk')"
        " if m.has_perm('suggestions.record_on_behalf', a.group)"
        " and m.has_perm('activities.change_activity', a)))",
    )


def similar_while_typing(page):
    """A child starts a title that others have written before: the list below it fills in."""
    page.fill("input[name=title]", "斑马线")
    page.locator("#similar-results li").first.wait_for(timeout=5000)


def log_in(page, base, prefix, username):
    page.goto(f"{base}{prefix}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def shoot(browser, base, username, shots):
    for language, prefix in LANGUAGES.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN" if language == "zh" else "en")
        page = context.new_page()
        log_in(page, base, prefix, username)
        for name, path, then in shots:
            page.goto(f"{base}{prefix}{path}")
            if then:
                then(page)
                page.wait_for_load_state()
            target = OUT / f"{language}-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target.relative_to(ROOT))
        context.close()


def fill_in(page):
    """The form as a child has filled it in, photo and all: its last step sums it up."""
    page.fill("textarea[name=noticed]", "放学时很多车停在校门口，我们只能从车中间走过去。")
    page.fill("input[name=title]", "校门口车太多")
    page.fill("textarea[name=proposal]", "画一条斑马线，再给家长留一块等候的地方。")
    page.fill("input[name=place]", "文三街小学南门")
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(out, format="PNG")
    page.set_input_files(
        "input[name=photo]", {"name": "gate.png", "mimeType": "image/png", "buffer": out.getvalue()}
    )
    page.locator("input[name=role]").last.check()


def send_empty(page):
    """The form sent with nothing in it: what the child is told to change."""
    page.locator("button[name=submit]").click()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.local",
            # Everything the demo writes (database, file broker, uploads) in the temporary folder.
            "DJANGO_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite:///{folder}/screens.sqlite3",
            "REDIS_URL": "",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", stdout=subprocess.DEVNULL)
        journey = journey_of_demo_child(env)
        peer = peer_of_demo_child(env)
        activity = activity_of_demo_mentor(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # SMS and WeChat switched on for the server only (the demo was seeded without them), so
        # that the guardian's messages page shows every channel a family may choose. Nothing
        # is sent: no worker runs here.
        served = {"SMS_SECRET_ID": "screens", "WECHAT_APP_ID": "screens"}
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            env={**env, **served},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(base + "/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
                shoot(
                    browser,
                    base,
                    "child",
                    [
                        ("child-home", "/", None),
                        ("child-form", "/suggestions/new/", fill_in),
                        ("child-form-errors", "/suggestions/new/", send_empty),
                        ("child-journey", f"/suggestions/{journey}/", None),
                        ("child-suggestions", "/suggestions/", None),
                        ("child-similar", "/suggestions/new/", similar_while_typing),
                        ("child-search", "/suggestions/search/?q=斑马线", None),
                        ("child-me-too", f"/suggestions/{peer}/", None),
                    ],
                )
                shoot(
                    browser,
                    base,
                    "mentor",
                    [("mentor-record", f"/activities/{activity}/suggestions/record/", None)],
                )
                shoot(
                    browser,
                    base,
                    "guardian",
                    [
                        ("guardian-home", "/", None),
                        ("guardian-messages", "/messages/settings/", None),
                    ],
                )
                browser.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
