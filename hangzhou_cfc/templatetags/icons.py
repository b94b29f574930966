"""`{% icon "name" %}`: one of the vendored Tabler icons (static/vendor/tabler-icons/), inline.

Inline so that an icon costs no request and the Content-Security-Policy has nothing to allow;
hidden from screen readers, since the words beside it say the same. Only the icons in that
folder exist: a name not there is a mistake in a template, and fails loudly.
"""

import re
from functools import cache

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

register = template.Library()

ICONS_DIR = settings.BASE_DIR / "static" / "vendor" / "tabler-icons"
_OPENING = re.compile(r"<svg\b[^>]*>")
# Tabler's transparent bounding square, drawn by nothing.
_FRAME = re.compile(r'<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>')


@cache
def icon_svg(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", name) or not (ICONS_DIR / f"{name}.svg").is_file():
        raise ValueError(f"no vendored icon {name!r} in {ICONS_DIR}")
    svg = (ICONS_DIR / f"{name}.svg").read_text(encoding="utf-8")
    svg = _FRAME.sub("", svg)
    svg = _OPENING.sub(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round" class="icon icon-{name}" aria-hidden="true" '
        'focusable="false">',
        svg,
        count=1,
    )
    return " ".join(svg.split()).replace("> <", "><")


@register.simple_tag
def icon(name: str) -> str:
    return mark_safe(icon_svg(name))  # noqa: S308 - our own vendored files, never user input
