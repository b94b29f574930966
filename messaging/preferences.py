"""Who hears of what, where: each person's channels per topic, their language, quiet hours,
and the one-click unsubscribe of every e-mail (RFC 8058).

A person who chose nothing gets the defaults of their role. The portal's inbox is always on
for adults (it is the portal itself); a child is told in the portal unless a guardian decided
otherwise (ChildReach). A channel no transport serves here is never chosen (transports/).
"""

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Role
from hangzhou_cfc.effects import portal_url

from .models import Channel, ChildReach, Preferences, Topic
from .transports import channels_available

FAMILY_ROLES = frozenset({Role.CHILD, Role.GUARDIAN})
STAFF_ROLES = frozenset({Role.SCHOOL, Role.COMMUNITY, Role.DEPARTMENT, Role.ADMIN})

# What each role may choose on its preferences page, and by which channels (the inbox is not a
# choice). A digest is long: it goes by e-mail.
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    Role.GUARDIAN: {
        Topic.NEWS: (Channel.EMAIL, Channel.SMS, Channel.WECHAT),
        Topic.DIGEST: (Channel.EMAIL,),
    },
    # Mentors hear only of their account and the programme (practice bases' expiry): e-mail.
    Role.MENTOR: {},
    **{
        role: {
            Topic.WORK: (Channel.EMAIL, Channel.SMS),
            Topic.OVERDUE: (Channel.EMAIL, Channel.SMS),
            Topic.DIGEST: (Channel.EMAIL,),
        }
        for role in STAFF_ROLES
    },
}
# A child's channels, as a guardian may set them: none, the portal, the portal and e-mail.
CHILD_CHOICES = ((), (Channel.INBOX,), (Channel.INBOX, Channel.EMAIL))
CHILD_DEFAULT = (Channel.INBOX,)


def defaults(role: str, topic: str) -> tuple[str, ...]:
    """A role's channels for a topic until the person chooses (the inbox not counted)."""
    if topic == Topic.ACCOUNT:
        return (Channel.EMAIL,)
    digest = settings.MESSAGES_STAFF_DIGEST
    if role == Role.GUARDIAN:
        return (Channel.EMAIL, Channel.WECHAT) if topic == Topic.NEWS else ()
    if role in STAFF_ROLES:
        if topic in (Topic.WORK, Topic.OVERDUE):
            return () if digest else (Channel.EMAIL,)
        return (Channel.EMAIL,) if topic == Topic.DIGEST and digest else ()
    return ()


def chosen(user, preferences: Preferences | None, topic: str) -> tuple[str, ...]:
    """The person's own channels for `topic` (inbox not counted), or their role's defaults."""
    if preferences is not None and topic in preferences.channels:
        return tuple(preferences.channels[topic])
    return defaults(user.role, topic)


class Reach(NamedTuple):
    channels: list[str]
    language: str


def reach_of(users: Iterable, topic: str) -> dict[int, Reach]:
    """{user id: (channels, language)} for telling `users` about `topic`: the inbox first
    where it is on, then what each chose (or their role's defaults) that a transport serves
    here; and the language they read. Two queries at most, whatever the number of users."""
    users = list(users)
    served = set(channels_available())
    preferences = {
        row.user_id: row for row in Preferences.objects.filter(user__in=[user.pk for user in users])
    }
    children = [user.pk for user in users if user.role == Role.CHILD]
    reach = (
        dict(
            ChildReach.objects.filter(child__user_id__in=children).values_list(
                "child__user_id", "channels"
            )
        )
        if children
        else {}
    )
    result = {}
    for user in users:
        own = preferences.get(user.pk)
        if user.role == Role.CHILD:
            wanted = tuple(reach.get(user.pk, CHILD_DEFAULT)) if topic == Topic.NEWS else ()
            channels = [
                channel
                for channel in wanted
                if channel == Channel.INBOX
                or (channel in served and _has_address(user, own, channel))
            ]
        else:
            inbox = [Channel.INBOX] if inbox_always(topic) else []
            channels = inbox + [
                channel
                for channel in chosen(user, own, topic)
                if channel in served and _has_address(user, own, channel)
            ]
        result[user.pk] = Reach(channels, own.language if own else settings.LANGUAGE_CODE)
    return result


def _has_address(user, preferences: Preferences | None, channel: str) -> bool:
    """Whether `user` can be reached on `channel` at all (no row is written for nobody)."""
    if channel == Channel.EMAIL:
        return bool(user.email)
    if channel == Channel.SMS:
        return bool(preferences and preferences.phone)
    if channel == Channel.WECHAT:
        return bool(preferences and preferences.wechat_openid)
    return False


def languages_of(users: Iterable) -> dict[int, str]:
    """{user id: the language their messages are written in}, one query."""
    users = list(users)
    chosen_languages = dict(
        Preferences.objects.filter(user__in=[user.pk for user in users]).values_list(
            "user_id", "language"
        )
    )
    return {user.pk: chosen_languages.get(user.pk, settings.LANGUAGE_CODE) for user in users}


# --- Quiet hours --------------------------------------------------------------------------


def quiet_until(now: datetime) -> datetime | None:
    """When the night ends if `now` falls in MESSAGES_QUIET_HOURS (local time), else None."""
    start, end = settings.MESSAGES_QUIET_HOURS
    local = timezone.localtime(now)
    if start <= end:  # quiet within one day, e.g. (13, 14)
        quiet, morning = start <= local.hour < end, local.date()
    else:  # over midnight, e.g. (21, 8)
        quiet = local.hour >= start or local.hour < end
        morning = local.date() + timedelta(days=1) if local.hour >= start else local.date()
    if not quiet:
        return None
    return timezone.make_aware(datetime.combine(morning, time(end)), local.tzinfo)


def kept_quiet(user, transport) -> bool:
    return transport.quiet_for_families and user.role in FAMILY_ROLES


# --- One-click unsubscribe -----------------------------------------------------------------

_SALT = "messaging.unsubscribe"
# The topics an e-mail can be stopped for: all but a login's or consent's one-off link.
UNSUBSCRIBABLE = frozenset(Topic.values) - {Topic.ACCOUNT}


def unsubscribe_token(user, topic: str) -> str:
    return signing.dumps([user.pk, topic], salt=_SALT, compress=True)


def unsubscribe_url(user, topic: str) -> str:
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        path = reverse("message_unsubscribe", kwargs={"token": unsubscribe_token(user, topic)})
    return portal_url(path)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, topic) of a token this portal signed, or None."""
    try:
        user_id, topic = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if topic not in UNSUBSCRIBABLE or not isinstance(user_id, int):
        return None
    return user_id, topic


# --- The preferences page -------------------------------------------------------------------


def inbox_always(topic: str) -> bool:
    """Whether the portal's inbox carries `topic` for every adult (reach_of): shown on the
    page as a fixed note, not as a choice."""
    return topic in (Topic.NEWS, Topic.WORK, Topic.OVERDUE)
