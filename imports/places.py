"""Import known places (schools, communities, practice bases, parks, metro stations …) from a
spreadsheet, matched by their name in their division: a row naming a place already in that
division updates it, so that importing the same file twice changes nothing.

The division is named by its statistical code (330106008), or by its name, with the district
(and street) before it when the name alone is not enough: 北山街道, 西湖区 北山街道, 拱墅区 大关街道
南苑社区. The search keys of every place written are written with it (places.services).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Organisation, OrganisationKind
from places.models import (
    BOTH_OR_NEITHER,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    Division,
    Place,
    PlaceKind,
)
from places.services import place_keys_write

from .base import Importer, Names, choice_names
from .tabular import Column, clean

COLUMNS = [
    Column("kind", "类型", "kind", required=True),
    Column("name", "名称", "name", required=True),
    Column("name_en", "英文名称", "English name"),
    Column("division", "所在区划", "division", required=True, code_like=True),
    Column("latitude", "纬度", "latitude", code_like=True),
    Column("longitude", "经度", "longitude", code_like=True),
    Column("organisation", "组织代码", "organisation code", code_like=True),
    Column("retired", "已停用", "retired"),
]

# Words offices use for the kinds, besides the portal's own labels.
KIND_ALIASES = {
    "小学": PlaceKind.SCHOOL,
    "中学": PlaceKind.SCHOOL,
    "初中": PlaceKind.SCHOOL,
    "高中": PlaceKind.SCHOOL,
    "村": PlaceKind.COMMUNITY,
    "村社": PlaceKind.COMMUNITY,
    "地铁": PlaceKind.METRO_STATION,
    "地铁站点": PlaceKind.METRO_STATION,
    "基地": PlaceKind.PRACTICE_BASE,
    "其他": PlaceKind.OTHER,
}
# The kind a place linked to an organisation must have.
KIND_OF_ORGANISATION = {
    OrganisationKind.SCHOOL: PlaceKind.SCHOOL,
    OrganisationKind.COMMUNITY: PlaceKind.COMMUNITY,
}
YES = {"yes", "y", "true", "1", "是", "已停用", "停用"}
NO = {"no", "n", "false", "0", "否", "未停用", "在用"}
# Between the parts of a division's name: spaces, "·", "/", "、", "，", ">" …
_SEPARATORS = re.compile(r"[\s·・/\\,，、>＞|｜-]+")
KEYS_BATCH = 2000  # places whose search keys are written at a time
PLACES = Decimal("0.00001")  # the coordinates' precision (Place.latitude: 5 decimal places)


def _path(*names: str) -> str:
    return _SEPARATORS.sub("", clean("".join(names), code_like=True)).casefold()


class Divisions:
    """Hangzhou's divisions by statistical code, and by name: alone, or after the names of the
    divisions it lies in (district, street), in Chinese or English. A name that is the name of
    two divisions finds neither."""

    def __init__(self, divisions):
        self.by_id = {division.pk: division for division in divisions}
        self.by_code = {division.code: division for division in divisions}
        self.by_path: dict[str, list[Division]] = {}
        for division in divisions:
            lineage = self.lineage(division)
            for attribute in ("name", "name_en"):
                names = [getattr(d, attribute) for d in reversed(lineage)]
                if not names[-1]:
                    continue
                # 南苑社区; 大关街道 南苑社区; 拱墅区 南苑社区; 拱墅区 大关街道 南苑社区.
                paths = {_path(names[-1])}
                paths |= {_path(above, names[-1]) for above in names[:-1]}
                paths.add(_path(*names))
                for path in paths:
                    self.by_path.setdefault(path, []).append(division)

    def lineage(self, division):
        """The division and those it lies in, the smallest first, from the loaded rows."""
        found = [division]
        while found[-1].parent_id is not None:
            found.append(self.by_id[found[-1].parent_id])
        return found

    def full_name(self, division):
        return " ".join(d.name for d in reversed(self.lineage(division)))

    def find(self, text) -> list[Division]:
        """The divisions the text may name: one, none, or several (ambiguous)."""
        code = clean(text, code_like=True)
        if code in self.by_code:
            return [self.by_code[code]]
        return self.by_path.get(_path(text), [])


def _coordinate(text):
    """“30.2587” → Decimal("30.25870"), or None when it is no number."""
    try:
        value = Decimal(text.rstrip("°"))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _yes_no(text):
    """“yes”, “是”, “TRUE” → "yes"; “no”, “否” → "no"; blank → ""; else None."""
    text = text.casefold()
    if not text:
        return ""
    if text in YES:
        return "yes"
    if text in NO:
        return "no"
    return None


class PlaceImporter(Importer):
    slug = "places"
    title = gettext_lazy("Known places")
    help = gettext_lazy(
        "Schools, communities, practice bases, parks, metro stations and other places children "
        "choose, one per row, matched by their name in their division. Name the division by "
        "its statistical code (330106008), or by its name with its district before it when "
        "the name alone is not enough (西湖区 北山街道). Coordinates are optional: give both or "
        "neither. A school or community of the programme may give its organisation code. A "
        "blank organisation or retired cell leaves the place as it is."
    )
    columns = COLUMNS
    keep_when_blank = frozenset({"organisation", "retired"})

    def load(self):
        divisions = Divisions(list(Division.objects.all()))
        places = list(Place.objects.select_related("organisation"))
        organisations = list(
            Organisation.objects.filter(kind__in=list(KIND_OF_ORGANISATION)).select_related("place")
        )
        return SimpleNamespace(
            divisions=divisions,
            existing={self._key(divisions.by_id[p.division_id].code, p.name): p for p in places},
            kinds=KIND_ALIASES | choice_names(PlaceKind),
            organisations=Names(organisations),
            linked={o.pk: o.place for o in organisations if hasattr(o, "place")},
        )

    @staticmethod
    def _key(division_code, name):
        return f"{division_code} · {name}"

    def current(self, place, context):
        return {
            "kind": place.kind,
            "name": place.name,
            "name_en": place.name_en,
            "division": context.divisions.by_id[place.division_id].code,
            "latitude": "" if place.latitude is None else str(place.latitude.quantize(PLACES)),
            "longitude": "" if place.longitude is None else str(place.longitude.quantize(PLACES)),
            "organisation": place.organisation.code if place.organisation_id else "",
            "retired": "yes" if place.retired else "no",
        }

    def check_rows(self, rows, context):
        super().check_rows(rows, context)
        # One organisation is one place: two rows may not name the same one.
        seen = {}
        for item in rows:
            code = item.values.get("organisation")
            if not code:
                continue
            if code in seen:
                item.problems.append(
                    _(
                        "The organisation %(code)s is also the place on row %(row)s: an "
                        "organisation is one place."
                    )
                    % {"code": code, "row": seen[code]}
                )
            else:
                seen[code] = item.number

    def check(self, item, context):
        values = item.values
        kind = context.kinds.get(values["kind"].casefold())
        if kind is None:
            if values["kind"]:
                item.problems.append(
                    _("Unknown kind “%(kind)s”: write one of %(kinds)s.")
                    % {"kind": values["kind"], "kinds": ", ".join(PlaceKind.values)}
                )
            else:
                item.problems.append(
                    _("The kind is empty: write one of %(kinds)s.")
                    % {"kinds": ", ".join(PlaceKind.values)}
                )
        values["kind"] = kind or ""
        if not values["name"]:
            item.problems.append(_("The name is empty."))
        self.at_most(item, "name", 120, _("name"))
        self.at_most(item, "name_en", 120, _("English name"))
        division = self._division(item, context)
        values["division"] = division.code if division else ""
        self._coordinates(item)
        retired = _yes_no(values["retired"])
        if retired is None:
            item.problems.append(
                _("“%(text)s” in the retired column: write “yes” or “no”, or leave it empty.")
                % {"text": values["retired"]}
            )
        values["retired"] = retired or ""
        if division and values["name"]:
            item.key = self._key(division.code, values["name"])
        self._organisation(item, context, kind)
        record = context.existing.get(item.key) if item.key else None
        if record is not None and record.retired and not values["retired"]:
            item.problems.append(
                _(
                    "%(place)s is retired in the portal: write “no” in the retired column to "
                    "offer it again, or “yes” to keep it retired."
                )
                % {"place": record.name}
            )
        item.refs = {"division": division}

    def _division(self, item, context):
        text = item.values["division"]
        if not text:
            item.problems.append(
                _(
                    "The division is empty: write the statistical code of the district, street "
                    "or community the place lies in (such as 330106008), or its name."
                )
            )
            return None
        found = context.divisions.find(text)
        if len(found) == 1:
            return found[0]
        if not found:
            if text.isdigit():
                item.problems.append(
                    _(
                        "There is no division of Hangzhou with the code %(code)s: write the "
                        "statistical code of a district (6 digits), street (9) or community "
                        "(12) of Hangzhou."
                    )
                    % {"code": text}
                )
            else:
                item.problems.append(
                    _(
                        "There is no division of Hangzhou named “%(text)s”: write its statistical "
                        "code, or the name of a district, street or community of Hangzhou."
                    )
                    % {"text": text}
                )
            return None
        item.problems.append(
            _(
                "“%(text)s” names more than one division (%(divisions)s): write its statistical "
                "code, or its district (and street) before it, such as “%(example)s”."
            )
            % {
                "text": text,
                "divisions": "; ".join(
                    f"{context.divisions.full_name(d)} {d.code}" for d in found[:5]
                ),
                "example": context.divisions.full_name(found[0]),
            }
        )
        return None

    def _coordinates(self, item):
        values = item.values
        given = [key for key in ("latitude", "longitude") if values[key]]
        if len(given) == 1:
            item.problems.append(str(BOTH_OR_NEITHER))
        ranges = {
            "latitude": (LATITUDE_RANGE, _("latitude")),
            "longitude": (LONGITUDE_RANGE, _("longitude")),
        }
        for key in given:
            (low, high), label = ranges[key]
            value = _coordinate(values[key])
            if value is None:
                item.problems.append(
                    _(
                        "The %(column)s “%(text)s” is not a number: write it in degrees, such as "
                        "%(example)s."
                    )
                    % {
                        "column": label,
                        "text": values[key],
                        "example": {"latitude": "30.25870", "longitude": "120.16550"}[key],
                    }
                )
                continue
            if not low <= value <= high:
                item.problems.append(
                    _(
                        "The %(column)s %(value)s is outside Hangzhou (between %(low)s and "
                        "%(high)s): correct it, or check that the latitude and the longitude "
                        "are not swapped."
                    )
                    % {"column": label, "value": values[key], "low": low, "high": high}
                )
                continue
            values[key] = str(value)

    def _organisation(self, item, context, kind):
        text = item.values["organisation"]
        record = context.existing.get(item.key) if item.key else None
        if not text:
            # Blank keeps the place's organisation, whose kind the row must then keep too.
            if record is not None and record.organisation_id:
                self._same_kind(item, record.organisation, kind)
            return
        organisation = self.lookup(
            item,
            "organisation",
            context.organisations,
            _(
                "There is no school or community “%(text)s” in the portal: write the code of a "
                "school or community of the programme, or leave it empty."
            ),
        )
        item.values["organisation"] = organisation.code if organisation else ""
        if organisation is None:
            return
        self._same_kind(item, organisation, kind)
        other = context.linked.get(organisation.pk)
        if other is not None and item.key and other.pk != getattr(record, "pk", None):
            division = context.divisions.by_id[other.division_id]
            item.problems.append(
                _(
                    "%(organisation)s is already the place “%(place)s” in %(division)s: an "
                    "organisation is one place. Unlink it there in the admin first."
                )
                % {
                    "organisation": organisation.code,
                    "place": other.name,
                    "division": context.divisions.full_name(division),
                }
            )

    @staticmethod
    def _same_kind(item, organisation, kind):
        wanted = KIND_OF_ORGANISATION.get(organisation.kind)
        if wanted and kind and kind != wanted:
            item.problems.append(
                _(
                    "%(organisation)s is a %(kind)s: the kind of its place is %(wanted)s. "
                    "Correct the kind or the organisation."
                )
                % {
                    "organisation": organisation.code,
                    "kind": organisation.get_kind_display(),
                    "wanted": wanted.value,
                }
            )

    def write(self, plan, user):
        """New places in one INSERT, changed ones in one UPDATE, then their search keys."""
        organisations = {org.code: org for org in plan.context.organisations.by_code.values()}
        new, changed = [], []
        for item in plan.to_write:
            values = item.values
            place = item.record or Place()
            place.kind, place.name, place.name_en = (
                values["kind"],
                values["name"],
                values["name_en"],
            )
            place.division = item.refs["division"]
            place.latitude = Decimal(values["latitude"]) if values["latitude"] else None
            place.longitude = Decimal(values["longitude"]) if values["longitude"] else None
            kept = (
                item.record is not None
                and item.record.organisation_id
                and (item.record.organisation.code == values["organisation"])
            )
            if not kept:
                place.organisation = organisations.get(values["organisation"])
            place.retired = values["retired"] == "yes"
            (changed if item.record else new).append(place)
        Place.objects.bulk_create(new, batch_size=2000)
        Place.objects.bulk_update(
            changed,
            ["kind", "name_en", "latitude", "longitude", "organisation", "retired"],
            batch_size=2000,
        )
        written = new + changed
        for start in range(0, len(written), KEYS_BATCH):  # a bounded IN (…) per batch
            place_keys_write(written[start : start + KEYS_BATCH])


IMPORTER = PlaceImporter()
