"""Calendars of a group and of a sub-team, and the sub-team's .ics feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from groups.models import ObservationGroup, SubTeam

from .. import calendar, selectors, services
from ..models import CalendarFeed


@login_required
@require_safe
def group_calendar(request, pk):
    group = get_object_or_404(ObservationGroup, pk=pk)
    if not request.user.has_perm("groups.see_group", group):
        raise PermissionDenied
    context = calendar.calendar_of_group(group, page_number=request.GET.get("page"))
    # The sub-teams whose training pages the user may open, for links (one query).
    linkable = selectors.sub_teams_seen_by(request.user).filter(group=group)
    context.update(group=group, linkable_sub_teams=set(linkable.values_list("pk", flat=True)))
    return render(request, "activities/calendar.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sub_team_calendar(request, pk):
    """The sub-team's calendar and its feed's address; a POST gives the feed a new address."""
    sub_team = get_object_or_404(SubTeam.objects.select_related("group"), pk=pk)
    if not request.user.has_perm("groups.see_sub_team", sub_team):
        raise PermissionDenied
    if request.method == "POST":
        services.calendar_feed_renew(sub_team=sub_team, user=request.user)
        messages.success(
            request,
            _("The calendar has a new address. The old one no longer works: subscribe again."),
        )
        return redirect("sub_team_calendar", pk=pk)
    feed = services.calendar_feed_for(sub_team)
    feed_url = request.build_absolute_uri(reverse("sub_team_feed", kwargs={"token": feed.token}))
    context = calendar.calendar_of_sub_team(sub_team, page_number=request.GET.get("page"))
    context.update(
        sub_team=sub_team,
        group=sub_team.group,
        linkable_sub_teams={sub_team.pk},
        feed_url=feed_url,
        webcal_url="webcal://" + feed_url.split("://", 1)[1],
        may_renew=request.user.has_perm("activities.renew_feed", sub_team),
    )
    return render(request, "activities/calendar.html", context)


@never_cache
@require_safe
def sub_team_feed(request, token):
    """No login: the token in the address is the secret. In the language of the address."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("sub_team"), token=token)
    response = HttpResponse(
        calendar.sub_team_ics(feed.sub_team), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
