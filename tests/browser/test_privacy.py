"""A guardian gives consent by the e-mailed link and the child's login opens; the office's and
the guardian's privacy pages pass the accessibility checks in both languages and on a phone."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from playwright.sync_api import expect

from groups.models import ChildPersonalData
from tests.groups.factories import AdminFactory
from tests.privacy.factories import child_with_guardian, guardians_notice

pytestmark = pytest.mark.browser


def test_a_guardian_consents_by_the_link_and_the_child_can_then_log_in(portal):
    guardians_notice()
    child, guardianship = child_with_guardian()
    admin = AdminFactory()
    page = portal.page

    portal.log_in_as(admin)
    portal.goto(f"/en/privacy/children/{child.pk}/")
    page.get_by_label("Send the link to").select_option(str(guardianship.guardian.pk))
    page.get_by_role("button", name="Send the consent link").click()
    expect(page.locator(".messages")).to_contain_text("on its way")
    link = re.search(r"https?://\S+/privacy/consent/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()

    # The guardian opens the link (it opens in Chinese), forgets one box, then agrees.
    portal.goto("/" + link.split("/", 3)[3])
    expect(page.get_by_role("heading", level=1)).to_have_text("您的同意")
    page.get_by_label("我已阅读上面的告知书。").check()
    page.get_by_label("我是这名儿童的父母或法定监护人。").check()
    page.get_by_role("button", name="我同意").click()
    expect(page.get_by_text("勾选此项以表示同意。")).to_be_visible()
    expect(page.get_by_label("我已阅读上面的告知书。")).to_be_checked()
    page.get_by_label("我同意本网站按照告知书的说明处理我孩子的信息。").check()
    page.get_by_role("button", name="我同意").click()
    expect(page.get_by_role("status")).to_contain_text("您的同意已记录")

    child.user.refresh_from_db()
    assert child.user.is_active


def test_the_privacy_pages_pass_in_both_languages_and_on_a_phone(portal):
    guardians_notice()  # publishes both notices
    child, guardianship = child_with_guardian(consent=True)
    ChildPersonalData.objects.create(child=child, real_name="欧阳雨桐")
    admin = AdminFactory(is_superuser=False)
    admin.user_permissions.add(Permission.objects.get(codename="view_childpersonaldata"))

    assert portal.problems("/privacy/") == []
    assert portal.problems("/privacy/guardians/") == []

    portal.log_in_as(guardianship.guardian.user)
    assert portal.problems(f"/privacy/my-children/{child.pk}/") == []
    assert portal.problems(f"/privacy/my-children/{child.pk}/delete/") == []
    assert portal.problems(f"/privacy/my-children/{child.pk}/withdraw/") == []

    portal.page.context.clear_cookies()
    portal.log_in_as(admin)
    assert portal.problems("/privacy/children/") == []
    assert portal.problems(f"/privacy/children/{child.pk}/") == []
    assert portal.problems(f"/privacy/children/{child.pk}/record/") == []
    assert portal.problems("/privacy/access-log/") == []
