from datetime import date

import factory

from groups.models import (
    AgeBand,
    Alliance,
    Child,
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

PASSWORD = "a-long-test-password"
START = date(2026, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"Observer {n}")
    role = Role.CHILD
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.DISTRICT
    code = factory.Sequence(lambda n: f"district-{n}")
    name = factory.Sequence(lambda n: f"区{n}")


class CommunityFactory(DistrictFactory):
    kind = OrganisationKind.COMMUNITY
    code = factory.Sequence(lambda n: f"community-{n}")
    name = factory.Sequence(lambda n: f"社区{n}")
    district = factory.SubFactory(DistrictFactory)


class SchoolFactory(DistrictFactory):
    kind = OrganisationKind.SCHOOL
    code = factory.Sequence(lambda n: f"school-{n}")
    name = factory.Sequence(lambda n: f"小学{n}")
    community = factory.SubFactory(CommunityFactory)
    district = factory.SelfAttribute("community.district")


class DepartmentFactory(DistrictFactory):
    kind = OrganisationKind.DEPARTMENT
    code = factory.Sequence(lambda n: f"department-{n}")
    name = factory.Sequence(lambda n: f"局{n}")


class ProgrammeOfficeFactory(DistrictFactory):
    class Meta:
        django_get_or_create = ("code",)

    kind = OrganisationKind.PROGRAMME_OFFICE
    code = "programme-office"
    name = "项目办公室"


class MunicipalGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObservationGroup
        django_get_or_create = ("level",)

    level = GroupLevel.MUNICIPAL
    name = "杭州市儿童观察团"
    organisation = factory.SubFactory(ProgrammeOfficeFactory)


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea

    code = factory.Sequence(lambda n: f"focus-{n}")
    name = factory.Sequence(lambda n: f"领域{n}")
    name_en = factory.Sequence(lambda n: f"Focus {n}")


class SubTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubTeam

    group = factory.SubFactory(MunicipalGroupFactory)
    focus_area = factory.SubFactory(FocusAreaFactory)
    name = factory.Sequence(lambda n: f"小队{n}")
    name_en = factory.Sequence(lambda n: f"Team {n}")
    term_days = 30


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    pseudonym = factory.Sequence(lambda n: f"小星{n}")
    age_band = AgeBand.AGE_9_11
    school = factory.SubFactory(SchoolFactory)
    community = factory.SelfAttribute("school.community")
    joined_on = START


class ChildUserFactory(UserFactory):
    role = Role.CHILD
    child = factory.RelatedFactory(
        ChildFactory, factory_related_name="user", pseudonym=factory.SelfAttribute("..display_name")
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    child = factory.SubFactory(ChildFactory)
    sub_team = factory.SubFactory(SubTeamFactory)
    role = MembershipRole.MEMBER
    starts_on = START


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    user = factory.SubFactory(UserFactory, role=Role.GUARDIAN)


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(GuardianFactory)
    child = factory.SubFactory(ChildFactory)
    relationship = Guardianship.Relationship.MOTHER


class MentorTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentorTeam
        django_get_or_create = ("group",)

    group = factory.SubFactory(MunicipalGroupFactory)
    name = "导师团"


class MentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentor
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.MENTOR)
    team = factory.SubFactory(MentorTeamFactory)
    kind = MentorKind.DEPUTY

    @factory.post_generation
    def sub_teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sub_teams.set(extracted)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory, role=Role.SCHOOL)
    organisation = factory.SubFactory(SchoolFactory)


def sub_team_with_members(count=3, **kwargs):
    """A sub-team and `count` current members in rotation order 1..count."""
    sub_team = SubTeamFactory(**kwargs)
    members = [
        MembershipFactory(sub_team=sub_team, rotation_position=position).child
        for position in range(1, count + 1)
    ]
    return sub_team, members


def alliance_with_members(*hosts, fostered=2):
    """An alliance with one member group run by each host, each fostering `fostered` groups."""
    alliance = Alliance.objects.create(name="联盟")
    members = []
    for host in hosts:
        group = ObservationGroup.objects.create(
            level=GroupLevel.ALLIANCE_MEMBER,
            name=f"{host.name}观察团",
            organisation=host,
            alliance=alliance,
        )
        for n in range(fostered):
            ObservationGroup.objects.create(
                level=GroupLevel.PARTICIPATION_ORG,
                name=f"{host.name}议事会{n}",
                organisation=host,
                fostered_by=group,
            )
        members.append(group)
    return members
