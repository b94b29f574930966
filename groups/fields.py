"""Model fields whose values are encrypted at rest.

Fernet (AES-128-CBC with an HMAC-SHA256, from the `cryptography` library) with keys from the
environment: `settings.PERSONAL_DATA_KEYS` is a list of Fernet keys, the first encrypts and
every one decrypts, so that a key is rotated by putting a new one first and re-saving the rows
(`manage.py rotate_personal_data_key`). The database, its backups and its logs see only tokens.

Why not django-fernet-encrypted-fields: it derives its keys from SECRET_KEY (rotating the key
that signs sessions would make every record unreadable), stores an empty value as NULL, and
returns the token itself when a key is wrong; here a wrong key is an error.

Encrypted values cannot be searched or ordered in SQL; nothing needs to (admins find a child
by pseudonym).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class PersonalDataKeyError(RuntimeError):
    """A stored value could not be decrypted with any key in PERSONAL_DATA_KEYS."""


def _fernet():
    keys = settings.PERSONAL_DATA_KEYS
    if not keys:
        raise ImproperlyConfigured("Set PERSONAL_DATA_KEYS: the keys of children's personal data.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "Each of PERSONAL_DATA_KEYS must be a Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from error


def encrypt(text):
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token):
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise PersonalDataKeyError(
            "A personal-data value cannot be decrypted with PERSONAL_DATA_KEYS: "
            "the key it was written with is missing."
        ) from error


class EncryptedCharField(models.CharField):
    """A CharField stored as a Fernet token in a text column.

    `max_length` limits the plain text (forms and validation); the column holds the longer
    token. An empty string is stored as an empty string, so that "no phone" is not a token.
    """

    def get_internal_type(self):
        return "TextField"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        # A lookup would compare a fresh token (random IV) with the stored one: never equal.
        if lookup_name not in ("isnull",):
            return None
        return super().get_lookup(lookup_name)
