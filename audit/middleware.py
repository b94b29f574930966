"""django-auditlog's middleware, with the actor looked up when the first entry is written.

The library takes `request.user` as the request comes in, but the API authenticates its tokens
in the view: a move made with a token would be recorded as nobody's. Looked up at the first
entry, the actor is the user the view acted for, however they logged in.
"""

from auditlog.middleware import AuditlogMiddleware as LibraryMiddleware
from django.utils.functional import SimpleLazyObject


class AuditlogMiddleware(LibraryMiddleware):
    @staticmethod
    def _get_actor(request):
        # An anonymous user is no actor: auditlog takes only a user of AUTH_USER_MODEL.
        return SimpleLazyObject(lambda: request.user)
