from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from activities.models import Activity, ActivityKind, TrainingSession
from suggestions.models import ParticipationRole
from tests.groups.factories import MunicipalGroupFactory, UserFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"活动{n}")
    kind = ActivityKind.SITE_VISIT
    role = ParticipationRole.SENTIMENT_OBSERVER
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "西湖文化广场"
    group = factory.SubFactory(MunicipalGroupFactory)
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def sub_teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sub_teams.set(extracted)

    @factory.post_generation
    def attendees(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.attendees.set(extracted)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession
        skip_postgeneration_save = True

    held_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    topic = factory.Sequence(lambda n: f"观察技能{n}")
    hours = Decimal("2")
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def sub_teams(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sub_teams.set(extracted)
