"""Words with two senses have a message context each, so that each gets its own Chinese
(issue 15, items 1 and 7)."""

import pytest
from django.urls import reverse
from django.utils import translation

from activities.filters import ActivityFilter
from groups.admin import UserAdmin
from groups.models import StaffMember
from suggestions.forms import SuggestionForm

pytestmark = pytest.mark.django_db


def chinese(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def test_a_suggestions_title_is_a_title_and_a_staff_members_is_a_job():
    assert chinese(SuggestionForm().fields["title"].label) == "标题"
    assert chinese(StaffMember._meta.get_field("title").verbose_name) == "职务"


def test_the_suggestion_form_in_chinese_asks_for_a_title(client):
    from tests.suggestions.factories import Pipeline

    pipe = Pipeline()
    client.force_login(pipe.child_user)
    with translation.override("zh-hans"):
        page = client.get(reverse("suggestion_new")).text

    assert "职务" not in page
    assert "标题" in page


def test_a_named_programme_is_a_programme_and_a_logins_part_is_a_role():
    assert chinese(ActivityFilter().filters["programme"].label) == "项目"
    assert chinese(ActivityFilter().filters["level"].extra["empty_label"]) == "所有层级"
    assert [chinese(name) for name, _fields in UserAdmin.fieldsets][1] == "项目角色"


def test_the_reports_programme_column_names_programmes():
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        assert gettext("Programme") == "项目"
