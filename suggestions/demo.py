"""Demo data for the pipeline: over 500 suggestions in every state, with the outcomes of the
programme text (175 children's parking lots, stroller lanes in scenic areas, fitness stations,
metro safety, mother-and-baby rooms …) and 12 from the Yangliujun community group.

Each suggestion's history is built move by move along the workflow table (each move checked
with `workflow.move_for`), then written with bulk inserts: the services would write the same
rows, one query at a time, and the demo must load in seconds. Idempotent: it does nothing if
the demo suggestions are there already.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from groups.models import (
    Child,
    FocusArea,
    GroupLevel,
    Membership,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    StaffMember,
)
from places.models import Division, DivisionLevel, Place, PlaceKind

from . import workflow
from .models import (
    Notification,
    NotificationKind,
    Outcome,
    ParticipationRole,
    RoutedBy,
    RoutingRule,
    StageChange,
    Suggestion,
)
from .search import suggestion_words
from .services import DEFAULT_DEADLINE_DAYS
from .workflow import Actor, Stage, State

SUGGESTIONS = 520
YANGLIU_SUGGESTIONS = 12
YEAR_START = datetime(2026, 1, 5, 9, 0)

# focus area code → department code (city-wide), and a district exception
RULES = {
    "living-environment": "urban-management",
    "cultural-venues": "culture",
    "transport": "transport",
    "parks": "parks",
    "public-safety": "public-security",
    "education": "education",
    "public-facilities": "urban-management",
}
# Exceptions by place: focus area code, district, street (None: the whole district), department
# code. The West Lake scenic area's homes and yards are the parks bureau's.
DIVISION_RULES = [
    ("transport", "西湖区", None, "metro"),
    ("living-environment", "西湖区", "西湖街道", "parks"),
]
# One suggestion in ELSEWHERE_EVERY is about a park, a station or a square the child went to,
# often in another district than their school's; the others are about the child's community.
ELSEWHERE_EVERY = 5
ELSEWHERE_KINDS = [PlaceKind.PARK, PlaceKind.METRO_STATION, PlaceKind.OTHER]

# Titles and ideas per focus area: (title, what I noticed, what I suggest)
IDEAS = {
    "living-environment": [
        (
            "小区里没有儿童停车场",
            "小区里的自行车和滑板车到处乱放，挡住了路。",
            "在小区门口划出儿童停车场，放自行车和滑板车。",
        ),
        ("楼道灯太暗", "晚上放学回家，楼道里很黑，有点害怕。", "换上感应灯，让楼道更亮。"),
        ("垃圾分类桶太高", "分类垃圾桶的投放口太高，小朋友够不着。", "在垃圾桶旁边加一个小台阶。"),
    ],
    "cultural-venues": [
        (
            "图书馆的书架太高",
            "少儿阅览室的书架上层拿不到书。",
            "把少儿书放在低一点的书架上，加几个阶梯凳。",
        ),
        (
            "博物馆讲解听不懂",
            "博物馆的讲解词太难，小朋友听不懂。",
            "出一份儿童版讲解，用图画和故事讲。",
        ),
    ],
    "transport": [
        ("学校门口需要斑马线", "放学时车很多，过马路很危险。", "在校门口画斑马线，设置护学岗。"),
        ("公交站没有座位", "等公交车的时候没有地方坐，书包很重。", "在公交站加几个座位和遮雨棚。"),
        (
            "地铁站台缝隙太宽",
            "地铁站台和车厢之间的缝隙很宽，小朋友容易踩空。",
            "在站台边贴提示，加装防踏空胶条。",
        ),
    ],
    "parks": [
        ("景区里推婴儿车很难", "西湖边有些路是台阶，推婴儿车的家长很辛苦。", "修一条婴儿车通道。"),
        ("公园缺少儿童健身站", "公园里的健身器材都是给大人用的。", "建一个适合儿童的健身站。"),
    ],
    "public-safety": [
        (
            "小区门口的店铺要防诈骗",
            "有人在小区门口推销可疑的理财。",
            "和社区一起在店铺开展反诈宣传。",
        ),
        ("河边没有护栏", "小河边有一段没有护栏，很危险。", "加装护栏和警示牌。"),
    ],
    "education": [
        (
            "午休没有地方躺",
            "中午在课桌上趴着睡，醒来手都麻了。",
            "学校提供午休床垫，让大家能躺着午休。",
        ),
        ("校服浪费", "长高了校服就不能穿了，很浪费。", "开展校服回收计划，旧校服给需要的同学。"),
    ],
    "public-facilities": [
        (
            "商场没有母婴室",
            "商场里没有母婴室，带弟弟妹妹的妈妈不方便。",
            "在商场和地铁站设置母婴室。",
        ),
        ("洗手台太高", "公共厕所的洗手台太高，小朋友够不着。", "加装儿童洗手台。"),
    ],
}

# Ideas that only the programme's outcomes answer (not drawn at random for other suggestions).
ANSWERED_IDEAS = {
    "transport": [
        (
            "公交车上想看书",
            "坐公交车上学要很久，路上没有事做。",
            "在公交车上放一些书，让我们路上也能读书。",
        ),
    ],
}

# What a community did itself about each idea: the answer of a suggestion resolved locally.
LOCAL_ANSWERS = {
    "小区里没有儿童停车场": "社区在小区门口划出了儿童停车区。",
    "楼道灯太暗": "社区和物业把楼道灯换成了感应灯。",
    "垃圾分类桶太高": "社区在垃圾分类桶旁边加装了儿童踏步台。",
    "图书馆的书架太高": "社区图书室把少儿书移到了低层书架，还添了阶梯凳。",
    "博物馆讲解听不懂": "社区和志愿者一起做了一份儿童版讲解图册。",
    "学校门口需要斑马线": "社区和学校一起安排了放学护学岗。",
    "公交站没有座位": "社区在公交站旁边放了几张便民座椅。",
    "地铁站台缝隙太宽": "社区在地铁站口贴了“小心站台缝隙”的儿童提示画。",
    "景区里推婴儿车很难": "社区志愿者在台阶旁标出了婴儿车绕行路线。",
    "公园缺少儿童健身站": "社区在小区公园里添了两件儿童健身器材。",
    "小区门口的店铺要防诈骗": "社区在小区门口的店铺开展了反诈宣传。",
    "河边没有护栏": "社区在河边加装了临时护栏和警示牌。",
    "午休没有地方躺": "社区为学校联系到一批捐赠的午休垫。",
    "校服浪费": "社区开设了校服回收角，旧校服送给需要的同学。",
    "商场没有母婴室": "社区服务中心腾出一间屋子做了母婴室。",
    "洗手台太高": "社区在公共厕所的洗手台前加了踏步台。",
}

# Outcomes of implemented suggestions: (focus area, the idea it answers, description, unit,
# total quantity, count). The totals are the programme's own figures.
OUTCOMES = [
    ("living-environment", "小区里没有儿童停车场", "在小区和学校周边建成儿童停车场。",
     "个儿童停车场", 175, 25),
    ("parks", "景区里推婴儿车很难", "在西湖等景区修建婴儿车通道。", "条婴儿车通道", 12, 6),
    ("parks", "公园缺少儿童健身站", "在公园建成儿童健身站。", "个健身站", 18, 9),
    ("transport", "地铁站台缝隙太宽", "地铁站台加装防踏空胶条和安全提示。", "个地铁站", 40, 10),
    ("public-facilities", "商场没有母婴室", "在商场和地铁站设置母婴室。", "间母婴室", 30, 10),
    ("transport", "公交车上想看书", "开通“知识公交”线路。", "条知识公交线路", 717, 3),
    ("education", "午休没有地方躺", "中小学推行“午休躺睡”。", "名学生午休", 190000, 4),
]  # fmt: skip

# The share of the other suggestions ending in each state (the rest of 520).
OPEN_MIX = [
    (State.IN_PROGRESS, 70),
    (State.AT_DEPARTMENT, 65),
    (State.AT_COMMUNITY, 45),
    (State.AT_SCHOOL, 92),
    (State.RETURNED, 15),
    (State.DECLINED, 75),
    (State.MERGED, 15),
    (State.WITHDRAWN, 12),
    (State.DRAFT, 8),
]
IMPLEMENTED_LOCALLY = 49  # resolved by the community, outcome without a programme figure

# The main road through the table, and where each end state leaves it.
ROAD = [
    ("submit", Actor.CHILD),
    ("route_to_school", Actor.ROUTER),
    ("collect", Actor.SCHOOL),
    ("route_to_community", Actor.ROUTER),
    ("forward", Actor.COMMUNITY),
    ("route_to_department", Actor.ROUTER),
    ("accept", Actor.DEPARTMENT),
    ("mark_implemented", Actor.DEPARTMENT),
]
PATHS = {
    State.DRAFT: [],
    State.AT_SCHOOL: ROAD[:2],
    State.RETURNED: [*ROAD[:2], ("return", Actor.SCHOOL)],
    State.MERGED: [*ROAD[:2], ("merge", Actor.SCHOOL)],
    State.WITHDRAWN: [*ROAD[:2], ("withdraw", Actor.CHILD)],
    State.AT_COMMUNITY: ROAD[:4],
    State.AT_DEPARTMENT: ROAD[:6],
    State.IN_PROGRESS: ROAD[:7],
    State.IMPLEMENTED: ROAD,
    State.DECLINED: [*ROAD[:6], ("decline", Actor.DEPARTMENT)],
    "local": [*ROAD[:4], ("resolve_locally", Actor.COMMUNITY)],
}
# Said of any idea, so that they fit whichever suggestion draws them.
DECLINE_REASONS = [
    "这件事不归我们管，我们已经把你的建议转给了负责的单位。",
    "这里暂时不能施工。我们会在明年改造时考虑你的建议。",
    "附近已经有同样的设施了，欢迎你去看看。",
]


def _aware(moment):
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _owners(child, focus_area, rules, division):
    """Who has the suggestion at each stage, and why the department (as services._find_owner
    decides it: the rule of the place's smallest division, else the city-wide one)."""
    school = child.school
    routing = (rules[(focus_area.code, None)], RoutedBy.CITYWIDE, None)
    for each in division.lineage():
        if (focus_area.code, each.pk) in rules:
            routing = (rules[(focus_area.code, each.pk)], RoutedBy.PLACE, each)
            break
    owners = {Stage.SCHOOL: school, Stage.COMMUNITY: school.community, Stage.DEPARTMENT: routing[0]}
    return owners, routing[1:]


def _idea(title):
    return next(
        idea
        for ideas in [*IDEAS.values(), *ANSWERED_IDEAS.values()]
        for idea in ideas
        if idea[0] == title
    )


def _build(rng, index, child, focus_area, end, rules, staff_of, now, places, group=None, idea=None):
    """One suggestion with its history along the path to `end`, dated within the year; about
    `idea` (a title) when its outcome answers that idea, else about one drawn at random."""
    title, noticed, proposal = rng.choice(IDEAS[focus_area.code])
    if idea is not None:
        title, noticed, proposal = _idea(idea)
    if end in workflow.FINAL_STATES or end == "local":
        created = _aware(YEAR_START + timedelta(days=rng.randint(0, 280), minutes=index))
    else:
        # Still open: written in the last weeks, so that most are within their deadlines.
        created = now - timedelta(days=rng.randint(5, 50), minutes=index)
    by_organisation, elsewhere = places
    place = by_organisation[child.community_id]
    if index % ELSEWHERE_EVERY == ELSEWHERE_EVERY - 1:
        place = elsewhere[index // ELSEWHERE_EVERY % len(elsewhere)]
    suggestion = Suggestion(
        child=child,
        title=title,
        noticed=noticed,
        proposal=proposal,
        place=f"{place.name}附近",
        known_place=place,
        division=place.division,
        focus_area=focus_area,
        role=rng.choice(ParticipationRole.values),
        group=group,
        created_at=created,
    )
    suggestion.search_words = suggestion_words(suggestion)
    owners, (routed_by, routed_division) = _owners(child, focus_area, rules, place.division)
    changes, moment, state = [], created, State.DRAFT
    for action, actor in PATHS[end]:
        move = workflow.move_for(action, state, actor)
        moment = min(moment + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)), now)
        owner, due_at = None, None
        if actor == Actor.ROUTER:
            stage = workflow.ROUTING[state].stage
            owner = owners[stage]
            due_at = moment + timedelta(days=DEFAULT_DEADLINE_DAYS[stage])
        elif action == "accept":
            owner = owners[Stage.DEPARTMENT]
            suggestion.planned_on = (moment + timedelta(days=rng.randint(20, 120))).date()
            due_at = _aware(datetime.combine(suggestion.planned_on, time(23, 59)))
        note = ""
        if action == "return":
            note = "能说说具体是哪个位置吗？"
        elif action == "decline":
            note = rng.choice(DECLINE_REASONS)
        elif action == "accept":
            note = "我们会尽快安排。"
        elif action == "forward":
            # For the department: the child does not see it (selectors.STAFF_NOTE_ACTIONS).
            note = "我们去现场看过了，孩子说的情况属实。"
        user = (
            child.user
            if actor == Actor.CHILD
            else None
            if actor == Actor.ROUTER
            else staff_of.get(suggestion.owner.pk if suggestion.owner else None)
        )
        changes.append(
            StageChange(
                action=action,
                from_state=state,
                to_state=move.target,
                actor=user,
                owner=owner,
                note=note,
                due_at=due_at,
                created_at=moment,
                **(
                    {"routed_by": routed_by, "routed_division": routed_division}
                    if action == "route_to_department"
                    else {}
                ),
            )
        )
        state = move.target
        suggestion.owner, suggestion.due_at = owner, due_at
        suggestion.stage_started_at = moment if owner else None
        if action == "submit":
            suggestion.submitted_at = moment
        if note and action in ("decline", "return"):
            suggestion.answer = note
    suggestion.state = state
    suggestion.version = len(changes)
    if state in workflow.FINAL_STATES:
        suggestion.closed_at = moment
    if suggestion.due_at and suggestion.due_at < now and state in workflow.OWNED_STATES:
        suggestion.overdue_since = suggestion.due_at + timedelta(hours=1)
    if state == State.IN_PROGRESS:
        suggestion.progress = rng.choice([10, 30, 50, 70, 90])
    return suggestion, changes, moment


@transaction.atomic
def seed() -> None:
    if Suggestion.objects.exists():
        return
    rng = random.Random(2026)  # noqa: S311 - the same demo every time, not a secret
    now = timezone.now()
    focus_areas = {area.code: area for area in FocusArea.objects.all()}
    departments = {o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT)}
    districts = {d.name: d for d in Division.objects.filter(level=DivisionLevel.DISTRICT)}
    for area_code, department_code in RULES.items():
        RoutingRule.objects.get_or_create(
            focus_area=focus_areas[area_code],
            division=None,
            defaults={"department": departments[department_code]},
        )
    for area_code, district, street, department_code in DIVISION_RULES:
        division = districts[district]
        if street:
            division = Division.objects.get(name=street, parent=division)
        RoutingRule.objects.get_or_create(
            focus_area=focus_areas[area_code],
            division=division,
            defaults={"department": departments[department_code]},
        )
    rules = {
        (rule.focus_area.code, rule.division_id): rule.department
        for rule in RoutingRule.objects.select_related("focus_area", "department")
    }
    # Where the suggestions are: each child's community (a known place, places.demo), or now
    # and then a park, a station or a square.
    known = Place.objects.select_related("division__parent__parent").order_by("name", "pk")
    places = (
        {place.organisation_id: place for place in known.filter(organisation__isnull=False)},
        list(known.filter(organisation__isnull=True, kind__in=ELSEWHERE_KINDS)),
    )
    staff_of = {
        staff.organisation_id: staff.user
        for staff in StaffMember.objects.select_related("user").order_by("-user__username")
    }
    children = list(
        Child.objects.filter(memberships__sub_team__isnull=False)
        .select_related("school__community", "community", "user")
        .order_by("pk")
    )
    demo_child = next(child for child in children if child.user_id)

    plan = []  # (focus area code, end state, outcome or None, the idea the outcome answers)
    for area_code, idea, description, unit, total, count in OUTCOMES:
        share, rest = divmod(total, count)
        for n in range(count):
            quantity = share + (1 if n < rest else 0)
            plan.append((area_code, State.IMPLEMENTED, (description, unit, quantity), idea))
    for _ in range(IMPLEMENTED_LOCALLY):
        # The community's answer is written once the idea is drawn (LOCAL_ANSWERS).
        plan.append((rng.choice(list(IDEAS)), "local", ("", "", None), None))
    for state, count in OPEN_MIX:
        plan += [(rng.choice(list(IDEAS)), state, None, None) for _ in range(count)]
    plan = plan[: SUGGESTIONS - YANGLIU_SUGGESTIONS]
    rng.shuffle(plan)

    # The Yangliujun community group: 12 suggestions by children of a school in that community.
    yangliu = ObservationGroup.objects.get(
        level=GroupLevel.ALLIANCE_MEMBER, organisation__code="yangliujun"
    )
    yangliu_children = [c for c in children if c.school.community.code == "yangliujun"]
    for child in yangliu_children:
        Membership.objects.get_or_create(
            child=child, group=yangliu, ends_on=None, defaults={"starts_on": yangliu.founded_on}
        )

    built = []
    for index, (area_code, end, outcome, idea) in enumerate(plan):
        # The demo child wrote the first few, so that the demo login has some to follow.
        child = demo_child if index < 6 else children[index % len(children)]
        suggestion, changes, done = _build(
            rng, index, child, focus_areas[area_code], end, rules, staff_of, now, places, idea=idea
        )
        if end == "local":
            outcome = (LOCAL_ANSWERS[suggestion.title], "", None)
        built.append((suggestion, changes, done, outcome))
    yangliu_ends = [State.IMPLEMENTED] * 4 + [State.IN_PROGRESS] * 4 + [State.AT_DEPARTMENT] * 4
    for n, end in enumerate(yangliu_ends):
        child = yangliu_children[n % len(yangliu_children)]
        area, idea, outcome = (
            ["living-environment", "parks", "transport", "public-facilities"][n % 4],
            None,
            None,
        )
        if end == State.IMPLEMENTED:
            # What the Yangliujun group's suggestions brought: a fitness station each.
            area, idea = "parks", "公园缺少儿童健身站"
            outcome = ("杨柳郡未来社区建成儿童健身站。", "个健身站", 1)
        built.append(
            (
                *_build(
                    rng,
                    10_000 + n,
                    child,
                    focus_areas[area],
                    end,
                    rules,
                    staff_of,
                    now,
                    places,
                    yangliu,
                    idea=idea,
                ),
                outcome,
            )
        )

    for suggestion, _changes, _done, outcome in built:
        if outcome and suggestion.state == State.IMPLEMENTED:
            suggestion.answer = outcome[0]

    # bulk_create stamps auto_now_add fields with the present: keep the planned dates aside
    # and put them back.
    planned = {id(s): s.created_at for s, *_ in built}
    planned.update({id(c): c.created_at for _s, changes, *_ in built for c in changes})
    # A merged suggestion must name one that goes on: insert those after the others.
    others = [s for s, *_ in built if s.state != State.MERGED]
    Suggestion.objects.bulk_create(others)
    merge_targets = [s for s in others if s.state in workflow.OWNED_STATES]
    merged = [s for s, *_ in built if s.state == State.MERGED]
    for suggestion in merged:
        same_school = [t for t in merge_targets if t.child.school_id == suggestion.child.school_id]
        suggestion.merged_into = rng.choice(same_school or merge_targets)
    Suggestion.objects.bulk_create(merged)
    history = []
    for suggestion, changes, _done, _outcome in built:
        for change in changes:
            change.suggestion = suggestion
            history.append(change)
    StageChange.objects.bulk_create(history)
    for row in [s for s, *_ in built] + history:
        row.created_at = planned[id(row)]
    Suggestion.objects.bulk_update([s for s, *_ in built], ["created_at"], batch_size=500)
    StageChange.objects.bulk_update(history, ["created_at"], batch_size=500)
    Outcome.objects.bulk_create(
        Outcome(
            suggestion=suggestion,
            description=outcome[0],
            unit=outcome[1],
            quantity=Decimal(outcome[2]) if outcome[2] is not None else None,
            completed_on=done.date(),
        )
        for suggestion, _changes, done, outcome in built
        if suggestion.state == State.IMPLEMENTED
    )
    _answer_notices()


def _answer_notices():
    """Each child with a login, and their guardians, were told of every answer; the newest
    one is not read yet, so that the homes show what an arriving answer looks like."""
    answered = (
        Suggestion.objects.filter(
            child__user__isnull=False, state__in=[State.IMPLEMENTED, State.DECLINED]
        )
        .select_related("child__user")
        .prefetch_related("child__guardians__user")
        .order_by("child_id", "-closed_at")
    )
    notices, newest_seen = [], set()
    for suggestion in answered:
        unread = suggestion.child_id not in newest_seen
        newest_seen.add(suggestion.child_id)
        readers = [suggestion.child.user] + [g.user for g in suggestion.child.guardians.all()]
        notices += [
            Notification(
                recipient=reader,
                suggestion=suggestion,
                kind=NotificationKind.ANSWERED,
                read_at=None if unread else suggestion.closed_at,
            )
            for reader in readers
        ]
    Notification.objects.bulk_create(notices)
    for notice in notices:
        notice.created_at = notice.suggestion.closed_at
    Notification.objects.bulk_update(notices, ["created_at"], batch_size=500)
