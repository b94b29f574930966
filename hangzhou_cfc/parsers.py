"""The API's JSON parser: DRF's, refusing what would crash it."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """A body nested deeper than Python can follow (`[` × 100,000) raised RecursionError, a
    500; it is a malformed request, answered 400 like any other."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
