"""Demo data for activities, reproducing DESIGN.md section 4:

- the 7 training sessions of the municipal group;
- 401 activities by the alliance's member groups and the child participation organisations they
  foster (discussions, site visits, round tables, the programmes' activities …), 12 of them the
  Yangliujun group's discussions that produced its 12 suggestions;
- 1,020 safety outreach activities of the municipal group's safety promoters, reaching 21,500
  children (anti-fraud in Gongshu's shops, with police college students in Qiantang …);
- a few activities of the municipal group's sub-teams, with named attendance, some upcoming.

Practice bases and programmes come first, from demo_directory.py.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from groups.models import (
    GroupLevel,
    Guardianship,
    Membership,
    Mentor,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    SubTeam,
    User,
)
from groups.models import Role as UserRole
from suggestions.models import ParticipationRole, Suggestion

from .models import (
    Activity,
    ActivityKind,
    Attendance,
    PracticeBase,
    PracticeBaseKind,
    Programme,
    TrainingSession,
)

SESSIONS = [
    (date(2026, 3, 14), "建言技能：怎样把观察写成建议", Decimal("2")),
    (date(2026, 4, 11), "观察技能：用儿童视角看城市", Decimal("2")),
    (date(2026, 5, 16), "调研方法：访谈与问卷", Decimal("2.5")),
    (date(2026, 6, 13), "公众表达：在议事会上发言", Decimal("2")),
    (date(2026, 7, 11), "安全宣传：反诈小课堂", Decimal("1.5")),
    (date(2026, 9, 19), "建言技能：与人大代表面对面", Decimal("2")),
    (date(2026, 10, 17), "观察技能：实地走访与记录", Decimal("3")),
]

ALLIANCE_ACTIVITIES = 401
SAFETY_OUTREACH = 1020
SAFETY_OUTREACH_CHILDREN = 21500
YEAR = 2026

Role = ParticipationRole
Kind = ActivityKind

# kind, role, title template ({topic}), topics, programme code or ""
ALLIANCE_PLAN = [
    (Kind.DISCUSSION, Role.SENTIMENT_OBSERVER, "儿童议事会：{topic}", 122, ""),
    (Kind.SITE_VISIT, Role.SENTIMENT_OBSERVER, "实地走访：{topic}", 90, ""),
    (Kind.ROUND_TABLE, Role.WELFARE_SUPERVISOR, "圆桌会：{topic}", 45, ""),
    (Kind.DESIGN_CONTRIBUTION, Role.WELFARE_SUPERVISOR, "儿童参与设计：{topic}", 30, ""),
    (Kind.SIMULATION_CONFERENCE, Role.WELFARE_SUPERVISOR, "青少年模拟政协：{topic}", 6, ""),
    (
        Kind.DISCUSSION,
        Role.SENTIMENT_OBSERVER,
        "与校长面对面：{topic}",
        24,
        "talking-with-principal",
    ),
    (
        Kind.DESIGN_CONTRIBUTION,
        Role.WELFARE_SUPERVISOR,
        "校服循环计划：{topic}",
        18,
        "uniform-recycling",
    ),
    (Kind.READING, Role.WELFARE_SUPERVISOR, "共读互助：{topic}", 30, "shared-reading"),
    (Kind.BROADCAST, Role.WELFARE_SUPERVISOR, "乡村学校广播站：{topic}", 12, "rural-radio"),
    (Kind.REPORTING, Role.SENTIMENT_OBSERVER, "宝职小记者：{topic}", 24, "baozhi-journalists"),
]
TOPICS = {
    Kind.DISCUSSION: [
        "校门口接送秩序",
        "社区儿童游乐场改造",
        "口袋公园里的儿童角",
        "放学后的去处",
        "社区图书角",
        "小区电动车停放",
        "儿童友好菜场",
        "楼道里的安全隐患",
    ],
    Kind.SITE_VISIT: [
        "地铁站的儿童设施",
        "公园的母婴室",
        "博物馆的儿童导览",
        "公交站台",
        "学校周边的人行横道",
        "社区卫生服务中心",
        "景区的婴儿车通道",
    ],
    Kind.ROUND_TABLE: ["和社区书记聊儿童空间", "和规划师聊上学路", "和企业聊儿童友好商场"],
    Kind.DESIGN_CONTRIBUTION: ["儿童停车场的标识", "社区健身站", "口袋公园的座椅"],
    Kind.SIMULATION_CONFERENCE: ["优化公共母婴室的提案", "午休课桌椅的提案"],
    Kind.READING: ["为乡村伙伴送书", "流动阅读平台共读会", "好书交换日"],
    Kind.BROADCAST: ["城乡小主播连线", "我们的广播站开播", "乡村伙伴讲家乡"],
    Kind.REPORTING: ["采访社区书记", "社区资源调查", "报道儿童停车场"],
}
PARTNER_CODES = ["zju", "zjut", "hznu", "bus-group", "peoples-congress"]

SAFETY_TITLES = [
    ("反诈宣传进商铺", "gongshu"),
    ("警校青年与我们一起讲安全", "qiantang"),
    ("防溺水安全宣传", ""),
    ("交通安全小课堂", ""),
    ("消防安全体验", ""),
    ("反诈知识进社区", ""),
]

# The municipal group's own activities: days from today (negative: past), kind, role, title,
# the sub-teams taking part (positions), place.
MUNICIPAL = [
    (
        -200,
        Kind.SITE_VISIT,
        Role.SENTIMENT_OBSERVER,
        "地铁站安全设施实地走访",
        [2, 4],
        "地铁1号线龙翔桥站",
    ),
    (
        -170,
        Kind.ROUND_TABLE,
        Role.WELFARE_SUPERVISOR,
        "与人大代表圆桌会：儿童友好出行",
        [2],
        "市民中心",
    ),
    (
        -140,
        Kind.SIMULATION_CONFERENCE,
        Role.WELFARE_SUPERVISOR,
        "青少年模拟政协：公共母婴室",
        [],
        "市政协会议室",
    ),
    (-110, Kind.SITE_VISIT, Role.SENTIMENT_OBSERVER, "西湖景区婴儿车通道走访", [3], "西湖景区"),
    (-80, Kind.DISCUSSION, Role.SENTIMENT_OBSERVER, "儿童停车场选址议事", [6, 0], "湖滨社区议事厅"),
    (
        -60,
        Kind.DESIGN_CONTRIBUTION,
        Role.WELFARE_SUPERVISOR,
        "口袋公园儿童角设计",
        [3, 0],
        "采荷口袋公园",
    ),
    (-40, Kind.SITE_VISIT, Role.SENTIMENT_OBSERVER, "博物馆儿童导览体验", [1], "浙江省博物馆"),
    (
        -21,
        Kind.ROUND_TABLE,
        Role.WELFARE_SUPERVISOR,
        "“政府绩效”公众评议：儿童的声音",
        [],
        "市民中心",
    ),
    (-9, Kind.DISCUSSION, Role.SENTIMENT_OBSERVER, "校园午休议事会", [5], "天长小学"),
    (6, Kind.SITE_VISIT, Role.SENTIMENT_OBSERVER, "“知识公交线”乘车体验", [2], "公交武林广场站"),
    (13, Kind.DISCUSSION, Role.SENTIMENT_OBSERVER, "年度建议回顾会", [], "市民中心"),
    (20, Kind.SITE_VISIT, Role.SENTIMENT_OBSERVER, "图书馆儿童区走访", [1, 6], "杭州图书馆"),
    (34, Kind.ROUND_TABLE, Role.WELFARE_SUPERVISOR, "新年圆桌：明年观察什么", [], "市民中心"),
]


def _at(day: date, hour: int, minutes: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minutes)))


def _training(sub_teams, mentors, members):
    for index, (held_on, topic, hours) in enumerate(SESSIONS):
        session = TrainingSession.objects.create(
            held_on=held_on, topic=topic, hours=hours, logged_by=mentors[index % len(mentors)].user
        )
        session.sub_teams.set(sub_teams)
        session.mentors.set([mentors[index % len(mentors)], mentors[(index + 3) % len(mentors)]])
        # Most children come; a different few miss each session.
        Attendance.objects.bulk_create(
            Attendance(session=session, child_id=row.child_id)
            for n, row in enumerate(members)
            if (n + index) % 6 != 0
        )


def _spread(rng, total, count, low, high):
    """`count` whole numbers between about low and high that add up to exactly `total`."""
    numbers = [rng.randint(low, high) for _ in range(count)]
    difference = total - sum(numbers)
    step = 1 if difference > 0 else -1
    index = 0
    while difference:
        if low <= numbers[index % count] + step:
            numbers[index % count] += step
            difference -= step
        index += 1
    return numbers


def _day(rng, start=date(YEAR, 1, 8), end=date(YEAR, 11, 25)):
    return start + timedelta(days=rng.randrange((end - start).days))


def _link(through, pairs):
    through.objects.bulk_create(through(**pair) for pair in pairs)


def _alliance_activities(rng, logger, bases, programmes, partners):
    members = list(
        ObservationGroup.objects.filter(level=GroupLevel.ALLIANCE_MEMBER)
        .select_related("organisation")
        .order_by("pk")
    )
    fostered = list(
        ObservationGroup.objects.filter(level=GroupLevel.PARTICIPATION_ORG)
        .select_related("organisation", "fostered_by")
        .order_by("pk")
    )
    yangliu = next(g for g in members if g.organisation.code == "yangliujun")
    baochu = [g for g in members + fostered if g.organisation.code == "baochu"]
    others = [g for g in members + fostered if g.organisation.code != "yangliujun"]
    plan = []
    for kind, role, template, count, programme_code in ALLIANCE_PLAN:
        for n in range(count):
            plan.append(
                (
                    kind,
                    role,
                    template.format(topic=TOPICS[kind][n % len(TOPICS[kind])]),
                    programme_code,
                )
            )
    # The Yangliujun group's 12 discussions come first: its 12 suggestions came out of them.
    activities, partner_rows = [], []
    for index, (kind, role, title, programme_code) in enumerate(plan):
        if index < 12:
            group = yangliu
        elif programme_code == "baozhi-journalists":
            group = rng.choice(baochu)
        else:
            group = rng.choice(others)
        day = _day(rng)
        hour = rng.choice([9, 10, 14, 15, 16])
        base = (
            rng.choice(bases) if bases and kind == Kind.SITE_VISIT and rng.random() < 0.4 else None
        )
        activities.append(
            Activity(
                title=title,
                kind=kind,
                role=role,
                starts_at=_at(day, hour),
                ends_at=_at(day, hour) + timedelta(minutes=rng.choice([60, 90, 120])),
                place="" if base else f"{group.organisation.name}",
                practice_base=base,
                group=group,
                children_count=rng.randint(8, 45),
                adults_count=rng.randint(2, 12),
                programme=programmes.get(programme_code),
                report=f"{title}。孩子们记录了观察，整理成建议。",
                logged_by=logger,
            )
        )
    Activity.objects.bulk_create(activities)
    for activity in activities:
        if activity.kind in (Kind.DISCUSSION, Kind.ROUND_TABLE) and partners:
            partner_rows.append(
                {"activity_id": activity.pk, "organisation_id": rng.choice(partners).pk}
            )
    _link(Activity.partners.through, partner_rows)
    yangliu_suggestions = list(Suggestion.objects.filter(group=yangliu).order_by("pk"))
    _link(
        Activity.suggestions.through,
        [
            {"activity_id": activities[n % 12].pk, "suggestion_id": suggestion.pk}
            for n, suggestion in enumerate(yangliu_suggestions)
        ],
    )


def _safety_outreach(rng, logger, group, sub_team, places, safety_bases, police):
    children = _spread(rng, SAFETY_OUTREACH_CHILDREN, SAFETY_OUTREACH, 8, 34)
    activities = []
    for n in range(SAFETY_OUTREACH):
        title, district = SAFETY_TITLES[n % len(SAFETY_TITLES)]
        base = safety_bases[n % len(safety_bases)] if safety_bases and n % 5 == 0 else None
        day = _day(rng)
        hour = rng.choice([9, 10, 14, 15, 16, 19])
        activities.append(
            Activity(
                title=title,
                kind=Kind.SAFETY_OUTREACH,
                role=Role.SAFETY_PROMOTER,
                starts_at=_at(day, hour),
                ends_at=_at(day, hour) + timedelta(minutes=60),
                place="" if base else rng.choice(places.get(district) or places[""]),
                practice_base=base,
                group=group,
                children_count=children[n],
                adults_count=rng.randint(2, 6),
                logged_by=logger,
            )
        )
    Activity.objects.bulk_create(activities)
    _link(
        Activity.sub_teams.through,
        [{"activity_id": a.pk, "subteam_id": sub_team.pk} for a in activities],
    )
    if police:
        _link(
            Activity.partners.through,
            [
                {"activity_id": a.pk, "organisation_id": police.pk}
                for n, a in enumerate(activities)
                if SAFETY_TITLES[n % len(SAFETY_TITLES)][1] == "qiantang"
            ],
        )


def _municipal(rng, logger, group, sub_teams, members_of):
    today = timezone.localdate()
    for offset, kind, role, title, positions, place in MUNICIPAL:
        day = today + timedelta(days=offset)
        teams = [sub_teams[p] for p in positions]
        activity = Activity.objects.create(
            title=title,
            kind=kind,
            role=role,
            starts_at=_at(day, 14),
            ends_at=_at(day, 16, 30),
            place=place,
            group=group,
            children_count=0,
            adults_count=rng.randint(3, 10),
            logged_by=logger,
            report="" if offset > 0 else f"{title}：孩子们分组观察，回来后整理成建议。",
        )
        activity.sub_teams.set(teams)
        if offset > 0:
            # Upcoming: how many are expected.
            activity.children_count = sum(len(members_of[t.pk]) for t in teams) or 70
            activity.save(update_fields=["children_count"])
            continue
        present = [c for t in teams for c in members_of[t.pk]] or [
            c for cs in members_of.values() for c in cs
        ]
        present = [c for n, c in enumerate(present) if (n + offset) % 5 != 0]
        activity.attendees.set(present)
        activity.children_count = len(present)
        activity.save(update_fields=["children_count"])
        # What the children who came suggested afterwards came out of it.
        activity.suggestions.set(
            Suggestion.objects.filter(
                child__in=present, group__isnull=True, created_at__gte=activity.ends_at
            ).order_by("pk")[:3]
        )


@transaction.atomic
def seed() -> None:
    if TrainingSession.objects.exists():
        return
    rng = random.Random(401)  # noqa: S311 - the same demo every time, not a secret
    group = ObservationGroup.objects.get(level=GroupLevel.MUNICIPAL)
    sub_teams = list(SubTeam.objects.filter(group=group).order_by("focus_area__position"))
    mentors = list(Mentor.objects.select_related("user").order_by("pk"))
    members = list(
        Membership.objects.current().members().filter(sub_team__isnull=False).order_by("child_id")
    )
    members_of = {team.pk: [] for team in sub_teams}
    for row in (
        Membership.objects.current()
        .members()
        .filter(sub_team__isnull=False)
        .select_related("child")
        .order_by("child__pseudonym")
    ):
        members_of[row.sub_team_id].append(row.child)
    _training(sub_teams, mentors, members)

    office = User.objects.filter(role=UserRole.ADMIN).order_by("pk").first()
    programmes = {p.code: p for p in Programme.objects.all()}
    bases = list(PracticeBase.objects.order_by("pk"))
    partners = list(Organisation.objects.filter(code__in=PARTNER_CODES).order_by("pk"))
    _alliance_activities(rng, office, bases, programmes, partners)

    places = {"": []}
    for community in Organisation.objects.filter(kind=OrganisationKind.COMMUNITY).select_related(
        "district"
    ):
        places[""].append(f"{community.name}")
        places.setdefault(community.district.code, []).append(f"{community.name}沿街商铺")
    safety_bases = [b for b in bases if b.kind == PracticeBaseKind.EMERGENCY_SAFETY]
    police = Organisation.objects.filter(code="police-college").first()
    safety_team = next(t for t in sub_teams if t.focus_area.code == "public-safety")
    safety_mentor = next(
        (m for m in mentors if m.sub_teams.filter(pk=safety_team.pk).exists()), None
    )
    _safety_outreach(
        rng,
        safety_mentor.user if safety_mentor else office,
        group,
        safety_team,
        places,
        safety_bases,
        police,
    )
    _municipal(rng, mentors[0].user, group, sub_teams, members_of)

    # Most guardians agreed to photos of their child in activities' reports.
    guardianships = list(Guardianship.objects.order_by("pk").values_list("pk", flat=True))
    Guardianship.objects.filter(
        pk__in=[pk for n, pk in enumerate(guardianships) if n % 7 != 3]
    ).update(photo_consent_on=date(YEAR, 3, 1))
