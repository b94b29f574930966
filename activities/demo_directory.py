"""Demo data for the directory: the 100 certified practice bases and their participants in
2026 (65,000 at emergency-safety venues), the named programmes and brands with their figures
(over 400 books donated …), and the 33 discussion topics of the Yangliujun community group
with universities and businesses, which produced its 12 suggestions.

Deterministic (no randomness) and idempotent: it does nothing if there are practice bases
already. Activities are seeded by activities.demo, which attaches them to the programmes here
by code.
"""

from datetime import date, timedelta

from django.db import transaction

from groups.demo import DISTRICTS
from groups.models import GroupLevel, ObservationGroup, Organisation, OrganisationKind
from suggestions.models import Suggestion

from .models import (
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    PracticeBaseYear,
    Programme,
    ProgrammeFigure,
)

YEAR = 2026
EMERGENCY_SAFETY_PARTICIPANTS = 65_000
CERTIFICATION_YEARS = 3

# kind, how many bases, the names they take (Chinese, English, code), put after the district's
BASE_KINDS = [
    (
        PracticeBaseKind.EMERGENCY_SAFETY,
        20,
        [
            ("应急安全体验馆", "Emergency Safety Experience Hall", "safety-hall"),
            ("消防科普教育基地", "Fire Safety Education Base", "fire-education"),
            ("防灾减灾科普馆", "Disaster Prevention Science Hall", "disaster-prevention"),
            ("交通安全体验中心", "Traffic Safety Experience Centre", "traffic-safety"),
        ],
    ),
    (
        PracticeBaseKind.YOUTH_CENTRE,
        15,
        [
            ("青少年活动中心", "Youth Activity Centre", "youth-centre"),
            ("青少年宫", "Children's Palace", "childrens-palace"),
            ("少年儿童综合实践基地", "Children's Social Practice Base", "practice-base"),
        ],
    ),
    (
        PracticeBaseKind.CULTURAL_VENUE,
        20,
        [
            ("博物馆", "Museum", "museum"),
            ("图书馆少儿分馆", "Library, Children's Branch", "library"),
            ("文化馆", "Cultural Centre", "cultural-centre"),
            ("非遗体验馆", "Intangible Heritage Experience Hall", "heritage"),
        ],
    ),
    (
        PracticeBaseKind.DIGITAL,
        8,
        [
            ("数字科技体验街区", "Digital Experience District", "digital-district"),
            ("人工智能科普馆", "Artificial Intelligence Science Hall", "ai-hall"),
        ],
    ),
    (
        PracticeBaseKind.SERVICE_STATION,
        17,
        [
            ("妇女儿童之家服务站", "Women's and Children's Home Service Station", "wch-station"),
            ("儿童友好驿站", "Child-Friendly Service Station", "child-station"),
        ],
    ),
    (
        PracticeBaseKind.NATURE,
        15,
        [
            ("湿地自然教育基地", "Wetland Nature Education Site", "wetland"),
            ("森林公园自然学校", "Forest Park Nature School", "forest-school"),
            ("农耕文化体验园", "Farming Culture Experience Park", "farm"),
        ],
    ),
    (
        PracticeBaseKind.OTHER,
        5,
        [
            ("红色教育基地", "Revolutionary History Education Base", "history-base"),
            ("劳动教育实践基地", "Labour Education Practice Base", "labour-base"),
        ],
    ),
]

ROADS = ["文一路", "解放路", "江南大道", "体育场路", "湖墅南路", "古墩路", "人民路", "金城路"]

# Most certifications run three years from a date in 2024–2026. A few pilot bases were
# certified for two years: as of 2026-11-28, four of them expire within 60 days and one has
# expired. Index of the base (in creation order) → (certified on, expires on).
SHORT_CERTIFICATIONS = {
    7: (date(2024, 12, 5), date(2026, 12, 5)),
    23: (date(2024, 12, 18), date(2026, 12, 18)),
    41: (date(2025, 1, 8), date(2027, 1, 8)),
    66: (date(2025, 1, 20), date(2027, 1, 20)),
    88: (date(2024, 11, 20), date(2026, 11, 20)),
}
FIRST_CERTIFICATION = date(2024, 3, 1)
CERTIFICATION_SPREAD_DAYS = 944  # up to 2026-09-30

# code, name, English name, run by (organisation code), part of, started on, description,
# English description
PROGRAMMES = [
    (
        "talking-with-principal",
        "与校长面对面",
        "Talking with the Principal",
        "education",
        None,
        date(2025, 10, 1),
        "以低碳城市为主题的专项活动：孩子们与校长面对面，为更绿色、更友好的校园出主意。",
        "A special activity on the low-carbon city: children meet their principals face to "
        "face and put forward ideas for greener, friendlier schools.",
    ),
    (
        "uniform-recycling",
        "校服循环计划",
        "School Uniform Recycling Plan",
        "education",
        "talking-with-principal",
        date(2026, 3, 1),
        "由“与校长面对面”活动带动、多所学校协作开展：收集穿不下的校服，清洗整理后再传给需要的同学。",
        "Sparked by Talking with the Principal and run by several schools together: outgrown "
        "uniforms are collected, cleaned and passed on to pupils who need them.",
    ),
    (
        "baozhi-journalists",
        "宝职小记者",
        "Baozhi Little Journalists",
        "baochu",
        None,
        date(2025, 9, 1),
        "保俶塔实验学校的少年记者品牌：小记者围绕社区资源开展主题实践，走访、采访、写报道，"
        "并把听到的意见整理成建议。",
        "The young reporters' brand of Baochu Tower Experimental School: themed practice on the "
        "resources of their community (visits, interviews, reports), and the suggestions they "
        "gather on the way.",
    ),
    (
        "shared-reading",
        "共读互助",
        "Mutual Support for Shared Reading",
        "programme-office",
        None,
        date(2025, 11, 1),
        "面向留守儿童的关爱互助项目：募集图书，支持流动阅读平台，让乡村的孩子也有书读。",
        "A mutual-support project for left-behind children: donated books for mobile reading "
        "platforms, so that children in the countryside have books to read too.",
    ),
    (
        "rural-radio",
        "乡村学校广播站",
        "Rural school radio stations",
        "programme-office",
        None,
        date(2026, 4, 1),
        "与其他城市协作，在乡村学校建设校园广播站，让更多孩子有发声和学习的机会。",
        "With partner cities, radio stations built in rural schools, so that more children "
        "have a voice and more chances to learn.",
    ),
]

# programme code, label, English label, value, recorded on
FIGURES = [
    ("shared-reading", "捐赠图书", "books donated", 412, date(2026, 10, 31)),
    ("shared-reading", "支持流动阅读点", "mobile reading points supported", 9, date(2026, 10, 31)),
    ("rural-radio", "建成乡村学校广播站", "school radio stations built", 6, date(2026, 10, 31)),
    ("uniform-recycling", "回收校服", "school uniforms collected", 2_360, date(2026, 10, 31)),
    ("uniform-recycling", "参与学校", "schools taking part", 12, date(2026, 10, 31)),
    ("baozhi-journalists", "发表报道", "reports published", 48, date(2026, 10, 31)),
    ("talking-with-principal", "面对面活动", "meetings with principals", 9, date(2026, 10, 31)),
]

# name, English name, partner code
TOPICS = [
    ("儿童停车场怎么设计", "How to design a children's parking area", "zjut"),
    ("社区健身站的儿童尺度", "Fitness stations at a child's scale", "zjut"),
    ("上学路上的安全", "Safety on the way to school", "bus-group"),
    ("从儿童视角看公交站台", "Bus stops seen from a child's height", "bus-group"),
    ("社区图书角", "A reading corner in the community", "hznu"),
    ("楼道照明", "Lighting in the stairwells", "zju"),
    ("垃圾分类小帮手", "Helping with waste sorting", "hznu"),
    ("社区花园里的自然课", "Nature lessons in the community garden", "zju"),
    ("儿童够得着的电梯按钮", "Lift buttons children can reach", "zjut"),
    ("口袋公园的游戏设施", "Play equipment in pocket parks", "zjut"),
    ("雨天的室内活动空间", "Somewhere to play on rainy days", "hznu"),
    ("社区食堂的儿童餐", "Children's meals at the community canteen", "zju"),
    ("公交线路与放学时间", "Bus routes and school hours", "bus-group"),
    ("共享单车停放秩序", "Where shared bikes are parked", "zjut"),
    ("儿童议事会怎么开", "How to run a children's council", "hznu"),
    ("无障碍坡道", "Step-free ramps", "zjut"),
    ("社区卫生服务站的候诊区", "The waiting area at the community clinic", "zju"),
    ("宠物与儿童共处", "Pets and children sharing space", "hznu"),
    ("夜间照明与安全感", "Night lighting and feeling safe", "zju"),
    ("社区运动会", "A community sports day", "hznu"),
    ("低碳出行小调查", "A small survey on low-carbon travel", "bus-group"),
    ("快递车辆进出小区", "Delivery vehicles inside the estate", "zjut"),
    ("孩子看得懂的标识", "Signs children can read", "hznu"),
    ("社区公共卫生间", "Public toilets in the community", "zjut"),
    ("屋顶花园开放", "Opening the roof garden", "zju"),
    ("社区防汛演练", "Flood drills in the community", "zju"),
    ("数字社区里的儿童隐私", "Children's privacy in the digital community", "zju"),
    ("社区学堂的课程", "Courses at the community school", "hznu"),
    ("公交车上的让座与安全", "Seats and safety on the bus", "bus-group"),
    ("活动中心的开放时间", "Opening hours of the activity centre", "hznu"),
    ("小区道路限速", "Speed limits on the estate's roads", "zjut"),
    ("社区艺术墙", "A community art wall", "hznu"),
    ("未来社区的儿童议事厅", "A children's council room in the future community", "zju"),
]
FIRST_TOPIC = date(2026, 1, 10)
TOPIC_EVERY_DAYS = 9
# The topics after the first 12 that also produced one of the suggestions (not every topic
# led to a suggestion; some suggestions came out of two discussions).
SECOND_TOPICS = {12: 0, 13: 3, 15: 5, 20: 2, 22: 7, 28: 1}


def _emergency_safety_counts(count: int) -> list[int]:
    """Counts that vary from venue to venue and add up to exactly 65,000."""
    share = EMERGENCY_SAFETY_PARTICIPANTS // count
    counts = []
    for n in range(count // 2):
        spread = (n * 397) % 700
        counts += [share + spread, share - spread]
    counts += [share] * (count % 2)
    counts[-1] += EMERGENCY_SAFETY_PARTICIPANTS - sum(counts)
    return counts


def _bases(districts: dict[str, Organisation]) -> list[PracticeBase]:
    bases = []
    district_codes = [code for code, _name, _name_en in DISTRICTS]
    for offset, (kind, count, names) in enumerate(BASE_KINDS):
        for n in range(count):
            # 13 districts and a number of names prime to 13: each pair comes up once.
            district = districts[district_codes[(n + offset) % len(district_codes)]]
            name, name_en, code = names[n % len(names)]
            index = len(bases)
            certified_on = FIRST_CERTIFICATION + timedelta(
                days=(index * 173) % CERTIFICATION_SPREAD_DAYS
            )
            expires_on = certified_on.replace(year=certified_on.year + CERTIFICATION_YEARS)
            certified_on, expires_on = SHORT_CERTIFICATIONS.get(index, (certified_on, expires_on))
            bases.append(
                PracticeBase(
                    name=f"{district.name}{name}",
                    name_en=f"{district.name_en} {name_en}",
                    code=f"{district.code}-{code}",
                    kind=kind,
                    district=district,
                    address=f"{district.name}{ROADS[index % len(ROADS)]}{(index * 37) % 300 + 1}号",
                    certified_on=certified_on,
                    expires_on=expires_on,
                )
            )
    return bases


def _years(bases: list[PracticeBase]) -> list[PracticeBaseYear]:
    emergency = [b for b in bases if b.kind == PracticeBaseKind.EMERGENCY_SAFETY]
    counts = dict(zip(emergency, _emergency_safety_counts(len(emergency)), strict=True))
    return [
        PracticeBaseYear(
            base=base,
            year=YEAR,
            participants=counts.get(base, 300 + (index * 487) % 6000),
        )
        for index, base in enumerate(bases)
    ]


def _programmes(organisations: dict[str, Organisation]) -> dict[str, Programme]:
    programmes = {}
    for code, name, name_en, run_by, part_of, started_on, description, description_en in PROGRAMMES:
        # In order: a programme comes after the one it is part of.
        programmes[code] = Programme.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            run_by=organisations.get(run_by),
            part_of=programmes[part_of] if part_of else None,
            started_on=started_on,
            description=description,
            description_en=description_en,
        )
    ProgrammeFigure.objects.bulk_create(
        ProgrammeFigure(
            programme=programmes[code],
            name=name,
            name_en=name_en,
            value=value,
            recorded_on=recorded_on,
        )
        for code, name, name_en, value, recorded_on in FIGURES
    )
    return programmes


def _topics(organisations: dict[str, Organisation]) -> None:
    group = ObservationGroup.objects.get(
        level=GroupLevel.ALLIANCE_MEMBER, organisation__code="yangliujun"
    )
    DiscussionTopic.objects.bulk_create(
        DiscussionTopic(
            name=name,
            name_en=name_en,
            group=group,
            partner=organisations[partner],
            raised_on=FIRST_TOPIC + timedelta(days=n * TOPIC_EVERY_DAYS),
            summary=(
                f"{group.name}的孩子们和{organisations[partner].name}的专家一起"
                f"实地查看“{name}”，讨论现状和改进的办法。"
            ),
        )
        for n, (name, name_en, partner) in enumerate(TOPICS)
    )
    topics = list(DiscussionTopic.objects.filter(group=group).order_by("raised_on", "pk"))
    suggestions = list(Suggestion.objects.filter(group=group).order_by("pk"))
    if not suggestions:
        return
    # Each suggestion came out of one of the first topics, and a few out of a second one.
    links = [(topics[n], suggestions[n % len(suggestions)]) for n in range(len(suggestions))]
    links += [(topics[t], suggestions[s % len(suggestions)]) for t, s in SECOND_TOPICS.items()]
    Through = DiscussionTopic.suggestions.through
    Through.objects.bulk_create(
        Through(discussiontopic_id=topic.pk, suggestion_id=suggestion.pk)
        for topic, suggestion in links
    )


@transaction.atomic
def seed() -> None:
    if PracticeBase.objects.exists():
        return
    organisations = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in=[code for code, _name, _name_en in DISTRICTS]
            + ["baochu", "education", "programme-office", "zju", "zjut", "hznu", "bus-group"]
        )
    }
    districts = {
        code: organisations[code]
        for code, _name, _name_en in DISTRICTS
        if organisations[code].kind == OrganisationKind.DISTRICT
    }
    PracticeBase.objects.bulk_create(_bases(districts))
    # Read them back for their ids (not every database returns them from a bulk insert).
    bases = list(PracticeBase.objects.order_by("pk"))
    PracticeBaseYear.objects.bulk_create(_years(bases))
    _programmes(organisations)
    _topics(organisations)
