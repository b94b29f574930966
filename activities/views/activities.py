"""Activities: list, detail, logging, photos (being written)."""

from django.http import Http404


def activity_list(request):
    raise Http404


def activity_detail(request, pk):
    raise Http404


def activity_new(request, pk):
    raise Http404


def activity_edit(request, pk):
    raise Http404


def activity_photo_new(request, pk):
    raise Http404


def activity_photo(request, pk):
    raise Http404


def training_material(request, pk):
    raise Http404
