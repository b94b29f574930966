import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Child, ObservationGroup, SubTeam

from .. import permissions, selectors, services
from ..filters import ActivityFilter
from ..forms import ActivityForm, ActivityPhotoForm, DiscussionTopicForm
from ..models import Activity, ActivityPhoto, DiscussionTopic, TrainingMaterial
from .training import errors_to_form

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


def activity_list(request):
    """Public: what the groups did, filterable."""
    filters = ActivityFilter(request.GET or None, queryset=selectors.activity_list())
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    group_id = filters.form.cleaned_data.get("group") if filters.is_bound else None
    group = ObservationGroup.objects.filter(pk=group_id).first() if group_id else None
    return render(
        request,
        "activities/activity_list.html",
        {"filters": filters, "page": page, "group": group},
    )


def activity_detail(request, pk):
    try:
        activity = selectors.activity_detail(pk)
    except Activity.DoesNotExist:
        raise Http404 from None
    may_see_people = request.user.has_perm("activities.see_activity_people", activity)
    photos = [
        photo for photo in activity.photos.all() if may_see_people or not photo.consents.all()
    ]
    linked = list(activity.suggestions.all())
    suggestions = permissions.shown_suggestions(request.user, linked)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "may_change": request.user.has_perm("activities.change_activity", activity),
            "may_see_people": may_see_people,
            "photos": photos,
            "hidden_photos": len(activity.photos.all()) - len(photos),
            "suggestions": suggestions,
            "suggestions_not_shown": len(linked) - len(suggestions),
            "may_record": request.user.has_perm("suggestions.record_on_behalf", activity.group)
            and request.user.has_perm("activities.change_activity", activity),
        },
    )


def _activity_form(request, group, also=(), **kwargs):
    own = selectors.mentors_own_sub_teams(request.user, group)
    return ActivityForm(
        request.POST or None,
        group=group,
        sub_teams=SubTeam.objects.filter(group=group) if own is None else own,
        partners=selectors.partner_organisations(),
        members=selectors.group_members(group, also, within=own),
        **kwargs,
    )


@login_required
def activity_new(request, pk):
    group = get_object_or_404(ObservationGroup, pk=pk)
    if not request.user.has_perm("activities.log_activity", group):
        raise PermissionDenied
    form = _activity_form(request, group)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_log(
                user=request.user, group=group, **form.service_arguments()
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The activity is logged."))
            return redirect("activity_detail", pk=activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "group": group})


@login_required
def activity_edit(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("group"), pk=pk)
    if not request.user.has_perm("activities.change_activity", activity):
        raise PermissionDenied
    initial = {
        "title": activity.title,
        "kind": activity.kind,
        "role": activity.role,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "place": activity.place,
        "practice_base": activity.practice_base_id,
        "sub_teams": list(activity.sub_teams.values_list("pk", flat=True)),
        "partners": list(activity.partners.values_list("pk", flat=True)),
        "children_count": activity.children_count,
        "adults_count": activity.adults_count,
        "attendees": list(activity.attendees.values_list("pk", flat=True)),
        "programme": activity.programme_id,
        "suggestion_numbers": ", ".join(
            str(n) for n in activity.suggestions.order_by("pk").values_list("pk", flat=True)
        ),
        "report": activity.report,
    }
    form = _activity_form(request, activity.group, list(activity.attendees.all()), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_change(
                activity=activity, user=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The activity is saved."))
            return redirect("activity_detail", pk=activity.pk)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "group": activity.group, "activity": activity},
    )


@login_required
def activity_photo_new(request, pk):
    activity = get_object_or_404(Activity, pk=pk)
    if not request.user.has_perm("activities.change_activity", activity):
        raise PermissionDenied
    attendees = list(activity.attendees.order_by("pseudonym"))
    form = ActivityPhotoForm(request.POST or None, request.FILES or None, attendees=attendees)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("nobody_else")
        try:
            services.activity_photo_add(activity=activity, user=request.user, **data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The photo is added to the report."))
            return redirect("activity_detail", pk=activity.pk)
    return render(
        request, "activities/activity_photo_form.html", {"form": form, "activity": activity}
    )


def _file_response(field_file, *, content_type, what, pk, **kwargs):
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        logger.warning("%s %s: its file is missing", what, pk)
        raise Http404 from None
    return FileResponse(handle, content_type=content_type, **kwargs)


def activity_photo(request, pk):
    """A photo showing no child is public; one showing children only for the group's people."""
    photo = get_object_or_404(ActivityPhoto.objects.select_related("activity__group"), pk=pk)
    if photo.consents.exists() and not request.user.has_perm(
        "activities.see_activity_people", photo.activity
    ):
        raise Http404
    extension = photo.image.name.rsplit(".", 1)[-1].lower()
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(extension)
    if content_type is None:
        raise Http404
    return _file_response(photo.image, content_type=content_type, what="activity photo", pk=pk)


@login_required
def training_material(request, pk):
    """A session's material, for those who may see one of its sub-teams; always a download."""
    material = get_object_or_404(TrainingMaterial, pk=pk)
    if not any(
        request.user.has_perm("groups.see_sub_team", team)
        for team in material.session.sub_teams.all()
    ):
        raise PermissionDenied
    return _file_response(
        material.file,
        content_type=material.content_type,
        what="training material",
        pk=pk,
        as_attachment=True,
        filename=material.name,
    )


@login_required
def child_participation(request, pk):
    child = get_object_or_404(Child, pk=pk)
    if not request.user.has_perm("activities.see_participation", child):
        raise PermissionDenied
    context = selectors.participation_of_child(child)
    context["child"] = child
    return render(request, "activities/participation.html", context)


def _topic_form(request, **kwargs):
    return DiscussionTopicForm(request.POST or None, partners=selectors.topic_partners(), **kwargs)


@login_required
def topic_new(request, pk):
    group = get_object_or_404(ObservationGroup, pk=pk)
    if not request.user.has_perm("activities.log_activity", group):
        raise PermissionDenied
    form = _topic_form(request, initial={"raised_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.discussion_topic_record(
                user=request.user, group=group, **form.service_arguments()
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The discussion topic is recorded."))
            return redirect(f"{reverse('topic_list')}?group={group.pk}")
    return render(request, "activities/topic_form.html", {"form": form, "group": group})


@login_required
def topic_edit(request, pk):
    topic = get_object_or_404(DiscussionTopic.objects.select_related("group"), pk=pk)
    if not request.user.has_perm("activities.log_activity", topic.group):
        raise PermissionDenied
    initial = {
        "name": topic.name,
        "name_en": topic.name_en,
        "partner": topic.partner_id,
        "raised_on": topic.raised_on,
        "summary": topic.summary,
        "suggestion_numbers": ", ".join(
            str(n) for n in topic.suggestions.order_by("pk").values_list("pk", flat=True)
        ),
    }
    form = _topic_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.discussion_topic_change(
                topic=topic, user=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("The discussion topic is saved."))
            return redirect(f"{reverse('topic_list')}?group={topic.group_id}")
    return render(
        request,
        "activities/topic_form.html",
        {"form": form, "group": topic.group, "topic": topic},
    )
