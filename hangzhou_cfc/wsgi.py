import io
import json
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hangzhou_cfc.settings.production")

# Read in 64 KiB pieces; what is past the limit is read and dropped, up to this much, so that
# a client that sent a little too much reads our answer rather than a reset connection; the
# connection is closed after it.
PIECE = 64 * 1024
DRAIN_AT_MOST = 1024 * 1024


class ChunkedRequestBody:
    """Give Django the body of a request sent with `Transfer-Encoding: chunked`.

    Django reads CONTENT_LENGTH bytes of the body, and a chunked request has no length: its
    body was read as empty (a valid suggestion answered 400 "field required"). The server
    (gunicorn) takes the chunks apart and says so with `wsgi.input_terminated`; this reads the
    body up to `limit` bytes and passes it on with its length. A longer one is answered 413.
    """

    def __init__(self, application, limit: int):
        self.application = application
        self.limit = limit

    def __call__(self, environ, start_response):
        codings = [c.strip() for c in environ.get("HTTP_TRANSFER_ENCODING", "").lower().split(",")]
        chunked = "chunked" in codings
        if chunked and environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            stream, body = environ["wsgi.input"], bytearray()
            while len(body) <= self.limit:
                piece = stream.read(PIECE)
                if not piece:
                    break
                body += piece
            if len(body) > self.limit:
                drained = len(body)
                while drained < self.limit + DRAIN_AT_MOST and (piece := stream.read(PIECE)):
                    drained += len(piece)
                from django.utils.translation import gettext

                from .api import error_body

                # The API's own 413 (ApiBodyLimitMiddleware), in the portal's default language:
                # no middleware has read the request's language yet.
                message = gettext("The request is larger than %(limit)d bytes.")
                payload = json.dumps(error_body("too_large", message % {"limit": self.limit}))
                payload = payload.encode()
                start_response(
                    "413 Request Entity Too Large",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(payload))),
                        ("Connection", "close"),
                    ],
                )
                return [payload]
            environ["wsgi.input"] = io.BytesIO(bytes(body))
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)


def _application():
    from django.conf import settings

    django_application = get_wsgi_application()
    return ChunkedRequestBody(django_application, limit=settings.CHUNKED_BODY_MAX_BYTES)


application = _application()
