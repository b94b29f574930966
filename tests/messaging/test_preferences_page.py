"""The messages page (issue 20, item 3): each adult chooses, per topic their role has, the
channels this portal serves; a guardian decides where each of their children hears of their
suggestions; what they save is what reach_of, and so every notice after it, follows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from groups.models import Role
from messaging import services
from messaging.models import ChildReach, Message, Preferences
from messaging.preferences import reach_of
from messaging.transports.sms import phone_normalise
from suggestions.models import Notification
from suggestions.workflow import State
from tests.groups.factories import (
    ChildUserFactory,
    GuardianshipFactory,
    MentorFactory,
    StaffFactory,
    UserFactory,
)
from tests.helpers import url
from tests.suggestions.test_services import act, at, outcome

pytestmark = pytest.mark.django_db

ALL_CHANNELS = {
    "email": "messaging.transports.email.EmailTransport",
    "sms": "messaging.transports.sms.TencentSms",
    "wechat": "messaging.transports.wechat.WeChatTemplate",
}


@pytest.fixture
def sms_and_wechat(settings):
    settings.MESSAGE_TRANSPORTS = ALL_CHANNELS


@pytest.fixture
def family(pipe):
    """The pipeline's child (login with an e-mail address) and a guardian with an e-mail."""
    pipe.child_user.email = "child@example.org"
    pipe.child_user.save(update_fields=["email"])
    pipe.guardian = GuardianshipFactory(
        child=pipe.child, guardian__user__email="parent@example.org"
    ).guardian.user
    return pipe


def page(client, user, language="en"):
    client.force_login(user)
    return client.get(url("message_preferences", language))


def save(client, user, data, language="en"):
    client.force_login(user)
    return client.post(url("message_preferences", language), data)


def offered(response) -> dict[str, list[str]]:
    """{field: its choices' values} of the page's form."""
    form = response.context["form"]
    return {
        name: [value for value, _label in getattr(field, "choices", [])]
        for name, field in form.fields.items()
    }


def answer(pipe):
    """A suggestion of the pipeline's child walked to the department and answered."""
    suggestion = at(pipe, State.IN_PROGRESS)
    act(suggestion, "mark_implemented", pipe.department_staff, outcome=outcome())
    return suggestion


# --- Who sees what --------------------------------------------------------------------------


def test_a_guardian_chooses_news_and_digest_by_e_mail_when_only_e_mail_is_served(client, family):
    response = page(client, family.guardian)

    assert response.status_code == 200
    fields = offered(response)
    assert fields["topic_news"] == ["email"]
    assert fields["topic_digest"] == ["email"]
    assert "phone" not in fields
    assert set(fields) == {"language", "topic_news", "topic_digest", f"child_{family.child.pk}"}
    assert "wechat_link" not in response.content.decode()


def test_with_sms_and_wechat_a_guardian_gets_both_for_news_and_the_number_field(
    client, family, sms_and_wechat
):
    response = page(client, family.guardian)

    fields = offered(response)
    assert fields["topic_news"] == ["email", "sms", "wechat"]
    assert fields["topic_digest"] == ["email"]
    assert "phone" in fields
    html = response.content.decode()
    assert "21:00" in html and "08:00" in html
    assert f'action="{url("wechat_link")}"' in html
    assert "wechat_unlink" not in html and url("wechat_unlink") not in html


def test_a_guardian_whose_wechat_is_linked_may_unlink_it(client, family, sms_and_wechat):
    Preferences.objects.create(user=family.guardian, wechat_linked_at=timezone.now())

    html = page(client, family.guardian).content.decode()

    assert f'action="{url("wechat_unlink")}"' in html
    assert f'action="{url("wechat_link")}"' not in html


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.COMMUNITY, Role.DEPARTMENT, Role.ADMIN])
def test_staff_choose_work_and_overdue_by_e_mail_or_sms_and_never_wechat(
    client, role, sms_and_wechat
):
    response = page(client, StaffFactory(user__role=role).user)

    fields = offered(response)
    assert set(fields) == {"language", "topic_work", "topic_overdue", "topic_digest", "phone"}
    assert fields["topic_work"] == fields["topic_overdue"] == ["email", "sms"]
    assert fields["topic_digest"] == ["email"]
    html = response.content.decode()
    assert 'value="wechat"' not in html
    # Quiet hours are for families: a staff member's page does not promise them.
    assert "21:00" not in html


def test_a_mentor_chooses_only_the_language_and_is_asked_no_number(client, sms_and_wechat):
    """No digest is made for mentors (suggestions' digests are for staff and families): the
    page offers nothing they would not get."""
    response = page(client, MentorFactory().user)

    assert set(offered(response)) == {"language"}


def test_the_portal_is_shown_as_always_on_not_as_a_choice(client, family):
    html = page(client, family.guardian).content.decode()

    assert 'value="inbox"' not in html.split('name="language"')[0].split("<form")[-1]
    assert "checked disabled" in html
    assert "(always)" in html


def test_a_child_may_not_open_the_page(client, family):
    assert page(client, family.child_user).status_code == 403


def test_someone_signed_out_is_sent_to_log_in(client):
    response = client.get(url("message_preferences"))

    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))


def test_the_page_shows_what_the_person_gets_until_they_save(client, family):
    """The role's defaults: a guardian gets the news by e-mail; staff with per-event e-mail
    (the tests' setting) get new work by e-mail."""
    form = page(client, family.guardian).context["form"]
    assert form["topic_news"].initial == ["email"]
    assert form["topic_digest"].initial == []
    assert form[f"child_{family.child.pk}"].initial == "inbox"
    assert form["language"].initial == "zh-hans"

    staff = page(client, family.school_staff).context["form"]
    assert staff["topic_work"].initial == ["email"]


def test_the_e_mail_answer_for_a_child_is_offered_only_when_their_login_has_an_address(
    client, family
):
    field = f"child_{family.child.pk}"
    assert offered(page(client, family.guardian))[field] == ["none", "inbox", "email"]

    family.child_user.email = ""
    family.child_user.save(update_fields=["email"])

    assert offered(page(client, family.guardian))[field] == ["none", "inbox"]


# --- Saving ----------------------------------------------------------------------------------


def test_a_guardian_saves_and_reads_back_their_choices(client, family, sms_and_wechat):
    data = {
        "language": "en",
        "topic_news": ["sms", "wechat"],
        "topic_digest": ["email"],
        "phone": "+86 138-0013-8000",
        f"child_{family.child.pk}": "email",
    }

    response = save(client, family.guardian, data)

    assert response.status_code == 302
    assert response["Location"] == url("message_preferences")
    preferences = Preferences.objects.get(user=family.guardian)
    assert preferences.language == "en"
    assert preferences.channels == {"news": ["sms", "wechat"], "digest": ["email"]}
    assert preferences.phone == "+8613800138000"
    reach = ChildReach.objects.get(child=family.child)
    assert (reach.channels, reach.set_by) == (["inbox", "email"], family.guardian)
    form = page(client, family.guardian).context["form"]
    assert form["topic_news"].initial == ["sms", "wechat"]
    assert form["phone"].initial == "+8613800138000"
    assert form[f"child_{family.child.pk}"].initial == "email"
    # WeChat reaches them once linked (no openid yet: no message is written for it).
    assert reach_of([family.guardian], "news")[family.guardian.pk] == (["inbox", "sms"], "en")


def test_a_guardian_who_turns_e_mail_off_for_news_is_sent_no_e_mail_of_an_answer(client, family):
    save(client, family.guardian, {"language": "zh-hans", f"child_{family.child.pk}": "inbox"})

    answer(family)

    theirs = Message.objects.filter(recipient=family.guardian, template="suggestions.notification")
    assert set(theirs.values_list("channel", flat=True)) == {"inbox"}
    assert Notification.objects.filter(recipient=family.guardian).exists()


def test_until_a_guardian_saves_an_answer_reaches_them_by_e_mail(family):
    """The test above can fail: the same answer, with nothing saved, is e-mailed."""
    answer(family)

    assert Message.objects.filter(recipient=family.guardian, channel="email").exists()


def test_a_child_turned_off_by_their_guardian_gets_no_notice(client, family):
    save(client, family.guardian, {"language": "zh-hans", f"child_{family.child.pk}": "none"})

    answer(family)

    assert not Notification.objects.filter(recipient=family.child_user).exists()
    assert not Message.objects.filter(recipient=family.child_user).exists()
    assert Notification.objects.filter(recipient=family.guardian).exists()


def test_a_child_allowed_e_mail_is_e_mailed_the_answer(client, family):
    save(client, family.guardian, {"language": "zh-hans", f"child_{family.child.pk}": "email"})

    answer(family)

    assert set(
        Message.objects.filter(recipient=family.child_user).values_list("channel", flat=True)
    ) == {"inbox", "email"}


def test_staff_who_turn_off_e_mail_for_new_work_hear_of_it_only_in_the_portal(client, family):
    save(client, family.school_staff, {"language": "zh-hans", "topic_digest": ["email"]})

    reach = reach_of([family.school_staff], "work")[family.school_staff.pk]

    assert reach.channels == ["inbox"]
    assert reach_of([family.school_staff], "digest")[family.school_staff.pk].channels == ["email"]


def test_a_channel_not_served_here_keeps_what_it_was(client, family):
    """WeChat is off on this portal: saving the page (which does not show it) leaves the
    guardian's WeChat as their role's default, for the day it is switched on."""
    save(
        client,
        family.guardian,
        {"language": "zh-hans", "topic_news": ["email"], f"child_{family.child.pk}": "inbox"},
    )

    assert Preferences.objects.get(user=family.guardian).channels["news"] == ["email", "wechat"]


def test_saving_again_the_same_answer_for_a_child_does_not_rewrite_who_set_it(client, family):
    other = GuardianshipFactory(child=family.child).guardian.user
    save(client, family.guardian, {"language": "zh-hans", f"child_{family.child.pk}": "none"})

    save(client, other, {"language": "zh-hans", f"child_{family.child.pk}": "none"})

    assert ChildReach.objects.get(child=family.child).set_by == family.guardian


# --- Bad input ---------------------------------------------------------------------------------


def test_sms_with_a_bad_number_is_refused_with_everything_kept_and_nothing_saved(
    client, family, sms_and_wechat, in_english
):
    data = {
        "language": "en",
        "topic_news": ["sms"],
        "phone": "0571 8888 8888",  # a landline: it cannot get a text
        f"child_{family.child.pk}": "none",
    }

    response = save(client, family.guardian, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["phone"] == [
        "Please enter a mainland China mobile number, e.g. 138 0013 8000."
    ]
    html = response.content.decode()
    assert 'value="0571 8888 8888"' in html
    assert form["topic_news"].value() == ["sms"]
    assert form[f"child_{family.child.pk}"].value() == "none"
    assert not Preferences.objects.exists()
    assert not ChildReach.objects.exists()


def test_sms_without_a_number_asks_for_one(client, family, sms_and_wechat, in_english):
    response = save(
        client, family.guardian, {"language": "en", "topic_news": ["sms"], "phone": " "}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [
        "Add your mobile number to get text messages."
    ]
    assert not Preferences.objects.exists()


def test_a_channel_the_role_may_not_choose_is_refused(client, family, sms_and_wechat):
    response = save(
        client, family.school_staff, {"language": "en", "topic_work": ["wechat"], "phone": ""}
    )

    assert response.status_code == 400
    assert not Preferences.objects.exists()


def test_a_guardian_cannot_set_another_familys_child(client, family):
    stranger = GuardianshipFactory().child

    response = save(
        client,
        family.guardian,
        {
            "language": "en",
            f"child_{family.child.pk}": "none",
            f"child_{stranger.pk}": "none",
        },
    )

    assert response.status_code == 403
    assert not ChildReach.objects.exists()
    assert not Preferences.objects.exists()


def test_the_service_refuses_another_familys_child_and_writes_nothing(family):
    stranger = GuardianshipFactory().child

    with pytest.raises(PermissionDenied):
        services.preferences_save(
            user=family.guardian,
            language="en",
            channels={"news": []},
            children={family.child.pk: [], stranger.pk: []},
        )

    assert not Preferences.objects.exists()
    assert not ChildReach.objects.exists()


def test_the_service_refuses_a_child_and_a_person_without_a_role(family):
    with pytest.raises(PermissionDenied):
        services.preferences_save(user=family.child_user, language="en", channels={})
    with pytest.raises(PermissionDenied):
        services.preferences_save(user=UserFactory(role=""), language="en", channels={})
    assert not Preferences.objects.exists()


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
    ],
)
def test_a_mobile_number_is_read_as_people_type_it(typed, number):
    assert phone_normalise(typed) == number


@pytest.mark.parametrize(
    "typed", ["", "12345", "0571 8888 8888", "+1 415 555 0100", "1380013800a", "电话"]
)
def test_anything_but_a_mainland_mobile_number_is_refused(typed):
    with pytest.raises(ValidationError):
        phone_normalise(typed)


def test_a_child_without_a_login_is_offered_no_e_mail(client, family):
    child = ChildUserFactory().child
    child.user = None
    child.save(update_fields=["user"])
    GuardianshipFactory(child=child, guardian=family.guardian.guardian)

    assert offered(page(client, family.guardian))[f"child_{child.pk}"] == ["none", "inbox"]


def test_a_guardians_children_come_with_their_logins_and_rows_in_one_query(
    family, django_assert_num_queries
):
    from messaging.selectors import children_of_guardian

    second = GuardianshipFactory(guardian=family.guardian.guardian).child
    ChildReach.objects.create(child=second, channels=[])

    with django_assert_num_queries(1):
        children = children_of_guardian(family.guardian)
        seen = [
            (child.user and child.user.email, getattr(child, "reach", None)) for child in children
        ]

    assert len(seen) == 2
    assert sorted(bool(reach) for _email, reach in seen) == [False, True]


def test_a_page_left_open_does_not_undo_what_the_other_guardian_chose(client, family):
    """Guardian A's page showed "in the portal"; meanwhile guardian B turned the child's
    messages off. A saves only a new language: B's choice stays."""
    other = GuardianshipFactory(child=family.child).guardian.user
    field = f"child_{family.child.pk}"
    shown = page(client, family.guardian).content.decode()
    assert f'name="initial-{field}" value="inbox"' in shown

    save(client, other, {"language": "zh-hans", field: "none"})
    save(
        client,
        family.guardian,
        {"language": "en", field: "inbox", f"initial-{field}": "inbox"},
    )

    reach = ChildReach.objects.get(child=family.child)
    assert (reach.channels, reach.set_by) == ([], other)
    assert Preferences.objects.get(user=family.guardian).language == "en"
