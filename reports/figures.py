"""The figures of a year, from the portal's own records.

Every figure is an SQL aggregate: no loop over rows in Python, and the same number of queries
whatever the size of the year (a test pins it). Labels come out in the active language, so
`year_figures` is called under `translation.override` by the exports.

A report is a list of `Table`s. Columns that count children are marked: the public dashboard
and the exports show such a cell only when it counts at least `MIN_CHILDREN` children.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, TruncDate
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from activities.models import (
    Activity,
    ActivityKind,
    Attendance,
    DiscussionTopic,
    PracticeBase,
    PracticeBaseKind,
    Programme,
    ProgrammeFigure,
    TrainingSession,
)
from groups.models import (
    GroupLevel,
    Membership,
    ObservationGroup,
    SubTeam,
)
from places.models import DivisionLevel
from suggestions.models import (
    INBOX_STATES,
    Outcome,
    ParticipationRole,
    StageChange,
    StateChoices,
    Suggestion,
    Voice,
)
from suggestions.workflow import State

# A cell counting fewer children than this is not shown outside the programme office.
MIN_CHILDREN = 5
# What the public figures page shows (all suppressed below MIN_CHILDREN).
PUBLIC_TABLES = {
    "groups",
    "activities",
    "activities_by_kind",
    "activities_by_role",
    "activities_by_month",
    "activities_by_district",
    "suggestions_by_focus_area",
    "suggestions_by_group",
    "outcomes",
    "practice_bases",
    "programmes",
    "discussion_topics",
}
FIRST_YEAR = 2020


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    # The sheet's name in the XLSX where the title is longer than Excel's 31 characters.
    sheet_title: str = ""
    # Indexes of the columns, and of the rows, whose numbers count children (or what single
    # children did): suppressed below MIN_CHILDREN outside the office.
    children_columns: frozenset = frozenset()
    children_rows: frozenset = frozenset()
    # "bar", "column", "pie", "line" or "": how the dashboard and the XLSX draw it.
    chart: str = ""
    # The page listing what the figures count (a URL name), for a link from the dashboard.
    link: str = ""
    # For a link from each row to its part of the list: what each row counts, and the query
    # that selects it on the `link` page ("kind={key}&year={year}").
    row_keys: list = field(default_factory=list)
    row_query: str = ""
    # The columns the chart draws, one series each (the first number column unless said).
    chart_columns: tuple = (1,)
    # What the figures mean, where the title alone does not say it: shown under the table.
    note: str = ""

    def chart_series(self) -> tuple[list[str], list[tuple[str, list]]]:
        """The chart's categories and its series (a column's title and its numbers), for the
        rows with a number to draw: a hidden count ("<5") is not drawn as a bar."""
        rows = [
            row for row in self.rows if any(_number(row[c]) is not None for c in self.chart_columns)
        ]
        series = [
            (str(self.columns[c]), [_number(row[c]) for row in rows]) for c in self.chart_columns
        ]
        return [str(row[0]) for row in rows], series


@dataclass
class YearFigures:
    year: int
    tables: list[Table] = field(default_factory=list)
    headline: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.headline.get(key) for key in ("activities", "suggestions", "training"))

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def _number(value) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return float(value) if isinstance(value, Decimal) else value


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in Hangzhou's time: [1 January 00:00, next 1 January 00:00)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone),
    )


def valid_year(year: int) -> bool:
    return FIRST_YEAR <= year <= timezone.localdate().year + 1


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _name(prefix: str):
    """The localized name of a related BilingualName, as an expression."""
    if _english():
        return Case(
            When(**{f"{prefix}name_en": ""}, then=F(f"{prefix}name")),
            default=F(f"{prefix}name_en"),
            output_field=CharField(),
        )
    return F(f"{prefix}name")


def _district_of(prefix: str):
    """The localized name of the district the division at `prefix` is or lies in."""
    return Case(
        When(
            **{f"{prefix}level": DivisionLevel.COMMUNITY}, then=_name(f"{prefix}parent__parent__")
        ),
        When(**{f"{prefix}level": DivisionLevel.STREET}, then=_name(f"{prefix}parent__")),
        When(**{f"{prefix}level": DivisionLevel.DISTRICT}, then=_name(prefix)),
        default=None,
        output_field=CharField(),
    )


def _choices_label(choices, value) -> str:
    return str(dict(choices).get(value, value or _("none")))


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def _count_table(
    counted: Iterable[dict],
    *,
    by: str,
    numbers: tuple[str, ...],
    label: str | Callable[[dict], object] = "",
    choices=None,
    every: Iterable | None = None,
    zeros: bool = True,
    **table,
) -> Table:
    """A `Table` of what `counted` counts, a row for each value of `by`: its label, then its
    `numbers`, a column each. `counted` is a `values(by, …).annotate(…)` queryset (or its rows);
    `table` holds the Table's other fields (key, title, columns …).

    The rows come in the queryset's order; given `every` (the values of `by` in the order to
    list them), a row for each of those instead, with zeros where nothing was counted (with
    `zeros=False`, no row). The label is the field `label`, or `label(row)`; by default the
    value of `by`, named by its `choices` where given. Where the table links its rows
    (`row_query`), the values of `by` are their keys."""
    counted = list(counted)
    if every is not None:
        found = {row[by]: row for row in counted}
        nothing = dict.fromkeys(numbers, 0)
        counted = [{**found.get(key, nothing), by: key} for key in every if zeros or key in found]

    def name(row):
        if callable(label):
            return label(row)
        if label:
            return row[label]
        return row[by] if choices is None else _choices_label(choices, row[by])

    if table.get("row_query"):
        table["row_keys"] = [row[by] for row in counted]
    return Table(rows=[[name(row), *(row[n] for n in numbers)] for row in counted], **table)


# --- The sections ------------------------------------------------------------------------------


def _groups(start, end) -> tuple[Table, Table, dict]:
    levels = list(
        ObservationGroup.objects.filter(Q(founded_on__isnull=True) | Q(founded_on__lt=end.date()))
        .values("level")
        .annotate(n=Count("pk"))
    )
    by_level = {row["level"]: row["n"] for row in levels}
    in_force = Q(starts_on__lt=end.date()) & (Q(ends_on__isnull=True) | Q(ends_on__gt=start.date()))
    children = (
        Membership.objects.members()
        .filter(in_force)
        .aggregate(
            n=Count("child", distinct=True),
            municipal=Count("child", distinct=True, filter=Q(sub_team__isnull=False)),
        )
    )
    table = _count_table(
        levels,
        by="level",
        numbers=("n",),
        choices=GroupLevel.choices,
        every=GroupLevel.values,
        key="groups",
        title=_("Groups"),
        columns=[_("Groups"), _("Number")],
        link="alliance",
    )
    table.rows.append([_("Sub-teams of the municipal group"), SubTeam.objects.count()])
    children_table = Table(
        key="children",
        title=_("Active child observers"),
        columns=[_("Where"), _("Children")],
        rows=[
            [_("In any observation group"), children["n"]],
            [_("In the municipal group's sub-teams"), children["municipal"]],
        ],
        children_columns=frozenset({1}),
    )
    totals = {
        "children": children["n"],
        # The three levels apart: one municipal group, the alliance's member groups and the
        # child participation organisations they foster are not one kind of thing to add up.
        "municipal_groups": by_level.get(GroupLevel.MUNICIPAL, 0),
        "alliance_groups": by_level.get(GroupLevel.ALLIANCE_MEMBER, 0),
        "participation_orgs": by_level.get(GroupLevel.PARTICIPATION_ORG, 0),
    }
    return table, children_table, totals


def _training(start, end) -> tuple[Table, dict]:
    sessions = TrainingSession.objects.filter(held_on__gte=start.date(), held_on__lt=end.date())
    totals = sessions.aggregate(n=Count("pk"), hours=Coalesce(Sum("hours"), Decimal(0)))
    present = Attendance.objects.filter(session__in=sessions).count()
    # Attendance rate: attendances over the places there were (each session × the members of
    # its sub-teams on that day).
    # One filter() so that the three conditions are about the same session (one join).
    held_on = F("sub_team__training_sessions__held_on")
    places = (
        Membership.objects.members()
        .filter(
            Q(sub_team__training_sessions__in=sessions)
            & Q(starts_on__lte=held_on)
            & (Q(ends_on__isnull=True) | Q(ends_on__gt=held_on))
        )
        .count()
    )
    table = Table(
        key="training",
        title=_("Training sessions"),
        columns=[_("Figure"), _("Value")],
        rows=[
            [_("Sessions"), totals["n"]],
            [_("Hours"), totals["hours"]],
            [_("Attendances"), present],
            [_("Attendance rate (%)"), _percent(present, places)],
        ],
        children_rows=frozenset({2}),
    )
    return table, {"training": totals["n"], "training_hours": totals["hours"]}


def _activities(start, end) -> tuple[list[Table], dict]:
    year = Activity.objects.filter(starts_at__gte=start, starts_at__lt=end)
    sums = {"n": Count("pk"), "children": Coalesce(Sum("children_count"), 0)}
    sums_adults = {**sums, "adults": Coalesce(Sum("adults_count"), 0)}
    alliance = [GroupLevel.ALLIANCE_MEMBER, GroupLevel.PARTICIPATION_ORG]
    totals = year.aggregate(
        n=Count("pk"),
        children=Coalesce(Sum("children_count"), 0),
        adults=Coalesce(Sum("adults_count"), 0),
        alliance=Count("pk", filter=Q(group__level__in=alliance)),
        outreach=Count("pk", filter=Q(kind=ActivityKind.SAFETY_OUTREACH)),
        outreach_children=Coalesce(
            Sum("children_count", filter=Q(kind=ActivityKind.SAFETY_OUTREACH)), 0
        ),
    )
    tables = [
        Table(
            key="activities",
            title=_("Activities"),
            columns=[_("Figure"), _("Activities"), _("Children")],
            rows=[
                [_("All activities"), totals["n"], totals["children"]],
                [_("By the alliance's groups"), totals["alliance"], None],
                [_("Safety outreach"), totals["outreach"], totals["outreach_children"]],
            ],
            children_columns=frozenset({2}),
            link="activity_list",
        )
    ]
    tables.append(
        _count_table(
            year.values("kind").annotate(**sums_adults).order_by("-n", "kind"),
            by="kind",
            numbers=("n", "children", "adults"),
            choices=ActivityKind.choices,
            key="activities_by_kind",
            title=_("Activities by kind"),
            columns=[_("Kind"), _("Activities"), _("Children"), _("Adults")],
            children_columns=frozenset({2}),
            chart="bar",
            link="activity_list",
            row_query="kind={key}&year={year}",
        )
    )
    tables.append(
        _count_table(
            year.values("role").annotate(**sums).order_by("role"),
            by="role",
            numbers=("n", "children"),
            choices=ParticipationRole.choices,
            key="activities_by_role",
            title=_("Activities by role"),
            columns=[_("Role"), _("Activities"), _("Children")],
            children_columns=frozenset({2}),
            chart="pie",
            link="activity_list",
            row_query="role={key}&year={year}",
        )
    )
    zone = timezone.get_default_timezone()
    tables.append(
        _count_table(
            year.annotate(month=ExtractMonth("starts_at", tzinfo=zone))
            .values("month")
            .annotate(**sums)
            .order_by("month"),
            by="month",
            numbers=("n", "children"),
            label=lambda row: f"{start.year}-{row['month']:02d}",
            every=range(1, 13),
            key="activities_by_month",
            title=_("Activities by month"),
            columns=[_("Month"), _("Activities"), _("Children")],
            children_columns=frozenset({2}),
            chart="column",
        )
    )
    district = Coalesce(
        _name("practice_base__district__"),
        _name("group__organisation__district__"),
        Value(_("Citywide")),
        output_field=CharField(),
    )
    tables.append(
        _count_table(
            year.annotate(district=district)
            .values("district")
            .annotate(**sums)
            .order_by("-n", "district"),
            by="district",
            numbers=("n", "children"),
            key="activities_by_district",
            title=_("Activities by district"),
            columns=[_("District"), _("Activities"), _("Children")],
            children_columns=frozenset({2}),
            chart="bar",
        )
    )
    tables.append(
        _count_table(
            year.filter(programme__isnull=False)
            .annotate(programme_name=_name("programme__"))
            .values("programme_name", "programme")
            .annotate(**sums_adults)
            .order_by("programme_name"),
            by="programme",
            numbers=("n", "children", "adults"),
            label="programme_name",
            key="activities_by_programme",
            title=_("Activities by programme"),
            columns=[_("Programme"), _("Activities"), _("Children"), _("Adults")],
            children_columns=frozenset({2}),
            link="activity_list",
            row_query="programme={key}&year={year}",
        )
    )
    return tables, {
        "activities": totals["n"],
        "alliance_activities": totals["alliance"],
        "safety_outreach": totals["outreach"],
        "safety_outreach_children": totals["outreach_children"],
    }


def _suggestions(start, end) -> tuple[list[Table], dict]:
    # The suggestions children sent in the year (a draft is not sent: it is the child's own).
    year = Suggestion.objects.filter(submitted_at__gte=start, submitted_at__lt=end).exclude(
        state=State.DRAFT
    )
    implemented = Count("pk", filter=Q(state=State.IMPLEMENTED))
    totals = year.aggregate(
        n=Count("pk"),
        implemented=implemented,
        # "Me too": the year's suggestions that other children added their voice to.
        with_voices=Count("pk", filter=Exists(Voice.objects.filter(suggestion=OuterRef("pk")))),
    )
    tables = [
        _count_table(
            year.values("state").annotate(n=Count("pk")),
            by="state",
            numbers=("n",),
            choices=StateChoices.choices,
            every=StateChoices.values,
            zeros=False,
            key="suggestions_by_state",
            title=_("Suggestions by state"),
            columns=[_("State"), _("Suggestions")],
            chart="bar",
            link="admin:suggestions_suggestion_changelist",
            row_query="state__exact={key}&submitted_at__year={year}",
        ),
        _count_table(
            year.filter(state__in=INBOX_STATES)
            .values("state")
            .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(overdue_since__isnull=False))),
            by="state",
            numbers=("n", "overdue"),
            choices=StateChoices.choices,
            every=INBOX_STATES,
            key="suggestions_by_stage",
            sheet_title=_("Open suggestions by desk"),
            title=_("Open suggestions by the desk they are on"),
            columns=[_("Stage"), _("Suggestions"), _("Overdue")],
            chart="bar",
            link="admin:suggestions_suggestion_changelist",
            row_query="state__exact={key}&submitted_at__year={year}",
        ),
        _count_table(
            year.annotate(area=_name("focus_area__"))
            .values("area", "focus_area__position")
            .annotate(n=Count("pk"), done=implemented)
            .order_by("focus_area__position"),
            by="area",
            numbers=("n", "done"),
            key="suggestions_by_focus_area",
            children_columns=frozenset({1, 2}),
            title=_("Suggestions by focus area"),
            columns=[_("Focus area"), _("Suggestions"), _("Implemented")],
            chart="bar",
        ),
    ]
    # The sub-team the child was in on the day they sent it.
    written_on = TruncDate("submitted_at", tzinfo=timezone.get_default_timezone())
    team = (
        Membership.objects.members()
        .filter(
            Q(
                child=OuterRef("child"),
                sub_team__isnull=False,
                starts_on__lte=OuterRef("written_on"),
            )
            & (Q(ends_on__isnull=True) | Q(ends_on__gt=OuterRef("written_on")))
        )
        .annotate(team=_name("sub_team__"))
        .values("team")[:1]
    )
    tables += [
        _count_table(
            year.annotate(written_on=written_on, team=Subquery(team))
            .filter(team__isnull=False)
            .values("team")
            .annotate(n=Count("pk"))
            .order_by("team"),
            by="team",
            numbers=("n",),
            key="suggestions_by_sub_team",
            sheet_title=_("Suggestions by sub-team"),
            children_columns=frozenset({1}),
            title=_("Suggestions by sub-team of the municipal group"),
            columns=[_("Sub-team"), _("Suggestions")],
            chart="bar",
        ),
        _count_table(
            # Where the problem was: the place the suggestion names, else its child's school's
            # place, else the school's district.
            year.annotate(
                district=Coalesce(
                    _district_of("division__"),
                    _district_of("child__school__place__division__"),
                    _name("child__school__district__"),
                )
            )
            .values("district")
            .annotate(n=Count("pk"))
            .order_by("-n", "district"),
            by="district",
            numbers=("n",),
            key="suggestions_by_district",
            children_columns=frozenset({1}),
            title=_("Suggestions by district"),
            columns=[_("District"), _("Suggestions")],
            chart="bar",
        ),
        _count_table(
            year.filter(group__isnull=False)
            .annotate(group_name=_name("group__"))
            .values("group_name")
            .annotate(n=Count("pk"), done=implemented)
            .order_by("-n", "group_name"),
            by="group_name",
            numbers=("n", "done"),
            key="suggestions_by_group",
            sheet_title=_("Suggestions in alliance groups"),
            children_columns=frozenset({1, 2}),
            title=_("Suggestions made in the alliance's groups"),
            columns=[_("Group"), _("Suggestions"), _("Implemented")],
        ),
        _count_table(
            year.values("role").annotate(n=Count("pk")).order_by("role"),
            by="role",
            numbers=("n",),
            choices=ParticipationRole.choices,
            key="suggestions_by_role",
            children_columns=frozenset({1}),
            title=_("Suggestions by role"),
            columns=[_("Role"), _("Suggestions")],
            chart="pie",
        ),
        _count_table(
            Outcome.objects.filter(completed_on__gte=start.date(), completed_on__lt=end.date())
            .values("unit")
            .annotate(n=Count("pk"), quantity=Sum("quantity"))
            .order_by("-quantity", "unit"),
            by="unit",
            numbers=("quantity", "n"),
            label=lambda row: row["unit"] or _("(no unit)"),
            key="outcomes",
            title=_("What was built or changed"),
            columns=[_("Unit"), _("Quantity"), _("Suggestions")],
            link="implemented",
        ),
    ]
    return tables, {
        "suggestions": totals["n"],
        "implemented": totals["implemented"],
        # Each voice is a child's "me too", given in the year (a merge keeps when).
        "voices": Voice.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "suggestions_with_voices": totals["with_voices"],
    }


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"(julianday({later}) - julianday({earlier}))"


def _stage_times(start, end) -> Table:
    """Days spent at each desk, by nearest rank (the same on SQLite and PostgreSQL): for the
    stages entered in the year and since left. On time and overdue split the same stays, those
    whose deadline has come: left by it, or left after it or still there past it (see
    STAGE_TIMES_NOTE); the share on time is of those two together, so the two agree."""
    table = StageChange._meta.db_table
    states = list(INBOX_STATES)
    marks = ", ".join(["%s"] * len(states))
    now = timezone.now()
    # Only the table's name and a date expression are written into the SQL; values are
    # parameters.
    sql = f"""
        WITH moves AS (
            SELECT to_state, created_at, due_at,
                   LEAD(created_at) OVER (
                       PARTITION BY suggestion_id ORDER BY created_at, id
                   ) AS left_at
            FROM {table}
        ),
        stays AS (
            SELECT to_state, due_at, left_at, {_days("left_at", "created_at")} AS days
            FROM moves
            WHERE to_state IN ({marks}) AND created_at >= %s AND created_at < %s
        ),
        ranked AS (
            SELECT to_state, days,
                   ROW_NUMBER() OVER (PARTITION BY to_state ORDER BY days) AS position,
                   COUNT(*) OVER (PARTITION BY to_state) AS total
            FROM stays WHERE left_at IS NOT NULL
        )
        SELECT s.to_state,
               COUNT(*),
               SUM(CASE WHEN s.left_at IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.due_at IS NOT NULL AND s.left_at IS NOT NULL
                        AND s.left_at <= s.due_at THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.due_at IS NOT NULL AND (s.left_at > s.due_at
                        OR (s.left_at IS NULL AND s.due_at < %s)) THEN 1 ELSE 0 END),
               (SELECT MIN(days) FROM ranked r WHERE r.to_state = s.to_state
                    AND r.position >= (r.total + 1) / 2),
               (SELECT MIN(days) FROM ranked r WHERE r.to_state = s.to_state
                    AND r.position * 10 >= r.total * 9)
        FROM stays s
        GROUP BY s.to_state
    """  # noqa: S608
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(sql, [*states, adapt(start), adapt(end), adapt(now)])
        found = {row[0]: row[1:] for row in cursor.fetchall()}

    def days(value):
        return None if value is None else Decimal(str(round(float(value), 1)))

    rows = []
    for state in states:
        entered, left, on_time, overdue, median, p90 = found.get(state, (0, 0, 0, 0, None, None))
        on_time, overdue = on_time or 0, overdue or 0
        rows.append(
            [
                _choices_label(StateChoices.choices, state),
                entered,
                left,
                days(median),
                days(p90),
                on_time,
                overdue,
                _percent(on_time, on_time + overdue),
            ]
        )
    return Table(
        key="stage_times",
        title=_("Days at each desk"),
        columns=[
            _("Stage"),
            _("Entered"),
            _("Left"),
            _("Median days"),
            _("90th percentile days"),
            _("On time"),
            _("Overdue"),
            _("On time (%)"),
        ],
        rows=rows,
        chart="column",
        chart_columns=(3, 4),
        note=_(
            "Days: from entering a desk to leaving it, for the stages entered in the year and "
            "since left. On time: left the desk by its deadline. Overdue: left after its "
            "deadline, or still there past it. A stage still within its deadline is neither. "
            "On time (%): on time out of on time and overdue together."
        ),
    )


def _practice_bases(start, end) -> tuple[Table, dict]:
    year = start.year
    counts = {
        r["kind"]: r
        for r in PracticeBase.objects.filter(
            certified_on__lt=end.date(), expires_on__gt=start.date()
        )
        .values("kind")
        .annotate(
            n=Count("pk", distinct=True),
            participants=Coalesce(Sum("years__participants", filter=Q(years__year=year)), 0),
        )
    }
    # The kinds the portal knows, in their order.
    kinds = [counts[kind] for kind in PracticeBaseKind.values if kind in counts]
    table = _count_table(
        kinds,
        by="kind",
        numbers=("n", "participants"),
        choices=PracticeBaseKind.choices,
        key="practice_bases",
        title=_("Practice bases"),
        columns=[_("Kind"), _("Bases"), _("Participants")],
        chart="bar",
        link="practice_base_list",
        row_query="kind={key}",
    )
    emergency = counts.get(PracticeBaseKind.EMERGENCY_SAFETY, {})
    return table, {
        "practice_bases": sum(kind["n"] for kind in kinds),
        "emergency_safety_participants": emergency.get("participants", 0),
    }


def _programmes(start, end) -> Table:
    activities = Q(activities__starts_at__gte=start, activities__starts_at__lt=end)
    programmes = (
        Programme.objects.annotate(
            label=_name(""),
            n=Count("activities", filter=activities),
            children=Coalesce(Sum("activities__children_count", filter=activities), 0),
        )
        .order_by("label")
        .values("pk", "label", "n", "children")
    )
    figures = {}
    for figure in (
        ProgrammeFigure.objects.filter(recorded_on__lt=end.date())
        .annotate(label=_name(""))
        .values("programme_id", "label", "value")
    ):
        figures.setdefault(figure["programme_id"], []).append(
            f"{figure['label']}: {figure['value']:,}"
        )
    return Table(
        key="programmes",
        title=_("Programmes and brands"),
        columns=[_("Programme"), _("Activities"), _("Children"), _("Figures")],
        rows=[
            [p["label"], p["n"], p["children"], "; ".join(figures.get(p["pk"], []))]
            for p in programmes
        ],
        children_columns=frozenset({2}),
        link="programme_list",
    )


def _topics(start, end) -> tuple[Table, dict]:
    by_partner = list(
        DiscussionTopic.objects.filter(raised_on__gte=start.date(), raised_on__lt=end.date())
        .annotate(partner_name=_name("partner__"))
        .values("partner_name")
        .annotate(n=Count("pk", distinct=True), suggestions=Count("suggestions", distinct=True))
        .order_by("-n", "partner_name")
    )
    table = _count_table(
        by_partner,
        by="partner_name",
        numbers=("n", "suggestions"),
        key="discussion_topics",
        sheet_title=_("Discussion topics"),
        title=_("Discussion topics with universities and businesses"),
        columns=[_("Partner"), _("Topics"), _("Suggestions")],
        chart="bar",
        link="topic_list",
    )
    return table, {"discussion_topics": sum(partner["n"] for partner in by_partner)}


def year_figures(year: int, *, public: bool = False) -> YearFigures:
    """The figures of `year` in the active language; `public`: only the tables the public
    page shows (the rest are not computed). Each section gives its tables and its totals by
    name, which make the headline."""
    start, end = year_bounds(year)
    groups, children, group_totals = _groups(start, end)
    activities, activity_totals = _activities(start, end)
    suggestions, suggestion_totals = _suggestions(start, end)
    if public:
        training, training_totals = None, {"training": None, "training_hours": None}
    else:
        training, training_totals = _training(start, end)
    stage_times = None if public else _stage_times(start, end)
    practice_bases, practice_base_totals = _practice_bases(start, end)
    programmes = _programmes(start, end)
    topics, topic_totals = _topics(start, end)
    figures = YearFigures(year=year)
    figures.tables = [
        groups,
        children,
        *([training] if training else []),
        *activities,
        *suggestions,
        *([stage_times] if stage_times else []),
        practice_bases,
        programmes,
        topics,
    ]
    if public:
        figures.tables = [table for table in figures.tables if table.key in PUBLIC_TABLES]
    figures.headline = {
        **group_totals,
        **training_totals,
        **activity_totals,
        **suggestion_totals,
        **practice_base_totals,
        **topic_totals,
    }
    return figures


# Headline figures that count children.
CHILDREN_HEADLINE = ("children", "safety_outreach_children", "voices")


def _hidden(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MIN_CHILDREN


def suppressed(figures: YearFigures) -> YearFigures:
    """The same figures with every number of 1 to MIN_CHILDREN - 1 children replaced by "<5":
    for the public and for the exports.

    Where a column would hide a single cell, the next smallest is hidden too, so that the
    hidden one cannot be worked out from the column's total."""
    hidden = pgettext("fewer than five children", "<%(n)d") % {"n": MIN_CHILDREN}
    # A number hidden only so that the small one beside it cannot be worked out.
    withheld = pgettext("a number hidden to protect a smaller one", "(withheld)")
    tables = []
    for table in figures.tables:
        cells = {
            (r, c)
            for r, row in enumerate(table.rows)
            for c, value in enumerate(row)
            if (c in table.children_columns or r in table.children_rows)
            and c > 0
            and isinstance(value, int)
            and not isinstance(value, bool)
        }
        small = {cell for cell in cells if _hidden(table.rows[cell[0]][cell[1]])}
        also = set()
        for column in {c for _r, c in small}:
            in_column = [cell for cell in cells if cell[1] == column]
            if sum(1 for cell in small if cell[1] == column) == 1 and len(in_column) > 1:
                others = [cell for cell in in_column if cell not in small]
                also.add(min(others, key=lambda cell: table.rows[cell[0]][cell[1]]))
        rows = [
            [
                hidden if (r, c) in small else withheld if (r, c) in also else value
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(table.rows)
        ]
        tables.append(replace(table, rows=rows))
    headline = {
        key: hidden if key in CHILDREN_HEADLINE and _hidden(value) else value
        for key, value in figures.headline.items()
    }
    return YearFigures(year=figures.year, tables=tables, headline=headline)
