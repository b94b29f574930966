"""The pipeline's messages (messaging/): what a notice says by e-mail. A link to the portal,
nothing about the child."""

from django.urls import reverse
from django.utils.translation import gettext as _

from hangzhou_cfc.effects import portal_url
from messaging.services import template

from .models import Notification


@template("suggestions.notification")
def notification(message):
    notice = (
        Notification.objects.filter(pk=message.context.get("notification"))
        .select_related("recipient")
        .first()
    )
    if notice is None:
        return None
    link = portal_url(reverse("suggestion_detail", kwargs={"pk": notice.suggestion_id}))
    subject = notice.text_for(notice.recipient, name_the_child=False)
    return subject, _("Open it in the portal: %(link)s") % {"link": link}
