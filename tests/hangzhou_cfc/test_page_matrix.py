"""Role × page × object: no role reaches another scope's objects on the server-rendered pages.

Every URL pattern of the project is enumerated; each page (API, admin and the login views
aside) has an entry in MATRIX, and a new page without one fails the first test. For each page,
each object of scope A it shows, and each method it takes, the entry says which roles may use
it; every role tries it:

- an allowed role gets the stated answer (200, or the documented redirect or form error);
- any other role gets 403, 404 or a redirect to the login page (405 where the method is not
  taken, 409 where the workflow refuses the move): never 200, never 500;
- nothing is written, except by the allowed roles of a check that writes (a move, a new
  feed address) and the logs that record refused attempts too (the personal-data access log,
  the audit trail, sessions);
- no response, allowed or refused, shows a private text (a suggestion's title, a training
  session's topic, a real name) to a role not allowed to read it: the world marks each one.

The world (matrix_world.py) is built once for the module through the real services; each test
runs in a savepoint rolled back after it. Access-control bugs the matrix found are in BUGS:
strict xfails, to be removed as each is fixed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from messaging.preferences import unsubscribe_token
from privacy.models import PersonalDataAccess, PrivacyNotice
from suggestions.models import Notification, Suggestion

from .matrix_world import (
    ADMINS,
    ANONYMOUS,
    EVERYONE,
    FINAL_TITLE,
    LOGGED_IN,
    ROLES,
    build_world,
    people,
    suggestion_viewers,
)

pytestmark = pytest.mark.django_db

LOGIN = "redirect to login"
REFUSED = frozenset({403, 404, LOGIN})
NOBODY = frozenset()

# --- Which patterns are pages -------------------------------------------------------------

# Not pages of the portal's own: the API (test_api_matrix.py), Django's admin (its own
# permissions; see test_the_admin_site_is_closed_to_every_portal_role), the language switch,
# the health checks and Django's login views.
NOT_PAGES = (
    "admin/",
    "api/",
    "static/",
    "media/",
    "i18n/setlang/",
    "healthz",
    "readyz",  # tests/hangzhou_cfc/test_health.py
    "accounts/login/",
    "login/",  # a redirect to accounts/login/ (tests/hangzhou_cfc/test_urls.py)
    "accounts/logout/",
    "accounts/password/",
)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name


def page_names() -> set[str]:
    """The name of every page pattern (an unnamed one by its route), i18n_patterns included."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            name or f"<unnamed: {route}>"
            for route, name in _walk(get_resolver().url_patterns)
            if not route.startswith(NOT_PAGES)
        }


# --- What each page allows ----------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One request to a page: who may make it, and what they and the others get."""

    what: str
    allowed: frozenset[str]
    kwargs: Callable = lambda world: {}
    method: str = "GET"
    data: Callable = lambda world: {}
    ok: frozenset = frozenset({200})
    # Where an allowed role's 302 leads.
    lands_on: Callable | None = None
    refused: frozenset = REFUSED
    # The allowed roles' request may write (the others' never may).
    writes: bool = False
    # Kinds of private text the page shows, by design, to everyone who may open it.
    shows: frozenset[str] = frozenset()
    # More to check in the response: each is called with (world, role, response).
    verify: tuple[Callable, ...] = ()


def get(what, allowed, kwargs=None, **options) -> Check:
    return Check(what, frozenset(allowed), kwargs or (lambda world: {}), **options)


def post(what, allowed, kwargs=None, **options) -> Check:
    return Check(what, frozenset(allowed), kwargs or (lambda world: {}), method="POST", **options)


def pk(key):
    return lambda world: {"pk": world[key].pk}


def lands(name, kwargs=None):
    return lambda world: reverse(name, kwargs=kwargs(world) if kwargs else None)


def version(action, key):
    """A filled-in workflow form: the version of the suggestion the user saw."""
    return lambda world: {f"{action}-version": Suggestion.objects.get(pk=world[key].pk).version}


def lists(text, roles):
    """The page shows `text` to these roles: the scan for what must not be there looks at a
    page that does show such things."""

    def verify(world, role, response):
        if role in roles and response.status_code == 200:
            assert text in body(response), f"{role} does not see {text}"

    return verify


def activity_of_team_a(world):
    start = timezone.localtime().replace(second=0, microsecond=0) - timedelta(days=2)
    return {
        "title": "新的走访",
        "kind": "site_visit",
        "role": "sentiment_observer",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "龙翔桥站",
        "children_count": "3",
        "adults_count": "1",
        "sub_teams": [world["team A"].pk],
        "attendees": [world["child A"].pk],
    }


def sees_people_of_activity_a(world, role, response):
    """The activity is public; who came and the photo showing a child, only for its people."""
    if response.status_code == 200:
        sees = role in people("A")
        assert response.context["may_see_people"] is sees, role
        assert response.context["hidden_photos"] == (0 if sees else 1), role


def marks_only_own_notifications_read(world, role, response):
    read = Notification.objects.filter(read_at__isnull=False)
    assert not read.exclude(recipient=world.users[role]).exists(), role


def streams_to_the_end(world, role, response):
    if response.status_code == 200:
        b"".join(response.streaming_content)


def asks_only_about_own_children(world, role, response):
    if response.status_code == 200:
        own = {"guardian A": {world["child A"].pk}, "guardian B": {world["child B"].pk}}
        asked = {int(name[6:]) for name in response.context["form"].fields if name[:6] == "child_"}
        assert asked == own.get(role, set()), role


SCHOOL_A_AND_COMMUNITY = frozenset({"school A", "community A"}) | ADMINS
MENTOR_A = frozenset({"mentor A"}) | ADMINS
RECORDER_A = frozenset({"mentor A", "superuser"})
ADMINS_WITH_PERSONAL_DATA = frozenset({"admin+personal data", "superuser"})
GUARDIAN_A = frozenset({"guardian A"})
ADULTS = LOGGED_IN - {"child A", "child B"}
PIPELINE_STAFF = frozenset({"school A", "school B", "community A", "department A"})
POST_ONLY = frozenset({405, LOGIN})
# Who may find suggestions (suggestions.search_suggestions): children and those who work on them.
SEARCHERS = LOGGED_IN - {"guardian A", "guardian B"}
STATES = ("draft", "returned", "at_school", "at_community", "in_progress", "implemented")
# Children of other schools who may open a suggestion to say "me too" (the peer page): an
# implemented one is public (suggestions.permissions.peer_may_join).
PEERS = {"implemented": frozenset({"child B"})}
IN_PROGRESS_A = suggestion_viewers("A", "in_progress")
TITLES = {state: f"A-only-{state}" for state in STATES} | {
    "implemented": FINAL_TITLE.format(scope="A")
}


def correct_place(key):
    """The form that corrects a suggestion's place, filled in: to 西湖区, with a reason."""

    def data(world):
        from places.models import Division

        return {
            "place-version": Suggestion.objects.get(pk=world[key].pk).version,
            "place-where": f"division-{Division.objects.get(code='330106').pk}",
            "place-reason": "地点写错了",
        }

    return data


def act(state, action):
    return lambda world: {"pk": world[f"suggestion A {state}"].pk, "action": action}


MATRIX: dict[str, list[Check]] = {
    # --- groups ---
    "home": [
        get(
            "home page",
            EVERYONE,
            verify=(lists("A-only-training", {"child A"}), lists("B-only-training", {"child B"})),
        )
    ],
    # The design system (issue 18): made-up examples only, for the programme office.
    "design": [get("the design system", ADMINS)],
    "alliance": [get("the alliance", LOGGED_IN)],
    "group_detail": [
        get("municipal group", people("A") | people("B"), pk("municipal group")),
        get("alliance group A", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
        get("participation org A", SCHOOL_A_AND_COMMUNITY, pk("participation org A")),
    ],
    "sub_team_detail": [get("team A", people("A"), pk("team A"))],
    "organisation_detail": [
        get("school A", SCHOOL_A_AND_COMMUNITY, pk("school A")),
        get("community A", {"community A"} | ADMINS, pk("community A")),
        get("department A", {"department A"} | ADMINS, pk("department A")),
    ],
    # --- places: what the child's form asks as the child types (JSON; 401 when signed out) ---
    "places_search": [
        get("nothing typed yet", LOGGED_IN, refused={401}),
        post("by POST", NOBODY, refused=POST_ONLY),
    ],
    "places_divisions": [
        get("the districts", LOGGED_IN, refused={401}),
        post("by POST", NOBODY, refused=POST_ONLY),
    ],
    # --- suggestions ---
    "my_suggestions": [
        get(
            "own suggestions",
            {"child A", "child B", "guardian A", "guardian B"},
            verify=(
                lists("A-only-draft", {"child A", "guardian A"}),
                lists("B-only-draft", {"child B", "guardian B"}),
            ),
        ),
    ],
    "suggestion_new": [
        get("the form", {"child A", "child B"}),
        post("empty form", {"child A", "child B"}),
    ],
    "suggestion_detail": [
        get(
            f"{state} A",
            suggestion_viewers("A", state) | PEERS.get(state, NOBODY),
            pk(f"suggestion A {state}"),
            verify=(lists(TITLES[state], suggestion_viewers("A", state)),),
            # Opening it reads the reader's own notifications about it.
            writes=True,
        )
        for state in STATES
    ],
    "suggestion_edit": [
        get("draft A", {"child A"}, pk("suggestion A draft")),
        get("returned A", {"child A"}, pk("suggestion A returned")),
        get(
            "at_school A (sent: back to its page)",
            {"child A"},
            pk("suggestion A at_school"),
            ok={302},
            lands_on=lands("suggestion_detail", pk("suggestion A at_school")),
        ),
        post("draft A, empty form", {"child A"}, pk("suggestion A draft")),
    ],
    "suggestion_sent": [
        get(
            "at_school A",
            {"child A"},
            pk("suggestion A at_school"),
            verify=(lists(TITLES["at_school"], {"child A"}),),
        ),
        get(
            "draft A (not sent: its page)",
            {"child A"},
            pk("suggestion A draft"),
            ok={302},
            lands_on=lands("suggestion_detail", pk("suggestion A draft")),
        ),
    ],
    "suggestion_photo": [
        get(
            "at_school A's photo",
            suggestion_viewers("A", "at_school"),
            pk("suggestion A at_school"),
        )
    ],
    "suggestion_act": [
        get("collect at_school A by GET", NOBODY, act("at_school", "collect"), refused=POST_ONLY),
        # An empty form shows the page again, with its errors, to those who may see it.
        post(
            "collect at_school A, empty form",
            suggestion_viewers("A", "at_school"),
            act("at_school", "collect"),
        ),
        # The move itself: only the desk that has it (409: the workflow refuses this actor).
        post(
            "collect at_school A",
            {"school A"},
            act("at_school", "collect"),
            data=version("collect", "suggestion A at_school"),
            ok={302},
            lands_on=lands("inbox"),
            refused=REFUSED | {409},
            writes=True,
        ),
        post(
            "forward at_community A",
            {"community A"},
            act("at_community", "forward"),
            data=version("forward", "suggestion A at_community"),
            ok={302},
            lands_on=lands("inbox"),
            refused=REFUSED | {409},
            writes=True,
        ),
    ],
    "suggestion_place_correct": [
        get("correct the place by GET", NOBODY, pk("suggestion A at_community"), refused=POST_ONLY),
        post(
            "correct the place of at_community A",
            {"community A"},
            pk("suggestion A at_community"),
            data=correct_place("suggestion A at_community"),
            ok={302},
            lands_on=lands("suggestion_detail", pk("suggestion A at_community")),
            refused=REFUSED | {409},
            writes=True,
        ),
        post(
            "correct the place of in_progress A (said yes: too late)",
            NOBODY,
            pk("suggestion A in_progress"),
            data=correct_place("suggestion A in_progress"),
            refused=REFUSED | {409},
        ),
    ],
    # "Me too": child B (another school) may add their voice to A's implemented suggestion,
    # which is public; child A's own and one child B cannot see are refused with a message
    # (a redirect), nothing written.
    "suggestion_voice": [
        get("me too by GET", NOBODY, pk("suggestion A implemented"), refused=POST_ONLY),
        post(
            "me too on implemented A",
            {"child B"},
            pk("suggestion A implemented"),
            data=lambda world: {"line": "我也看到了"},
            ok={302},
            lands_on=lands("suggestion_detail", pk("suggestion A implemented")),
            refused=REFUSED | {302},
            writes=True,
        ),
        post(
            "me too on at_school A (another school's)",
            NOBODY,
            pk("suggestion A at_school"),
            refused=REFUSED | {302},
        ),
    ],
    "inbox": [
        get(
            "own desk",
            PIPELINE_STAFF,
            verify=(
                lists("A-only-at_school", {"school A"}),
                lists("B-only-at_school", {"school B"}),
                lists("A-only-at_community", {"community A"}),
                lists("A-only-in_progress", {"department A"}),
            ),
        )
    ],
    "notifications": [
        get(
            "own notifications",
            LOGGED_IN,
            verify=(
                lists("A-only-at_school", {"child A", "guardian A", "school A"}),
                lists("B-only-at_school", {"child B", "guardian B", "school B"}),
                lists("A-only-in_progress", {"community A", "department A"}),
            ),
        ),
        post(
            "mark own notifications read",
            LOGGED_IN,
            ok={302},
            lands_on=lands("notifications"),
            writes=True,
            verify=(marks_only_own_notifications_read,),
        ),
    ],
    # --- messaging: each adult's messages page (a child's guardian chooses for them) ---
    "message_preferences": [
        get("own messages page", ADULTS, verify=(asks_only_about_own_children,)),
        post("empty form", ADULTS, ok={400}),
        post(
            "own choices",
            ADULTS,
            data=lambda w: {"language": "en"},
            ok={302},
            lands_on=lands("message_preferences"),
            writes=True,
        ),
        post(
            "both families' children",
            NOBODY,
            # Each guardian names a child of the other family too: refused, nothing written.
            data=lambda w: {
                "language": "en",
                f"child_{w['child A'].pk}": "none",
                f"child_{w['child B'].pk}": "none",
            },
        ),
    ],
    "implemented": [
        get("you said, we did", EVERYONE, verify=(lists(FINAL_TITLE.format(scope="B"), EVERYONE),))
    ],
    # Finding suggestions: each over what they may open, and the implemented ones of all.
    "suggestion_search": [
        get(
            "words of every title",
            SEARCHERS,
            data=lambda w: {"q": "only"},
            verify=(
                lists("A-only-at_school", {"school A", "child A", "mentor A"}),
                lists("B-only-at_school", {"school B", "child B"}),
            ),
        ),
        get(
            "words of the implemented ones",
            SEARCHERS,
            data=lambda w: {"q": "做好的建议"},
            verify=(lists(FINAL_TITLE.format(scope="B"), SEARCHERS),),
        ),
        get("nothing typed", SEARCHERS, data=lambda w: {"q": ""}),
        get("odd characters only", SEARCHERS, data=lambda w: {"q": "<>%_\\'\";--"}),
    ],
    "suggestion_similar": [
        get(
            "a title being written",
            SEARCHERS,
            data=lambda w: {"title": "已经做好的建议", "noticed": "only"},
            verify=(lists(FINAL_TITLE.format(scope="B"), SEARCHERS),),
        ),
    ],
    # --- activities: training ---
    "sub_team_training": [
        get(
            "team A",
            people("A"),
            pk("team A"),
            verify=(lists("A-only-training", people("A")), lists("A-only-material", people("A"))),
        )
    ],
    "training_new": [
        get("team A", MENTOR_A, pk("team A")),
        post("team A, empty form", MENTOR_A, pk("team A")),
    ],
    "training_edit": [
        get("session A", MENTOR_A, pk("session A")),
        post("session A, empty form", MENTOR_A, pk("session A")),
    ],
    "training_material": [get("material A", people("A"), pk("material A"))],
    "child_participation": [
        get(
            "child A",
            people("A"),
            pk("child A"),
            verify=(lists("A-only-training", people("A")),),
        )
    ],
    # --- activities: activities (public, but not who came) ---
    "activity_list": [get("all activities", EVERYONE)],
    "activity_detail": [
        get(
            "activity A",
            EVERYONE,
            pk("activity A"),
            verify=(
                sees_people_of_activity_a,
                lists("A-only-in_progress", IN_PROGRESS_A),
                lists(FINAL_TITLE.format(scope="A"), EVERYONE),
            ),
        )
    ],
    "activity_new": [
        get("municipal group", {"mentor A", "mentor B"} | ADMINS, pk("municipal group")),
        get("alliance group A", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
        post("alliance group A, empty form", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
        # Mentors log the municipal group's activities; naming a sub-team and its children is
        # for that sub-team's mentor (403, or the form shown again with nothing written).
        post(
            "municipal group, for team A with child A",
            MENTOR_A,
            pk("municipal group"),
            data=activity_of_team_a,
            ok={302},
            refused=REFUSED | {200},
            writes=True,
        ),
    ],
    "activity_edit": [
        get("activity A", MENTOR_A, pk("activity A")),
        post("activity A, empty form", MENTOR_A, pk("activity A")),
    ],
    "activity_photo_new": [
        get("activity A", MENTOR_A, pk("activity A")),
        post("activity A, empty form", MENTOR_A, pk("activity A")),
    ],
    # Suggestions recorded on the children's behalf: who organised it and runs the group, not
    # the programme office (a superuser passes every rule, as Django's superusers do).
    "activity_suggestions_record": [
        get("activity A", RECORDER_A, pk("activity A")),
        post("activity A, empty form", RECORDER_A, pk("activity A")),
    ],
    "activity_photo": [
        get("photo A without children", EVERYONE, pk("public photo A")),
        # Public page: a photo showing a child is simply not there for the others.
        get("photo A showing child A", people("A"), pk("child photo A"), refused={404}),
    ],
    # --- activities: calendars ---
    "group_calendar": [
        # The municipal group's calendar lists every sub-team's training, by design
        # (tests/activities/test_calendar.py).
        get(
            "municipal group",
            people("A") | people("B"),
            pk("municipal group"),
            shows={"training"},
            verify=(lists("B-only-training", people("A")),),
        ),
        get("alliance group A", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
    ],
    "sub_team_calendar": [
        get("team A", people("A"), pk("team A"), verify=(lists("A-only-training", people("A")),)),
        post(
            "team A: a new feed address",
            MENTOR_A,
            pk("team A"),
            ok={302},
            lands_on=lands("sub_team_calendar", pk("team A")),
            writes=True,
        ),
    ],
    "sub_team_feed": [
        # The secret address is the key: whoever has it reads the sub-team's calendar.
        get(
            "team A's feed",
            EVERYONE,
            lambda w: {"token": w["feed A"].token},
            shows={"training"},
            verify=(lists("A-only-training", EVERYONE),),
        ),
        get("an unknown address", NOBODY, lambda w: {"token": "x" * 43}, refused={404}),
    ],
    # --- activities: the public directory ---
    "practice_base_list": [get("practice bases", EVERYONE)],
    "programme_list": [get("programmes", EVERYONE)],
    "programme_detail": [get("programme", EVERYONE, pk("programme"))],
    "topic_list": [
        get("discussion topics", EVERYONE, verify=(lists("A-only-in_progress", IN_PROGRESS_A),))
    ],
    "topic_new": [
        get("alliance group A", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
        post("alliance group A, empty form", SCHOOL_A_AND_COMMUNITY, pk("alliance group A")),
    ],
    "topic_edit": [
        get("topic A", SCHOOL_A_AND_COMMUNITY, pk("topic A")),
        post("topic A, empty form", SCHOOL_A_AND_COMMUNITY, pk("topic A")),
    ],
    # --- reports ---
    # Opening the dashboard marks stale exports failed (an UPDATE, even of no row).
    "report_dashboard": [get("dashboard", ADMINS, writes=True)],
    "report_export_request": [
        get("by GET", NOBODY, refused=POST_ONLY),
        post("empty form", ADMINS, ok={302}, lands_on=lands("report_dashboard")),
    ],
    "report_export_download": [get("the year's report", ADMINS, pk("export"))],
    "report_suggestions_csv": [
        get(
            "this year's suggestions",
            ADMINS,
            lambda w: {"year": timezone.localdate().year},
            verify=(streams_to_the_end,),
        )
    ],
    "public_figures": [get("public figures", EVERYONE)],
    # --- audit (audit/, built alongside this matrix): for the programme office only ---
    "audit_trail": [get("the trail", ADMINS)],
    # --- privacy: the notices and consent by link (public) ---
    "privacy_children": [get("children's notice", EVERYONE)],
    "privacy_guardians": [get("guardians' notice", EVERYONE)],
    "privacy_notice_version": [
        get(
            "guardians' 2026-1",
            EVERYONE,
            lambda w: {"audience": "guardians", "version": w["notice"].version},
        ),
        # Not in force yet, left out of the list of versions: only the office previews it.
        get(
            "a version not yet in force",
            ADMINS,
            lambda w: {"audience": "guardians", "version": w["future notice"].version},
            refused={404},
        ),
    ],
    "consent_by_link": [
        # The e-mailed link is the proof: whoever holds it may open it.
        get("the link", EVERYONE, lambda w: {"token": w["consent token"]}),
        post("the link, empty form", EVERYONE, lambda w: {"token": w["consent token"]}),
        get("an unknown link", NOBODY, lambda w: {"token": "y" * 43}, refused={404}),
    ],
    # --- messaging: the one-click unsubscribe of an e-mail (the signed link is the proof) ---
    "message_unsubscribe": [
        get(
            "the link",
            EVERYONE,
            lambda w: {"token": unsubscribe_token(w.users["guardian A"], "news")},
        ),
        post(
            "the link, one click",
            EVERYONE,
            lambda w: {"token": unsubscribe_token(w.users["guardian A"], "news")},
            writes=True,
        ),
        get("an unknown link", NOBODY, lambda w: {"token": "y" * 43}, refused={404}),
    ],
    # --- messaging: linking a guardian's WeChat. WeChat is not set up in this world: every
    # role is refused (tests/messaging/test_wechat.py tries each role with WeChat set up).
    "wechat_link": [
        get("by GET", NOBODY, refused=POST_ONLY),
        post("press Link WeChat", NOBODY),
    ],
    "wechat_callback": [get("back from WeChat", NOBODY)],
    "wechat_unlink": [
        get("by GET", NOBODY, refused=POST_ONLY),
        post("press Unlink WeChat", NOBODY),
    ],
    # --- privacy: the guardian's pages ---
    "guardian_child_privacy": [get("child A", GUARDIAN_A, pk("child A"))],
    "guardian_consent": [
        get("child A by GET", NOBODY, pk("child A"), refused=POST_ONLY),
        post("child A, empty form", GUARDIAN_A, pk("child A"), ok={400}),
    ],
    "guardian_photo_consent": [
        get("child A by GET", NOBODY, pk("child A"), refused=POST_ONLY),
        post(
            "child A, no answer",
            GUARDIAN_A,
            pk("child A"),
            ok={302},
            lands_on=lands("guardian_child_privacy", pk("child A")),
        ),
        post(
            "child A, yes",
            GUARDIAN_A,
            pk("child A"),
            data=lambda w: {"photos": "yes"},
            ok={302},
            lands_on=lands("guardian_child_privacy", pk("child A")),
            writes=True,
        ),
    ],
    "guardian_withdraw": [
        get("child A", GUARDIAN_A, pk("child A")),
        post("child A, empty form", GUARDIAN_A, pk("child A"), ok={400}),
        post(
            "child A, confirmed",
            GUARDIAN_A,
            pk("child A"),
            data=lambda w: {"confirm": "on"},
            ok={302},
            # The child may be anonymised at once: back to the guardian's home page.
            lands_on=lands("home"),
            writes=True,
        ),
    ],
    "guardian_delete": [
        get("child A", GUARDIAN_A, pk("child A")),
        post("child A, empty form", GUARDIAN_A, pk("child A"), ok={400}),
        post(
            "child A, confirmed",
            GUARDIAN_A,
            pk("child A"),
            data=lambda w: {"confirm": "on"},
            ok={302},
            # The child may be anonymised at once: back to the guardian's home page.
            lands_on=lands("home"),
            writes=True,
        ),
    ],
    "guardian_download": [
        get("child A's data", GUARDIAN_A, pk("child A"), verify=(lists("REALNAME-A", GUARDIAN_A),))
    ],
    # --- privacy: the programme office ---
    "privacy_children_list": [get("children", ADMINS)],
    "privacy_child": [
        get("child A", ADMINS, pk("child A")),
        post("child A, empty form", ADMINS, pk("child A"), ok={400}),
    ],
    "personal_record": [
        get("child A: the purpose form", ADMINS_WITH_PERSONAL_DATA, pk("child A")),
        post("child A, empty form", ADMINS_WITH_PERSONAL_DATA, pk("child A"), ok={400}),
        post(
            "child A, with a purpose",
            ADMINS_WITH_PERSONAL_DATA,
            pk("child A"),
            data=lambda w: {"purpose": "contact", "detail": "春游通知"},
            verify=(lists("REALNAME-A", ADMINS_WITH_PERSONAL_DATA),),
        ),
    ],
    "access_log": [get("the access log", ADMINS)],
    # --- imports from spreadsheets: the programme office only ---
    "imports": [get("the imports page", ADMINS)],
    "import_upload": [
        get("the organisations' form", ADMINS, lambda w: {"kind": "organisations"}),
        post("no file", ADMINS, lambda w: {"kind": "organisations"}, ok={400}),
    ],
    "import_template": [get("the staff template", ADMINS, lambda w: {"kind": "staff"})],
    "import_export": [get("the children's roster", ADMINS, lambda w: {"kind": "children"})],
    "import_batch": [
        get("a preview", ADMINS, pk("import batch")),
        post(
            "confirm",
            ADMINS,
            pk("import batch"),
            ok={302},
            lands_on=lands("import_batch", pk("import batch")),
            writes=True,
        ),
    ],
}

# --- Access-control bugs this matrix found -------------------------------------------------
# (page, check, role): the check fails for that role until the app is fixed (strict xfail:
# once fixed, the entry must go).

BUGS: dict[tuple[str, str, str], str] = {}


# --- Running a check ------------------------------------------------------------------------


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)', re.I)
# Written by any request, allowed or not: sessions, and the logs that record refused attempts
# too (the access log of personal data, the audit trail, the login log), by design.
ALWAYS_WRITTEN = {
    "django_session",
    PersonalDataAccess._meta.db_table,
    LogEntry._meta.db_table,
    AccessLog._meta.db_table,
    AccessAttempt._meta.db_table,
}


def tables_written(queries) -> set[str]:
    return {match[1] for query in queries if (match := WRITE.match(query["sql"]))} - ALWAYS_WRITTEN


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


def body(response) -> str | None:
    if response.streaming:
        return None  # files: photos, materials, reports, the CSV
    return response.content.decode(errors="replace")


def run(check: Check, world, role, client, name):
    url = reverse(name, kwargs=check.kwargs(world))

    with CaptureQueriesContext(connection) as queries:
        if check.method == "POST":
            response = client.post(url, check.data(world))
        else:
            response = client.get(url, check.data(world))

    allowed = role in check.allowed
    expected = check.ok if allowed else check.refused
    got = outcome(response)
    where = f"{check.method} {url} ({name}: {check.what}) as {role}"
    assert got in expected, f"{where}: {got}, expected one of {sorted(map(str, expected))}"
    if allowed and got == 302 and check.lands_on:
        assert response["Location"].split("?")[0] == check.lands_on(world), where
    if not (allowed and check.writes):
        assert not tables_written(queries), f"{where} wrote to {tables_written(queries)}"
    text = body(response)
    if text is not None:
        for marker in world.markers:
            if marker.kind in check.shows or role in marker.viewers:
                continue
            assert marker.text not in text, f"{where} shows {marker.text}"
    for verify in check.verify:
        verify(world, role, response)


# --- The world, once for the module ---------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; each test runs in a savepoint inside this transaction, rolled back at the
    end of the module."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        # One login per role for the whole module: its session row lives in this transaction,
        # and each test only presents the cookie.
        for role, user in built.users.items():
            if user is not None:
                login = Client()
                login.force_login(user)
                built.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def shared_client():
    """One client for the module: a new one would load the middleware again (WhiteNoise reads
    every static file each time), which takes longer than most requests."""
    return Client()


@pytest.fixture
def visitor(shared_client, world):
    """The module's client with no cookies: logged out, no messages from the test before."""
    shared_client.cookies = SimpleCookie()
    return shared_client


def log_in(client, world, role):
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]


def cases():
    """One test per page and role; a check with a known bug for that role is a test of its own,
    expected to fail."""
    for name in sorted(MATRIX):
        for role in ROLES:
            checks = MATRIX[name]
            plain = [check for check in checks if (name, check.what, role) not in BUGS]
            if plain:
                yield pytest.param(name, role, plain, id=f"{name}-{role}")
            for check in checks:
                if (name, check.what, role) in BUGS:
                    yield pytest.param(
                        name,
                        role,
                        [check],
                        marks=pytest.mark.xfail(strict=True, reason=BUGS[name, check.what, role]),
                        id=f"{name}-{role}-{check.what}",
                    )


# --- The tests --------------------------------------------------------------------------


def test_every_known_bug_names_a_check_of_the_matrix():
    checks = {(name, check.what) for name, checks in MATRIX.items() for check in checks}
    assert {(name, what) for name, what, _role in BUGS} <= checks


def test_every_page_of_the_project_is_in_the_matrix():
    assert page_names() == set(MATRIX), (
        "pages without a row in MATRIX: "
        f"{sorted(page_names() - set(MATRIX))}; rows without a page: "
        f"{sorted(set(MATRIX) - page_names())}"
    )


@pytest.mark.parametrize(("name", "role", "checks"), list(cases()))
def test_page_answers_each_role_within_its_scope(world, visitor, name, role, checks):
    log_in(visitor, world, role)
    for check in checks:
        run(check, world, role, visitor, name)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_site_is_closed_to_every_portal_role(world, visitor, role):
    user = world.users[role]
    log_in(visitor, world, role)

    response = visitor.get(reverse("admin:index"))

    if user is not None and user.is_staff:
        assert response.status_code == 200, role
    else:
        assert response.status_code == 302, role
        assert response["Location"].startswith(reverse("admin:login")), role
    if role not in ADMINS:
        assert not (user and user.is_staff), f"{role} is staff"


def test_the_world_has_what_the_matrix_asks_for(world):
    """The matrix's objects are where it assumes them: on the desk named, public or not."""
    assert Suggestion.objects.filter(state="implemented").count() == 2
    assert world["child photo A"].consents.exists()
    assert not world["public photo A"].consents.exists()
    assert world["future notice"].published_on > timezone.localdate() + timedelta(days=1)
    assert PrivacyNotice.objects.in_force("guardians") == world["notice"]
    assert {role for role, user in world.users.items() if user is None} == {ANONYMOUS}
    assert all(world.users[role].is_active for role in ROLES if role != ANONYMOUS), (
        "every login of the matrix is open"
    )
