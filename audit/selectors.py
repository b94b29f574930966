"""The audit trail: django-auditlog's entries and django-axes' logins and failed logins, in one
list, newest first.

A page costs a bounded number of queries whatever its length: one to count, one for the page's
(kind, key, time) rows across the three tables, one per table for the rows themselves, one for
the roles of the logins' users, and one per kind of object named in the changes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce
from operator import or_

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from groups.models import Guardian, Role, User
from suggestions.models import Suggestion


class Kind(models.TextChoices):
    STAGES = "stages", _("Stage changes")
    EXPORTS = "exports", _("Exports and downloads")
    PEOPLE = "people", _("Roles and memberships")
    ROUTING = "routing", _("Routing rules and deadlines")
    PRIVACY = "privacy", _("Consent and deletion")
    IMPORTS = "imports", _("Imports from spreadsheets")
    LOGINS = "logins", _("Logins")
    FAILED_LOGINS = "failed_logins", _("Failed logins")


# The models (app label, model name) whose entries make each kind; audit/apps.py registers them.
ENTRY_KINDS = {
    Kind.STAGES: [("suggestions", "suggestion")],
    Kind.EXPORTS: [("reports", "reportexport")],
    Kind.PEOPLE: [
        ("groups", "user"),
        ("groups", "membership"),
        ("groups", "staffmember"),
        ("groups", "mentor"),
        ("groups", "guardianship"),
    ],
    Kind.ROUTING: [("suggestions", "routingrule"), ("suggestions", "stagedeadline")],
    Kind.PRIVACY: [
        ("privacy", "consent"),
        ("privacy", "consentrequest"),
        ("privacy", "deletionrequest"),
        ("privacy", "privacynotice"),
    ],
    Kind.IMPORTS: [("imports", "importbatch")],
}

ACTIONS = {
    LogEntry.Action.CREATE: _("created"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
    # The trail records no other access than a download.
    LogEntry.Action.ACCESS: _("downloaded"),
}

# What the objects named in changes need to name themselves without a query each.
_RELATED_FOR_LABEL = {Guardian: ["user"]}


# --- The list -------------------------------------------------------------------------------


def _entries() -> QuerySet:
    pairs = [(kind, pair) for kind, pairs in ENTRY_KINDS.items() for pair in pairs]
    recorded = reduce(
        or_,
        (Q(content_type__app_label=app, content_type__model=model) for _k, (app, model) in pairs),
    )
    kind = Case(
        *(
            When(content_type__app_label=app, content_type__model=model, then=Value(kind.value))
            for kind, (app, model) in pairs
        ),
        output_field=CharField(),
    )
    return LogEntry.objects.filter(recorded).annotate(
        kind=kind, key=F("pk"), at=F("timestamp"), who=F("actor__username")
    )


def _logins(model, kind: Kind) -> QuerySet:
    return model.objects.annotate(
        kind=Value(kind.value, output_field=CharField()),
        key=F("pk"),
        at=F("attempt_time"),
        who=F("username"),
    )


def trail(narrow=None) -> QuerySet:
    """(kind, key, at) rows of every recorded action, newest first.

    Each source is annotated alike with `kind`, `who` (a login name) and `at`, so that
    `narrow` (the page's filters) applies to each the same way.
    """
    sources = [
        _entries(),
        _logins(AccessLog, Kind.LOGINS),
        _logins(AccessFailureLog, Kind.FAILED_LOGINS),
    ]
    if narrow is not None:
        sources = [narrow(source) for source in sources]
    # Each part unordered (a compound statement orders only as a whole).
    first, *rest = [source.order_by().values_list("kind", "key", "at") for source in sources]
    return first.union(*rest, all=True).order_by("-at", "-key")


# --- One page of it, ready to show ----------------------------------------------------------


@dataclass
class Change:
    field: str
    old: str | None = None
    new: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Row:
    at: datetime
    kind: str
    username: str | None
    role: str | None
    action: str
    # No one acted: the router or another background task.
    by_system: bool = False
    object_kind: str = ""
    object_name: str = ""
    object_url: str | None = None
    changes: list[Change] = field(default_factory=list)


def trail_rows(keys) -> list[Row]:
    """The page's rows of `trail()`, in its order, each with its actor, object and changes."""
    keys = list(keys)
    ids = defaultdict(list)
    for kind, key, _at in keys:
        ids[kind if kind in (Kind.LOGINS, Kind.FAILED_LOGINS) else "entry"].append(key)
    entries = (
        LogEntry.objects.select_related("actor", "content_type").in_bulk(ids["entry"])
        if ids["entry"]
        else {}
    )
    logins = AccessLog.objects.in_bulk(ids[Kind.LOGINS]) if ids[Kind.LOGINS] else {}
    failures = (
        AccessFailureLog.objects.in_bulk(ids[Kind.FAILED_LOGINS]) if ids[Kind.FAILED_LOGINS] else {}
    )
    names = {row.username for row in [*logins.values(), *failures.values()] if row.username}
    roles = (
        dict(User.objects.filter(username__in=names).values_list("username", "role"))
        if names
        else {}
    )
    labels = _labels_of_related(entries.values())

    rows = []
    for kind, key, _at in keys:
        if key not in {Kind.LOGINS: logins, Kind.FAILED_LOGINS: failures}.get(kind, entries):
            # Removed since the page was counted (axes keeps a bounded number of failures).
            continue
        if kind == Kind.LOGINS:
            rows.append(_login_row(logins[key], roles, _("logged in")))
        elif kind == Kind.FAILED_LOGINS:
            failure = failures[key]
            if failure.locked_out:
                action = _("failed to log in, and was locked out")
            else:
                action = _("failed to log in")
            rows.append(_login_row(failure, roles, action))
        else:
            rows.append(_entry_row(entries[key], Kind(kind), labels))
    return rows


def _role_label(role: str | None) -> str | None:
    return Role(role).label if role in Role.values else None


def _login_row(row, roles, action) -> Row:
    kind = Kind.LOGINS if isinstance(row, AccessLog) else Kind.FAILED_LOGINS
    return Row(
        at=row.attempt_time,
        kind=kind.label,
        username=row.username,
        role=_role_label(roles.get(row.username)),
        action=action,
    )


def _entry_row(entry: LogEntry, kind: Kind, labels) -> Row:
    model = entry.content_type.model_class()
    actor = entry.actor
    url = None
    if model is Suggestion and entry.object_id:
        url = reverse("suggestion_detail", args=[entry.object_id])
    return Row(
        at=entry.timestamp,
        kind=kind.label,
        username=actor.username if actor else None,
        role=_role_label(actor.role) if actor else None,
        action=ACTIONS.get(entry.action, ""),
        by_system=actor is None,
        # An entry about no row of its own (the streamed CSV) is named by its file alone.
        object_kind=model._meta.verbose_name if model and entry.object_id is not None else "",
        object_name=entry.object_repr,
        object_url=url,
        changes=_changes(entry, model, labels),
    )


def _model_field(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _is_reference(model_field) -> bool:
    return model_field is not None and (model_field.many_to_one or model_field.one_to_one)


def _labels_of_related(entries) -> dict:
    """The names of the objects the changes refer to by id: one query per kind of object."""
    wanted = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            model_field = _model_field(model, name)
            if isinstance(values, dict) or not _is_reference(model_field):
                continue
            related = model_field.related_model
            if related is not Suggestion:
                wanted[related].update(v for v in values if v not in (None, "None"))
    labels = {}
    for related, pks in wanted.items():
        rows = related._default_manager.all()
        if related in _RELATED_FOR_LABEL:
            rows = rows.select_related(*_RELATED_FOR_LABEL[related])
        found = rows.in_bulk([pk for pk in pks if str(pk).isdigit()])
        labels[related] = {str(pk): str(obj) for pk, obj in found.items()}
    return labels


def _changes(entry: LogEntry, model, labels) -> list[Change]:
    """The changed fields in the model's order (django-auditlog keeps them in any order)."""
    position = {f.name: n for n, f in enumerate(model._meta.get_fields())} if model else {}
    changes = []
    recorded = entry.changes or {}
    for name in sorted(recorded, key=lambda name: position.get(name, len(position))):
        values = recorded[name]
        model_field = _model_field(model, name)
        label = str(model_field.verbose_name) if model_field else name
        if isinstance(values, dict):
            objects = [str(o) for o in values.get("objects", [])]
            if values.get("operation") == "add":
                changes.append(Change(field=label, added=objects))
            else:
                changes.append(Change(field=label, removed=objects))
            continue
        old, new = (_shown(model_field, value, labels) for value in values)
        # A new row's empty fields are kept as changes from nothing to nothing.
        if old != new:
            changes.append(Change(field=label, old=old, new=new))
    return changes


def _shown(model_field, value, labels) -> str | None:
    """A value as kept by django-auditlog (a string; "None" for none), as people read it."""
    if value in (None, "None", ""):
        return None
    value = str(value)
    if model_field is None:
        return value
    if _is_reference(model_field):
        if model_field.related_model is Suggestion:
            return f"#{value}"
        return labels.get(model_field.related_model, {}).get(value, f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value == "True" else _("no"))
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                # Kept naive, in UTC.
                moment = moment.replace(tzinfo=UTC)
            return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")
    return value
