"""Demo data for activities: the 7 training sessions of the municipal group."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from groups.models import Membership, Mentor, SubTeam

from .models import Attendance, TrainingSession

SESSIONS = [
    (date(2026, 3, 14), "建言技能：怎样把观察写成建议", Decimal("2")),
    (date(2026, 4, 11), "观察技能：用儿童视角看城市", Decimal("2")),
    (date(2026, 5, 16), "调研方法：访谈与问卷", Decimal("2.5")),
    (date(2026, 6, 13), "公众表达：在议事会上发言", Decimal("2")),
    (date(2026, 7, 11), "安全宣传：反诈小课堂", Decimal("1.5")),
    (date(2026, 9, 19), "建言技能：与人大代表面对面", Decimal("2")),
    (date(2026, 10, 17), "观察技能：实地走访与记录", Decimal("3")),
]


@transaction.atomic
def seed() -> None:
    if TrainingSession.objects.exists():
        return
    sub_teams = list(SubTeam.objects.all())
    mentors = list(Mentor.objects.select_related("user").order_by("pk"))
    members = list(
        Membership.objects.current().members().filter(sub_team__isnull=False).order_by("child_id")
    )
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
