"""Practice bases, programmes and discussion topics (being written)."""

from django.http import Http404


def practice_base_list(request):
    raise Http404


def programme_list(request):
    raise Http404


def programme_detail(request, pk):
    raise Http404


def topic_list(request):
    raise Http404
