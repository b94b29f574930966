"""Import routing rules (which city department takes suggestions of a focus area, in a district
or city-wide) from a spreadsheet, matched by focus area and district."""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import FocusArea, Organisation, OrganisationKind
from suggestions.models import RoutingRule

from .base import Action, Importer, Names
from .tabular import Column

COLUMNS = [
    Column("focus_area", "关注领域", "focus area", required=True),
    Column("district", "区", "district"),
    Column("department", "承办部门", "department", required=True),
]
CITYWIDE = "*"


class RoutingRuleImporter(Importer):
    slug = "routing-rules"
    title = gettext_lazy("Routing rules")
    help = gettext_lazy(
        "Which department takes the suggestions of a focus area, one rule per row, matched by "
        "focus area and district. Leave the district empty for the city-wide rule. Focus "
        "areas, districts and departments are named by their codes or names."
    )
    columns = COLUMNS

    def load(self):
        rules = RoutingRule.objects.select_related("focus_area", "district", "department")
        existing = {}
        for rule in rules:
            existing[self._key(rule.focus_area.code, rule.district and rule.district.code)] = rule
        return SimpleNamespace(
            existing=existing,
            focus_areas=Names(FocusArea.objects.all()),
            districts=Names(Organisation.objects.filter(kind=OrganisationKind.DISTRICT)),
            departments=Names(Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT)),
        )

    @staticmethod
    def _key(focus_area, district):
        return f"{focus_area} · {district or CITYWIDE}"

    def current(self, rule, context):
        return {
            "focus_area": rule.focus_area.code,
            "district": rule.district.code if rule.district_id else "",
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
                "district",
                context.districts,
                None,
                _(
                    "There is no district “%(text)s”: write the code or name of a district, or "
                    "leave it empty for the whole city."
                ),
            ),
        ):
            if empty and not values[key]:
                item.problems.append(empty)
            found[key] = self.lookup(item, key, names, unknown)
            values[key] = found[key].code if found[key] else ""
        item.refs = found
        if not item.problems:
            item.key = self._key(values["focus_area"], values["district"])

    def write(self, plan, user):
        # A few dozen rules: saved one by one, so that the audit trail records each change.
        for item in plan.rows:
            if item.action == Action.CREATE:
                RoutingRule.objects.create(
                    focus_area=item.refs["focus_area"],
                    district=item.refs["district"],
                    department=item.refs["department"],
                )
            elif item.action == Action.UPDATE:
                item.record.department = item.refs["department"]
                item.record.save(update_fields=["department"])


IMPORTER = RoutingRuleImporter()
