"""A production rehearsal: the static files built and gunicorn, a worker and beat started under
the production settings, with the commands docker-compose.yml gives them, on PostgreSQL and
Redis; a child logs in over "HTTPS" (the proxy's X-Forwarded-Proto), sends a suggestion, and
the worker routes it to the school (issue 16)."""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests
import yaml
from django.contrib.auth.hashers import Argon2PasswordHasher

from suggestions.models import Suggestion
from tests.conftest import _database_url_for_subprocess
from tests.groups.factories import PASSWORD
from tests.hangzhou_cfc.test_settings import clean_environment
from tests.helpers import wait_for
from tests.suggestions.factories import Pipeline

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]
BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_command(service: str) -> list[str]:
    """The service's command as docker-compose.yml gives it (the last of `sh -c "a && b"`)."""
    command = COMPOSE["services"][service]["command"]
    argv = shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2].split("&&")[-1])
    return argv


class Cookies:
    """The session and CSRF cookies are Secure: a client on plain HTTP would not send them back,
    though the proxy in front of the portal would. Kept and sent by hand."""

    def __init__(self):
        self.jar = {}

    def take(self, response):
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.jar[name] = value

    def header(self):
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())


@pytest.fixture
def production(settings, tmp_path, production_static):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="hangzhou_cfc.settings.production",
        DJANGO_SECRET_KEY="rehearsal-" + "y" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url_for_subprocess(),
        # This process's own Redis database (each xdist worker has one, tests/conftest.py): the
        # rehearsal's worker takes every task of the default queue and the rehearsal empties the
        # database, so it must be one that no other process of the run uses.
        REDIS_URL=settings.REDIS_URL,
        PERSONAL_DATA_KEYS=settings.PERSONAL_DATA_KEYS[0],
        PORTAL_BASE_URL="https://portal.example.org",
        # collectstatic under these settings, run once for the session (tests/hangzhou_cfc/
        # conftest.py); the static files do not depend on the keys or servers above.
        DJANGO_STATIC_ROOT=str(production_static.root),
    )
    assert production_static.built.returncode == 0, production_static.built.stderr[-2000:]
    web = compose_command("web")
    web[web.index("--bind") + 1] = f"127.0.0.1:{port}"
    commands = {
        "web": web,
        "worker": [*compose_command("worker"), "--concurrency", "1", "--without-mingle"],
        "beat": [*compose_command("beat"), "--schedule", str(tmp_path / "beat-schedule")],
    }
    # Nothing a killed earlier run left in this Redis database is delivered to this one.
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    processes = [
        subprocess.Popen(argv, cwd=BASE_DIR, env=env, start_new_session=True)
        for argv in commands.values()
    ]

    def answers():
        exited = [
            name
            for name, process in zip(commands, processes, strict=True)
            if process.poll() is not None
        ]
        if exited:
            pytest.fail(f"{exited} exited at start (see the captured output)")
        try:
            return requests.get(base + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(answers, timeout=60)
        yield base
    finally:
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_a_child_sends_a_suggestion_to_production_and_the_worker_routes_it(production):
    pipe = Pipeline()
    hasher = Argon2PasswordHasher()
    pipe.child_user.password = hasher.encode(PASSWORD, hasher.salt())
    pipe.child_user.save(update_fields=["password"])
    https = {"X-Forwarded-Proto": "https", "Origin": "https://127.0.0.1"}
    cookies = Cookies()

    def get(path):
        response = requests.get(
            production + path,
            headers={**https, "Cookie": cookies.header()},
            allow_redirects=False,
            timeout=30,
        )
        cookies.take(response)
        return response

    def post(path, data):
        page = get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = requests.post(
            production + path,
            data={"csrfmiddlewaretoken": token, **data},
            headers={
                **https,
                "Origin": production.replace("http://", "https://"),
                "Referer": production.replace("http://", "https://") + path,
                "Cookie": cookies.header(),
            },
            allow_redirects=False,
            timeout=30,
        )
        cookies.take(response)
        return response

    plain = requests.get(production + "/accounts/login/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301  # plain HTTP past the proxy goes to https
    styles = re.findall(r'href="(/static/[^"]+\.css)"', get("/accounts/login/").text)
    assert styles and all(get(href).status_code == 200 for href in styles)

    logged_in = post(
        "/accounts/login/", {"username": pipe.child_user.username, "password": PASSWORD}
    )
    assert logged_in.status_code == 302, logged_in.text[:2000]
    sent = post(
        "/suggestions/new/",
        {
            "title": "学校门口需要斑马线",
            "noticed": "放学时车很多。",
            "proposal": "画一条斑马线。",
            "place": "文三街小学南门",
            "focus_area": pipe.focus_area.pk,
            "role": "safety_promoter",
            "submit": "1",
        },
    )
    assert sent.status_code == 302, sent.text[:2000]

    suggestion = Suggestion.objects.get()
    wait_for(lambda: Suggestion.objects.get(pk=suggestion.pk).state == "at_school", timeout=90)
    page = get(f"/suggestions/{suggestion.pk}/")
    assert page.status_code == 200
    assert pipe.school.name in page.text
    ready = requests.get(production + "/readyz", timeout=30).json()["checks"]
    assert ready["database"] == "ok" and ready["broker"] == "ok"
