from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from rules.contrib.views import objectgetter, permission_required

from groups.models import SubTeam

from .. import permissions, selectors, services
from ..forms import TrainingSessionForm
from ..models import TrainingSession


def errors_to_form(form, error):
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def sub_team_training(request, pk):
    sub_team = get_object_or_404(SubTeam, pk=pk)
    if not request.user.has_perm("groups.see_sub_team", sub_team):
        raise PermissionDenied
    context = selectors.training_of_sub_team(sub_team)
    context.update(
        sub_team=sub_team,
        may_log=request.user.has_perm("activities.log_training", sub_team),
        may_correct=permissions.correctable(request.user, sub_team, context["sessions"]),
    )
    return render(request, "activities/training_list.html", context)


def _form(request, offered, also=(), **kwargs):
    return TrainingSessionForm(
        request.POST or None,
        request.FILES or None,
        sub_teams=offered,
        members=selectors.members_with_sub_team(offered, also),
        **kwargs,
    )


@login_required
def training_new(request, pk):
    sub_team = get_object_or_404(SubTeam, pk=pk)
    if not request.user.has_perm("activities.log_training", sub_team):
        raise PermissionDenied
    form = _form(
        request, selectors.sub_teams_for_logging(request.user), initial={"sub_teams": [pk]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_session_log(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The session is logged."))
            return redirect("sub_team_training", pk=pk)
    return render(request, "activities/training_form.html", {"form": form, "sub_team": sub_team})


@login_required
@permission_required(
    "activities.correct_training", fn=objectgetter(TrainingSession), raise_exception=True
)
def training_edit(request, pk):
    # The check's own fetch is a plain one; the page's session comes with its joins.
    session = selectors.session_for_edit(pk)
    sub_teams = list(session.sub_teams.all())
    offered = selectors.sub_teams_for_logging(request.user) | SubTeam.objects.filter(
        pk__in=[team.pk for team in sub_teams]
    )
    initial = {
        "held_on": session.held_on,
        "topic": session.topic,
        "hours": session.hours,
        "notes": session.notes,
        "sub_teams": [team.pk for team in sub_teams],
        "mentors": [mentor.pk for mentor in session.mentors.all()],
        "attendees": [a.child_id for a in session.attendances.all()],
    }
    attended = [a.child for a in session.attendances.all()]
    form = _form(request, offered.distinct(), attended, initial=initial, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_session_correct(
                session=session, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The session is corrected."))
            return redirect("sub_team_training", pk=form.cleaned_data["sub_teams"][0].pk)
    return render(
        request,
        "activities/training_form.html",
        {"form": form, "sub_team": sub_teams[0], "session": session},
    )
