"""The public directory: practice bases, programmes and brands, discussion topics. No login:
all of it is public information (children appear in none of it)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from suggestions.models import StateChoices

from .. import directory
from ..models import DiscussionTopic, PracticeBase, Programme

PAGE_SIZE = 25


def _filtered(filters):
    # Bad input (an unknown district, say) shows the form's message and no rows: totals over
    # everything would read as totals for what was asked.
    if filters.is_bound and not filters.is_valid():
        return filters.queryset.none()
    return filters.qs


def practice_base_list(request):
    today = timezone.localdate()
    filters = directory.PracticeBaseFilter(request.GET or None, queryset=PracticeBase.objects.all())
    year = directory.latest_reported_year(today)
    found = directory.practice_base_directory(_filtered(filters), today=today, year=year)
    page = Paginator(found.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/practice_base_list.html",
        {
            "filters": filters,
            "page": page,
            "totals": found.totals,
            "year": year,
            "warning_days": directory.EXPIRY_WARNING_DAYS,
            "Expiry": directory.Expiry,
        },
    )


def programme_list(request):
    return render(
        request, "activities/programme_list.html", {"programmes": directory.programme_list()}
    )


def programme_detail(request, pk):
    try:
        programme = directory.programme_detail(programme_id=pk)
    except Programme.DoesNotExist:
        raise Http404 from None
    page = Paginator(directory.programme_activities(programme), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "activities/programme_detail.html", {"programme": programme, "page": page}
    )


def topic_list(request):
    filters = directory.DiscussionTopicFilter(
        request.GET or None, queryset=DiscussionTopic.objects.all()
    )
    page = Paginator(directory.discussion_topics(_filtered(filters)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    directory.suggestions_shown(request.user, page.object_list)
    return render(
        request,
        "activities/topic_list.html",
        {
            "filters": filters,
            "page": page,
            "State": StateChoices,
            "may_edit_groups": {
                group.pk
                for group in {topic.group for topic in page.object_list}
                if request.user.has_perm("activities.log_activity", group)
            },
        },
    )
