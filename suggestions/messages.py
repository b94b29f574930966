"""The pipeline's messages (messaging/): what a notice says outside the portal. To a family:
the child's pseudonym, the first words of the title and a link; never a real name, never what
the child wrote."""

from django.urls import reverse
from django.utils.translation import gettext as _

from hangzhou_cfc.effects import portal_url
from messaging.preferences import FAMILY_ROLES
from messaging.services import template
from messaging.transports import Content, first_words

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
}


@template("suggestions.notification")
def notification(message):
    notice = (
        Notification.objects.filter(pk=message.context.get("notification"))
        .select_related("recipient", "suggestion__child")
        .first()
    )
    if notice is None:
        return None
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
