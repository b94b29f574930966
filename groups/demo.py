"""Demo data for the groups app: the Hangzhou programme of DESIGN.md section 4.

1 municipal group of 70 children in 7 sub-teams of 10 with rotating leaders and their history,
their guardians, the mentor team, an alliance of 26 groups from schools and communities that
foster 212 child participation organisations, and one demo login per role.

Idempotent: every row is found by its natural key before it is created, so a second run
changes nothing. The names of places and organisations are Hangzhou's; the children, their
guardians and all personal data are invented.
"""

from datetime import date, timedelta
from itertools import cycle

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    STAFF_ORGANISATION_KINDS,
    AgeBand,
    Alliance,
    Child,
    ChildPersonalData,
    FocusArea,
    GroupLevel,
    Guardian,
    Guardianship,
    Membership,
    MembershipRole,
    Mentor,
    MentorKind,
    MentorTeam,
    ObservationGroup,
    Organisation,
    OrganisationKind,
    Role,
    StaffMember,
    SubTeam,
    User,
)

DEMO_PASSWORD = "hangzhou-demo"  # noqa: S105 - printed by `make run`; seed_demo refuses in production
PROGRAMME_START = date(2026, 3, 1)
TERM_DAYS = 30

# username, role, display name (a pseudonym for the child)
DEMO_LOGINS = [
    ("admin", Role.ADMIN, _("Director Zhou")),
    ("child", Role.CHILD, _("Little Egret")),
    ("guardian", Role.GUARDIAN, _("Little Egret's guardian")),
    ("mentor", Role.MENTOR, _("Mentor Chen")),
    ("school", Role.SCHOOL, _("School coordinator Wang")),
    ("community", Role.COMMUNITY, _("Community worker Li")),
    ("department", Role.DEPARTMENT, _("Department officer Zhao")),
]

FOCUS_AREAS = [
    ("living-environment", "居住环境", "Living environment"),
    ("cultural-venues", "文化场馆", "Cultural venues"),
    ("transport", "交通出行", "Transport and mobility"),
    ("parks", "公园绿地", "Parks and green space"),
    ("public-safety", "公共安全", "Public safety"),
    ("education", "教育服务", "Schools and education"),
    ("public-facilities", "公共服务设施", "Public facilities"),
]

DISTRICTS = [
    ("shangcheng", "上城区", "Shangcheng District"),
    ("gongshu", "拱墅区", "Gongshu District"),
    ("xihu", "西湖区", "Xihu District"),
    ("binjiang", "滨江区", "Binjiang District"),
    ("xiaoshan", "萧山区", "Xiaoshan District"),
    ("yuhang", "余杭区", "Yuhang District"),
    ("linping", "临平区", "Linping District"),
    ("qiantang", "钱塘区", "Qiantang District"),
    ("fuyang", "富阳区", "Fuyang District"),
    ("linan", "临安区", "Lin'an District"),
    ("tonglu", "桐庐县", "Tonglu County"),
    ("chunan", "淳安县", "Chun'an County"),
    ("jiande", "建德市", "Jiande City"),
]

# code, name, English name, district
COMMUNITIES = [
    ("yangliujun", "杨柳郡社区", "Yangliujun Community", "shangcheng"),
    ("hubin", "湖滨社区", "Hubin Community", "shangcheng"),
    ("caihe", "采荷社区", "Caihe Community", "shangcheng"),
    ("xiaohe", "小河社区", "Xiaohe Community", "gongshu"),
    ("daguan", "大关社区", "Daguan Community", "gongshu"),
    ("wenxin", "文新社区", "Wenxin Community", "xihu"),
    ("cuiyuan", "翠苑社区", "Cuiyuan Community", "xihu"),
    ("changhe", "长河社区", "Changhe Community", "binjiang"),
    ("chengxiang", "城厢社区", "Chengxiang Community", "xiaoshan"),
    ("cangqian", "仓前社区", "Cangqian Community", "yuhang"),
    ("nanyuan", "南苑社区", "Nanyuan Community", "linping"),
    ("xiasha", "下沙社区", "Xiasha Community", "qiantang"),
]

# code, name, English name, community
SCHOOLS = [
    ("tianchang", "天长小学", "Tianchang Primary School", "hubin"),
    ("shengli", "胜利小学", "Shengli Primary School", "yangliujun"),
    ("caihe-1", "采荷第一小学", "Caihe No. 1 Primary School", "caihe"),
    ("changqing", "长青小学", "Changqing Primary School", "hubin"),
    ("daguan-primary", "大关小学", "Daguan Primary School", "daguan"),
    ("xiaohe-middle", "小河中学", "Xiaohe Middle School", "xiaohe"),
    ("baochu", "保俶塔实验学校", "Baochu Tower Experimental School", "wenxin"),
    ("xuejun", "学军小学", "Xuejun Primary School", "cuiyuan"),
    ("wensan", "文三街小学", "Wensan Street Primary School", "wenxin"),
    ("changhe-primary", "长河小学", "Changhe Primary School", "changhe"),
    ("binjiang-1", "滨江第一小学", "Binjiang No. 1 Primary School", "changhe"),
    ("xiaoshan-experimental", "萧山实验小学", "Xiaoshan Experimental Primary School", "chengxiang"),
    ("cangqian-primary", "仓前小学", "Cangqian Primary School", "cangqian"),
    ("linping-primary", "临平第一小学", "Linping No. 1 Primary School", "nanyuan"),
    ("xiasha-primary", "下沙小学", "Xiasha Primary School", "xiasha"),
    ("qiantang-foreign", "钱塘外语学校", "Qiantang Foreign Language School", "xiasha"),
]

# code, kind, name, English name
CITY_ORGANISATIONS = [
    (
        "programme-office",
        OrganisationKind.PROGRAMME_OFFICE,
        "杭州市儿童友好城市建设办公室",
        "Hangzhou Child-Friendly City Office",
    ),
    ("transport", OrganisationKind.DEPARTMENT, "杭州市交通运输局", "Hangzhou Transport Bureau"),
    (
        "parks",
        OrganisationKind.DEPARTMENT,
        "杭州市园林文物局",
        "Hangzhou Parks and Cultural Relics Bureau",
    ),
    ("metro", OrganisationKind.DEPARTMENT, "杭州市地铁集团", "Hangzhou Metro Group"),
    ("education", OrganisationKind.DEPARTMENT, "杭州市教育局", "Hangzhou Education Bureau"),
    (
        "public-security",
        OrganisationKind.DEPARTMENT,
        "杭州市公安局",
        "Hangzhou Public Security Bureau",
    ),
    (
        "urban-management",
        OrganisationKind.DEPARTMENT,
        "杭州市城市管理局",
        "Hangzhou Urban Management Bureau",
    ),
    (
        "culture",
        OrganisationKind.DEPARTMENT,
        "杭州市文化广电旅游局",
        "Hangzhou Culture, Radio, TV and Tourism Bureau",
    ),
    (
        "peoples-congress",
        OrganisationKind.PEOPLES_CONGRESS,
        "杭州市人大常委会",
        "Standing Committee of the Hangzhou People's Congress",
    ),
    ("zju", OrganisationKind.UNIVERSITY, "浙江大学", "Zhejiang University"),
    ("zjut", OrganisationKind.UNIVERSITY, "浙江工业大学", "Zhejiang University of Technology"),
    ("hznu", OrganisationKind.UNIVERSITY, "杭州师范大学", "Hangzhou Normal University"),
    ("bus-group", OrganisationKind.BUSINESS, "杭州公交集团", "Hangzhou Public Transport Group"),
    ("police-college", OrganisationKind.POLICE_SCHOOL, "浙江警察学院", "Zhejiang Police College"),
]

COLOURS = ["白", "红", "金", "青", "蓝", "紫", "银", "彩", "绿", "橙"]
ANIMALS = ["鹭", "鹿", "雀", "鲸", "狐", "熊", "兔"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
GIVEN_NAMES = ["雨桐", "子涵", "梓萱", "浩然", "一诺", "欣怡", "宇轩", "思远", "若曦", "俊杰"]

# display name, kind, organisation code, indexes of the sub-teams mentored
MENTORS = [
    (_("Mentor Chen"), MentorKind.DEPUTY, "peoples-congress", [0, 1]),
    ("周代表", MentorKind.DEPUTY, "peoples-congress", [2, 3]),
    ("吴代表", MentorKind.DEPUTY, "peoples-congress", [4]),
    ("林工程师", MentorKind.EXPERT, "metro", [2, 6]),
    ("郑规划师", MentorKind.EXPERT, "zjut", [0, 3]),
    ("孙警官", MentorKind.EXPERT, "police-college", [4]),
    ("何老师", MentorKind.TEACHER, "hznu", [5, 1]),
    ("徐老师", MentorKind.TEACHER, "baochu", [5, 6]),
]

PARTICIPATION_ORG_KINDS = [
    "红领巾议事会",
    "小小观察员社",
    "儿童议事会",
    "少年记者站",
    "安全宣传小队",
    "阅读互助小组",
    "绿色环保社",
    "交通文明小分队",
    "社区小管家",
]

ALLIANCE_SCHOOLS = 16  # the other 10 of the 26 alliance member groups are run by communities
ALLIANCE_COMMUNITIES = 10
PARTICIPATION_ORGS = 212


STAFF_ROLE_OF = {
    OrganisationKind.SCHOOL: Role.SCHOOL,
    OrganisationKind.COMMUNITY: Role.COMMUNITY,
    OrganisationKind.DEPARTMENT: Role.DEPARTMENT,
}
STAFF_SURNAMES = "钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
STAFF_NAME_ENDING = {Role.SCHOOL: "老师", Role.COMMUNITY: "社工", Role.DEPARTMENT: "科员"}


def _user(username, role, display_name, *, demo=False, staff=False):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "display_name": str(display_name),
            # Staff are matched by e-mail in the staff import and its export (imports/).
            "email": f"{username}@example.org" if role in STAFF_ORGANISATION_KINDS else "",
            "is_staff": staff,
            "is_superuser": staff,
        },
    )
    if created:
        # Only the demo logins can log in; the others wait for their owners to set a password.
        if demo:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _organisation(code, kind, name, name_en, **fields):
    organisation, _created = Organisation.objects.get_or_create(
        code=code, defaults={"kind": kind, "name": name, "name_en": name_en, **fields}
    )
    return organisation


def _organisations():
    by_code = {}
    for code, name, name_en in DISTRICTS:
        by_code[code] = _organisation(code, OrganisationKind.DISTRICT, name, name_en)
    for code, name, name_en, district in COMMUNITIES:
        by_code[code] = _organisation(
            code, OrganisationKind.COMMUNITY, name, name_en, district=by_code[district]
        )
    for code, name, name_en, community in SCHOOLS:
        by_code[code] = _organisation(
            code,
            OrganisationKind.SCHOOL,
            name,
            name_en,
            community=by_code[community],
            district_id=by_code[community].district_id,
        )
    for code, kind, name, name_en in CITY_ORGANISATIONS:
        by_code[code] = _organisation(code, kind, name, name_en)
    return by_code


def _alliance(organisations):
    alliance, _created = Alliance.objects.get_or_create(
        name="杭州市儿童观察团联盟",
        defaults={
            "name_en": "Alliance of Hangzhou Children's Observation Groups",
            "founded_on": date(2025, 6, 1),
        },
    )
    hosts = [organisations[code] for code, *_rest in SCHOOLS[:ALLIANCE_SCHOOLS]]
    hosts += [organisations[code] for code, *_rest in COMMUNITIES[:ALLIANCE_COMMUNITIES]]
    members = []
    for host in hosts:
        group, _created = ObservationGroup.objects.get_or_create(
            level=GroupLevel.ALLIANCE_MEMBER,
            organisation=host,
            defaults={
                "name": f"{host.name}儿童观察团",
                "name_en": f"{host.name_en} Children's Observation Group",
                "alliance": alliance,
                "founded_on": date(2025, 9, 1),
            },
        )
        members.append(group)
    # 212 organisations fostered by the 26 groups: 8 each, and one more for the first four.
    per_group = divmod(PARTICIPATION_ORGS, len(members))
    for index, group in enumerate(members):
        count = per_group[0] + (1 if index < per_group[1] else 0)
        for kind in PARTICIPATION_ORG_KINDS[:count]:
            ObservationGroup.objects.get_or_create(
                level=GroupLevel.PARTICIPATION_ORG,
                fostered_by=group,
                name=f"{group.organisation.name}{kind}",
                defaults={"organisation": group.organisation, "founded_on": date(2025, 10, 1)},
            )
    return alliance


def _municipal_group(organisations):
    group, _created = ObservationGroup.objects.get_or_create(
        level=GroupLevel.MUNICIPAL,
        defaults={
            "name": "杭州市儿童观察团",
            "name_en": "Hangzhou Children's Observation Group",
            "organisation": organisations["programme-office"],
            "founded_on": PROGRAMME_START,
        },
    )
    sub_teams = []
    for position, (code, name, name_en) in enumerate(FOCUS_AREAS):
        focus_area, _created = FocusArea.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
        sub_team, _created = SubTeam.objects.get_or_create(
            group=group,
            focus_area=focus_area,
            defaults={
                "name": f"{name}观察小队",
                "name_en": f"{name_en} team",
                "term_days": TERM_DAYS,
            },
        )
        sub_teams.append(sub_team)
    return group, sub_teams


def _children(sub_teams, organisations, logins):
    schools = cycle(organisations[code] for code, *_rest in SCHOOLS)
    age_bands = cycle(AgeBand.values)
    relationships = cycle(Guardianship.Relationship.values)
    pseudonyms = [f"小{colour}{animal}" for colour in COLOURS for animal in ANIMALS]
    for index, pseudonym in enumerate(pseudonyms):
        sub_team = sub_teams[index // 10]
        school = next(schools)
        is_demo = index == 0
        child, created = Child.objects.get_or_create(
            pseudonym=pseudonym,
            defaults={
                "roster_number": f"HZ{index + 1:04d}",
                "age_band": next(age_bands),
                "school": school,
                "community": school.community,
                "joined_on": PROGRAMME_START,
                "user": logins["child"] if is_demo else None,
            },
        )
        if not created:
            continue
        ChildPersonalData.objects.create(
            child=child,
            real_name=SURNAMES[index % 10] + GIVEN_NAMES[(index * 3) % 10],
            contact_phone=f"1380000{index:04d}",
        )
        Membership.objects.create(
            child=child,
            sub_team=sub_team,
            role=MembershipRole.MEMBER,
            starts_on=PROGRAMME_START,
            rotation_position=index % 10 + 1,
        )
        guardian_user = (
            logins["guardian"]
            if is_demo
            else _user(f"guardian-{index:02d}", Role.GUARDIAN, f"{pseudonym}的监护人")
        )
        guardian, _created = Guardian.objects.get_or_create(user=guardian_user)
        Guardianship.objects.create(
            guardian=guardian, child=child, relationship=next(relationships)
        )


def _leadership_history(sub_teams, today):
    """Start the first terms when the programme began, then rotate every term up to today."""
    for sub_team in sub_teams:
        if Membership.objects.filter(sub_team=sub_team, role=MembershipRole.LEADER).exists():
            continue
        on = PROGRAMME_START
        while on <= today:
            services.sub_team_leadership_rotate(sub_team=sub_team, today=on)
            on += timedelta(days=sub_team.term_days)


def _mentors(group, sub_teams, organisations, logins):
    team, _created = MentorTeam.objects.get_or_create(
        group=group, defaults={"name": "杭州市儿童观察团导师团", "name_en": "Mentor team"}
    )
    for index, (name, kind, organisation_code, mentored) in enumerate(MENTORS):
        user = logins["mentor"] if index == 0 else _user(f"mentor-{index:02d}", Role.MENTOR, name)
        mentor, created = Mentor.objects.get_or_create(
            user=user,
            defaults={"team": team, "kind": kind, "organisation": organisations[organisation_code]},
        )
        if created:
            mentor.sub_teams.set([sub_teams[i] for i in mentored])


def _staff(organisations, logins):
    demo_child = Child.objects.select_related("school__community").get(user=logins["child"])
    for username, organisation, title in [
        ("admin", organisations["programme-office"], "项目主任"),
        ("school", demo_child.school, "德育处老师"),
        ("community", demo_child.school.community, "社区儿童主任"),
        ("department", organisations["transport"], "规划处"),
    ]:
        StaffMember.objects.get_or_create(
            user=logins[username], defaults={"organisation": organisation, "title": title}
        )
    # Every other school, community and department has a demo login too, so that every
    # suggestion of the demo can be carried to its end by someone. Their names are people's
    # names, as a real staff member's would be: the organisation is shown apart, in the reader's
    # language.
    staffed = set(StaffMember.objects.values_list("organisation_id", flat=True))
    for index, organisation in enumerate(
        Organisation.objects.filter(kind__in=STAFF_ROLE_OF).order_by("code")
    ):
        if organisation.pk in staffed:
            continue
        role = STAFF_ROLE_OF[organisation.kind]
        name = STAFF_SURNAMES[index % len(STAFF_SURNAMES)] + STAFF_NAME_ENDING[role]
        user = _user(staff_username(organisation), role, name, demo=True)
        StaffMember.objects.get_or_create(user=user, defaults={"organisation": organisation})


def staff_username(organisation) -> str:
    return f"staff-{organisation.code}"


def staff_logins() -> list[tuple[str, Organisation]]:
    """The demo's other staff logins (beside DEMO_LOGINS), with their organisation, by kind."""
    return [
        (staff.user.username, staff.organisation)
        for staff in StaffMember.objects.filter(
            user__username__startswith="staff-", organisation__kind__in=STAFF_ROLE_OF
        )
        .select_related("user", "organisation")
        .order_by("organisation__kind", "organisation__code")
    ]


@transaction.atomic
def seed() -> None:
    logins = {
        username: _user(username, role, display_name, demo=True, staff=role == Role.ADMIN)
        for username, role, display_name in DEMO_LOGINS
    }
    organisations = _organisations()
    _alliance(organisations)
    group, sub_teams = _municipal_group(organisations)
    _children(sub_teams, organisations, logins)
    _leadership_history(sub_teams, timezone.localdate())
    _mentors(group, sub_teams, organisations, logins)
    _staff(organisations, logins)
