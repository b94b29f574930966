"""The public directory: practice bases, programmes and brands, discussion topics.

Reads (the lists behind the pages, each with its joins and a pinned query count), the two
FilterSets, and the text of the warning to the programme office about certifications that
expire soon; the warning itself is written by services.practice_bases_warn_expiring.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import django_filters
from django.db.models import Case, Count, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from groups.models import ObservationGroup, Organisation, OrganisationKind
from hangzhou_cfc.effects import portal_url
from suggestions.models import StateChoices, Suggestion

from .models import (
    Activity,
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    PracticeBaseYear,
    Programme,
)
from .permissions import may_read_about, openable_suggestions

# A certification is "expiring" from this many days before its expiry date.
EXPIRY_WARNING_DAYS = 60
# The outbox's template of the warning to the admins (activities/messages.py).
EXPIRY_WARNING = "activities.practice_bases_expiring"


class Expiry:
    """A base's certification status, as the `status` filter and the `expiry` annotation
    name it."""

    # Named in templates (practice_base_list.html): a class there is called unless told not to.
    do_not_call_in_templates = True

    EXPIRING = "expiring"
    EXPIRED = "expired"


def _expired(today: date) -> Q:
    # A certification is valid up to and including its expiry date.
    return Q(expires_on__lt=today)


def _expiring(today: date) -> Q:
    return Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))


def _needs_renewal(today: date) -> Q:
    return Q(expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))


# --- Practice bases --------------------------------------------------------------------------


class PracticeBaseFilter(django_filters.FilterSet):
    district = django_filters.ModelChoiceFilter(
        label=gettext_lazy("District"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.DISTRICT).order_by("name"),
        empty_label=gettext_lazy("Any district"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind of base"),
        choices=PracticeBaseKind.choices,
        empty_label=gettext_lazy("Any kind"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Certification"),
        choices=[
            (Expiry.EXPIRING, gettext_lazy("Expires within 60 days")),
            (Expiry.EXPIRED, gettext_lazy("Expired")),
        ],
        empty_label=gettext_lazy("Any"),
        method="filter_status",
    )

    class Meta:
        model = PracticeBase
        fields = ["district", "kind", "status"]

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == Expiry.EXPIRING:
            return queryset.filter(_expiring(today))
        if value == Expiry.EXPIRED:
            return queryset.filter(_expired(today))
        return queryset


@dataclass
class PracticeBaseDirectory:
    rows: QuerySet[PracticeBase]
    totals: dict


def latest_reported_year(today: date) -> int:
    """The latest year (up to this one) for which any base reported its participants: in
    January, last year's counts are the ones to show."""
    latest = PracticeBaseYear.objects.filter(year__lte=today.year).aggregate(year=Max("year"))
    return latest["year"] or today.year


def practice_base_directory(
    bases: QuerySet[PracticeBase], *, today: date, year: int
) -> PracticeBaseDirectory:
    """The filtered bases, each with `participants_this_year` (of `year`) and `expiry`
    ("expired", "expiring" or ""), and the totals of the whole filtered set: `bases`,
    `participants` and `emergency_safety` (participants at emergency-safety venues) in `year`.

    The totals cost one query; the rows are a lazy queryset for the paginator (a count and a
    page: two more).
    """
    this_year = Q(years__year=year)
    totals = bases.aggregate(
        # The join to the years repeats a base once per year it reported.
        bases=Count("pk", distinct=True),
        participants=Coalesce(Sum("years__participants", filter=this_year), 0),
        emergency_safety=Coalesce(
            Sum(
                "years__participants",
                filter=this_year & Q(kind=PracticeBaseKind.EMERGENCY_SAFETY),
            ),
            0,
        ),
    )
    rows = (
        bases.select_related("district")
        .annotate(
            participants_this_year=Sum("years__participants", filter=this_year),
            expiry=Case(
                When(_expired(today), then=Value(Expiry.EXPIRED)),
                When(_expiring(today), then=Value(Expiry.EXPIRING)),
                default=Value(""),
            ),
        )
        .order_by("district__name", "name", "pk")
    )
    return PracticeBaseDirectory(rows=rows, totals=totals)


def practice_base_expiry_counts(*, today: date | None = None) -> dict:
    """For the office's home: how many bases expire within 60 days, and how many have
    expired (one query)."""
    today = today or timezone.localdate()
    return PracticeBase.objects.aggregate(
        expiring=Count("pk", filter=_expiring(today)),
        expired=Count("pk", filter=_expired(today)),
    )


def _expiry_message(bases: list[PracticeBase], today: date) -> tuple[str, str]:
    subject = ngettext(
        "The certification of %(count)d practice base needs renewing",
        "The certifications of %(count)d practice bases need renewing",
        len(bases),
    ) % {"count": len(bases)}
    lines = []
    for base in bases:
        template = (
            _("%(base)s (%(district)s): expired on %(date)s")
            if base.expires_on < today
            else _("%(base)s (%(district)s): expires on %(date)s")
        )
        lines.append(
            "- "
            + template
            % {
                "base": base.localized_name,
                "district": base.district.localized_name,
                "date": base.expires_on.isoformat(),
            }
        )
    link = portal_url(reverse("practice_base_list"))
    body = "\n\n".join(
        [
            _(
                "The certification of these child-friendly practice bases expires within "
                "%(days)d days, or has expired:"
            )
            % {"days": EXPIRY_WARNING_DAYS},
            "\n".join(lines),
            _(
                "Arrange their renewal, then record the new expiry date in the administration "
                "pages. The directory: %(link)s"
            )
            % {"link": link},
        ]
    )
    return subject, body


# --- Programmes and brands -------------------------------------------------------------------


def _with_totals(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """Each programme's own activities: how many, and the children and adults taking part."""
    return programmes.annotate(
        activity_count=Count("activities"),
        children=Coalesce(Sum("activities__children_count"), 0),
        adults=Coalesce(Sum("activities__adults_count"), 0),
    )


def programme_list() -> list[Programme]:
    """The programmes that are part of no other, each with `.subprogrammes` (its parts, in
    name order), the totals of `_with_totals` and its figures; two queries in all. A part's
    own parts are on that part's page."""
    programmes = list(
        _with_totals(Programme.objects.select_related("run_by"))
        .prefetch_related("figures")
        .order_by("name", "pk")
    )
    parts = defaultdict(list)
    for programme in programmes:
        parts[programme.part_of_id].append(programme)
    for programme in programmes:
        programme.subprogrammes = parts[programme.pk]
    return parts[None]


def programme_detail(*, programme_id: int) -> Programme:
    """One programme with its totals, figures, parts (with their totals), who runs it and what
    it is part of. Raises Programme.DoesNotExist."""
    return (
        _with_totals(Programme.objects.select_related("run_by", "part_of"))
        .prefetch_related(
            "figures",
            Prefetch(
                "parts", queryset=_with_totals(Programme.objects.all()).order_by("name", "pk")
            ),
        )
        .get(pk=programme_id)
    )


def programme_activities(programme: Programme) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(programme=programme)
        .select_related("group")
        .order_by("-starts_at", "-pk")
    )


# --- Discussion topics -----------------------------------------------------------------------


class DiscussionTopicFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Partner"),
        queryset=Organisation.objects.filter(
            kind__in=[OrganisationKind.UNIVERSITY, OrganisationKind.BUSINESS]
        ).order_by("kind", "name"),
        empty_label=gettext_lazy("Any partner"),
    )
    group = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Group"),
        queryset=ObservationGroup.objects.filter(
            pk__in=DiscussionTopic.objects.values("group_id")
        ).order_by("name"),
        empty_label=gettext_lazy("Any group"),
    )

    class Meta:
        model = DiscussionTopic
        fields = ["partner", "group"]


def discussion_topics(topics: QuerySet[DiscussionTopic]) -> QuerySet[DiscussionTopic]:
    """Topics with their partner, group and the suggestions they produced (not drafts: a
    draft is the child's own until they send it). Two queries a page."""
    return (
        topics.select_related("partner", "group")
        .prefetch_related(
            Prefetch(
                "suggestions",
                queryset=Suggestion.objects.exclude(state=StateChoices.DRAFT).order_by("pk"),
            )
        )
        .order_by("-raised_on", "pk")
    )


def suggestions_shown(user, topics) -> None:
    """On each topic, `shown`: the suggestions this user may read about here (implemented ones,
    which are public, and those the user may open, marked `may_open`), and `not_shown`: how
    many others it produced. Two queries at most, whatever the number of topics."""
    linked = [s for topic in topics for s in topic.suggestions.all()]
    openable = openable_suggestions(user, linked)
    for topic in topics:
        topic.shown = []
        for suggestion in topic.suggestions.all():
            suggestion.may_open = suggestion.pk in openable
            if may_read_about(suggestion, openable):
                topic.shown.append(suggestion)
        topic.not_shown = len(topic.suggestions.all()) - len(topic.shown)
