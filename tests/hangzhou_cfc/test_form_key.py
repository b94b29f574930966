"""The HTML forms' hidden key: a form sent again gets the first answer and writes nothing more
(issue 16)."""

import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import encode_multipart

from hangzhou_cfc.models import IdempotentRequest
from suggestions import services as suggestion_services
from suggestions.models import StageChange, Suggestion
from suggestions.services import suggestion_transition
from tests.groups.factories import PASSWORD, ChildUserFactory, MembershipFactory
from tests.helpers import photo_bytes, suggestion_form_data, url
from tests.suggestions.factories import route_pending

TEMPLATES = Path(settings.BASE_DIR) / "templates"
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post\b.*?</form>", re.I | re.S)
TAG = "{% form_key %}"

# The POST forms that must not carry a key, and why.
WITHOUT_A_KEY = {
    # Logging in starts a new session: the key's scope would change under the request, and a
    # login sent twice writes nothing twice anyway.
    "registration/login.html": "login",
    # Logging out and switching the language write no record of the portal's; sent twice they
    # do the same again, which is what was asked.
    "base.html": "logout, language switch",
    # The answer to its POST is the page with a child's real name and contacts, and every look
    # is logged with its purpose: never a redirect, never to be kept in the keys' table.
    "privacy/personal_record.html": "a look at a child's personal record",
    # No session (the e-mailed link is the proof), the answer is the page itself, and the link
    # already records consent once: the service refuses a link that was used.
    "privacy/consent_link.html": "consent by an e-mailed link",
}

KEY = re.compile(r'<input type="hidden" name="form_key" value="([A-Za-z0-9_-]+)">')

pytestmark = pytest.mark.django_db


def keys_in(response) -> list[str]:
    return KEY.findall(response.content.decode())


def form_data(pipe, **overrides):
    """The new suggestion form, sent with its Send button."""
    return suggestion_form_data(pipe, submit="1", **overrides)


def new_form_key(client) -> str:
    (key,) = keys_in(client.get(url("suggestion_new")))
    return key


# --- Every write form carries it ------------------------------------------------------------


def post_forms():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        for number, form in enumerate(POST_FORM.findall(path.read_text()), start=1):
            yield name, number, form


def test_every_post_form_in_templates_carries_a_form_key():
    lacking = [
        f"{name}: POST form {number}"
        for name, number, form in post_forms()
        if name not in WITHOUT_A_KEY and TAG not in form
    ]

    assert [form for form in post_forms() if form[0] not in WITHOUT_A_KEY], "no forms found?"
    assert lacking == [], "add {% form_key %} after {% csrf_token %} (or say why not, above)"


def test_the_forms_without_a_key_exist_and_carry_none():
    with_forms = {name for name, _, _ in post_forms()}
    for name in WITHOUT_A_KEY:
        assert name in with_forms, f"{name} has no POST form now: take it off the list"
    assert not [name for name, _, form in post_forms() if name in WITHOUT_A_KEY and TAG in form], (
        "a form on the list carries a key after all"
    )


def test_each_rendering_of_a_form_has_a_new_key(client, pipe):
    client.force_login(pipe.child_user)

    first, again = new_form_key(client), new_form_key(client)

    assert first != again
    assert len(first) >= 16


# --- Sent twice, written once ---------------------------------------------------------------


def test_the_suggestion_form_sent_twice_writes_one_suggestion_and_both_go_to_it(client, pipe):
    client.force_login(pipe.child_user)
    data = {**form_data(pipe), "form_key": new_form_key(client)}

    first = client.post(url("suggestion_new"), data)
    again = client.post(url("suggestion_new"), data, follow=True)

    suggestion = Suggestion.objects.get()
    assert first.status_code == 302
    assert first["Location"] == url("suggestion_sent", pk=suggestion.pk)
    assert again.redirect_chain == [(first["Location"], 302)]
    assert "This form was already sent: it was saved once, not twice." in again.text
    assert suggestion.state != "draft"


def test_a_move_sent_twice_moves_once_and_both_answers_go_to_the_inbox(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    suggestion.refresh_from_db()
    client.force_login(pipe.school_staff)
    page = client.get(url("suggestion_detail", pk=suggestion.pk))
    keys = keys_in(page)
    assert len(keys) == len(set(keys)) >= 2, "each move's form has a key of its own"
    action = url("suggestion_act", pk=suggestion.pk, action="collect")
    (key,) = re.findall(
        rf'action="{action}".*?name="form_key" value="([^"]+)"', page.text, flags=re.S
    )
    data = {"collect-version": suggestion.version, "form_key": key}

    first = client.post(action, data)
    again = client.post(action, data)

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == url("inbox")
    assert again["Idempotent-Replayed"] == "true"
    assert StageChange.objects.filter(suggestion=suggestion, action="collect").count() == 1


def test_a_photo_sent_twice_in_other_multipart_bodies_is_one_suggestion(
    client, pipe, tmp_path, settings
):
    """A browser picks a new boundary for each submission: the same form, another body."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pipe.child_user)
    data = {**form_data(pipe), "form_key": new_form_key(client)}

    def send(boundary):
        photo = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
        return client.post(
            url("suggestion_new"),
            encode_multipart(boundary, {**data, "photo": photo}),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    first, again = send("----first"), send("----again")

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Suggestion.objects.count() == 1
    photos = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(photos) == 1, "one photo file, not two"


def test_the_key_sent_with_other_words_writes_nothing_and_says_so(client, pipe):
    client.force_login(pipe.child_user)
    key = new_form_key(client)
    first = client.post(url("suggestion_new"), {**form_data(pipe), "form_key": key})

    changed = client.post(
        url("suggestion_new"),
        {**form_data(pipe, title="另一个建议"), "form_key": key},
        follow=True,
    )

    assert changed.redirect_chain == [(first["Location"], 302)]
    assert "what you changed afterwards was not saved" in changed.text
    assert list(Suggestion.objects.values_list("title", flat=True)) == ["学校门口需要斑马线"]


# --- What still works as before -------------------------------------------------------------


def test_a_form_with_errors_then_corrected_is_saved(client, pipe):
    client.force_login(pipe.child_user)
    key = new_form_key(client)

    refused = client.post(url("suggestion_new"), {**form_data(pipe, title=""), "form_key": key})
    assert refused.status_code == 200
    assert not IdempotentRequest.objects.exists(), "a page with errors is not an answer to keep"
    (shown_again,) = keys_in(refused)
    assert shown_again != key, "the form shown again has a new key"

    corrected = client.post(url("suggestion_new"), {**form_data(pipe), "form_key": shown_again})
    assert corrected.status_code == 302
    assert Suggestion.objects.count() == 1
    # Even a page that kept the old key (a browser restoring the form) is not refused.
    client.post(url("suggestion_new"), {**form_data(pipe, title="第二个"), "form_key": key})
    assert Suggestion.objects.count() == 2


def test_a_stale_move_shown_again_can_be_sent_with_the_same_key(client, pipe):
    suggestion = pipe.draft()
    suggestion_transition(suggestion=suggestion, action="submit", user=pipe.child_user)
    route_pending()
    suggestion.refresh_from_db()
    seen = suggestion.version
    Suggestion.objects.filter(pk=suggestion.pk).update(version=seen + 1)  # moved meanwhile
    client.force_login(pipe.school_staff)
    action = url("suggestion_act", pk=suggestion.pk, action="return")
    data = {"return-version": seen, "return-note": "是哪个校门？", "form_key": "k" * 24}

    assert client.post(action, data).status_code == 409
    data["return-version"] = seen + 1
    assert client.post(action, data).status_code == 302
    assert StageChange.objects.filter(suggestion=suggestion, action="return").count() == 1


def test_a_form_without_a_key_works_as_it_always_did(client, pipe):
    client.force_login(pipe.child_user)

    client.post(url("suggestion_new"), form_data(pipe))
    client.post(url("suggestion_new"), form_data(pipe))

    assert Suggestion.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("key", ["", "short", "<script>alert(1)</script>-padding", "k" * 65])
def test_a_damaged_key_is_a_page_that_says_so_and_writes_nothing(client, pipe, key):
    client.force_login(pipe.child_user)

    response = client.post(url("suggestion_new"), {**form_data(pipe), "form_key": key})

    assert response.status_code == 400
    assert "This form is damaged, so it was not sent." in response.text
    assert "<script>alert" not in response.text
    assert not Suggestion.objects.exists()


def test_a_key_from_another_session_is_not_replayed(client, pipe):
    other = ChildUserFactory()
    MembershipFactory(child=other.child)
    client.force_login(pipe.child_user)
    data = {**form_data(pipe), "form_key": new_form_key(client)}
    client.post(url("suggestion_new"), data)

    theirs = Client()
    theirs.force_login(other)
    response = theirs.post(url("suggestion_new"), data)

    assert "Idempotent-Replayed" not in response
    assert Suggestion.objects.filter(child=other.child).count() == 1


def test_a_page_from_before_logging_out_and_in_is_refused_as_it_always_was(pipe):
    """Logging in starts a new session, so the old key means nothing to it; the old page's
    CSRF token is void too (login rotates it), and that check refuses it, writing nothing."""
    browser = Client(enforce_csrf_checks=True)
    pipe.child_user.username = "egret"
    pipe.child_user.save()

    def log_in():
        page = browser.get(url("login"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        response = browser.post(
            url("login"),
            {"username": "egret", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302

    log_in()
    page = browser.get(url("suggestion_new"))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    data = {**form_data(pipe), "form_key": keys_in(page)[0], "csrfmiddlewaretoken": csrf}
    assert browser.post(url("suggestion_new"), data).status_code == 302
    browser.post(url("logout"), {"csrfmiddlewaretoken": csrf})
    log_in()

    resent = browser.post(url("suggestion_new"), data)

    assert resent.status_code == 403
    assert Suggestion.objects.count() == 1


# --- Two at once ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_that_reaches_two_workers_at_once_writes_once(pipe, monkeypatch):
    """The second request waits for the first's transaction on the key's row, then replays
    its answer: its view never runs."""
    create = suggestion_services.suggestion_create
    both_sent = threading.Barrier(2)
    ran = []

    def slow_create(**kwargs):
        ran.append(1)
        suggestion = create(**kwargs)
        threading.Event().wait(0.5)  # the other request arrives meanwhile
        return suggestion

    monkeypatch.setattr(suggestion_services, "suggestion_create", slow_create)
    client = Client()
    client.force_login(pipe.child_user)
    data = {**form_data(pipe), "form_key": new_form_key(client)}
    answers = []

    def send():
        browser = Client()
        browser.cookies = client.cookies
        both_sent.wait()
        try:
            answers.append(browser.post(url("suggestion_new"), data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert ran == [1], "the second request's view never ran"
    assert Suggestion.objects.count() == 1
