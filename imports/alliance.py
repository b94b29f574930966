"""Import the alliance's member groups (a children's observation group run by a school or a
community) from a spreadsheet, matched by the code of the organisation that runs the group."""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Alliance, GroupLevel, ObservationGroup, Organisation, OrganisationKind

from .base import Importer, Names, parse_date
from .tabular import Column

COLUMNS = [
    Column("organisation", "所属学校或社区", "school or community", required=True),
    Column("name", "观察团名称", "group name", required=True),
    Column("name_en", "英文名称", "English name"),
    Column("alliance", "联盟", "alliance"),
    Column("founded_on", "成立日期", "founded on"),
]
RUNS_A_GROUP = (OrganisationKind.SCHOOL, OrganisationKind.COMMUNITY)


class AllianceGroupImporter(Importer):
    slug = "alliance-groups"
    title = gettext_lazy("Alliance member groups")
    help = gettext_lazy(
        "The observation groups of schools and communities that belong to the alliance, one "
        "per row, matched by the code of the school or community that runs the group. The "
        "alliance may be left empty when there is only one; dates are written as 2026-03-01."
    )
    columns = COLUMNS
    keep_when_blank = frozenset({"alliance"})

    def load(self):
        groups = list(
            ObservationGroup.objects.filter(level=GroupLevel.ALLIANCE_MEMBER).select_related(
                "organisation", "alliance"
            )
        )
        existing, doubled = {}, set()
        for group in groups:
            code = group.organisation.code
            if code in existing:
                doubled.add(code)
            existing[code] = group
        alliances = list(Alliance.objects.all())
        return SimpleNamespace(
            existing={code: group for code, group in existing.items() if code not in doubled},
            doubled=doubled,
            organisations=Names(Organisation.objects.filter(kind__in=RUNS_A_GROUP)),
            alliances=Names(alliances, code=None),
            only_alliance=alliances[0] if len(alliances) == 1 else None,
        )

    def current(self, group, context):
        return {
            "organisation": group.organisation.code,
            "name": group.name,
            "name_en": group.name_en,
            "alliance": group.alliance.name if group.alliance_id else "",
            "founded_on": group.founded_on.isoformat() if group.founded_on else "",
        }

    def check(self, item, context):
        values = item.values
        organisation = self.lookup(
            item,
            "organisation",
            context.organisations,
            _("There is no school or community “%(text)s”: write the code of one in the portal."),
        )
        if not values["organisation"]:
            item.problems.append(_("Name the school or community that runs the group."))
        if organisation is not None:
            item.key = values["organisation"] = organisation.code
            item.refs["organisation"] = organisation
            if organisation.code in context.doubled:
                item.problems.append(
                    _(
                        "%(code)s runs more than one alliance member group in the portal: "
                        "update them in the admin."
                    )
                    % {"code": organisation.code}
                )
        self.need(item, "name", _("The name is empty."))
        self.at_most(item, "name", 120, _("name"))
        self.at_most(item, "name_en", 120, _("English name"))
        if values["alliance"]:
            alliance = self.lookup(
                item,
                "alliance",
                context.alliances,
                _("There is no alliance “%(text)s”: write its name as the portal shows it."),
            )
        else:
            alliance = context.only_alliance or getattr(
                context.existing.get(item.key), "alliance", None
            )
            if alliance is None:
                item.problems.append(
                    _("Name the alliance: the portal has more than one, or none yet.")
                )
        item.refs["alliance"] = alliance
        if alliance is not None:
            values["alliance"] = alliance.name
        if values["founded_on"]:
            founded_on = parse_date(values["founded_on"])
            if founded_on is None:
                item.problems.append(
                    _("“%(text)s” is not a date: write it as 2026-03-01.")
                    % {"text": values["founded_on"]}
                )
            else:
                values["founded_on"] = founded_on.isoformat()

    def write(self, plan, user):
        new, changed = [], []
        for item in plan.to_write:
            group = item.record or ObservationGroup(
                level=GroupLevel.ALLIANCE_MEMBER, organisation=item.refs["organisation"]
            )
            values = item.values
            group.name, group.name_en = values["name"], values["name_en"]
            group.alliance = item.refs["alliance"]
            group.founded_on = parse_date(values["founded_on"]) if values["founded_on"] else None
            (changed if item.record else new).append(group)
        ObservationGroup.objects.bulk_create(new)
        ObservationGroup.objects.bulk_update(changed, ["name", "name_en", "alliance", "founded_on"])


IMPORTER = AllianceGroupImporter()
