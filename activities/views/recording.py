"""Suggestions recorded after an activity on the children's behalf: the organiser enters the
ones a discussion produced, several on one page, each for named children or the whole group.
The rules and the writing are the suggestions app's (suggestions_record_on_behalf)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from suggestions.forms import RecordedSuggestionFormSet, RecordingForm
from suggestions.selectors import recordable_children
from suggestions.services import RowRefused, suggestions_record_on_behalf

from ..models import Activity


def _errors_to(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


@login_required
def activity_suggestions_record(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("group"), pk=pk)
    group = activity.group
    # Those who run the group and organised this activity (a mentor of the municipal group:
    # of a sub-team that took part).
    if not (
        request.user.has_perm("suggestions.record_on_behalf", group)
        and request.user.has_perm("activities.change_activity", activity)
    ):
        raise PermissionDenied
    children = recordable_children(request.user, group)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    head = RecordingForm(
        data,
        topics=group.discussion_topics.order_by("-raised_on", "pk"),
        initial={
            "source": _("Written on paper at the activity of %(day)s")
            % {"day": formats.date_format(activity.starts_at, "SHORT_DATE_FORMAT")}
        },
    )
    formset = RecordedSuggestionFormSet(
        data,
        files,
        form_kwargs={"children": children, "role": activity.role},
    )
    if request.method == "POST" and head.is_valid() and formset.is_valid():
        rows = [form for form in formset.forms if form.has_changed()]
        topic = head.cleaned_data["topic"]
        try:
            recorded = suggestions_record_on_behalf(
                recorder=request.user,
                group=group,
                source=head.cleaned_data["source"],
                rows=[form.service_row() for form in rows],
                activity_id=activity.pk,
                topic_id=topic.pk if topic else None,
            )
        except RowRefused as error:
            _errors_to(rows[error.row], error)
        except ValidationError as error:
            _errors_to(head, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d suggestion is recorded and on its way.",
                    "%(n)d suggestions are recorded and on their way.",
                    len(recorded),
                )
                % {"n": len(recorded)},
            )
            return redirect("activity_detail", activity.pk)
    return render(
        request,
        "activities/activity_suggestions_record.html",
        {"activity": activity, "head": head, "formset": formset, "has_children": bool(children)},
    )
