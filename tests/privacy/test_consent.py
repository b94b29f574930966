"""A child's login stays closed until a guardian's consent is recorded: by the e-mailed link,
from the guardian's account, or from a signed paper form recorded by the office."""

import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from messaging.models import Message, MessageState
from privacy import services
from privacy.models import Consent, ConsentMethod, ConsentRequest, PrivacyNotice, _token_hash
from tests.groups.factories import AdminFactory, GuardianshipFactory
from tests.privacy.factories import child_with_guardian, guardians_notice

pytestmark = pytest.mark.django_db


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


AGREE = {"has_read": "on", "is_guardian": "on", "agrees": "on", "notice_version": "2026-1"}


@pytest.fixture
def send_link(client, django_capture_on_commit_callbacks):
    def send(child, guardianship):
        with django_capture_on_commit_callbacks(execute=True):
            return _send_link(client, child, guardianship)

    return send


def _send_link(client, child, guardianship):
    client.force_login(AdminFactory())
    response = client.post(
        url("privacy_child", pk=child.pk), {"send-guardian": guardianship.guardian.pk}
    )
    assert response.status_code == 302, response.text
    client.logout()
    return guardianship


def link_sent():
    (message,) = mail.outbox
    return re.search(r"https?://\S+/privacy/consent/\S+/", message.body).group(0)


def path_of(link, language="en"):
    """The link's path (it opens in Chinese, the default), in the language asked for."""
    path = "/" + link.split("/", 3)[3]
    return path if language == "zh-hans" else f"/{language}{path}"


@pytest.fixture(autouse=True)
def notice():
    return guardians_notice()


def test_the_link_records_consent_once_and_opens_the_login(client, send_link):
    child, guardianship = child_with_guardian()
    assert not child.user.is_active
    send_link(child, guardianship)
    link = link_sent()
    assert mail.outbox[0].to == ["mother@example.org"]
    assert "监护人" in mail.outbox[0].body or "同意" in mail.outbox[0].body  # Chinese first
    assert child.pseudonym in mail.outbox[0].body

    assert "/en/" not in link
    page = client.get(path_of(link, "zh-hans"))
    assert page.status_code == 200
    assert "个人信息保护负责人" in page.text  # the notice, with the person responsible

    done = client.post(path_of(link), AGREE)

    assert done.status_code == 200
    consent = Consent.objects.get()
    assert (consent.child, consent.guardian, consent.method) == (
        child,
        guardianship.guardian,
        ConsentMethod.LINK,
    )
    assert consent.notice.version == "2026-1"
    child.user.refresh_from_db()
    assert child.user.is_active

    replayed = client.post(path_of(link), AGREE)
    assert replayed.status_code == 410
    assert Consent.objects.count() == 1


def test_a_form_with_boxes_unticked_says_which_and_writes_nothing(client, send_link):
    child, guardianship = child_with_guardian()
    send_link(child, guardianship)
    link = link_sent()

    response = client.post(path_of(link), {"notice_version": "2026-1", "has_read": "on"})

    assert response.status_code == 200
    assert "Only the child&#x27;s guardian can give consent." in response.text
    assert "Tick this box to give your consent." in response.text
    assert "checked" in response.text  # what was ticked stays ticked
    assert not Consent.objects.exists()
    assert ConsentRequest.objects.get().used_at is None


def test_consent_to_a_notice_that_changed_meanwhile_is_refused(client, send_link, notice):
    child, guardianship = child_with_guardian()
    send_link(child, guardianship)
    link = link_sent()
    PrivacyNotice.objects.create(
        audience="guardians",
        version="2026-2",
        published_on=timezone.localdate(),
        title="新版",
        title_en="New",
        body="新",
        body_en="New",
        responsible="负责人",
        responsible_en="Officer",
        contact="x",
    )

    response = client.post(path_of(link), AGREE)

    assert "The notice changed while you were reading it" in response.text
    assert not Consent.objects.exists()
    assert ConsentRequest.objects.get().used_at is None


def test_an_expired_link_and_a_made_up_one_are_refused(client, send_link):
    child, guardianship = child_with_guardian()
    send_link(child, guardianship)
    link = link_sent()
    ConsentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    expired = client.post(path_of(link), AGREE)
    made_up = client.get(url("consent_by_link", token="not-a-real-token"))

    assert expired.status_code == 410 and "This link has expired" in expired.text
    assert made_up.status_code == 404 and "This link is not valid" in made_up.text
    assert not Consent.objects.exists()


def test_no_link_for_a_guardian_without_e_mail(client):
    child, guardianship = child_with_guardian(email="")
    client.force_login(AdminFactory())

    response = client.post(
        url("privacy_child", pk=child.pk), {"send-guardian": guardianship.guardian.pk}
    )

    assert response.status_code == 400
    assert "This guardian has no e-mail address" in response.text
    assert not ConsentRequest.objects.exists()


def test_no_link_for_a_guardian_whose_login_is_closed(client):
    child, guardianship = child_with_guardian()
    guardianship.guardian.user.is_active = False
    guardianship.guardian.user.save(update_fields=["is_active"])
    client.force_login(AdminFactory())

    response = client.post(
        url("privacy_child", pk=child.pk), {"send-guardian": guardianship.guardian.pk}
    )

    assert response.status_code == 400
    assert "This guardian&#x27;s login is closed" in response.text
    assert not ConsentRequest.objects.exists()


TOKEN = "a-secret-token-known-to-this-test-only"


def send_held(client, child, guardianship, django_capture_on_commit_callbacks):
    """Send a link whose e-mail waits (its callbacks are returned, not run yet)."""
    token_and_hash = (TOKEN, _token_hash(TOKEN))
    with (
        mock.patch.object(ConsentRequest, "new_token", return_value=token_and_hash),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        _send_link(client, child, guardianship)
    return callbacks


def test_the_links_secret_waits_encrypted_in_the_outbox_and_is_erased_once_sent(
    client, django_capture_on_commit_callbacks
):
    child, guardianship = child_with_guardian()
    callbacks = send_held(client, child, guardianship, django_capture_on_commit_callbacks)

    message = Message.objects.get()
    assert TOKEN not in str(Message.objects.values().get())
    assert TOKEN not in str(ConsentRequest.objects.values().get())
    assert message.context == {"consent_request": ConsentRequest.objects.get().pk}
    assert (message.recipient, message.secret()) == (guardianship.guardian.user, TOKEN)

    for callback in callbacks:
        callback()

    assert f"/privacy/consent/{TOKEN}/" in mail.outbox[0].body
    message.refresh_from_db()
    assert (message.state, message.sealed_secret) == (MessageState.SENT, "")


@pytest.mark.parametrize(
    ("held_back", "days_said"),
    [(timedelta(seconds=30), settings.CONSENT_LINK_DAYS), (timedelta(hours=30), 12)],
)
def test_a_link_held_back_says_no_more_days_than_it_has_left(
    client, django_capture_on_commit_callbacks, held_back, days_said
):
    child, guardianship = child_with_guardian()
    callbacks = send_held(client, child, guardianship, django_capture_on_commit_callbacks)
    ConsentRequest.objects.update(expires_at=F("expires_at") - held_back)

    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert f"(the link works once, for {days_said} days)" in message.body


def test_nothing_is_sent_that_has_nothing_left_to_ask_and_the_page_says_so(
    client, notice, django_capture_on_commit_callbacks
):
    child, guardianship = child_with_guardian()
    callbacks = send_held(client, child, guardianship, django_capture_on_commit_callbacks)
    services.consent_give(
        child=child,
        guardian=guardianship.guardian,
        notice=notice,
        method=ConsentMethod.PAPER,
        given_at=timezone.now(),
    )

    for callback in callbacks:
        callback()

    assert mail.outbox == []
    assert Message.objects.get().state == MessageState.SKIPPED
    client.force_login(AdminFactory())
    page = client.get(url("privacy_child", pk=child.pk))
    assert "e-mail: not sent (no address, or nothing left to say)" in page.text


def test_a_link_with_less_than_a_day_left_is_not_sent(client, django_capture_on_commit_callbacks):
    child, guardianship = child_with_guardian()
    callbacks = send_held(client, child, guardianship, django_capture_on_commit_callbacks)
    ConsentRequest.objects.update(expires_at=timezone.now() + timedelta(hours=20))

    for callback in callbacks:
        callback()

    assert mail.outbox == []
    assert Message.objects.get().state == MessageState.SKIPPED


def test_the_guardian_consents_from_their_account(client):
    child, guardianship = child_with_guardian()
    client.force_login(guardianship.guardian.user)

    page = client.get(url("guardian_child_privacy", pk=child.pk))
    response = client.post(url("guardian_consent", pk=child.pk), AGREE)

    assert "account stays closed until a guardian gives consent" in page.text
    assert response.status_code == 302
    assert Consent.objects.get().method == ConsentMethod.ACCOUNT
    child.user.refresh_from_db()
    assert child.user.is_active


def test_a_paper_consent_is_checked_against_the_notice_and_the_calendar(client, notice):
    child, guardianship = child_with_guardian()
    stranger = GuardianshipFactory().guardian
    client.force_login(AdminFactory())
    address = url("privacy_child", pk=child.pk)
    form = {"paper-guardian": guardianship.guardian.pk, "paper-notice": notice.pk}

    before = client.post(address, {**form, "paper-signed_on": "2025-12-31"})
    future = client.post(
        address, {**form, "paper-signed_on": str(date.today() + timedelta(days=2))}
    )
    other = client.post(
        address, {**form, "paper-guardian": stranger.pk, "paper-signed_on": "2026-03-01"}
    )

    assert "was not the one in force on that day" in before.text
    assert "Consent cannot be given in the future." in future.text
    assert "Select a valid choice" in other.text
    assert not Consent.objects.exists()

    done = client.post(address, {**form, "paper-signed_on": "2026-03-01"})

    assert done.status_code == 302
    assert Consent.objects.get().method == ConsentMethod.PAPER
    child.user.refresh_from_db()
    assert child.user.is_active


def test_a_new_child_login_made_in_the_admin_is_closed_and_cannot_be_opened_by_hand(client):
    from groups.models import User

    client.force_login(AdminFactory())
    client.post(
        url("admin:groups_user_add"),
        {
            "username": "new-child",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
            "usable_password": "true",
            "role": "child",
            "display_name": "小新",
        },
    )
    login = User.objects.get(username="new-child")
    assert not login.is_active

    child, _guardianship = child_with_guardian()
    form = {
        "username": child.user.username,
        "role": "child",
        "display_name": child.pseudonym,
        "is_active": "on",
        "date_joined_0": "2026-03-01",
        "date_joined_1": "10:00:00",
    }
    response = client.post(url("admin:groups_user_change", object_id=child.user.pk), form)

    assert "A child&#x27;s login opens only with a guardian&#x27;s consent." in response.text
    child.user.refresh_from_db()
    assert not child.user.is_active


def test_the_notices_are_public_versioned_and_in_both_languages(client):
    children_zh = client.get(url("privacy_children", language="zh-hans"))
    children_en = client.get(url("privacy_children"))
    guardians_en = client.get(url("privacy_guardians"))
    version = client.get(url("privacy_notice_version", audience="guardians", version="2026-1"))

    assert "写给小观察员的隐私说明" in children_zh.text
    assert "Others see your pseudonym" in children_en.text
    assert "Person responsible" in guardians_en.text and "privacy@" in guardians_en.text
    assert "Version 2026-1" in version.text
    assert (
        client.get(url("privacy_notice_version", audience="guardians", version="9999")).status_code
        == 404
    )
