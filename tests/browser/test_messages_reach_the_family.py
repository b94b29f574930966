"""Issue 20's done-when, in a browser: a guardian chooses e-mail and WeChat in English on their
messages page, links WeChat and lets their child be told in the portal; the department marks
the child's suggestion implemented; within seconds the guardian's e-mail arrives at a real SMTP
server and their WeChat message at the WeChat stand-in, in English, with the child's pseudonym
and no real name; the child sees the answer in the portal; the office sees both messages sent."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import ChildPersonalData
from messaging.models import Message, Preferences
from suggestions.models import Suggestion
from tests.groups.factories import AdminFactory, GuardianshipFactory
from tests.messaging.test_email_smtp import in_progress
from tests.suggestions.factories import Pipeline

pytestmark = pytest.mark.browser

REAL_NAME = "欧阳雨桐"
PHONE = {"width": 390, "height": 844}


def test_the_guardian_hears_by_e_mail_and_wechat_and_the_child_in_the_portal(
    portal, smtp_server, wechat, settings
):
    settings.PORTAL_BASE_URL = portal.base_url
    pipe = Pipeline()
    ChildPersonalData.objects.create(child=pipe.child, real_name=REAL_NAME)
    guardian = GuardianshipFactory(
        child=pipe.child,
        guardian__user__email="mother@example.org",
        guardian__user__display_name="Mother of Xiaobailu",
    ).guardian.user
    suggestion = in_progress(pipe, title="学校门口的斑马线太淡了看不清楚")
    page = portal.page
    page.set_viewport_size(PHONE)

    # The guardian, on their messages page: English, news by e-mail and WeChat, WeChat linked,
    # and their child told in the portal.
    wechat.visitor = openid = wechat.follow()
    portal.log_in_as(guardian)
    portal.goto("/en/messages/settings/")
    page.get_by_role("button", name="Link WeChat").click()
    page.get_by_role("button", name="Unlink WeChat").wait_for()
    page.get_by_label("Messages are written in").select_option("en")
    news = page.get_by_role("group", name="News of the suggestions I follow")
    news.get_by_label("E-mail").check()
    news.get_by_label("WeChat").check()
    page.get_by_label("Yes, in the portal", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_be_visible()
    preferences = Preferences.objects.get(user=guardian)
    assert (preferences.language, preferences.wechat_openid) == ("en", openid)
    assert set(preferences.channels["news"]) == {"email", "wechat"}

    # The department marks it implemented, in the browser.
    page.context.clear_cookies()
    portal.log_in_as(pipe.department_staff)
    portal.goto(f"/en/suggestions/{suggestion.pk}/")
    page.locator("summary", has_text="Mark as implemented").click()
    page.get_by_label("What was done").fill("The zebra crossing was painted again.")
    page.get_by_label("Quantity").fill("1")
    page.get_by_label("Unit").fill("zebra crossing")
    page.get_by_label("Completed on").fill(str(timezone.localdate()))
    form = page.locator("form", has=page.locator("button:has-text('Mark as implemented')"))
    clicked = time.monotonic()
    form.locator("button[type=submit]").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    assert Suggestion.objects.get(pk=suggestion.pk).state == "implemented"

    # Within seconds: the e-mail on the SMTP server, the WeChat message at the stand-in.
    deadline = clicked + 10
    while time.monotonic() < deadline and not (
        smtp_server.received_by("mother@example.org") and wechat.sent_to(openid)
    ):
        time.sleep(0.05)
    took = time.monotonic() - clicked
    (mail,) = smtp_server.received_by("mother@example.org")
    (message,) = wechat.sent_to(openid)
    print(f"\nboth messages arrived {took:.1f} s after the click")
    assert took < 10

    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["Subject"] == "小白鹭's suggestion has an answer"
    assert "Open it in the portal" in text and "学校门口的斑马线太淡了看…" in text
    assert f"{portal.base_url}/en/suggestions/{suggestion.pk}/" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    values = " ".join(str(field.get("value", "")) for field in message["data"].values())
    assert "小白鹭" in values and "has an answer" in values, "in English"
    for carried in (str(mail), str(message)):
        assert REAL_NAME not in carried
        assert pipe.child.suggestions.get().noticed not in carried
    assert message["url"].startswith(f"{portal.base_url}/en/suggestions/")

    # The child, allowed by the guardian, sees it in the portal.
    page.context.clear_cookies()
    portal.log_in_as(pipe.child_user)
    portal.goto("/en/notifications/")
    expect(page.get_by_text("Your suggestion has an answer").first).to_be_visible()

    # The office sees both messages as sent.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    portal.log_in_as(AdminFactory())
    portal.goto("/en/admin/messaging/message/?state__exact=sent&topic__exact=news")
    rows = page.locator("#result_list tbody tr", has_text="Mother of Xiaobailu")
    for channel in ("E-mail", "WeChat"):
        expect(rows.filter(has_text=channel)).to_have_count(1)
        expect(rows.filter(has_text=channel)).to_contain_text("Sent")
    assert set(
        Message.objects.filter(recipient=guardian, topic="news", state="sent").values_list(
            "channel", flat=True
        )
    ) == {"inbox", "email", "wechat"}
