"""Import organisations (districts, streets, communities, schools, departments, partners …)
from a spreadsheet: plan first, then apply the whole plan or nothing.

Matched by their code (the natural key): a row whose code exists updates that organisation, a
new code creates one, and a row that changes nothing is left alone, so importing the same file
twice changes nothing. A district or community is named by its code or its name, and may be
one created by an earlier row of the same file.
"""

from itertools import groupby
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Organisation, OrganisationKind

from .base import SLUG, Importer, Names, choice_names
from .tabular import Column

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


# Words offices use for the kinds, besides the portal's own labels.
KIND_ALIASES = {
    "区": OrganisationKind.DISTRICT,
    "县": OrganisationKind.DISTRICT,
    "县市区": OrganisationKind.DISTRICT,
    "镇": OrganisationKind.STREET,
    "街道办": OrganisationKind.STREET,
    "村": OrganisationKind.COMMUNITY,
    "村社": OrganisationKind.COMMUNITY,
    "小学": OrganisationKind.SCHOOL,
    "中学": OrganisationKind.SCHOOL,
    "初中": OrganisationKind.SCHOOL,
    "高中": OrganisationKind.SCHOOL,
    "部门": OrganisationKind.DEPARTMENT,
    "大学": OrganisationKind.UNIVERSITY,
    "公司": OrganisationKind.BUSINESS,
}
NEEDS_DISTRICT = (OrganisationKind.SCHOOL, OrganisationKind.COMMUNITY, OrganisationKind.STREET)


class OrganisationImporter(Importer):
    slug = "organisations"
    title = gettext_lazy("Organisations")
    help = gettext_lazy(
        "Districts, streets, communities, schools, departments and partners, one per row, "
        "matched by their code. A district or community is named by its code or its name, and "
        "may be one listed earlier in the same file."
    )
    columns = COLUMNS

    def load(self):
        organisations = list(Organisation.objects.select_related("district", "community"))
        return SimpleNamespace(
            existing={org.code: org for org in organisations},
            kinds=KIND_ALIASES | choice_names(OrganisationKind),
            districts=Names(o for o in organisations if o.kind == OrganisationKind.DISTRICT),
            communities=Names(o for o in organisations if o.kind == OrganisationKind.COMMUNITY),
        )

    def current(self, org, context):
        return {
            "code": org.code,
            "kind": org.kind,
            "name": org.name,
            "name_en": org.name_en,
            "district": org.district.code if org.district_id else "",
            "community": org.community.code if org.community_id else "",
        }

    def check_rows(self, rows, context):
        for item in rows:
            self._check_own(item, context)
        # Names the district and community columns may refer to: the database's, then the
        # file's own (a file's row wins for its own code).
        for item in rows:
            names = {
                OrganisationKind.DISTRICT: context.districts,
                OrganisationKind.COMMUNITY: context.communities,
            }.get(item.values["kind"])
            if names is not None and item.key:
                names.add(item.key, item.key, item.values["name"], item.values["name_en"])
        for item in rows:
            self._resolve(item, context)

    def _check_own(self, item, context):
        values = item.values
        code = values["code"]
        if not code:
            item.problems.append(_("The code is empty: give each organisation a short code."))
        elif not SLUG.match(code) or len(code) > 40:
            item.problems.append(
                _(
                    "The code “%(code)s” may hold only letters, digits, “-” and “_”, at most "
                    "40 of them: correct it."
                )
                % {"code": code}
            )
        else:
            item.key = code
        kind = context.kinds.get(values["kind"].lower())
        if kind is None:
            item.problems.append(
                _("Unknown kind “%(kind)s”: write one of %(kinds)s.")
                % {"kind": values["kind"], "kinds": ", ".join(OrganisationKind.values)}
            )
        values["kind"] = kind or ""
        if not values["name"]:
            item.problems.append(_("The name is empty."))
        self.at_most(item, "name", 120, _("name"))
        self.at_most(item, "name_en", 120, _("English name"))

    def _resolve(self, item, context):
        values, kind = item.values, item.values["kind"]
        given = {key: bool(values[key]) for key in ("district", "community")}
        unknown = {
            "district": _(
                "There is no district “%(text)s”: write the code or the name of a district in "
                "the portal or earlier in this file."
            ),
            "community": _(
                "There is no community “%(text)s”: write the code or the name of a community "
                "in the portal or earlier in this file."
            ),
        }
        for key, names in (("district", context.districts), ("community", context.communities)):
            target = self.lookup(item, key, names, unknown[key])
            values[key] = target if isinstance(target, str) else (target.code if target else "")
        if not kind:
            return
        if kind in NEEDS_DISTRICT and not given["district"]:
            item.problems.append(_("A school, community or street must lie in a district: add it."))
        if kind == OrganisationKind.DISTRICT and given["district"]:
            item.problems.append(_("A district does not lie in another district: leave it empty."))
        if kind == OrganisationKind.SCHOOL and not given["community"]:
            item.problems.append(_("A school must belong to a community: add it."))
        if kind != OrganisationKind.SCHOOL and given["community"]:
            item.problems.append(_("Only a school belongs to a community: leave it empty."))
        old = context.existing.get(item.key)
        if old is not None and old.kind != kind:
            item.problems.append(
                _(
                    "%(code)s is already in the portal as a %(kind)s, and an import does not "
                    "change the kind of an organisation (children, staff and suggestions may "
                    "depend on it): correct the kind in the file, or ask the programme office "
                    "to change it in the admin."
                )
                % {"code": item.key, "kind": old.get_kind_display()}
            )

    def write(self, plan, user):
        """Kind by kind (districts first), so that what a row names exists before it; new
        organisations in one INSERT per kind, changed ones in one UPDATE per kind."""
        by_code = {org.code: org for org in plan.context.existing.values()}

        def order(item):
            kind = item.values["kind"]
            return WRITE_ORDER.index(kind) if kind in WRITE_ORDER else len(WRITE_ORDER)

        rows = sorted(plan.to_write, key=order)
        for _position, batch in groupby(rows, order):
            new, changed = [], []
            for item in batch:
                org = item.record or Organisation(code=item.key)
                values = item.values
                org.kind, org.name, org.name_en = values["kind"], values["name"], values["name_en"]
                org.district = by_code[values["district"]] if values["district"] else None
                org.community = by_code[values["community"]] if values["community"] else None
                (changed if item.record else new).append(org)
            Organisation.objects.bulk_create(new)
            Organisation.objects.bulk_update(
                changed, ["kind", "name", "name_en", "district", "community"]
            )
            by_code.update((org.code, org) for org in new)


IMPORTER = OrganisationImporter()
plan = IMPORTER.plan
apply = IMPORTER.apply
