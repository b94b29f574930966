"""Logging filters named in the settings' LOGGING."""

import logging
from http import HTTPStatus


class RefusedRequestFilter(logging.Filter):
    """A refused request (4xx) is one line on `django.request`: method, path and status.

    Django logs a request refused by an exception (PermissionDenied, Http404…) with that
    exception's traceback, although nothing went wrong in the portal: an admin opening a
    member's page would fill the log with stack traces. The path is kept, never the query
    string or the body. A server error (5xx) keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if status is None or status >= 500 or request is None:
            return True
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        record.msg = "%s %s %s %s"
        record.args = (request.method, request.path, status, phrase)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
