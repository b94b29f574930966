"""`{% icon %}`: the vendored Tabler icons, inline and hidden from screen readers; only the
icons the portal uses are vendored, and every one it names is there."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from hangzhou_cfc.templatetags.icons import ICONS_DIR, icon_svg
from suggestions.forms import FOCUS_AREA_CARDS, FOCUS_AREA_ICON, ROLE_CARDS
from suggestions.selectors import OUTCOMES, STEP_ICONS

BASE_DIR = Path(__file__).resolve().parents[2]


def test_an_icon_is_inline_svg_hidden_from_screen_readers():
    html = Template('{% load icons %}{% icon "school" %}').render(Context())

    assert html.startswith("<svg ")
    assert 'aria-hidden="true"' in html
    assert 'focusable="false"' in html
    assert "style=" not in html


def test_an_icon_that_is_not_vendored_fails_loudly():
    with pytest.raises(ValueError, match="no vendored icon"):
        icon_svg("../../settings")


def test_exactly_the_icons_the_portal_names_are_vendored():
    named = set(STEP_ICONS.values()) | {icon for _label, icon in OUTCOMES.values()}
    named |= {icon for icon, _line in [*FOCUS_AREA_CARDS.values(), *ROLE_CARDS.values()]}
    named.add(FOCUS_AREA_ICON)
    for template in (BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        named |= set(re.findall(r'{% icon "([a-z0-9-]+)" %}', text))
        named |= set(re.findall(r'icon="([a-z0-9-]+)"', text))
        named |= set(re.findall(r'{% icon [a-z_.]+\|default:"([a-z0-9-]+)" %}', text))
    vendored = {path.stem for path in ICONS_DIR.glob("*.svg")}

    assert named == vendored
    assert (ICONS_DIR / "LICENSE").is_file()
