"""The test run searches every response, log record and e-mail for children's real names and
contacts.

Every real name, phone number and address the run stores (each ChildPersonalData saved, and
every name the demo makes) is remembered. A response, a log line or an e-mail that contains one
is a leak, unless it answers someone entitled to it: an admin holding the personal-data
permission on the personal record page (or adding a record in the admin), or the child's own
guardian downloading their data. The autouse fixture in tests/conftest.py fails the test in
which a leak happened.

Names are searched as typed, as JSON escapes them (\\uXXXX) and as URLs encode them.
"""

import json
import logging
import re
import threading
from urllib.parse import quote

import rules
from django.db.models.signals import post_save
from django.urls import Resolver404, resolve

_lock = threading.Lock()
KNOWN: dict[bytes, str] = {}
LEAKS: list[str] = []


def remember(name, shortest=2):
    name = (name or "").strip()
    if len(name) < shortest:
        return
    with _lock:
        for form in (name, json.dumps(name)[1:-1], quote(name)):
            KNOWN[form.encode("utf-8")] = name


def _remember_saved(sender, instance, **kwargs):
    remember(instance.real_name)
    # Contacts too, when long enough to be one (a test's "138" is not a phone number).
    remember(instance.contact_phone, shortest=6)
    remember(instance.address, shortest=6)


def _remember_demo_names():
    from groups.demo import GIVEN_NAMES, SURNAMES

    for surname in SURNAMES:
        for given in GIVEN_NAMES:
            remember(surname + given)


def _one_pattern(forms) -> re.Pattern:
    """A regular expression matching any of the forms, as a trie (the forms sharing a prefix
    share its branch): one pass over a page, where searching for each form is one per form."""
    trie: dict = {}
    for form in forms:
        node = trie
        for byte in form:
            node = node.setdefault(byte, {})
        node[None] = {}  # a form ends here

    def branch(node) -> bytes:
        ends = None in node
        branches = [
            re.escape(bytes([b])) + branch(node[b])
            for b in sorted(k for k in node if k is not None)
        ]
        if not branches:
            return b""
        if len(branches) == 1 and not ends:
            return branches[0]
        either = b"(?:" + b"|".join(branches) + b")"
        return either + b"?" if ends else either

    return re.compile(branch(trie))


_searched = {"pattern": None, "forms": 0}


def _any_known_in(data: bytes) -> bool:
    """Whether any remembered form is in data. The pattern is made again when KNOWN has grown
    (rarely: the same names come back test after test)."""
    with _lock:
        if not KNOWN:
            return False
        if _searched["forms"] != len(KNOWN):
            _searched.update(pattern=_one_pattern(KNOWN), forms=len(KNOWN))
        pattern = _searched["pattern"]
    return pattern.search(data) is not None


def found_in(data: bytes):
    if not _any_known_in(data):  # nearly always: most data has no name at all
        return []
    with _lock:
        known = list(KNOWN.items())
    return sorted({name for form, name in known if form in data})


def report(where, data):
    names = found_in(data if isinstance(data, bytes) else str(data).encode("utf-8"))
    if names:
        with _lock:
            LEAKS.append(f"{where}: {', '.join(names)}")


def report_outbox():
    """Search the e-mails sent so far (Django's test outbox)."""
    from django.core import mail

    for message in getattr(mail, "outbox", []):
        texts = [
            message.subject,
            message.body,
            *(alt[0] for alt in getattr(message, "alternatives", [])),
        ]
        report(f"e-mail to {message.to}", "\n".join(map(str, texts)))


def take_leaks():
    with _lock:
        leaks = list(LEAKS)
        LEAKS.clear()
    return leaks


def _entitled(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if match.url_name == "personal_record":
        return user.has_perm("privacy.see_personal_record")
    if match.url_name == "groups_childpersonaldata_add":
        return user.has_perm("groups.see_child_personal_data")
    if match.url_name == "guardian_download":
        from groups.models import Child

        child = Child.objects.filter(pk=match.kwargs.get("pk")).first()
        return child is not None and rules.has_perm("privacy.act_as_guardian", user, child)
    return False


class RealNameWatch:
    """Test-only middleware (hangzhou_cfc/settings/test.py): searches each response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not KNOWN or _entitled(request):
            return response
        where = f"{request.method} {request.path}"
        if response.streaming:
            response.streaming_content = self._watched(response.streaming_content, where)
        else:
            report(where, response.content)
            for header, value in response.items():
                report(f"{where} header {header}", value)
        return response

    @staticmethod
    def _watched(chunks, where):
        for chunk in chunks:
            report(where, chunk if isinstance(chunk, bytes) else str(chunk).encode())
            yield chunk


class _LogWatch(logging.Handler):
    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        report(f"log {record.name}", text)


_handler = None


def watch_logs():
    """Put the log watch on the root logger (again: anything that re-runs Django's logging
    set-up replaces the root's handlers and level).

    INFO and above: what production logs (DJANGO_LOG_LEVEL defaults to INFO there). Records
    below the root's level never reach a handler, so the root lets INFO through while the
    other handlers keep the level they had.
    """
    global _handler
    root = logging.getLogger()
    if _handler is None:
        _handler = _LogWatch(level=logging.INFO)
    if _handler in root.handlers and root.level <= logging.INFO:
        return
    for other in root.handlers:
        if other.level == logging.NOTSET:
            other.setLevel(root.level)
    if _handler not in root.handlers:
        root.addHandler(_handler)
    root.setLevel(min(root.level, logging.INFO))


def install():
    post_save.connect(
        _remember_saved, sender="groups.ChildPersonalData", dispatch_uid="realnames-remember"
    )
    _remember_demo_names()
    watch_logs()
