"""Import organisations (districts, streets, communities, schools, departments, partners …)
from a spreadsheet: plan first, then apply the whole plan or nothing.

Matched by their code (the natural key): a row whose code exists updates that organisation, a
new code creates one, and a row that changes nothing is left alone, so importing the same file
twice changes nothing. A district or community is named by its code or its name, and may be
one created by an earlier row of the same file.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from groups.models import Organisation, OrganisationKind

from .tabular import Column, Table

COLUMNS = [
    Column("code", "组织代码", "code", required=True, code_like=True),
    Column("kind", "类型", "kind", required=True),
    Column("name", "名称", "name", required=True),
    Column("name_en", "英文名称", "English name"),
    Column("district", "所在区", "district"),
    Column("community", "所属社区", "community"),
]
# The order in which rows are written, so that what a row names exists before it.
WRITE_ORDER = [
    OrganisationKind.DISTRICT,
    OrganisationKind.STREET,
    OrganisationKind.COMMUNITY,
    OrganisationKind.SCHOOL,
]
FIELDS = ("kind", "name", "name_en", "district", "community")


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class RowPlan:
    number: int
    code: str
    action: str = Action.UNCHANGED
    values: dict = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan]
    problems: list[str]

    @property
    def ok(self):
        return not self.problems and all(row.action != Action.REFUSED for row in self.rows)

    def count(self, action):
        return sum(row.action == action for row in self.rows)

    @property
    def nothing_to_change(self):
        return self.ok and all(row.action == Action.UNCHANGED for row in self.rows)


def _kinds():
    """Every way a kind may be written: its code, and its Chinese and English names."""
    names = {}
    for value, _label in OrganisationKind.choices:
        names[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[str(OrganisationKind(value).label).lower()] = value
    return names


class _Names:
    """Organisations of one kind by code, name and English name: those in the database, then
    those the file creates (a file's row wins over the database for its own code)."""

    def __init__(self, kind):
        self.kind = kind
        self.by_key = {}
        for org in Organisation.objects.filter(kind=kind):
            self.add(org.code, org.name, org.name_en, org)

    def add(self, code, name, name_en, target):
        for key in (code, name, name_en):
            if key:
                self.by_key[key.lower()] = target

    def find(self, text):
        return self.by_key.get(text.lower())


def plan(table: Table) -> Plan:
    """What importing the table would do, row by row; nothing is written."""
    problems = list(table.problems)
    kinds = _kinds()
    existing = {
        org.code: org for org in Organisation.objects.select_related("district", "community")
    }
    rows, seen = [], {}
    for row in table.rows:
        values = row.values
        item = RowPlan(number=row.number, code=values["code"], values=dict(values))
        rows.append(item)
        if not values["code"]:
            item.problems.append(_("The code is empty: give each organisation a short code."))
        elif values["code"] in seen:
            item.problems.append(
                _("The code %(code)s is also on row %(row)s: list each organisation once.")
                % {"code": values["code"], "row": seen[values["code"]]}
            )
        else:
            seen[values["code"]] = row.number
        kind = kinds.get(values["kind"].lower())
        if kind is None:
            item.problems.append(
                _("Unknown kind “%(kind)s”: write one of %(kinds)s.")
                % {"kind": values["kind"], "kinds": ", ".join(OrganisationKind.values)}
            )
        item.values["kind"] = kind
        if not values["name"]:
            item.problems.append(_("The name is empty."))
    # Names a later column may refer to: the database's, then the file's own.
    districts = _Names(OrganisationKind.DISTRICT)
    communities = _Names(OrganisationKind.COMMUNITY)
    for item in rows:
        kind = item.values["kind"]
        if kind == OrganisationKind.DISTRICT:
            districts.add(item.code, item.values["name"], item.values["name_en"], item.code)
        elif kind == OrganisationKind.COMMUNITY:
            communities.add(item.code, item.values["name"], item.values["name_en"], item.code)
    for item in rows:
        _resolve(item, districts, communities)
        _compare(item, existing.get(item.code))
    return Plan(rows=rows, problems=problems)


def _label(target):
    return target if isinstance(target, str) else target.code


def _resolve(item, districts, communities):
    values, kind = item.values, item.values["kind"]
    given = {key: bool(values[key]) for key in ("district", "community")}
    unknown = {
        "district": _(
            "There is no district “%(text)s”: write the code or the name of a district in the "
            "portal or earlier in this file."
        ),
        "community": _(
            "There is no community “%(text)s”: write the code or the name of a community in the "
            "portal or earlier in this file."
        ),
    }
    for key, names in (("district", districts), ("community", communities)):
        text = values[key]
        target = names.find(text) if text else None
        if text and target is None:
            item.problems.append(unknown[key] % {"text": text})
        values[key] = target
    if kind is None:
        return
    needs_district = kind in (
        OrganisationKind.SCHOOL,
        OrganisationKind.COMMUNITY,
        OrganisationKind.STREET,
    )
    if needs_district and not given["district"]:
        item.problems.append(_("A school, community or street must lie in a district: add it."))
    if kind == OrganisationKind.DISTRICT and given["district"]:
        item.problems.append(_("A district does not lie in another district: leave it empty."))
    if kind == OrganisationKind.SCHOOL and not given["community"]:
        item.problems.append(_("A school must belong to a community: add it."))
    if kind != OrganisationKind.SCHOOL and given["community"]:
        item.problems.append(_("Only a school belongs to a community: leave it empty."))


def _compare(item, org):
    if item.problems:
        item.action = Action.REFUSED
        return
    if org is None:
        item.action = Action.CREATE
        return
    for name in FIELDS:
        new = item.values[name]
        old = getattr(org, name)
        old_text = old.code if isinstance(old, Organisation) else (old or "")
        new_text = _label(new) if new is not None else ""
        if old_text != new_text:
            item.changes.append((name, old_text, new_text))
    item.action = Action.UPDATE if item.changes else Action.UNCHANGED


class ImportRefused(Exception):
    """The plan has problems: nothing was written."""

    def __init__(self, plan):
        super().__init__("the import has problems")
        self.plan = plan


@transaction.atomic
def apply(table: Table) -> Plan:
    """Plan again (the database may have changed since the preview) and write all of it, or
    nothing: any problem, found now or by the model's own checks (or a code saved by someone
    else at the same moment, which the unique constraint refuses), rolls everything back."""
    result = plan(table)
    if not result.ok:
        raise ImportRefused(result)
    by_code = {}

    def order(item):
        kind = item.values["kind"]
        return WRITE_ORDER.index(kind) if kind in WRITE_ORDER else len(WRITE_ORDER)

    for item in sorted(result.rows, key=order):
        if item.action == Action.UNCHANGED:
            continue
        org = Organisation.objects.filter(code=item.code).first() or Organisation(code=item.code)
        org.kind = item.values["kind"]
        org.name = item.values["name"]
        org.name_en = item.values["name_en"]
        for key in ("district", "community"):
            target = item.values[key]
            if isinstance(target, str):
                target = by_code.get(target) or Organisation.objects.get(code=target)
            setattr(org, key, target)
        try:
            org.full_clean()
        except ValidationError as error:
            item.problems.extend(error.messages)
            item.action = Action.REFUSED
            raise ImportRefused(result) from error
        org.save()
        by_code[org.code] = org
    return result
