from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import GroupLevel, ObservationGroup, Organisation, SubTeam


def _require(request, permission, obj=None):
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


@login_required
def sub_team_detail(request, pk):
    sub_team = get_object_or_404(SubTeam, pk=pk)
    _require(request, "groups.see_sub_team", sub_team)
    sees_rotation = request.user.has_perm("groups.see_rotation", sub_team)
    sub_team = selectors.sub_team_detail(sub_team_id=pk, history=sees_rotation)
    return render(
        request,
        "groups/sub_team_detail.html",
        {"sub_team": sub_team, "sees_rotation": sees_rotation},
    )


@login_required
def group_detail(request, pk):
    group = get_object_or_404(ObservationGroup.objects.select_related("fostered_by"), pk=pk)
    _require(request, "groups.see_group", group)
    group = selectors.group_detail(group_id=pk)
    context = {
        "group": group,
        "may_log_activity": request.user.has_perm("activities.log_activity", group),
    }
    if group.level == GroupLevel.MUNICIPAL:
        context.update(selectors.municipal_group_parts(group))
    return render(request, "groups/group_detail.html", context)


@login_required
def alliance(request):
    _require(request, "groups.see_alliance")
    return render(request, "groups/alliance.html", {"alliances": selectors.alliance_overview()})


@login_required
def organisation_detail(request, pk):
    _require(request, "groups.see_organisation", get_object_or_404(Organisation, pk=pk))
    organisation = selectors.organisation_detail(organisation_id=pk)
    return render(request, "groups/organisation_detail.html", {"organisation": organisation})
