"""A world with two of every scope, built through the real services, for the access matrices.

Scope A and scope B each have: a school in a community, a department (reached by a routing
rule), a sub-team of the municipal group with one child, the child's guardian and the
sub-team's mentor, an alliance member group run by the school (fostering a participation
organisation), suggestions on every desk, an activity with attendance and two photos (one
showing the child), a training session with a material, a discussion topic, a calendar feed
and the child's personal record. The programme office has an annual report ready to download.

Every private text carries a marker ("A-only-…", "B-only-…", "REALNAME-…"), recorded with
the roles allowed to read it, so that a page can be scanned for what it must not show.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from activities import services as activity_services
from groups.models import ChildPersonalData, Role
from imports import services as import_services
from imports.kinds import IMPORTERS
from privacy import services as privacy_services
from privacy.first_notices import publish
from privacy.models import (
    Audience,
    ConsentMethod,
    ConsentRequest,
    PrivacyNotice,
    _token_hash,
)
from reports import services as report_services
from suggestions import services as suggestion_services
from suggestions.models import ParticipationRole, RoutingRule
from suggestions.photos import clean_photo
from tests.activities.factories import ProgrammeFactory, UniversityFactory
from tests.groups.factories import (
    ChildFactory,
    CommunityFactory,
    DepartmentFactory,
    FocusAreaFactory,
    GuardianshipFactory,
    MembershipFactory,
    MentorFactory,
    MunicipalGroupFactory,
    SchoolFactory,
    StaffFactory,
    SubTeamFactory,
    UserFactory,
    alliance_with_members,
)
from tests.suggestions.factories import route_pending

ANONYMOUS = "anonymous"
ADMINS = frozenset({"admin", "admin+personal data", "superuser"})
ROLES = (
    ANONYMOUS,
    "child A",
    "child B",
    "guardian A",
    "guardian B",
    "mentor A",
    "mentor B",
    "school A",
    "school B",
    "community A",
    "department A",
    *sorted(ADMINS),
)
LOGGED_IN = frozenset(ROLES) - {ANONYMOUS}
EVERYONE = frozenset(ROLES)
# The states of the suggestions every child has, each with its marker (the implemented one is
# public: "you said, we did").
SUGGESTION_STATES = ("draft", "returned", "at_school", "at_community", "in_progress")
FINAL_TITLE = "{scope} 已经做好的建议 public"


def people(scope: str) -> frozenset[str]:
    """The child, the guardian and the mentor of the scope's sub-team, and the admins: who may
    see the sub-team, its training, and the child's drafts and participation."""
    return frozenset({f"child {scope}", f"guardian {scope}", f"mentor {scope}"}) | ADMINS


def suggestion_viewers(scope: str, state: str) -> frozenset[str]:
    """Who may open a suggestion of the scope's child on this desk: the child, the guardian,
    the mentor, the admins, and every organisation that has had it."""
    desks = {
        "draft": (),
        "returned": ("school",),
        "at_school": ("school",),
        "at_community": ("school", "community"),
        "in_progress": ("school", "community", "department"),
        "implemented": ("school", "community", "department"),
    }[state]
    return people(scope) | {f"{desk} {scope}" for desk in desks}


@dataclass(frozen=True)
class Marker:
    text: str
    kind: str  # suggestion, training, personal
    viewers: frozenset[str]


@dataclass
class World:
    users: dict
    objects: dict = field(default_factory=dict)
    markers: list[Marker] = field(default_factory=list)
    # A logged-in session per role (set by the test module's fixture).
    sessions: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]


def photo_upload(name="photo.jpg"):
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


CONSENT_TOKEN = "matrix-consent-link-token-0123456789abcdefghijk"


def build_world() -> World:
    now, today = timezone.now(), timezone.localdate()
    publish(PrivacyNotice)
    notice = PrivacyNotice.objects.get(audience=Audience.GUARDIANS, version="2026-1")
    municipal = MunicipalGroupFactory()
    admin = UserFactory(role=Role.ADMIN, username="office")
    admin_pd = UserFactory(role=Role.ADMIN, username="office-personal-data")
    admin_pd.user_permissions.add(
        Permission.objects.get(content_type__app_label="groups", codename="view_childpersonaldata")
    )
    superuser = UserFactory(role=Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    university = UniversityFactory()
    programme = ProgrammeFactory()
    users = {
        ANONYMOUS: None,
        "admin": admin,
        "admin+personal data": admin_pd,
        "superuser": superuser,
    }
    world = World(users=users)
    world.objects["municipal group"] = municipal
    world.objects["university"] = university
    world.objects["programme"] = programme

    scopes = {}
    for scope in ("A", "B"):
        community = CommunityFactory(name=f"社区{scope}")
        school = SchoolFactory(name=f"小学{scope}", community=community)
        department = DepartmentFactory(name=f"局{scope}")
        focus_area = FocusAreaFactory(name=f"领域{scope}")
        RoutingRule.objects.create(focus_area=focus_area, department=department)
        team = SubTeamFactory(group=municipal, focus_area=focus_area, name=f"小队{scope}")
        child_user = UserFactory(role=Role.CHILD, display_name=f"小星{scope}")
        child = ChildFactory(user=child_user, pseudonym=f"小星{scope}", school=school)
        MembershipFactory(child=child, sub_team=team, rotation_position=1)
        guardianship = GuardianshipFactory(
            child=child, guardian__user__role=Role.GUARDIAN, photo_consent_on=today
        )
        privacy_services.consent_give(
            child=child,
            guardian=guardianship.guardian,
            notice=notice,
            method=ConsentMethod.PAPER,
            given_at=now - timedelta(hours=1),
            recorded_by=admin,
        )
        ChildPersonalData.objects.create(
            child=child, real_name=f"REALNAME-{scope} 王", contact_phone="13800000000"
        )
        mentor = MentorFactory(sub_teams=[team]).user
        school_staff = StaffFactory(organisation=school, user__role=Role.SCHOOL).user
        community_staff = StaffFactory(organisation=community, user__role=Role.COMMUNITY).user
        department_staff = StaffFactory(organisation=department, user__role=Role.DEPARTMENT).user
        users.update(
            {
                f"child {scope}": child_user,
                f"guardian {scope}": guardianship.guardian.user,
                f"mentor {scope}": mentor,
                f"school {scope}": school_staff,
                f"community {scope}": community_staff,
                f"department {scope}": department_staff,
            }
        )
        scopes[scope] = (child, focus_area, school_staff, community_staff, department_staff)
        world.objects.update(
            {
                f"community {scope}": community,
                f"school {scope}": school,
                f"department {scope}": department,
                f"team {scope}": team,
                f"child {scope}": child,
                f"guardianship {scope}": guardianship,
            }
        )
        world.markers.append(
            # The guardian downloads it; admins given the permission open the record.
            Marker(
                f"REALNAME-{scope}",
                "personal",
                frozenset({f"guardian {scope}", "admin+personal data", "superuser"}),
            )
        )
    # Community B and department B have staff (they move B's suggestions) but are not roles of
    # the matrix; their users are kept out of it.
    for extra in ("community B", "department B"):
        world.objects[f"{extra} staff"] = users.pop(extra)

    alliance_a, alliance_b = alliance_with_members(world["school A"], world["school B"], fostered=1)
    world.objects.update(
        {
            "alliance group A": alliance_a,
            "alliance group B": alliance_b,
            "participation org A": alliance_a.fostered.get(),
        }
    )

    # --- Suggestions on every desk, moved by the people whose move it is ----------------------
    for scope, (
        child,
        focus_area,
        school_staff,
        community_staff,
        department_staff,
    ) in scopes.items():
        made = {}
        for state in (*SUGGESTION_STATES, "implemented"):
            title = (
                FINAL_TITLE.format(scope=scope)
                if state == "implemented"
                else f"{scope}-only-{state} 建议"
            )
            made[state] = suggestion_services.suggestion_create(
                child=child,
                submit=state != "draft",
                title=title,
                noticed="放学时车很多。",
                proposal="画一条斑马线。",
                place="校门口",
                focus_area=focus_area,
                role=ParticipationRole.SAFETY_PROMOTER,
                photo=clean_photo(photo_upload()) if state == "at_school" else None,
            )
            if state != "implemented":
                world.markers.append(
                    Marker(f"{scope}-only-{state}", "suggestion", suggestion_viewers(scope, state))
                )
        route_pending()

        def move(key, action, user, made=made, **kwargs):
            suggestion_services.suggestion_transition(
                suggestion=made[key], action=action, user=user, **kwargs
            )

        move("returned", "return", school_staff, note="请写清楚是哪个路口。")
        for key in ("at_community", "in_progress", "implemented"):
            move(key, "collect", school_staff)
        route_pending()
        for key in ("in_progress", "implemented"):
            move(key, "forward", community_staff)
        route_pending()
        for key in ("in_progress", "implemented"):
            move(key, "accept", department_staff, planned_on=today + timedelta(days=30))
        move(
            "implemented",
            "mark_implemented",
            department_staff,
            outcome={
                "description": "画好了斑马线",
                "quantity": 1,
                "unit": "条",
                "completed_on": today,
            },
        )
        for state, suggestion in made.items():
            suggestion.refresh_from_db()
            assert suggestion.state == state, (scope, state, suggestion.state)
            world.objects[f"suggestion {scope} {state}"] = suggestion

    # --- Training, activities, topics, calendars ------------------------------------------
    for scope in ("A", "B"):
        team, child = world[f"team {scope}"], world[f"child {scope}"]
        mentor = users[f"mentor {scope}"]
        session = activity_services.training_session_log(
            user=mentor,
            held_on=today,
            topic=f"{scope}-only-training 安全培训",
            hours=Decimal(2),
            sub_teams=[team],
            attendees=[child],
            materials=[
                SimpleUploadedFile(
                    f"{scope}-only-material.txt", "讲义".encode(), content_type="text/plain"
                )
            ],
        )
        world.markers.append(Marker(f"{scope}-only-training", "training", people(scope)))
        world.markers.append(Marker(f"{scope}-only-material", "training", people(scope)))
        activity = activity_services.activity_log(
            user=mentor,
            group=municipal,
            title=f"活动{scope} 地铁站走访",
            kind="site_visit",
            role=ParticipationRole.SENTIMENT_OBSERVER,
            starts_at=now - timedelta(days=1),
            ends_at=now - timedelta(hours=20),
            place="地铁站",
            children_count=1,
            programme=programme,
            sub_teams=[team],
            attendees=[child],
            suggestions=[
                world[f"suggestion {scope} in_progress"],
                world[f"suggestion {scope} implemented"],
            ],
        )
        public_photo = activity_services.activity_photo_add(
            activity=activity, user=mentor, image=photo_upload()
        )
        child_photo = activity_services.activity_photo_add(
            activity=activity, user=mentor, image=photo_upload(), children_shown=[child]
        )
        topic = activity_services.discussion_topic_record(
            user=users[f"school {scope}"],
            group=world[f"alliance group {scope}"],
            name=f"议题{scope}",
            partner=university,
            raised_on=today,
            suggestions=[world[f"suggestion {scope} in_progress"]],
        )
        world.objects.update(
            {
                f"session {scope}": session,
                f"material {scope}": session.materials.get(),
                f"activity {scope}": activity,
                f"public photo {scope}": public_photo,
                f"child photo {scope}": child_photo,
                f"topic {scope}": topic,
                f"feed {scope}": activity_services.calendar_feed_for(team),
            }
        )

    # --- Privacy: a second guardian of child A waits for consent by link; a future notice ---
    second = GuardianshipFactory(
        child=world["child A"],
        guardian__user__role=Role.GUARDIAN,
        guardian__user__email="grandma@example.org",
        relationship="grandparent",
    )
    with mock.patch.object(
        ConsentRequest,
        "new_token",
        return_value=(CONSENT_TOKEN, _token_hash(CONSENT_TOKEN)),
    ):
        privacy_services.consent_request_send(guardianship=second, sent_by=admin)
    world.objects["consent token"] = CONSENT_TOKEN
    world.objects["future notice"] = PrivacyNotice.objects.create(
        audience=Audience.GUARDIANS,
        version="2099-1",
        published_on=today + timedelta(days=60),
        title="FUTURE-NOTICE 草案",
        title_en="FUTURE-NOTICE draft",
        body="## 草案\n尚未生效。",
        body_en="## Draft\nNot in force yet.",
        responsible=notice.responsible,
        responsible_en=notice.responsible_en,
        contact=notice.contact,
    )
    world.objects["notice"] = notice
    # A spreadsheet uploaded by the office, waiting for its confirmation (imports/).
    world.objects["import batch"] = import_services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name="organisations.csv",
        data="组织代码 / code,类型 / kind,名称 / name\nmatrix-district,district,矩阵区\n".encode(),
        user=admin,
    )

    # --- The programme office's annual report, made as the worker makes it -----------------
    export, _started = report_services.report_export_request(
        user=admin, year=today.year, fmt="csv", language="zh-hans"
    )
    world.objects["export"] = report_services.report_export_generate(export_id=export.pk)
    assert world["export"].file, world["export"].error
    return world
