"""Reads of the privacy app: the office's list of children and their consents, a guardian's
consents, the access log's names, and the guardian's download."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from groups.models import Child, ChildPersonalData, Guardian
from messaging.selectors import messages_about

from .messages import CONSENT_REQUEST
from .models import Consent, ConsentRequest, DeletionRequest


class ChildrenState:
    """The office list's `state` filter."""

    WAITING = "waiting"
    ANONYMISED = "anonymised"


def children_privacy_states(*, query: str = "", state: str | None = None) -> QuerySet[Child]:
    """The children by pseudonym, each with `consents_in_force` and `deletion_open`; those
    whose pseudonym contains `query`, and in `state` if given."""
    rows = (
        Child.objects.select_related("school")
        .annotate(
            consents_in_force=Count("consents", filter=Q(consents__withdrawn_at=None)),
            deletion_open=Exists(
                DeletionRequest.objects.filter(child=OuterRef("pk"), done_at=None)
            ),
        )
        .order_by("pseudonym")
    )
    if query:
        rows = rows.filter(pseudonym__icontains=query)
    if state == ChildrenState.WAITING:
        rows = rows.filter(consents_in_force=0, anonymised_at=None)
    elif state == ChildrenState.ANONYMISED:
        rows = rows.exclude(anonymised_at=None)
    return rows


def consents_of_child(child: Child) -> QuerySet[Consent]:
    return Consent.objects.filter(child=child).select_related(
        "guardian__user", "notice", "recorded_by"
    )


def consents_of_guardian(child: Child, guardian: Guardian) -> QuerySet[Consent]:
    return child.consents.filter(guardian=guardian).select_related("notice")


def consent_requests_with_emails(child: Child) -> list[ConsentRequest]:
    """Each consent request for the child with `email`, its message in the outbox (None for a
    request sent before the outbox had them): the office sees whether the link went."""
    requests = list(
        ConsentRequest.objects.filter(guardianship__child=child).select_related(
            "guardianship__guardian__user"
        )
    )
    emails = messages_about(
        template=CONSENT_REQUEST,
        key="consent_request",
        ids=[request.pk for request in requests],
        recipient_ids=[request.guardianship.guardian.user_id for request in requests],
    )
    for request in requests:
        request.email = emails.get(request.pk)
    return requests


def personal_data_of(child: Child) -> ChildPersonalData | None:
    return ChildPersonalData.objects.filter(child=child).first()


def with_pseudonyms(rows) -> None:
    """On each access-log row, `pseudonym`: the child's (one query for them all)."""
    pseudonyms = dict(
        Child.objects.filter(pk__in={row.child_id for row in rows}).values_list("pk", "pseudonym")
    )
    for row in rows:
        row.pseudonym = pseudonyms.get(row.child_id, "")


def child_data(child):
    """Everything the portal holds about a child, for their guardian (JSON-ready)."""
    from activities.models import Attendance
    from suggestions.models import Suggestion

    personal = personal_data_of(child)
    memberships = child.memberships.select_related("group", "sub_team").order_by("starts_on")
    # Their own, and those an adult recorded for them (suggestions.SuggestionAuthor).
    theirs = Suggestion.objects.filter(Q(child=child) | Q(authors__child=child)).values("pk")
    suggestions = (
        Suggestion.objects.filter(pk__in=theirs)
        .select_related("focus_area")
        .prefetch_related("history")
        .order_by("created_at")
    )
    voices = child.voices.select_related("suggestion").order_by("created_at")
    return {
        "child": {
            "pseudonym": child.pseudonym,
            "age_band": child.age_band,
            "school": child.school.name,
            "community": child.community.name,
            "joined_on": child.joined_on,
            "left_on": child.left_on,
            "login": child.user.username if child.user_id else None,
        },
        "personal_data": (
            {
                "real_name": personal.real_name,
                "contact_phone": personal.contact_phone,
                "address": personal.address,
            }
            if personal
            else None
        ),
        "guardians": [
            {"relationship": row.relationship, "photo_consent_on": row.photo_consent_on}
            for row in child.guardianship_set.all()
        ],
        "consents": [
            {
                "notice_version": consent.notice.version,
                "method": consent.method,
                "given_at": consent.given_at,
                "withdrawn_at": consent.withdrawn_at,
            }
            for consent in child.consents.select_related("notice")
        ],
        "memberships": [
            {
                "group": str(row.sub_team or row.group),
                "role": row.role,
                "starts_on": row.starts_on,
                "ends_on": row.ends_on,
            }
            for row in memberships
        ],
        "training_attended": [
            {"date": row.session.held_on, "topic": row.session.topic}
            for row in Attendance.objects.filter(child=child).select_related("session")
        ],
        "activities_attended": [
            {"title": activity.title, "starts_at": activity.starts_at}
            for activity in child.activities.order_by("starts_at")
        ],
        "suggestions": [
            {
                "number": suggestion.pk,
                "title": suggestion.title,
                "noticed": suggestion.noticed,
                "proposal": suggestion.proposal,
                "place": suggestion.place,
                "focus_area": suggestion.focus_area.name if suggestion.focus_area_id else None,
                "state": suggestion.state,
                "created_at": suggestion.created_at,
                "submitted_at": suggestion.submitted_at,
                "answer": suggestion.answer,
                "stages": [
                    {"from": change.from_state, "to": change.to_state, "at": change.created_at}
                    for change in suggestion.history.all()
                ],
            }
            for suggestion in suggestions
        ],
        # "Me too": the suggestions they added their voice to, and what they added.
        "voices": [
            {
                "suggestion": voice.suggestion_id,
                "title": voice.suggestion.title,
                "line": voice.line,
                "at": voice.created_at,
            }
            for voice in voices
        ],
    }
