"""Calendars and .ics feeds (being written)."""

from django.http import Http404


def group_calendar(request, pk):
    raise Http404


def sub_team_calendar(request, pk):
    raise Http404


def sub_team_feed(request, token):
    raise Http404
