import factory

from groups.models import Role
from suggestions.models import ParticipationRole, RoutingJob, RoutingRule, Suggestion
from suggestions.search import suggestion_words
from suggestions.services import suggestion_route
from tests.groups.factories import (
    ChildFactory,
    DepartmentFactory,
    FocusAreaFactory,
    StaffFactory,
    UserFactory,
)


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suggestion

    child = factory.SubFactory(ChildFactory)
    title = factory.Sequence(lambda n: f"学校门口的斑马线{n}")
    noticed = "放学时车很多，过马路很危险。"
    proposal = "在校门口画一条斑马线，安排志愿者护学。"
    place = "文三街小学校门口"
    focus_area = factory.SubFactory(FocusAreaFactory)
    role = ParticipationRole.SAFETY_PROMOTER
    # As the services write it (suggestions/search.py).
    search_words = factory.LazyAttribute(suggestion_words)


def route_pending():
    """Do what the worker does: act on every routing job not yet done."""
    return [
        suggestion_route(job_id=pk)
        for pk in RoutingJob.objects.filter(done_at=None).values_list("pk", flat=True)
    ]


class Pipeline:
    """A child at a school in a community, the staff of each, a department with a rule."""

    def __init__(self):
        self.child_user = UserFactory(role=Role.CHILD, display_name="小白鹭")
        self.child = ChildFactory(user=self.child_user, pseudonym="小白鹭")
        self.school = self.child.school
        self.community = self.school.community
        self.department = DepartmentFactory(name="杭州市交通运输局")
        self.other_department = DepartmentFactory(name="杭州市园林文物局")
        self.focus_area = FocusAreaFactory(name="交通出行", name_en="Transport")
        RoutingRule.objects.create(focus_area=self.focus_area, department=self.department)
        self.school_staff = StaffFactory(
            organisation=self.school, user__role=Role.SCHOOL, user__email="school@example.org"
        ).user
        self.community_staff = StaffFactory(
            organisation=self.community, user__role=Role.COMMUNITY
        ).user
        self.department_staff = StaffFactory(
            organisation=self.department, user__role=Role.DEPARTMENT
        ).user
        self.other_department_staff = StaffFactory(
            organisation=self.other_department, user__role=Role.DEPARTMENT
        ).user
        self.admin = UserFactory(role=Role.ADMIN)

    def draft(self, **kwargs):
        return SuggestionFactory(**{"child": self.child, "focus_area": self.focus_area, **kwargs})
