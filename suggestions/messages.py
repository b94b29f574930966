"""The pipeline's messages (messaging/): what a notice says outside the portal. To a family:
the child's pseudonym, the first words of the title and a link; never a real name, never what
the child wrote."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from groups.models import Role
from hangzhou_cfc.effects import portal_url
from messaging.preferences import FAMILY_ROLES
from messaging.services import template
from messaging.transports import Content, first_words

from . import selectors
from .models import Notification, NotificationKind

# The news in a few words, for an SMS or WeChat template's field.
NEWS = {
    NotificationKind.NEW_IN_INBOX: lambda: _("new in your inbox"),
    NotificationKind.OVERDUE: lambda: _("overdue"),
    NotificationKind.NEEDS_ADMIN: lambda: _("needs an owner"),
    NotificationKind.MOVED: lambda: _("moved on"),
    NotificationKind.RETURNED: lambda: _("has a question"),
    NotificationKind.PROGRESS: lambda: _("has progress"),
    NotificationKind.ANSWERED: lambda: _("has an answer"),
    NotificationKind.VOICE: lambda: _("one more child noticed it too"),
}


def _notices(messages):
    """The notices these messages tell of, in one query: {message id: notice}."""
    wanted = {message.pk: message.context.get("notification") for message in messages}
    notices = Notification.objects.select_related("recipient", "suggestion__child").in_bulk(
        [pk for pk in wanted.values() if pk is not None]
    )
    return {pk: notices[notice] for pk, notice in wanted.items() if notice in notices}


@template("suggestions.notification", load=_notices)
def notification(message, notice):
    suggestion = notice.suggestion
    link = portal_url(reverse("suggestion_detail", kwargs={"pk": suggestion.pk}))
    see = _("Open it in the portal: %(link)s") % {"link": link}
    if notice.recipient.role not in FAMILY_ROLES:
        # Staff read the suggestion in the portal: their message says only that there is one.
        subject = str(notice.get_kind_display())
        return Content(subject=subject, body=see, link=link, fields={"news": NEWS[notice.kind]()})
    subject = notice.text_for(notice.recipient)
    title = first_words(suggestion.title)
    return Content(
        subject=subject,
        body="\n".join([subject, _("Suggestion: “%(title)s”") % {"title": title}, "", see]),
        link=link,
        fields={"child": suggestion.child.pseudonym, "title": title, "news": NEWS[notice.kind]()},
    )


# --- Digests (suggestions/services.py: staff_digests_queue, family_digests_queue) ---------

# A staff digest's parts: the line that counts them, and where the whole list is.
STAFF_PARTS = {
    "arrived": (
        lambda n: ngettext(
            "%(n)d new suggestion in your inbox", "%(n)d new suggestions in your inbox", n
        ),
        lambda: reverse("inbox"),
    ),
    "overdue": (
        lambda n: ngettext("%(n)d suggestion is overdue", "%(n)d suggestions are overdue", n),
        lambda: reverse("inbox") + "?overdue=yes",
    ),
    "needs_owner": (
        lambda n: ngettext("%(n)d suggestion needs an owner", "%(n)d suggestions need an owner", n),
        lambda: reverse("admin:suggestions_suggestion_changelist") + "?needs_admin__exact=1",
    ),
}
# The office's overdue suggestions are the city's: listed in the admin, not an inbox.
OFFICE_OVERDUE = "?overdue_since__isnull=False"


def _link(pk: int) -> str:
    return portal_url(reverse("suggestion_detail", kwargs={"pk": pk}))


def _more(shown: int, total: int, link: str) -> list[str]:
    if total <= shown:
        return []
    more = total - shown
    return [
        ngettext("… and %(n)d more: %(link)s", "… and %(n)d more: %(link)s", more)
        % {"n": more, "link": link}
    ]


@template("suggestions.staff_digest")
def staff_digest(message):
    """A staff member's morning e-mail: each part's count, the first words of each title with
    its link, at most DIGEST_ITEMS a part and then where the rest is. None (not sent) when
    nothing is left to say by the time it is sent."""
    user = message.recipient
    if user.role == Role.ADMIN:
        organisation_id = None
    elif hasattr(user, "staff"):
        organisation_id = user.staff.organisation_id
    else:
        return None
    since, until = selectors.digest_period(
        date.fromisoformat(message.context["day"]), selectors.STAFF_DIGEST_AT, days=1
    )
    parts = selectors.staff_digest(organisation_id=organisation_id, since=since, until=until)
    if not parts:
        return None
    counts = [STAFF_PARTS[part.kind][0](part.total) % {"n": part.total} for part in parts]
    wholes = [
        reverse("admin:suggestions_suggestion_changelist") + OFFICE_OVERDUE
        if organisation_id is None and part.kind == "overdue"
        else STAFF_PARTS[part.kind][1]()
        for part in parts
    ]
    subject = _("Your daily digest: %(counts)s") % {
        "counts": pgettext("between the items of a list", ", ").join(counts)
    }
    lines = []
    for part, count, whole in zip(parts, counts, wholes, strict=True):
        lines.append(count + pgettext("before a list", ":"))
        lines += [f"- “{first_words(item.title)}” {_link(item.pk)}" for item in part.items]
        lines += _more(len(part.items), part.total, portal_url(whole))
        lines.append("")
    lines.append(
        _(
            "You get this e-mail on mornings when there is something new or overdue, "
            "instead of one e-mail for each suggestion."
        )
    )
    return Content(
        subject=subject,
        body="\n".join(lines),
        link=portal_url(wholes[0]),
        fields={"news": counts[0]},
    )


@template("suggestions.family_digest")
def family_digest(message):
    """A guardian's weekly e-mail: for each of their children's suggestions with news, the
    child's pseudonym, the title's first words, the news in a few words and a link. Never a
    real name, never what the child wrote."""
    since, until = selectors.digest_period(
        date.fromisoformat(message.context["week"]),
        selectors.FAMILY_DIGEST_AT,
        days=7,
    )
    news = selectors.family_digest(user=message.recipient, since=since, until=until)
    if not news:
        return None
    subject = ngettext(
        "This week's news: %(n)d suggestion", "This week's news: %(n)d suggestions", len(news)
    ) % {"n": len(news)}
    lines = []
    shown = news[: selectors.DIGEST_ITEMS]
    for entry in shown:
        suggestion = entry.suggestion
        said = pgettext("between the items of a list", ", ").join(
            str(NEWS[kind]()) for kind in entry.kinds
        )
        lines.append(f"- {suggestion.child.pseudonym}: “{first_words(suggestion.title)}” — {said}")
        lines.append(f"  {_link(suggestion.pk)}")
    lines += _more(len(shown), len(news), portal_url(reverse("notifications")))
    lines += [
        "",
        _("You chose to get this e-mail once a week. Your message settings are in the portal."),
    ]
    return Content(
        subject=subject,
        body="\n".join(lines),
        link=portal_url(reverse("notifications")),
        fields={"news": subject},
    )
