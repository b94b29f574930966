import pytest
from django.core.management import CommandError, call_command

from groups.demo import DEMO_LOGINS, DEMO_PASSWORD
from groups.models import Role, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_login_per_role_that_can_log_in(client):
    call_command("seed_demo", stdout=None)

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for username, _role, _name in DEMO_LOGINS:
        assert client.login(username=username, password=DEMO_PASSWORD), username


def test_seed_demo_gives_the_admin_the_administration_pages():
    call_command("seed_demo")

    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    before = list(User.objects.order_by("pk").values())

    call_command("seed_demo")

    assert list(User.objects.order_by("pk").values()) == before


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for username, _role, _name in DEMO_LOGINS:
        assert username in out


def test_seed_demo_stores_pseudonyms_in_the_default_language():
    call_command("seed_demo")

    assert User.objects.get(username="child").display_name == "小白鹭"


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo")
    assert not User.objects.exists()
