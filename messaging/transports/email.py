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
        from ..preferences import unsubscribe_url

        message_id = f"<message-{message.pk}@{portal_host() or 'localhost'}>"
        # Sent outside the template's language: the unsubscribe page opens in the reader's.
        with translation.override(message.language):
            unsubscribe = unsubscribe_url(message.recipient, message.topic)
        EmailMessage(
            content.subject,
            content.body,
            to=[address],
            headers={
                "Message-ID": message_id,
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        ).send()
        return message_id
