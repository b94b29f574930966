"""Children's real names and contacts are encrypted at rest with a key from the environment."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection

from groups.fields import PersonalDataKeyError
from groups.models import ChildPersonalData
from tests.groups.factories import ChildFactory

pytestmark = pytest.mark.django_db

NAME, PHONE, ADDRESS = "欧阳雨桐", "13800001234", "西湖区文三路 88 号"


def raw_columns(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT real_name, contact_phone, address FROM groups_childpersonaldata WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_the_columns_hold_no_plain_text_and_the_model_reads_it_back():
    record = ChildPersonalData.objects.create(
        child=ChildFactory(), real_name=NAME, contact_phone=PHONE, address=ADDRESS
    )

    raw = raw_columns(record.pk)

    assert all(value.startswith("gAAAAA") for value in raw)  # Fernet tokens
    assert not any(text in " ".join(raw) for text in (NAME, "雨桐", PHONE, "文三路"))
    again = ChildPersonalData.objects.get(pk=record.pk)
    assert (again.real_name, again.contact_phone, again.address) == (NAME, PHONE, ADDRESS)


def test_the_same_name_twice_gives_two_different_tokens():
    first = ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)
    second = ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)

    assert raw_columns(first.pk)[0] != raw_columns(second.pk)[0]


def test_an_empty_contact_stays_empty():
    record = ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)

    assert raw_columns(record.pk)[1:] == ("", "")


def test_a_wrong_key_is_an_error_not_a_token_shown_as_a_name(settings):
    record = ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(PersonalDataKeyError):
        ChildPersonalData.objects.get(pk=record.pk)


def test_a_rotated_key_reads_old_rows_and_the_command_rewrites_them(settings):
    from django.core.management import call_command

    record = ChildPersonalData.objects.create(child=ChildFactory(), real_name=NAME)
    old_key = settings.PERSONAL_DATA_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [new_key, old_key]

    assert ChildPersonalData.objects.get(pk=record.pk).real_name == NAME
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.PERSONAL_DATA_KEYS = [new_key]

    assert ChildPersonalData.objects.get(pk=record.pk).real_name == NAME


def test_encrypted_columns_cannot_be_searched():
    with pytest.raises(FieldError):
        list(ChildPersonalData.objects.filter(real_name=NAME))
