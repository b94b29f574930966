"""Import routing rules (which city department takes suggestions of a focus area, in a division
of Hangzhou or city-wide) from a spreadsheet, matched by focus area and division."""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import FocusArea, Organisation, OrganisationKind
from places.models import Division
from suggestions.models import RoutingRule

from .base import Action, Importer, Names
from .tabular import Column

COLUMNS = [
    Column("focus_area", "关注领域", "focus area", required=True),
    Column("division", "区划", "division"),
    Column("department", "承办部门", "department", required=True),
]
CITYWIDE = "*"


class RoutingRuleImporter(Importer):
    slug = "routing-rules"
    title = gettext_lazy("Routing rules")
    help = gettext_lazy(
        "Which department takes the suggestions of a focus area, one rule per row, matched by "
        "focus area and division. A division is a district, street or community of Hangzhou, "
        "by its code or name (a street or community by its district too, as in “西湖区 · "
        "北山街道”, when its name is not unique); leave it empty for the city-wide rule. Focus "
        "areas and departments are named by their codes or names."
    )
    columns = COLUMNS

    def load(self):
        rules = RoutingRule.objects.select_related("focus_area", "division", "department")
        existing = {}
        for rule in rules:
            existing[self._key(rule.focus_area.code, rule.division and rule.division.code)] = rule
        return SimpleNamespace(
            existing=existing,
            focus_areas=Names(FocusArea.objects.all()),
            divisions=_division_names(),
            departments=Names(Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT)),
        )

    @staticmethod
    def _key(focus_area, division):
        return f"{focus_area} · {division or CITYWIDE}"

    def current(self, rule, context):
        return {
            "focus_area": rule.focus_area.code,
            "division": rule.division.code if rule.division_id else "",
            "department": rule.department.code,
        }

    def check(self, item, context):
        values = item.values
        found = {}
        for key, names, empty, unknown in (
            (
                "focus_area",
                context.focus_areas,
                _("The focus area is empty."),
                _("There is no focus area “%(text)s”: write its code or name."),
            ),
            (
                "department",
                context.departments,
                _("The department is empty."),
                _("There is no department “%(text)s”: write the code of a city department."),
            ),
            (
                "division",
                context.divisions,
                None,
                _(
                    "There is no division “%(text)s” in Hangzhou: write the code or name of a "
                    "district, street or community, or leave it empty for the whole city."
                ),
            ),
        ):
            if empty and not values[key]:
                item.problems.append(empty)
            if key == "division" and names.is_ambiguous(values[key]):
                item.problems.append(
                    _(
                        "“%(text)s” is the name of more than one division: write its code, or "
                        "the district and street it lies in before it (“西湖区 · 北山街道”)."
                    )
                    % {"text": values[key]}
                )
                found[key] = None
            else:
                found[key] = self.lookup(item, key, names, unknown)
            values[key] = found[key].code if found[key] else ""
        item.refs = found
        if not item.problems:
            item.key = self._key(values["focus_area"], values["division"])

    def write(self, plan, user):
        # A few dozen rules: saved one by one, so that the audit trail records each change.
        for item in plan.rows:
            if item.action == Action.CREATE:
                RoutingRule.objects.create(
                    focus_area=item.refs["focus_area"],
                    division=item.refs["division"],
                    department=item.refs["department"],
                )
            elif item.action == Action.UPDATE:
                item.record.department = item.refs["department"]
                item.record.save(update_fields=["department"])


def _division_names() -> Names:
    """Hangzhou's divisions by code, by name, and by their names with the divisions they lie
    in ("西湖区 · 北山街道", "西湖区北山街道"): a street's name alone may be a district's
    in another."""
    names = Names()
    for division in Division.objects.select_related("parent__parent"):
        lineage = list(reversed(division.lineage()))
        names.add(
            division,
            division.code,
            division.name,
            division.name_en,
            " · ".join(d.name for d in lineage),
            "".join(d.name for d in lineage),
            " · ".join(d.name_en for d in lineage),
        )
    return names


IMPORTER = RoutingRuleImporter()
