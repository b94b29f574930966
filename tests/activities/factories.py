"""Factories for the directory: practice bases, programmes, discussion topics."""

from datetime import timedelta

import factory
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityKind,
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    PracticeBaseYear,
    Programme,
    ProgrammeFigure,
)
from groups.models import Alliance, GroupLevel, ObservationGroup, OrganisationKind
from suggestions.models import ParticipationRole
from tests.groups.factories import (
    CommunityFactory,
    DistrictFactory,
    MunicipalGroupFactory,
    UserFactory,
)


class PracticeBaseFactory(factory.django.DjangoModelFactory):
    """A base certified a year ago for three years, with no count of participants."""

    class Meta:
        model = PracticeBase

    name = factory.Sequence(lambda n: f"实践基地{n}")
    name_en = factory.Sequence(lambda n: f"Practice base {n}")
    code = factory.Sequence(lambda n: f"base-{n}")
    kind = PracticeBaseKind.YOUTH_CENTRE
    district = factory.SubFactory(DistrictFactory)
    certified_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    expires_on = factory.LazyAttribute(lambda o: o.certified_on + timedelta(days=3 * 365))


class PracticeBaseYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeBaseYear

    base = factory.SubFactory(PracticeBaseFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    participants = 100


def base_with_participants(participants, *, year=None, **kwargs):
    base = PracticeBaseFactory(**kwargs)
    PracticeBaseYearFactory(
        base=base, participants=participants, year=year or timezone.localdate().year
    )
    return base


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    code = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"项目{n}")
    name_en = factory.Sequence(lambda n: f"Programme {n}")
    description = "项目介绍"
    description_en = "What the programme does"


class ProgrammeFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeFigure

    programme = factory.SubFactory(ProgrammeFactory)
    name = "捐赠图书"
    name_en = "books donated"
    value = 412
    recorded_on = factory.LazyFunction(timezone.localdate)


class ProgrammeActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"小记者采访{n}")
    kind = ActivityKind.REPORTING
    role = ParticipationRole.SENTIMENT_OBSERVER
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "保俶塔实验学校"
    group = factory.SubFactory(MunicipalGroupFactory)
    logged_by = factory.SubFactory(UserFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    children_count = 10
    adults_count = 2


class UniversityFactory(DistrictFactory):
    kind = OrganisationKind.UNIVERSITY
    code = factory.Sequence(lambda n: f"university-{n}")
    name = factory.Sequence(lambda n: f"大学{n}")


class BusinessFactory(DistrictFactory):
    kind = OrganisationKind.BUSINESS
    code = factory.Sequence(lambda n: f"business-{n}")
    name = factory.Sequence(lambda n: f"公司{n}")


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance
        django_get_or_create = ("name",)

    name = "杭州市儿童观察团联盟"


class CommunityGroupFactory(factory.django.DjangoModelFactory):
    """A community's alliance member group (like Yangliujun's)."""

    class Meta:
        model = ObservationGroup

    level = GroupLevel.ALLIANCE_MEMBER
    name = factory.Sequence(lambda n: f"社区儿童观察团{n}")
    name_en = factory.Sequence(lambda n: f"Community group {n}")
    organisation = factory.SubFactory(CommunityFactory)
    alliance = factory.SubFactory(AllianceFactory)


class DiscussionTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscussionTopic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"议题{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    group = factory.SubFactory(CommunityGroupFactory)
    partner = factory.SubFactory(UniversityFactory)
    raised_on = factory.LazyFunction(timezone.localdate)
    summary = "孩子们和专家一起实地查看，讨论改进的办法。"

    @factory.post_generation
    def suggestions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.suggestions.set(extracted)
