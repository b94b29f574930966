"""E-mail through Django's mail backend (SMTP by DJANGO_EMAIL_URL), with a one-click
unsubscribe (RFC 8058) for the message's topic in every mail."""

from django.core.mail import EmailMessage
from django.utils import translation

from hangzhou_cfc.effects import portal_host

from . import Content, Transport


class EmailTransport(Transport):
    channel = "email"
    # Every copy of a message carries the same Message-ID: mail systems drop the second.
    resend_in_doubt = True

    def address(self, user) -> str:
        return user.email or ""

    def send(self, *, message, content: Content, address: str) -> str:
        from ..preferences import UNSUBSCRIBABLE, unsubscribe_url

        message_id = f"<message-{message.pk}@{portal_host() or 'localhost'}>"
        headers = {"Message-ID": message_id}
        # A login's or a consent's link is sent once, to this person, at someone's request:
        # there is nothing to stop receiving. Every other e-mail stops in one click.
        if message.topic in UNSUBSCRIBABLE:
            # Sent outside the template's language: the unsubscribe page opens in the reader's.
            with translation.override(message.language):
                unsubscribe = unsubscribe_url(message.recipient, message.topic)
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        EmailMessage(content.subject, content.body, to=[address], headers=headers).send()
        return message_id
