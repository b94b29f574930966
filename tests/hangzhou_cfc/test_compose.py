"""docker-compose.yml and the Dockerfile name only things that exist in the project.

Docker cannot run here, so the files are checked by reading them: the services and their shared
image, and every command they run (manage.py commands, the WSGI app, the Celery app).
"""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "beat"]
RUNTIME_LOCK = (BASE_DIR / "requirements.lock").read_text()


def simple_commands(command):
    """Split a compose/Dockerfile command into argv lists, looking inside `sh -c "a && b"`."""
    argv = command if isinstance(command, list) else shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


def assert_command_exists(argv):
    program, args = argv[0], argv[1:]
    if program == "python" and args[:1] == ["-c"]:
        compile(args[1], "<healthcheck>", "exec")
    elif program == "python":
        assert args[0] == "manage.py" and (BASE_DIR / "manage.py").exists()
        assert args[1] in get_commands(), f"no manage.py command {args[1]!r}"
    elif program == "gunicorn":
        assert re.search(r"^gunicorn==", RUNTIME_LOCK, re.M), "gunicorn is not in the image"
        module, attribute = args[0].split(":")
        assert callable(getattr(importlib.import_module(module), attribute))
    elif program == "celery":
        assert re.search(r"^celery==", RUNTIME_LOCK, re.M), "celery is not in the image"
        app_name = args[args.index("-A") + 1]
        app = importlib.import_module(app_name).celery_app
        assert app.main == app_name
        assert args[args.index("-A") + 2] in {"worker", "beat"}
    else:
        pytest.fail(f"unknown program {program!r} in {argv}")


def test_compose_has_web_worker_beat_postgres_and_redis():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis"}


def test_web_worker_and_beat_share_one_image_built_from_the_dockerfile():
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    builds = {SERVICES[name]["build"] for name in APP_SERVICES}

    assert len(images) == 1
    assert builds == {"."}
    assert (BASE_DIR / "Dockerfile").exists()


def test_the_app_services_point_at_the_compose_postgres_and_redis():
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DJANGO_SETTINGS_MODULE"] == "hangzhou_cfc.settings.production"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_command_a_service_runs_exists(service):
    commands = simple_commands(SERVICES[service]["command"])
    if "healthcheck" in SERVICES[service]:
        commands += [SERVICES[service]["healthcheck"]["test"][1:]]

    for argv in commands:
        assert_command_exists(argv)


def test_the_health_check_url_exists():
    from django.urls import resolve

    assert resolve("/healthz").url_name == "healthz"


def test_every_path_the_dockerfile_copies_exists_and_its_cmd_exists():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (\S+) ", dockerfile, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1)

    assert copies
    for source in copies:
        assert (BASE_DIR / source).exists(), source
    assert_command_exists(yaml.safe_load(cmd))


def test_the_dockerfile_copies_every_app_and_folder_the_project_needs():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    copied = {Path(source).name for source in re.findall(r"^COPY (\S+) ", dockerfile, re.M)}

    for needed in ["manage.py", "hangzhou_cfc", "templates", "static", "locale"]:
        assert needed in copied
    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        if (BASE_DIR / app).is_dir():
            assert app in copied, f"the image lacks the app {app}"


def test_the_app_services_must_be_told_the_address_people_open():
    """Links in e-mails and calendar feeds lead to PORTAL_BASE_URL: compose refuses to start
    without it rather than link to the container's own address."""
    for name in APP_SERVICES:
        value = SERVICES[name]["environment"]["PORTAL_BASE_URL"]
        assert re.fullmatch(r"\$\{PORTAL_BASE_URL:\?[^}]+\}", value), value
