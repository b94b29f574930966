"""Calendars: what a group or a sub-team has on, as pages and as an .ics feed a phone subscribes
to: the reads behind the pages and the feed builder. The feed's services (made on first need,
renewed) are in services.py.

The feed is reached without a login (a phone's calendar app cannot log in); its token is the
secret. So the feed carries only what the event is (title, kind, time, place, organising group)
and nothing about the children: no name, no pseudonym, no attendance, no report, no notes.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from groups.models import GroupLevel, ObservationGroup, SubTeam
from hangzhou_cfc.effects import portal_url

from .models import Activity, TrainingSession

UPCOMING_LIMIT = 30
PAST_PER_PAGE = 25
# How far back the feed reaches; a phone keeps what it already has.
FEED_HISTORY = timedelta(days=365)
# How often a calendar app is asked to fetch the feed again.
FEED_REFRESH = timedelta(hours=6)
# Host-independent, so that a UID stays the same whatever address served the feed.
UID_DOMAIN = "hangzhou-cfc.portal"
PRODID = "-//Hangzhou Children's Observation Group//Portal//EN"


@dataclass(frozen=True)
class Entry:
    """One line of a calendar page: an activity, or a training session (all day)."""

    activity: Activity | None = None
    session: TrainingSession | None = None

    @property
    def all_day(self) -> bool:
        return self.session is not None


@dataclass(frozen=True)
class _Key:
    sort: tuple
    upcoming: bool
    activity_id: int | None = None
    session_id: int | None = None


# --- Selectors ---------------------------------------------------------------------------------


def _activities_of_sub_team(sub_team: SubTeam) -> QuerySet[Activity]:
    """Its group's activities that list this sub-team or list none (the whole group's)."""
    return Activity.objects.filter(group_id=sub_team.group_id).filter(
        Q(sub_teams=sub_team) | Q(sub_teams__isnull=True)
    )


def _sessions_of_sub_team(sub_team: SubTeam) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.filter(sub_teams=sub_team)


def _sessions_of_group(group: ObservationGroup) -> QuerySet[TrainingSession]:
    if group.level != GroupLevel.MUNICIPAL:
        return TrainingSession.objects.none()
    # A session shared by several sub-teams is one session.
    return TrainingSession.objects.filter(
        pk__in=TrainingSession.objects.filter(sub_teams__group=group).values("pk")
    )


def _keys(activities, sessions, now: datetime) -> list[_Key]:
    """Light rows (ids and times) for every entry, in chronological order.

    An activity is upcoming until it has ended; a training session until its day is over.
    Within a day, the all-day sessions come first.
    """
    today = timezone.localdate(now)
    keys = [
        _Key(
            sort=(timezone.localdate(starts_at), 1, starts_at.timestamp(), 0, pk),
            upcoming=ends_at > now,
            activity_id=pk,
        )
        for pk, starts_at, ends_at in activities.values_list("pk", "starts_at", "ends_at")
    ]
    keys += [
        _Key(sort=(held_on, 0, 0.0, 1, pk), upcoming=held_on >= today, session_id=pk)
        for pk, held_on in sessions.values_list("pk", "held_on")
    ]
    keys.sort(key=lambda key: key.sort)
    return keys


def _entries(*key_lists: list[_Key]) -> list[list[Entry]]:
    """The full rows of these lists of keys, in the keys' order: at most three queries.
    A row deleted since its key was read is left out."""
    keys = [key for key_list in key_lists for key in key_list]
    activities = Activity.objects.select_related("group", "practice_base").in_bulk(
        [key.activity_id for key in keys if key.activity_id]
    )
    sessions = TrainingSession.objects.prefetch_related("sub_teams").in_bulk(
        [key.session_id for key in keys if key.session_id]
    )

    def entry(key: _Key) -> Entry | None:
        if key.activity_id:
            activity = activities.get(key.activity_id)
            return Entry(activity=activity) if activity else None
        session = sessions.get(key.session_id)
        return Entry(session=session) if session else None

    return [[found for key in key_list if (found := entry(key))] for key_list in key_lists]


def _calendar(activities, sessions, *, page_number, now: datetime | None) -> dict:
    """The upcoming entries (soonest first, at most UPCOMING_LIMIT) and one page of the past
    ones (newest first). At most five queries, however many entries there are."""
    now = now or timezone.now()
    keys = _keys(activities, sessions, now)
    upcoming = [key for key in keys if key.upcoming]
    past = [key for key in reversed(keys) if not key.upcoming]
    page: Page = Paginator(past, PAST_PER_PAGE).get_page(page_number)
    shown, page.object_list = _entries(upcoming[:UPCOMING_LIMIT], list(page.object_list))
    return {
        "upcoming": shown,
        "more_upcoming": max(len(upcoming) - UPCOMING_LIMIT, 0),
        "page": page,
    }


def calendar_of_sub_team(
    sub_team: SubTeam, *, page_number=None, now: datetime | None = None
) -> dict:
    """A sub-team's calendar: the activities it takes part in, its group's activities for the
    whole group, and its training sessions."""
    return _calendar(
        _activities_of_sub_team(sub_team),
        _sessions_of_sub_team(sub_team),
        page_number=page_number,
        now=now,
    )


def calendar_of_group(
    group: ObservationGroup, *, page_number=None, now: datetime | None = None
) -> dict:
    """A group's calendar: all its activities and, for the municipal group, the training
    sessions of all its sub-teams."""
    return _calendar(
        Activity.objects.filter(group=group),
        _sessions_of_group(group),
        page_number=page_number,
        now=now,
    )


# --- The .ics feed -----------------------------------------------------------------------------


def _activity_event(activity: Activity, stamp: datetime) -> Event:
    event = Event.new(
        uid=f"activity-{activity.pk}@{UID_DOMAIN}",
        stamp=stamp,
        start=activity.starts_at.astimezone(UTC),
        end=activity.ends_at.astimezone(UTC),
        summary=activity.title,
        description=f"{activity.get_kind_display()} · {activity.group}",
        url=portal_url(reverse("activity_detail", kwargs={"pk": activity.pk})),
    )
    if activity.where:
        event.add("location", activity.where)
    return event


def _session_event(session: TrainingSession, sub_team: SubTeam, stamp: datetime) -> Event:
    return Event.new(
        uid=f"training-{session.pk}@{UID_DOMAIN}",
        stamp=stamp,
        start=session.held_on,
        end=session.held_on + timedelta(days=1),
        summary=_("Training: %(topic)s") % {"topic": session.topic},
        description=_("Training session of %(sub_team)s") % {"sub_team": sub_team},
        url=portal_url(reverse("sub_team_training", kwargs={"pk": sub_team.pk})),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def sub_team_ics(sub_team: SubTeam, *, now: datetime | None = None) -> bytes:
    """The sub-team's calendar as iCalendar: the past year and everything upcoming, in the
    active language. Times are in UTC; training sessions are all-day events."""
    now = now or timezone.now()
    since = now - FEED_HISTORY
    activities = (
        _activities_of_sub_team(sub_team)
        .filter(ends_at__gt=since)
        .select_related("group", "practice_base")
        .order_by("starts_at", "pk")
    )
    sessions = (
        _sessions_of_sub_team(sub_team)
        .filter(held_on__gte=timezone.localdate(since))
        .order_by("held_on", "pk")
    )
    stamp = now.astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", sub_team.localized_name)
    calendar.add("x-wr-calname", sub_team.localized_name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    events = [(activity.starts_at, _activity_event(activity, stamp)) for activity in activities]
    events += [
        (_day_start(session.held_on), _session_event(session, sub_team, stamp))
        for session in sessions
    ]
    for _start, event in sorted(events, key=lambda pair: pair[0]):
        calendar.add_component(event)
    return calendar.to_ical()
