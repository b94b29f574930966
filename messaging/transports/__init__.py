"""The channels a message leaves the portal by, each behind one small interface.

A transport knows one channel: where a person is reached on it (`address`) and how to hand it
one message (`send`), which returns the provider's id of what it accepted or raises:

- `Undeliverable(code, reason)`: the provider refused this message for good (a number that
  does not exist, a guardian who unfollowed the Official Account); it is given up at once;
- `TryLater(code, reason)`: the provider is throttling or away; it is tried again later, and
  given up after services.MAX_ATTEMPTS;
- `InDoubt(code, reason)`: the request went out and no answer came back; treated like a
  worker stopped while sending (`resend_in_doubt`);

any other exception is a failed attempt as well, known by its class. Which transport serves
a channel is a setting (MESSAGE_TRANSPORTS): a channel without one is not offered to anyone.
The inbox has no transport: it is written in the transaction of what caused it.
"""

import re
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Content:
    """A message made in the recipient's language, for any channel to take what it can carry.

    `fields` are short named values for a provider's own template (SMS parameters, WeChat
    fields): the child's pseudonym, the title's first words, the news in a few words. Never a
    real name, never the child's text."""

    subject: str
    body: str
    link: str = ""
    fields: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    def __init__(self, code: str, reason: str = ""):
        super().__init__(code)
        self.code = code[:100]
        self.reason = reason


class Undeliverable(DeliveryError):
    """The provider refused the message for good."""


class TryLater(DeliveryError):
    """The provider could not take the message now."""


class InDoubt(DeliveryError):
    """The provider may have taken the message and not said so (its answer timed out): sent
    again only by a transport that resends in doubt, else given up for the office."""


class Transport:
    channel: str = ""
    # No SMS or WeChat message reaches a family at night (MESSAGES_QUIET_HOURS).
    quiet_for_families: bool = False
    # A message a stopped worker left "sending" may or may not have arrived. Sending it again
    # is safe where the receiver can tell the copies apart (e-mail's fixed Message-ID); else it
    # is given up and shown to the office, who may send it again by hand.
    resend_in_doubt: bool = False

    def address(self, user) -> str:
        """Where `user` is reached on this channel, or "" (the message is then skipped)."""
        raise NotImplementedError

    def send(self, *, message, content: Content, address: str) -> str:
        raise NotImplementedError


@cache
def transport_for(channel: str) -> Transport | None:
    """The transport configured for `channel`, or None when it is not set up here."""
    path = settings.MESSAGE_TRANSPORTS.get(channel)
    return import_string(path)() if path else None


def channels_available() -> list[str]:
    return [channel for channel, path in settings.MESSAGE_TRANSPORTS.items() if path]


_NUMBERS = re.compile(r"\+?\d[\d\s-]{5,}\d|\S+@\S+")


def reason(text: str) -> str:
    """A provider's explanation, fit for the office's list: numbers and addresses blanked
    (a provider may quote the phone number it refused), at most 200 characters."""
    return _NUMBERS.sub("…", str(text or "")).strip()[:200]


def first_words(text: str, limit: int = 12) -> str:
    """The first words of a title, for a message that may show no more of what a child wrote:
    at most `limit` characters, cut at a space where there is one, with "…" when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip("，,。.；;：:、 ") + "…"
