"""What every import does: plan row by row, then write the whole plan or nothing.

An importer (one per kind: organisations, staff, children …) says which columns it reads, how
it checks one row and turns it into canonical text (the same text its export writes), and how
it writes a plan. The rest is here:

- `plan(table)` loads what the rows may refer to once, checks every row, refuses two rows for
  the same key, and compares each row with the record of that key: create, update (with the
  changes), unchanged, or refused (with the reasons). Nothing is written.
- `apply(table, user=…)` plans again (the database may have changed since the preview) and, in
  one transaction, writes it all or raises `ImportRefused` having written nothing.
- `export()` gives the current records as rows in the import's own format, so that a file
  exported and imported again changes nothing.

Rows are compared as text, so a later file updates only what it changes; an optional column
left out of the file, or a column the importer keeps when blank, changes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .tabular import FULL_WIDTH, Column, Limits, Table, clean, read_table


class Action:
    # Named in templates (imports/batch.html): a class there is called unless told not to be.
    do_not_call_in_templates = True

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    ALL = (CREATE, UPDATE, UNCHANGED, REFUSED)


@dataclass
class RowPlan:
    number: int  # the row as the admin sees it in Excel
    values: dict[str, str]  # canonical text by column key
    key: str = ""  # the natural key, once checked
    action: str = Action.UNCHANGED
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (column key, old, new)
    problems: list[str] = field(default_factory=list)
    record: object = field(default=None, repr=False)  # the existing record, if any
    # The records the row names (its school, organisation …), found by the check for the write.
    refs: dict = field(default_factory=dict, repr=False)


@dataclass
class Plan:
    rows: list[RowPlan]
    problems: list[str]  # problems of the file as a whole (its header)
    given: set[str] = field(default_factory=set)  # the column keys the file has
    context: object = field(default=None, repr=False)

    @property
    def ok(self):
        return not self.problems and all(row.action != Action.REFUSED for row in self.rows)

    def count(self, action):
        return sum(row.action == action for row in self.rows)

    def counts(self):
        return {action: self.count(action) for action in Action.ALL}

    @property
    def nothing_to_change(self):
        return self.ok and bool(self.rows) and all(r.action == Action.UNCHANGED for r in self.rows)

    @property
    def empty(self):
        return not self.rows

    @property
    def refused(self):
        return [row for row in self.rows if row.action == Action.REFUSED]

    @property
    def to_write(self):
        """The rows the write creates or updates, in the file's order."""
        return [row for row in self.rows if row.action in (Action.CREATE, Action.UPDATE)]


class ImportRefused(Exception):
    """The plan has problems: nothing was written."""

    def __init__(self, plan):
        super().__init__("the import has problems")
        self.plan = plan


logger = logging.getLogger(__name__)

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def choice_names(choices):
    """Every way a choice may be written: its value, and its Chinese and English labels,
    lower-cased, mapped to the value."""
    names = {}
    for value, _label in choices.choices:
        names[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[str(choices(value).label).lower()] = value
    return names


def parse_date(text):
    """2026-03-01, 2026/3/1, 2026.3.1 or 2026年3月1日 → a date, else None."""
    match = _DATE.match(text.translate(FULL_WIDTH))
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def email_problem(text):
    try:
        validate_email(text)
    except ValidationError:
        return _("“%(email)s” is not an e-mail address: correct it.") % {"email": text}
    return None


MAIL_CHUNK = 200  # ids per task: a roster of thousands is mailed by many short tasks


class Names:
    """Records found by code, else by name or English name. A code finds its record always; a
    name naming two different records is ambiguous, and only the code then finds one."""

    def __init__(self, records=(), *, code="code", names=("name", "name_en")):
        self.by_code, self.by_name, self.ambiguous = {}, {}, set()
        for record in records:
            self.add(
                record,
                getattr(record, code) if code else None,
                *(getattr(record, name) for name in names),
            )

    @staticmethod
    def _norm(text):
        # As typed, or with full-width letters, digits and brackets: "ｓ１２" finds "s12",
        # "文三街小学（西溪校区）" finds "文三街小学(西溪校区)".
        return clean(text, code_like=True).casefold()

    @staticmethod
    def _identity(target):
        return target if isinstance(target, str) else getattr(target, "code", None) or target

    def add(self, target, code, *names):
        """`target` (a record, or the code of a row of the file) under its code and names."""
        if code:
            self.by_code[self._norm(code)] = target
        for name in names:
            if not name:
                continue
            name = self._norm(name)
            before = self.by_name.get(name)
            if before is not None and self._identity(before) != self._identity(target):
                self.ambiguous.add(name)
            self.by_name[name] = target

    def find(self, text):
        text = self._norm(text)
        if text in self.by_code:
            return self.by_code[text]
        if text in self.ambiguous:
            return None
        return self.by_name.get(text)

    def is_ambiguous(self, text):
        text = self._norm(text)
        return text not in self.by_code and text in self.ambiguous


class Importer:
    slug: str = ""
    title = ""  # lazy text: the kind, plural ("Organisations")
    help = ""  # lazy text: what a row is and how it is matched
    columns: list[Column] = []
    keep_when_blank: frozenset[str] = frozenset()  # a blank cell leaves the record's value

    # --- to be given by each importer ---------------------------------------------------------

    def load(self):
        """What the rows may refer to, loaded once; must have `existing`: key → record."""
        raise NotImplementedError

    def check(self, item: RowPlan, context) -> None:
        """Turn `item.values` into canonical text, set `item.key`, add problems."""
        raise NotImplementedError

    def current(self, record, context) -> dict[str, str]:
        """A record as canonical text by column key: what the export writes."""
        raise NotImplementedError

    def write(self, plan: Plan, user) -> None:
        """Write the plan's created and updated rows (inside the transaction)."""
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------------

    def read(self, data: bytes) -> Table:
        # The limits are read when the file is, in the request as in the worker.
        limits = Limits(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            max_unpack_ratio=settings.IMPORT_MAX_UNPACK_RATIO,
            max_cells=settings.IMPORT_MAX_CELLS,
        )
        return read_table(data, self.columns, max_bytes=limits.max_bytes, limits=limits)

    def check_rows(self, rows: list[RowPlan], context) -> None:
        for item in rows:
            self.check(item, context)

    def plan(self, table: Table) -> Plan:
        context = self.load()
        rows = [
            RowPlan(number=row.number, values=dict(row.values), problems=list(row.problems))
            for row in table.rows
        ]
        self.check_rows(rows, context)
        seen = {}
        for item in rows:
            if not item.key:
                continue
            if item.key in seen:
                item.problems.append(
                    _("%(key)s is also on row %(row)s: list each one once, in one row.")
                    % {"row": seen[item.key], "key": item.key}
                )
            else:
                seen[item.key] = item.number
        given = {column.key for column in table.columns}
        for item in rows:
            self.compare(item, context, given)
        self.check_leading_zeros(rows, context)
        return Plan(rows=rows, problems=list(table.problems), given=given, context=context)

    def compare(self, item: RowPlan, context, given) -> None:
        item.record = context.existing.get(item.key) if item.key else None
        if item.problems:
            item.action = Action.REFUSED
            return
        if item.record is None:
            item.action = Action.CREATE
            return
        old = self.current(item.record, context)
        for column in self.columns:
            key = column.key
            if key not in old:
                continue
            new = item.values.get(key, "")
            if key not in given or (key in self.keep_when_blank and not new):
                # Not in the file, or left blank where blank means "as it is": the write
                # keeps the record's value.
                item.values[key] = old[key]
                continue
            # Compared as the reader reads a cell (spaces collapsed), so that a name stored
            # with two spaces is not "changed" by every import of it.
            if clean(old[key]) != new:
                item.changes.append((key, old[key], new))
        item.action = Action.UPDATE if item.changes else Action.UNCHANGED

    def check_leading_zeros(self, rows, context):
        """Excel reads a typed "007" as the number 7 unless the column is formatted as Text:
        a new key that is an existing one without its leading zeros is refused, not created
        as a second record."""
        creates = [item for item in rows if item.action == Action.CREATE and item.key.isdigit()]
        if not creates:
            return
        stripped = {key.lstrip("0"): key for key in context.existing if key.isdigit()}
        for item in creates:
            known = stripped.get(item.key.lstrip("0"))
            if known is not None and known != item.key:
                item.problems.append(
                    _(
                        "%(key)s is not in the portal, but %(known)s is: Excel may have dropped "
                        "the leading zeros. Format the column as Text, type the value again, "
                        "and upload the file again."
                    )
                    % {"key": item.key, "known": known}
                )
                item.action = Action.REFUSED

    def apply(self, table: Table, *, user=None) -> Plan:
        """Plan again and write all of it, or nothing (raising `ImportRefused`)."""
        with transaction.atomic():
            plan = self.plan(table)
            if not plan.ok:
                raise ImportRefused(plan)
            try:
                with transaction.atomic():
                    self.write(plan, user)
            except (IntegrityError, DataError) as error:
                # Most likely someone saved a record with the same key (or name) between the
                # plan and the write: the database refused it, and everything was rolled
                # back. Logged by constraint only: the message would hold the values.
                constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
                logger.warning("import of %s refused by the database (%s)", self.slug, constraint)
                plan.problems.append(
                    _(
                        "Someone changed the same records while this file was being imported, "
                        "so nothing was written. Preview the file again."
                    )
                )
                raise ImportRefused(plan) from error
        return plan

    def export(self):
        """The current records, in the import's format, sorted by key."""
        context = self.load()
        rows = [
            {column.key: "" for column in self.columns} | self.current(record, context)
            for record in self.exported(context)
        ]
        return sorted(rows, key=lambda row: [row[column.key] for column in self.columns])

    def exported(self, context):
        """The records the export lists."""
        return context.existing.values()

    # Helpers for the importers' checks.

    @staticmethod
    def lookup(item, key, names, unknown):
        """The record the cell `key` names, or None with a problem (`unknown` % {"text"})."""
        text = item.values.get(key, "")
        if not text:
            return None
        if names.is_ambiguous(text):
            item.problems.append(
                _("“%(text)s” names more than one record: write its code instead.") % {"text": text}
            )
            return None
        target = names.find(text)
        if target is None:
            item.problems.append(unknown % {"text": text})
        return target

    @staticmethod
    def need(item, key, message):
        if not item.values.get(key):
            item.problems.append(message)
            return False
        return True

    @staticmethod
    def at_most(item, key, length, label):
        if len(item.values.get(key, "")) > length:
            item.problems.append(
                _("The %(column)s is longer than %(length)s characters: shorten it.")
                % {"column": label, "length": length}
            )
