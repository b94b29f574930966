"""Errors that any app may raise and the API answers the same way, whichever app raised them.

This module imports nothing of ours, so that every app may import it.
"""

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise


class Conflict(Exception):
    """The request is understood and allowed, but not possible now: the API answers 409 with
    the subclass's `code`, its `message` (in the request's language) and `fields()`. Nothing was
    changed. Each subclass names its own code and message."""

    code: str
    message: str | Promise

    def fields(self) -> dict[str, list[str]] | None:
        return None


class NotAllowed(PermissionDenied):
    """The user has no part in this, or not the part this action needs. A PermissionDenied:
    pages answer 403 and the API 403, with no need to catch it."""
