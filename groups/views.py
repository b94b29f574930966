from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from rules.contrib.views import objectgetter, permission_required

from . import selectors
from .models import GroupLevel, ObservationGroup, Organisation, SubTeam


def _group(request, pk):
    # Who runs it (or fosters it) decides who works for it.
    return get_object_or_404(ObservationGroup.objects.select_related("fostered_by"), pk=pk)


@login_required
def sub_team_detail(request, pk):
    sub_team = get_object_or_404(SubTeam, pk=pk)
    if not request.user.has_perm("groups.see_sub_team", sub_team):
        raise PermissionDenied
    sees_rotation = request.user.has_perm("groups.see_rotation", sub_team)
    sub_team = selectors.sub_team_detail(sub_team_id=pk, history=sees_rotation)
    return render(
        request,
        "groups/sub_team_detail.html",
        {"sub_team": sub_team, "sees_rotation": sees_rotation},
    )


@login_required
@permission_required("groups.see_group", fn=_group, raise_exception=True)
def group_detail(request, pk):
    group = selectors.group_detail(group_id=pk)
    context = {
        "group": group,
        "may_log_activity": request.user.has_perm("activities.log_activity", group),
    }
    if group.level == GroupLevel.MUNICIPAL:
        context.update(selectors.municipal_group_parts(group))
    return render(request, "groups/group_detail.html", context)


@login_required
@permission_required("groups.see_alliance", raise_exception=True)
def alliance(request):
    return render(request, "groups/alliance.html", {"alliances": selectors.alliance_overview()})


@login_required
@permission_required(
    "groups.see_organisation", fn=objectgetter(Organisation, "pk"), raise_exception=True
)
def organisation_detail(request, pk):
    organisation = selectors.organisation_detail(organisation_id=pk)
    return render(request, "groups/organisation_detail.html", {"organisation": organisation})
