"""`{% form_key %}`: inside every form that writes, next to `{% csrf_token %}`.

A new key each time the form is rendered; the same form sent again with it (a double click,
the browser resending after a network error, back and send again) gets the first answer and
writes nothing more (FormKeyMiddleware in hangzhou_cfc/idempotency.py).
tests/hangzhou_cfc/test_form_key.py fails when a POST form in templates/ lacks it.
"""

from django import template
from django.utils.html import format_html

from hangzhou_cfc.idempotency import FORM_FIELD, form_key_new

register = template.Library()


@register.simple_tag(name="form_key")
def form_key() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, form_key_new())
