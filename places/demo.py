"""Demo places: the demo's schools and communities as known places, and a few parks, metro
stations and practice bases children go to, each in its real division."""

from decimal import Decimal

from django.db import transaction

from groups import demo as groups_demo
from groups.models import Organisation, OrganisationKind

from . import services
from .models import Division, DivisionLevel, Place, PlaceKind

# name, English name, kind, district, street, latitude, longitude
PLACES = [
    ("龙翔桥站", "Longxiangqiao Station", PlaceKind.METRO_STATION, "上城区", "湖滨街道",
     "30.25870", "120.16550"),
    ("江陵路站", "Jiangling Road Station", PlaceKind.METRO_STATION, "滨江区", "西兴街道",
     "30.21090", "120.21480"),
    ("朝晖路口", "Zhaohui Crossing", PlaceKind.OTHER, "拱墅区", "朝晖街道",
     "30.28850", "120.17190"),
    ("下沙江滨站", "Xiasha Jiangbin Station", PlaceKind.METRO_STATION, "钱塘区", "下沙街道",
     "30.29240", "120.33040"),
    ("太子湾公园", "Taiziwan Park", PlaceKind.PARK, "西湖区", "西湖街道",
     "30.23300", "120.15000"),
    ("杭州植物园", "Hangzhou Botanical Garden", PlaceKind.PARK, "西湖区", "灵隐街道",
     "30.25600", "120.12400"),
    ("柳浪闻莺公园", "Liulang Wenying Park", PlaceKind.PARK, "上城区", "清波街道",
     "30.24300", "120.16400"),
    ("白马湖公园", "Baima Lake Park", PlaceKind.PARK, "滨江区", "长河街道",
     "30.18800", "120.20900"),
    ("西湖文化广场", "West Lake Cultural Square", PlaceKind.OTHER, "拱墅区", "朝晖街道",
     "30.27950", "120.16700"),
    ("青少年宫实践基地", "Youth Palace Practice Base", PlaceKind.PRACTICE_BASE, "上城区",
     "湖滨街道", None, None),
    ("白杨街道消防站", "Baiyang Fire Station", PlaceKind.PRACTICE_BASE, "钱塘区", "白杨街道",
     None, None),
]  # fmt: skip


def _district(name: str) -> Division:
    return Division.objects.get(level=DivisionLevel.DISTRICT, name=name)


def _division_of_community(organisation: Organisation) -> Division:
    """A demo community's division: the community of that name in its district, else the
    street of the same stem (the demo's 湖滨社区 is 湖滨街道's)."""
    district = _district(organisation.district.name)
    exact = Division.objects.filter(
        level=DivisionLevel.COMMUNITY, name=organisation.name, parent__parent=district
    ).first()
    if exact:
        return exact
    stem = organisation.name.removesuffix("社区")
    return Division.objects.get(level=DivisionLevel.STREET, name=f"{stem}街道", parent=district)


@transaction.atomic
def seed() -> None:
    written = []
    communities = {}
    for code, *_rest in groups_demo.COMMUNITIES:
        organisation = Organisation.objects.select_related("district").get(code=code)
        communities[organisation.pk] = division = _division_of_community(organisation)
        written.append(
            _place(
                organisation.name,
                organisation.name_en,
                PlaceKind.COMMUNITY,
                division,
                organisation=organisation,
            )
        )
    for code, *_rest in groups_demo.SCHOOLS:
        school = Organisation.objects.get(code=code, kind=OrganisationKind.SCHOOL)
        written.append(
            _place(
                school.name,
                school.name_en,
                PlaceKind.SCHOOL,
                communities[school.community_id],
                organisation=school,
            )
        )
    for name, name_en, kind, district, street, latitude, longitude in PLACES:
        division = Division.objects.get(
            level=DivisionLevel.STREET, name=street, parent=_district(district)
        )
        written.append(
            _place(name, name_en, kind, division, latitude=latitude, longitude=longitude)
        )
    services.place_keys_write([place for place in written if place is not None])


def _place(name, name_en, kind, division, *, organisation=None, latitude=None, longitude=None):
    """Create the place once; None when it is there already (a second seed changes nothing)."""
    place, created = Place.objects.get_or_create(
        name=name,
        division=division,
        defaults={
            "name_en": name_en,
            "kind": kind,
            "organisation": organisation,
            "latitude": Decimal(latitude) if latitude else None,
            "longitude": Decimal(longitude) if longitude else None,
        },
    )
    return place if created else None
