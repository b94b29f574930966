"""User text is never markup or a formula (issue 8).

Every free-text field a user can fill is filled with script, HTML and reportlab markup, or with
a spreadsheet formula, and then read back the way people read it: each page that shows it
(escaped, never raw), the JSON endpoints and the guardian's download (the text as typed, served
as JSON), the annual report's XLSX (a string, never a formula), CSV (an apostrophe before a
formula) and PDF (the markup shown as text, no link or script made of it), and the streamed
CSV of the year's suggestions.

FIELDS below is the table of those fields and of where each is shown; a meta-test fails when a
model gains a text field that the table does not list.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.http import urlencode
from pypdf import PdfReader

from activities.models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    Attendance,
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    PracticeBaseYear,
    Programme,
    ProgrammeFigure,
    TrainingMaterial,
    TrainingSession,
)
from groups.models import (
    Alliance,
    Child,
    ChildPersonalData,
    FocusArea,
    GroupLevel,
    Guardian,
    Guardianship,
    Membership,
    MembershipRole,
    Mentor,
    MentorKind,
    MentorTeam,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    Role,
    StaffMember,
    SubTeam,
    User,
)
from imports import services as import_services
from imports.kinds import IMPORTERS
from places.models import Division
from privacy.models import AccessAction, AccessPurpose, Audience, PersonalDataAccess, PrivacyNotice
from reports.exports import write_csv, write_pdf, write_xlsx
from reports.figures import suppressed, year_figures
from reports.models import ExportFormat, ExportState, ReportExport
from suggestions.models import (
    Notification,
    NotificationKind,
    OnBehalfRecord,
    Outcome,
    ParticipationRole,
    PlaceCorrection,
    ProgressUpdate,
    StageChange,
    Suggestion,
    SuggestionAuthor,
    Voice,
)
from suggestions.search import words
from suggestions.workflow import State

pytestmark = pytest.mark.django_db

APPS = ("groups", "suggestions", "activities", "reports", "privacy", "imports")

# --- What is typed ------------------------------------------------------------------------------

# The markup typed into pages' fields, the longest that fits the field ({tag} names the field, so
# that a page can be checked for each field it shows). None of them may reach a page raw.
MARKUP = (
    '<script>alert("{tag}")</script><img src=x onerror=alert(1)><font color=red>red</font><b>b</b>',
    '<script>alert("{tag}")</script><img src=x onerror=alert(1)>',
    '<script>"{tag}"</script><img src=x>',
    # For the shortest field (a notice's version, 20 characters, which is also in addresses).
    "<svg onload={tag}>",
)
# Whatever the field, none of these may appear raw in a page.
RAW = ("<script>alert(", '<script>"', "<img src=x", "<font color=red>", "<svg onload")

# What goes into the annual report and the CSV files, each before the field's tag: formulas
# (OWASP's list of the characters that start one: = + - @, tab and carriage return), and markup
# that reportlab's Paragraph would read (fonts, bold, links).
FORMULAS = (
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
)
REPORTLAB = (
    "<font color=red>red</font><b>b</b>",
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    '<a href="http://evil.example/">link</a><link href="javascript:alert(1)">js</link>',
)


def markup(tag: str, max_length: int | None) -> str:
    for template in MARKUP:
        value = template.format(tag=tag)
        if max_length is None or len(value) <= max_length:
            return value
    raise AssertionError(f"no markup fits {max_length} characters")


def typed_after(payload: str):
    """The payload, then the field's tag; in a field too short for both, the tag first, so
    that each field's text is its own (the real-name watch would otherwise find a child's
    address, cut to the bare payload, inside every other field)."""

    def text(tag: str, max_length: int | None) -> str:
        value = f"{payload} {tag}"
        if max_length is not None and len(value) > max_length:
            value = f"{tag} {payload}"[:max_length]
        return value

    return text


# --- The table ----------------------------------------------------------------------------------

# Every free-text field of the portal's models: the pages that show it (keys of PAGES below),
# and the files and JSON that carry it: "report" (the annual report's XLSX, CSV and PDF),
# "suggestions_csv" (the year's suggestions) and the keys of JSON_ENDPOINTS. The English half of
# a bilingual name or text shows on the pages of its Chinese half, in English (IN_ENGLISH); each
# half is checked in its own language.
LOGGED_IN = "every page for a logged-in user"  # the menu names whoever is logged in
IN_ENGLISH = "the pages of its Chinese half, in English"
SUGGESTION_PAGES = (
    "implemented_suggestion",
    "declined_suggestion",
    "returned_suggestion",
    "suggestion_edit",
    "suggestion_at_school",
)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field: (pages, files and JSON)
    "groups.User.display_name": ((LOGGED_IN,), ()),
    "groups.User.email": (("child_admin",), ()),
    "groups.FocusArea.name": (
        (
            "record_suggestions",
            "implemented",
            "public_figures",
            "home_child",
            "my_suggestions",
            *SUGGESTION_PAGES,
            "home_mentor",
            "sub_team",
            "inbox",
            "municipal_group",
            "dashboard",
        ),
        ("report", "api-figures", "open311-services", "open311-requests", "download"),
    ),
    "groups.FocusArea.name_en": (
        (IN_ENGLISH,),
        ("report",),
    ),
    "groups.Organisation.name": (
        (
            "activity_list",
            "activity_detail",
            "implemented",
            "practice_base_list",
            "programme_list",
            "programme_detail",
            "topic_list",
            "public_figures",
            "home_child",
            "my_suggestions",
            "implemented_suggestion",
            "home_guardian",
            "home_mentor",
            "sub_team",
            "activity_edit",
            "home_school",
            "inbox",
            "suggestion_at_school",
            "municipal_group",
            "alliance_group",
            "alliance",
            "community",
            "topic_edit",
            "dashboard",
            "privacy_children",
            "child_admin",
        ),
        (
            "report",
            "suggestions_csv",
            "api-suggestion-list",
            "api-group-list",
            "api-practice-base-list",
            "api-figures",
            "open311-requests",
            "download",
        ),
    ),
    "groups.Organisation.name_en": (
        (IN_ENGLISH,),
        ("report",),
    ),
    "groups.Alliance.name": (("alliance_group", "alliance"), ()),
    "groups.Alliance.name_en": ((IN_ENGLISH,), ()),
    "groups.ObservationGroup.name": (
        (
            "record_suggestions",
            "activity_list",
            "activity_detail",
            "programme_detail",
            "topic_list",
            "public_figures",
            "sub_team",
            "sub_team_calendar",
            "group_calendar",
            "activity_edit",
            "municipal_group",
            "alliance_group",
            "alliance",
            "community",
            "topic_edit",
            "dashboard",
        ),
        ("report", "api-group-list", "api-figures"),
    ),
    "groups.ObservationGroup.name_en": (
        (IN_ENGLISH,),
        ("report", "api-group-list"),
    ),
    "groups.SubTeam.name": (
        (
            "activity_detail",
            "home_child",
            "home_guardian",
            "home_mentor",
            "sub_team",
            "training_list",
            "training_edit",
            "sub_team_calendar",
            "group_calendar",
            "activity_edit",
            "municipal_group",
            "dashboard",
        ),
        ("report", "api-sub-team-list", "api-figures", "download"),
    ),
    "groups.SubTeam.name_en": (
        (IN_ENGLISH,),
        ("report", "api-sub-team-list"),
    ),
    "imports.ImportBatch.file_name": (("imports", "import_batch"), ()),
    "groups.Child.pseudonym": (
        (
            "record_suggestions",
            "activity_detail",
            "implemented",
            "home_child",
            "participation",
            "home_guardian",
            "guardian_child",
            "home_mentor",
            "sub_team",
            "training_edit",
            "activity_edit",
            "inbox",
            "suggestion_at_school",
            "municipal_group",
            "privacy_children",
            "child_admin",
            "personal_record",
            "access_log",
        ),
        (
            "api-suggestion-list",
            "api-implemented-list",
            "api-training-session-list",
            "api-activity-list",
            "download",
        ),
    ),
    # Encrypted; shown only on the logged personal-record page and in the guardian's download.
    "groups.ChildPersonalData.real_name": (("personal_record",), ("download",)),
    "groups.ChildPersonalData.contact_phone": (("personal_record",), ("download",)),
    "groups.ChildPersonalData.address": (("personal_record",), ("download",)),
    "groups.MentorTeam.name": (("home_mentor", "municipal_group"), ()),
    "groups.MentorTeam.name_en": ((IN_ENGLISH,), ()),
    "groups.StaffMember.title": (("home_school",), ()),
    "suggestions.Suggestion.title": (
        (
            "activity_detail",
            "implemented",
            "topic_list",
            "my_suggestions",
            *SUGGESTION_PAGES,
            "notifications",
            "inbox",
            "suggestion_search",
        ),
        (
            "api-suggestion-list",
            "api-implemented-list",
            "open311-requests",
            "open311-request",
            "download",
        ),
    ),
    "suggestions.Suggestion.noticed": (SUGGESTION_PAGES, ("api-suggestion-list", "download")),
    "suggestions.Suggestion.proposal": (
        ("implemented", *SUGGESTION_PAGES),
        ("api-suggestion-list", "api-implemented-list", "download"),
    ),
    "suggestions.Suggestion.place": (
        SUGGESTION_PAGES,
        ("api-suggestion-list", "api-implemented-list", "download"),
    ),
    "suggestions.Suggestion.answer": (
        ("declined_suggestion", "suggestion_edit"),
        ("api-suggestion-list", "download"),
    ),
    "suggestions.StageChange.note": (
        ("implemented_suggestion", "declined_suggestion", "returned_suggestion"),
        (),
    ),
    "suggestions.Outcome.description": (
        ("implemented", "implemented_suggestion"),
        ("api-implemented-list",),
    ),
    "suggestions.Outcome.unit": (
        ("implemented", "public_figures", "implemented_suggestion", "dashboard"),
        ("report", "suggestions_csv", "api-implemented-list", "api-figures"),
    ),
    "suggestions.ProgressUpdate.note": (("implemented_suggestion",), ()),
    # On the staff's timeline only.
    "suggestions.PlaceCorrection.reason": (("suggestion_at_school",), ()),
    # Under "who else noticed it": the author's page, the staff's, and the peer's own.
    "suggestions.Voice.line": (
        ("implemented_suggestion", "suggestion_at_school", "peer_suggestion"),
        (),
    ),
    "activities.TrainingSession.topic": (
        (
            "home_child",
            "participation",
            "training_list",
            "training_edit",
            "sub_team_calendar",
            "group_calendar",
        ),
        ("api-training-session-list", "download"),
    ),
    "activities.TrainingSession.notes": (("training_edit",), ("api-training-session-list",)),
    "activities.TrainingMaterial.name": (("training_list", "training_edit"), ()),
    "activities.PracticeBase.name": (
        (
            "activity_list",
            "activity_detail",
            "practice_base_list",
            "sub_team_calendar",
            "group_calendar",
            "activity_edit",
        ),
        ("api-practice-base-list",),
    ),
    "activities.PracticeBase.name_en": (
        (IN_ENGLISH,),
        ("api-practice-base-list",),
    ),
    "activities.PracticeBase.address": (("practice_base_list",), ("api-practice-base-list",)),
    "activities.Programme.name": (
        (
            "activity_list",
            "activity_detail",
            "programme_list",
            "programme_detail",
            "public_figures",
            "activity_edit",
            "dashboard",
        ),
        ("report", "api-programme-list", "api-figures"),
    ),
    "activities.Programme.name_en": (
        (IN_ENGLISH,),
        ("report", "api-programme-list"),
    ),
    "activities.Programme.description": (("programme_detail",), ("api-programme-list",)),
    "activities.Programme.description_en": ((IN_ENGLISH,), ("api-programme-list",)),
    # In the report as "name: value".
    "activities.ProgrammeFigure.name": (
        ("programme_list", "programme_detail", "public_figures", "dashboard"),
        ("report", "api-programme-list"),
    ),
    "activities.ProgrammeFigure.name_en": (
        (IN_ENGLISH,),
        ("report", "api-programme-list"),
    ),
    "activities.Activity.title": (
        (
            "record_suggestions",
            "activity_list",
            "activity_detail",
            "programme_detail",
            "implemented_suggestion",
            "participation",
            "sub_team_calendar",
            "group_calendar",
            "activity_edit",
            "suggestion_at_school",
        ),
        ("api-activity-list", "download"),
    ),
    "activities.Activity.place": (
        (
            "activity_list",
            "activity_detail",
            "sub_team_calendar",
            "group_calendar",
            "activity_edit",
        ),
        ("api-activity-list",),
    ),
    "activities.Activity.report": (("activity_detail", "activity_edit"), ("api-activity-list",)),
    "activities.ActivityPhoto.caption": (("activity_detail",), ()),
    "activities.DiscussionTopic.name": (
        ("topic_list", "implemented_suggestion", "topic_edit"),
        (),
    ),
    "activities.DiscussionTopic.name_en": (
        (IN_ENGLISH,),
        (),
    ),
    "activities.DiscussionTopic.summary": (("topic_list", "topic_edit"), ()),
    "suggestions.OnBehalfRecord.source": (("suggestion_at_school",), ()),
    "reports.ReportExport.error": (("dashboard",), ()),
    "privacy.PrivacyNotice.title": (("privacy_notice", "guardian_child"), ()),
    "privacy.PrivacyNotice.title_en": ((IN_ENGLISH,), ()),
    "privacy.PrivacyNotice.body": (("privacy_notice", "guardian_child"), ()),
    "privacy.PrivacyNotice.body_en": ((IN_ENGLISH,), ()),
    "privacy.PrivacyNotice.responsible": (("privacy_notice", "guardian_child"), ()),
    "privacy.PrivacyNotice.responsible_en": ((IN_ENGLISH,), ()),
    "privacy.PrivacyNotice.contact": (("privacy_notice", "guardian_child"), ()),
    "privacy.PersonalDataAccess.username": (("access_log",), ()),
    "privacy.PersonalDataAccess.detail": (("personal_record", "access_log"), ()),
}

# Text fields that are not free text a user types, or not shown outside the admin pages (which
# are checked as a whole below): why.
NOT_USER_TEXT = {
    "groups.User.password": "a password hash, never shown",
    "groups.User.username": (
        "a login name: Django's validator allows letters, digits and @.+-_ only; failed logins' "
        "names are checked on the audit trail below"
    ),
    "suggestions.StageChange.action": "a workflow action's name, written by the code",
    "activities.TrainingMaterial.content_type": "the type the upload was found to be, not typed",
    "activities.CalendarFeed.token": "a random secret",
    "reports.WorkerHeartbeat.hostname": "the worker's host name, written by the worker",
    "privacy.ConsentRequest.token_hash": "a hash",
    "privacy.ConsentRequest.sent_to": "an e-mail address; admin pages only",
    "privacy.PersonalDataAccess.role": "a role's value, written by the code",
    "privacy.PersonalDataAccess.path": "the address asked for (numbers only), written by the code",
    "groups.Child.roster_number": "letters, digits, - and _ only (validate_slug)",
    "imports.ImportBatch.kind": "an importer's slug, written by the code",
    "imports.ImportBatch.sha256": "a hash, written by the code",
    "suggestions.Suggestion.search_words": (
        "the words of its title and texts for the search, written by the code; shown nowhere"
    ),
}


def text_fields():
    """Every CharField and TextField of the portal's models, except choices and slugs."""
    found = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                if not isinstance(f, (models.CharField, models.TextField)):
                    continue
                if f.choices or isinstance(f, models.SlugField):
                    continue
                found.add(f"{label}.{model.__name__}.{f.name}")
    return found


# --- A world full of it -------------------------------------------------------------------------


@dataclass
class World:
    text: Callable[[str, int | None], str]
    values: dict[str, str] = field(default_factory=dict)

    def __call__(self, key: str) -> str:
        """What was typed into the field `key` ("app.Model.field")."""
        if key not in self.values:
            app, model, name = key.split(".")
            max_length = apps.get_model(app, model)._meta.get_field(name).max_length
            self.values[key] = self.text(f"F{len(self.values):02d}", max_length)
        return self.values[key]


def image_file(name="photo.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def build(text) -> World:
    """Every free-text field filled by `text(tag, max_length)`, in objects that each page shows."""
    w = World(text)
    now = timezone.now()
    today = timezone.localdate()
    since = today - timedelta(days=30)

    def names(prefix):
        return {"name": w(f"{prefix}.name"), "name_en": w(f"{prefix}.name_en")}

    def organisation(kind, code, **kwargs):
        return Organisation.objects.create(
            kind=kind, code=code, **names("groups.Organisation"), **kwargs
        )

    w.district = organisation(OrganisationKind.DISTRICT, "d")
    w.community = organisation(OrganisationKind.COMMUNITY, "c", district=w.district)
    w.school = organisation(
        OrganisationKind.SCHOOL, "s", district=w.district, community=w.community
    )
    w.department = organisation(OrganisationKind.DEPARTMENT, "dep")
    w.university = organisation(OrganisationKind.UNIVERSITY, "u")
    w.office = organisation(OrganisationKind.PROGRAMME_OFFICE, "programme-office")
    w.focus_area = FocusArea.objects.create(code="f", **names("groups.FocusArea"))
    w.municipal = ObservationGroup.objects.create(
        level=GroupLevel.MUNICIPAL, organisation=w.office, **names("groups.ObservationGroup")
    )
    w.alliance = Alliance.objects.create(**names("groups.Alliance"))
    w.alliance_group = ObservationGroup.objects.create(
        level=GroupLevel.ALLIANCE_MEMBER,
        organisation=w.community,
        alliance=w.alliance,
        **names("groups.ObservationGroup"),
    )
    ObservationGroup.objects.create(
        level=GroupLevel.PARTICIPATION_ORG,
        organisation=w.community,
        fostered_by=w.alliance_group,
        **names("groups.ObservationGroup"),
    )
    w.sub_team = SubTeam.objects.create(
        group=w.municipal, focus_area=w.focus_area, **names("groups.SubTeam")
    )
    w.mentor_team = MentorTeam.objects.create(group=w.municipal, **names("groups.MentorTeam"))

    def user(username, role, **kwargs):
        return User.objects.create_user(
            username=username,
            role=role,
            display_name=w("groups.User.display_name"),
            email=w("groups.User.email"),
            **kwargs,
        )

    w.admin = user("admin", Role.ADMIN, is_staff=True, is_superuser=True)
    w.child_user = user("child", Role.CHILD)
    w.import_batch = import_services.batch_upload(
        importer=IMPORTERS["organisations"],
        file_name=w("imports.ImportBatch.file_name"),
        data="组织代码,类型,名称\nx,district,某区\n".encode(),
        user=w.admin,
    )
    w.child = Child.objects.create(
        pseudonym=w("groups.Child.pseudonym"),
        user=w.child_user,
        school=w.school,
        community=w.community,
        joined_on=since,
    )
    ChildPersonalData.objects.create(
        child=w.child,
        real_name=w("groups.ChildPersonalData.real_name"),
        contact_phone=w("groups.ChildPersonalData.contact_phone"),
        address=w("groups.ChildPersonalData.address"),
    )
    for role in (MembershipRole.MEMBER, MembershipRole.LEADER):
        Membership.objects.create(
            child=w.child, sub_team=w.sub_team, role=role, starts_on=since, rotation_position=1
        )
    w.guardian_user = user("guardian", Role.GUARDIAN)
    w.guardian = Guardian.objects.create(user=w.guardian_user)
    Guardianship.objects.create(
        guardian=w.guardian, child=w.child, relationship=Guardianship.Relationship.MOTHER
    )
    w.mentor_user = user("mentor", Role.MENTOR)
    w.mentor = Mentor.objects.create(
        user=w.mentor_user, team=w.mentor_team, kind=MentorKind.EXPERT, organisation=w.university
    )
    w.mentor.sub_teams.set([w.sub_team])
    w.school_user = user("school", Role.SCHOOL)
    StaffMember.objects.create(
        user=w.school_user, organisation=w.school, title=w("groups.StaffMember.title")
    )

    # Suggestions in the states whose pages show each of their texts.
    def suggestion(state, owner=None, **kwargs):
        return Suggestion.objects.create(
            child=w.child,
            title=w("suggestions.Suggestion.title"),
            noticed=w("suggestions.Suggestion.noticed"),
            proposal=w("suggestions.Suggestion.proposal"),
            place=w("suggestions.Suggestion.place"),
            focus_area=w.focus_area,
            role=ParticipationRole.SAFETY_PROMOTER,
            group=w.alliance_group,
            state=state,
            owner=owner,
            submitted_at=now,
            search_words=" ".join(words(w("suggestions.Suggestion.title"))),
            **kwargs,
        )

    def moved(suggestion, action, to_state, **kwargs):
        StageChange.objects.create(
            suggestion=suggestion,
            action=action,
            from_state=State.AT_SCHOOL,
            to_state=to_state,
            actor=w.admin,
            note=w("suggestions.StageChange.note"),
            **kwargs,
        )

    w.implemented = suggestion(State.IMPLEMENTED, owner=w.department, closed_at=now)
    moved(w.implemented, "accept", State.IN_PROGRESS, owner=w.department, due_at=now)
    Outcome.objects.create(
        suggestion=w.implemented,
        description=w("suggestions.Outcome.description"),
        quantity=Decimal(3),
        unit=w("suggestions.Outcome.unit"),
        completed_on=today,
    )
    ProgressUpdate.objects.create(
        suggestion=w.implemented,
        percent=50,
        note=w("suggestions.ProgressUpdate.note"),
        author=w.admin,
    )
    w.declined = suggestion(
        State.DECLINED, answer=w("suggestions.Suggestion.answer"), closed_at=now
    )
    moved(w.declined, "decline", State.DECLINED)
    w.returned = suggestion(State.RETURNED, answer=w("suggestions.Suggestion.answer"))
    moved(w.returned, "return", State.RETURNED)
    w.at_school = suggestion(State.AT_SCHOOL, owner=w.school, due_at=now + timedelta(days=7))
    PlaceCorrection.objects.create(
        suggestion=w.at_school,
        actor=w.admin,
        organisation=w.school,
        state=State.AT_COMMUNITY,
        to_division=Division.objects.get(code="330106"),
        reason=w("suggestions.PlaceCorrection.reason"),
    )
    Notification.objects.create(
        recipient=w.child_user, suggestion=w.implemented, kind=NotificationKind.MOVED
    )
    # "Me too" from a schoolmate, with a line of their own, on the pages that list the voices.
    w.peer_user = user("peer", Role.CHILD)
    w.peer = Child.objects.create(
        pseudonym="小伙伴",
        user=w.peer_user,
        school=w.school,
        community=w.community,
        joined_on=since,
    )
    for voiced in (w.implemented, w.at_school):
        Voice.objects.create(suggestion=voiced, child=w.peer, line=w("suggestions.Voice.line"))

    # Activities, training and the directory.
    w.base = PracticeBase.objects.create(
        code="b",
        kind=PracticeBaseKind.EMERGENCY_SAFETY,
        district=w.district,
        address=w("activities.PracticeBase.address"),
        certified_on=today - timedelta(days=365),
        expires_on=today + timedelta(days=365),
        **names("activities.PracticeBase"),
    )
    PracticeBaseYear.objects.create(base=w.base, year=today.year, participants=100)
    w.programme = Programme.objects.create(
        code="p",
        description=w("activities.Programme.description"),
        description_en=w("activities.Programme.description_en"),
        run_by=w.community,
        **names("activities.Programme"),
    )
    ProgrammeFigure.objects.create(
        programme=w.programme, value=412, recorded_on=today, **names("activities.ProgrammeFigure")
    )
    w.activity = Activity.objects.create(
        title=w("activities.Activity.title"),
        kind=ActivityKind.SITE_VISIT,
        role=ParticipationRole.SAFETY_PROMOTER,
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
        place=w("activities.Activity.place"),
        practice_base=w.base,
        group=w.municipal,
        programme=w.programme,
        report=w("activities.Activity.report"),
        children_count=12,
        adults_count=2,
        logged_by=w.mentor_user,
    )
    w.activity.sub_teams.set([w.sub_team])
    w.activity.partners.set([w.university])
    w.activity.attendees.set([w.child])
    w.activity.suggestions.set([w.implemented, w.at_school])
    # Recorded on the children's behalf at the activity.
    OnBehalfRecord.objects.create(
        suggestion=w.at_school,
        recorded_by=w.mentor_user,
        activity=w.activity,
        source=w("suggestions.OnBehalfRecord.source"),
    )
    SuggestionAuthor.objects.create(suggestion=w.at_school, child=w.child)
    ActivityPhoto.objects.create(
        activity=w.activity,
        image=image_file(),
        caption=w("activities.ActivityPhoto.caption"),
        uploaded_by=w.mentor_user,
    )
    w.topic = DiscussionTopic.objects.create(
        group=w.alliance_group,
        partner=w.university,
        raised_on=today,
        summary=w("activities.DiscussionTopic.summary"),
        **names("activities.DiscussionTopic"),
    )
    w.topic.suggestions.set([w.implemented])
    w.session = TrainingSession.objects.create(
        held_on=today - timedelta(days=1),
        topic=w("activities.TrainingSession.topic"),
        hours=Decimal(2),
        notes=w("activities.TrainingSession.notes"),
        logged_by=w.mentor_user,
    )
    w.session.sub_teams.set([w.sub_team])
    w.session.mentors.set([w.mentor])
    Attendance.objects.create(session=w.session, child=w.child)
    TrainingMaterial.objects.create(
        session=w.session,
        file=SimpleUploadedFile("m.pdf", b"%PDF-1.4"),
        name=w("activities.TrainingMaterial.name"),
        content_type="application/pdf",
        size=8,
        uploaded_by=w.mentor_user,
    )

    # The programme office's own records.
    ReportExport.objects.create(
        year=today.year,
        format=ExportFormat.PDF,
        language="zh-hans",
        state=ExportState.FAILED,
        error=w("reports.ReportExport.error"),
        requested_by=w.admin,
    )
    for audience in Audience.values:
        PrivacyNotice.objects.create(
            audience=audience,
            version="2099-1",  # a slug: letters, digits and hyphens only
            published_on=today,
            title=w("privacy.PrivacyNotice.title"),
            title_en=w("privacy.PrivacyNotice.title_en"),
            body=w("privacy.PrivacyNotice.body"),
            body_en=w("privacy.PrivacyNotice.body_en"),
            responsible=w("privacy.PrivacyNotice.responsible"),
            responsible_en=w("privacy.PrivacyNotice.responsible_en"),
            contact=w("privacy.PrivacyNotice.contact"),
        )
    PersonalDataAccess.objects.create(
        user_id=w.admin.pk,
        username=w("privacy.PersonalDataAccess.username"),
        role=Role.ADMIN,
        child_id=w.child.pk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CONTACT,
        detail=w("privacy.PersonalDataAccess.detail"),
        granted=True,
        path="/privacy/children/1/record/",
    )
    return w


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build(markup)


# --- The pages ----------------------------------------------------------------------------------

# Each page: who asks for it (None: anyone), its address and, for a form sent, what is sent.
PAGES = {
    # Public.
    "activity_list": lambda w: (None, "activity_list", {}),
    "activity_detail": lambda w: (w.admin, "activity_detail", {"pk": w.activity.pk}),
    "implemented": lambda w: (None, "implemented", {}),
    "practice_base_list": lambda w: (None, "practice_base_list", {}),
    "programme_list": lambda w: (None, "programme_list", {}),
    "programme_detail": lambda w: (None, "programme_detail", {"pk": w.programme.pk}),
    "topic_list": lambda w: (w.admin, "topic_list", {}),
    "public_figures": lambda w: (None, "public_figures", {}),
    "privacy_notice": lambda w: (None, "privacy_guardians", {}),
    # The programme office's imports.
    "imports": lambda w: (w.admin, "imports", {}),
    "import_batch": lambda w: (w.admin, "import_batch", {"pk": w.import_batch.pk}),
    # A child.
    "home_child": lambda w: (w.child_user, "home", {}),
    "my_suggestions": lambda w: (w.child_user, "my_suggestions", {}),
    "implemented_suggestion": lambda w: (
        w.child_user,
        "suggestion_detail",
        {"pk": w.implemented.pk},
    ),
    "declined_suggestion": lambda w: (w.child_user, "suggestion_detail", {"pk": w.declined.pk}),
    "returned_suggestion": lambda w: (w.child_user, "suggestion_detail", {"pk": w.returned.pk}),
    "suggestion_edit": lambda w: (w.child_user, "suggestion_edit", {"pk": w.returned.pk}),
    # Another child, who said "me too" to the implemented one (the peer page).
    "peer_suggestion": lambda w: (w.peer_user, "suggestion_detail", {"pk": w.implemented.pk}),
    "participation": lambda w: (w.child_user, "child_participation", {"pk": w.child.pk}),
    "notifications": lambda w: (w.child_user, "notifications", {}),
    # A guardian.
    "home_guardian": lambda w: (w.guardian_user, "home", {}),
    "guardian_child": lambda w: (w.guardian_user, "guardian_child_privacy", {"pk": w.child.pk}),
    # A mentor.
    "home_mentor": lambda w: (w.mentor_user, "home", {}),
    "sub_team": lambda w: (w.mentor_user, "sub_team_detail", {"pk": w.sub_team.pk}),
    "training_list": lambda w: (w.mentor_user, "sub_team_training", {"pk": w.sub_team.pk}),
    "training_edit": lambda w: (w.mentor_user, "training_edit", {"pk": w.session.pk}),
    "sub_team_calendar": lambda w: (w.mentor_user, "sub_team_calendar", {"pk": w.sub_team.pk}),
    "group_calendar": lambda w: (w.mentor_user, "group_calendar", {"pk": w.municipal.pk}),
    "activity_edit": lambda w: (w.mentor_user, "activity_edit", {"pk": w.activity.pk}),
    "record_suggestions": lambda w: (
        w.mentor_user,
        "activity_suggestions_record",
        {"pk": w.activity.pk},
    ),
    # A school.
    "home_school": lambda w: (w.school_user, "home", {}),
    "inbox": lambda w: (w.school_user, "inbox", {}),
    "suggestion_at_school": lambda w: (w.school_user, "suggestion_detail", {"pk": w.at_school.pk}),
    # Finding suggestions: by the words of the title, which the query and the list show.
    "suggestion_search": lambda w: (
        w.school_user,
        "suggestion_search?" + urlencode({"q": w("suggestions.Suggestion.title")}),
        {},
    ),
    # The programme office.
    "home_admin": lambda w: (w.admin, "home", {}),
    "municipal_group": lambda w: (w.admin, "group_detail", {"pk": w.municipal.pk}),
    "alliance_group": lambda w: (w.admin, "group_detail", {"pk": w.alliance_group.pk}),
    "alliance": lambda w: (w.admin, "alliance", {}),
    "community": lambda w: (w.admin, "organisation_detail", {"pk": w.community.pk}),
    "topic_edit": lambda w: (w.admin, "topic_edit", {"pk": w.topic.pk}),
    "dashboard": lambda w: (w.admin, "report_dashboard", {}),
    "privacy_children": lambda w: (w.admin, "privacy_children_list", {}),
    "child_admin": lambda w: (w.admin, "privacy_child", {"pk": w.child.pk}),
    "personal_record": lambda w: (
        w.admin,
        "personal_record",
        {"pk": w.child.pk},
        {"purpose": AccessPurpose.CONTACT, "detail": w("privacy.PersonalDataAccess.detail")},
    ),
    "access_log": lambda w: (w.admin, "access_log", {}),
    "audit_trail": lambda w: (w.admin, "audit_trail", {}),
}
LANGUAGES = ("zh-hans", "en")


def fetch(client, w, page, language):
    user, name, kwargs, *data = PAGES[page](w)
    name, _, query = name.partition("?")
    with translation.override(language):
        address = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.post(address, data[0]) if data else client.get(address)
    assert response.status_code == 200, f"{page}: {response.status_code}"
    return response.content.decode()


def _halves(key, pages):
    """The pages of a field, and the language they are checked in (None: both)."""
    if pages == (IN_ENGLISH,):
        return FIELDS[key.removesuffix("_en")][0], "en"
    if f"{key}_en" in FIELDS:
        return pages, "zh-hans"
    return pages, None


def shown_on(page, language, logged_in):
    """The fields that `page` shows in `language`, by the table."""
    keys = []
    for key, (pages, _files) in FIELDS.items():
        pages, only_in = _halves(key, pages)
        if only_in not in (None, language):
            continue
        if page in pages or (LOGGED_IN in pages and logged_in):
            keys.append(key)
    return keys


def carried_by(file, language=None):
    """The fields that `file` (a key of the table's second column) carries, in `language`."""
    keys = []
    for key, (pages, files) in FIELDS.items():
        _pages, only_in = _halves(key, pages)
        if file in files and (language is None or only_in in (None, language)):
            keys.append(key)
    return keys


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def problems_in(html, w, keys):
    """What in a page is not escaped as it should be."""
    problems = [f"raw {marker!r}" for marker in RAW if marker in html]
    for key in keys:
        if w.values[key] in html:
            problems.append(f"{key} raw")
        if escape(w.values[key]) not in html:
            problems.append(f"{key} not shown escaped")
    for attributes, body in SCRIPT.findall(html):
        # A value that closed its script element would leave a broken one behind.
        if "<script" in body.lower() or "<!--" in body:
            problems.append(f"markup inside a script element: {body[:80]!r}")
        if "application/json" in attributes:
            try:
                json.loads(body)
            except ValueError:
                problems.append(f"a json_script block that is not JSON: {body[:80]!r}")
    return problems


# --- The tests ------------------------------------------------------------------------------------


def test_the_table_lists_every_text_field_of_the_models():
    listed = set(FIELDS) | set(NOT_USER_TEXT)
    assert not set(FIELDS) & set(NOT_USER_TEXT)
    missing = text_fields() - listed
    assert not missing, (
        f"new text fields: add each to FIELDS (where it shows) or NOT_USER_TEXT: {missing}"
    )
    assert not listed - text_fields(), "fields in the table that the models no longer have"
    unknown = {
        page
        for pages, _files in FIELDS.values()
        for page in pages
        if page not in PAGES and page not in (LOGGED_IN, IN_ENGLISH)
    }
    assert not unknown, f"pages the table names that PAGES does not have: {unknown}"


def test_every_field_is_filled_in_the_world(world):
    assert set(world.values) == set(FIELDS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_shows_what_users_typed_escaped(client, world, language):
    problems = []
    for page, ask in PAGES.items():
        html = fetch(client, world, page, language)
        logged_in = ask(world)[0] is not None
        problems += [
            f"{page}: {problem}"
            for problem in problems_in(html, world, shown_on(page, language, logged_in))
        ]
    assert not problems, "\n".join(problems)


def test_the_page_check_catches_a_page_rendered_without_escaping(client, world, settings):
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine.get("OPTIONS", {}), "autoescape": False}}
        for engine in settings.TEMPLATES
    ]
    html = fetch(client, world, "implemented_suggestion", "zh-hans")

    problems = problems_in(html, world, shown_on("implemented_suggestion", "zh-hans", True))
    assert "raw '<script>alert('" in problems
    assert "suggestions.Suggestion.title raw" in problems
    # A value that closed the script element holding a chart's data.
    broken = (
        '<script id="c" type="application/json">["</script><script>alert(1)</script>"]</script>'
    )
    assert any("not JSON" in problem for problem in problems_in(broken, world, []))


# The charts' labels from what users typed (on the public page, counts of fewer than five
# children are hidden, so only the activities by district are charted).
CHARTED = {
    "public_figures": ["groups.Organisation.name"],
    "dashboard": ["groups.Organisation.name", "groups.FocusArea.name", "groups.SubTeam.name"],
}


@pytest.mark.parametrize("figures_page", CHARTED)
def test_charts_get_the_labels_as_typed_in_json_that_cannot_end_its_script(
    client, world, figures_page
):
    html = fetch(client, world, figures_page, "zh-hans")

    blocks = [body for attributes, body in SCRIPT.findall(html) if "application/json" in attributes]
    labels = {label for body in blocks for label in json.loads(body)["labels"]}
    for key in CHARTED[figures_page]:
        assert world(key) in labels, key
    assert html.count("</script>") == len(SCRIPT.findall(html)), "no script element ends early"


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


JSON_ENDPOINTS = {
    "api-suggestion-list": lambda w: (w.admin, {}),
    "api-implemented-list": lambda w: (None, {}),
    "api-group-list": lambda w: (None, {}),
    "api-sub-team-list": lambda w: (None, {}),
    "api-practice-base-list": lambda w: (None, {}),
    "api-programme-list": lambda w: (None, {}),
    "api-training-session-list": lambda w: (w.admin, {}),
    "api-activity-list": lambda w: (w.admin, {}),
    "api-figures": lambda w: (w.admin, {"year": timezone.localdate().year}),
    "open311-services": lambda w: (None, {}),
    "open311-requests": lambda w: (None, {}),
    "open311-request": lambda w: (None, {"service_request_id": w.implemented.pk}),
    "download": lambda w: (w.guardian_user, {"pk": w.child.pk}),
}


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_json_carries_what_users_typed_as_json_never_as_a_page(client, world, endpoint):
    user, kwargs = JSON_ENDPOINTS[endpoint](world)
    if user is not None:
        client.force_login(user)
    name = "guardian_download" if endpoint == "download" else endpoint

    response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff", "no browser reads it as a page"
    found = set(strings_in(json.loads(response.content)))
    for key in carried_by(endpoint):
        assert world.values[key] in found, f"{key}: the text as typed, neither escaped nor cut"
    assert b"&lt;" not in response.content, "escaped for HTML, which JSON is not"


def test_the_admin_pages_show_what_users_typed_escaped(client, world):
    client.force_login(world.admin)
    problems = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        addresses = [reverse("admin:{}_{}_changelist".format(*info))]
        if info[0] in APPS:
            addresses += [
                reverse("admin:{}_{}_change".format(*info), args=[pk])
                for pk in model.objects.values_list("pk", flat=True)[:3]
            ]
        for address in addresses:
            response = client.get(address)
            if response.status_code != 200:
                # The personal data's records open only on the logged page.
                assert (model, response.status_code) == (ChildPersonalData, 403), address
                continue
            html = response.content.decode()
            problems += [f"{address}: raw {m!r}" for m in RAW if m in html]
    assert not problems, "\n".join(problems)


def test_a_failed_logins_name_is_escaped_on_the_audit_trail(client, world):
    name = '<script>alert("login")</script><img src=x onerror=alert(1)>'
    client.post(reverse("login"), {"username": name, "password": "wrong"})
    client.force_login(world.admin)

    html = client.get(reverse("audit_trail") + "?kind=failed_logins").content.decode()

    assert escape(name) in html
    assert not [marker for marker in RAW if marker in html]


# --- The annual report and the CSV of suggestions -------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def typed_world(settings, tmp_path):
    """`typed_world(payload)`: every field filled with the payload, then the field's tag."""
    settings.MEDIA_ROOT = tmp_path
    return lambda payload: build(typed_after(payload))


def report_of(w, language, writer):
    out = io.BytesIO()
    with translation.override(language):
        writer(suppressed(year_figures(timezone.localdate().year)), out)
    return out.getvalue()


def in_report(w, language):
    """What the report must hold for each field that flows into it: the text as typed (a
    programme's figures as "name: value")."""
    return {key: w.values[key] for key in carried_by("report", language)}


def holds(cells, typed):
    return any(cell == typed or cell.startswith(f"{typed}: ") for cell in cells)


def unescaped(text):
    """The text of an XLSX string: a control character is stored as _xHHHH_ (ECMA-376's
    ST_Xstring), which Excel reads back and openpyxl leaves as it is."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("payload", FORMULAS + REPORTLAB)
def test_the_report_xlsx_keeps_every_text_a_string(typed_world, payload, language):
    w = typed_world(payload)

    workbook = openpyxl.load_workbook(io.BytesIO(report_of(w, language, write_xlsx)))

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "no formula"
    strings = [unescaped(cell.value) for cell in cells if cell.data_type == "s"]
    for key, typed in in_report(w, language).items():
        assert holds(strings, typed), f"{key}: {typed!r} comes back as typed"


def csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def defused(typed):
    return "'" + typed if typed.startswith(FORMULA_STARTS) else typed


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("payload", FORMULAS + REPORTLAB)
def test_the_report_csv_puts_an_apostrophe_before_a_formula(typed_world, payload, language):
    w = typed_world(payload)

    archive = zipfile.ZipFile(io.BytesIO(report_of(w, language, write_csv)))

    cells = [
        cell
        for name in archive.namelist()
        for row in csv_rows(archive.read(name).decode("utf-8"))
        for cell in row
    ]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    for key, typed in in_report(w, language).items():
        assert holds(cells, defused(typed)), f"{key}: {typed!r} is kept, after an apostrophe"


# Reportlab's actions that open an address or run a script.
PDF_ACTIONS = re.compile(rb"/(JavaScript|JS|URI|Launch)\b")


def unspaced(text):
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("payload", REPORTLAB + FORMULAS[:1])
def test_the_report_pdf_shows_markup_as_the_text_it_is(typed_world, payload, language):
    w = typed_world(payload)

    pdf = report_of(w, language, write_pdf)

    assert not PDF_ACTIONS.findall(pdf), "no link or script made of what was typed"
    # The table cells wrap anywhere (Chinese text), so spaces and line ends are not compared.
    text = unspaced("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for key, typed in in_report(w, language).items():
        assert unspaced(typed) in text, f"{key}: {typed!r} is shown, not read as markup"


@pytest.mark.parametrize("payload", FORMULAS + REPORTLAB)
def test_the_suggestions_csv_puts_an_apostrophe_before_a_formula(client, typed_world, payload):
    w = typed_world(payload)
    client.force_login(w.admin)
    address = reverse("report_suggestions_csv", kwargs={"year": timezone.localdate().year})

    response = client.get(address)

    rows = csv_rows(b"".join(response.streaming_content).decode("utf-8"))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    for key in carried_by("suggestions_csv"):
        typed = w.values[key]
        assert defused(typed) in cells, f"{key}: {typed!r} is kept, after an apostrophe"
