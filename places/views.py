"""What the child's form asks as the child types (static/js/place-picker.js): known places
found by a few letters, and the divisions in a division. Each answers in one query; a form
without JavaScript gets the same from suggestions/forms.py."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hangzhou_cfc.api import error_body

from .models import Division
from .selectors import SEARCH_MAX_LENGTH, divisions_under, places_search


def _refused(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def place_json(place) -> dict:
    return {
        "id": place.pk,
        "name": str(place),
        "division": place.division.full_name,
        "kind": place.get_kind_display(),
        "kind_code": place.kind,
    }


@require_GET
def search(request):
    """GET ?q=xh → [{id, name, division, kind, kind_code}], the best matches first."""
    if not request.user.is_authenticated:
        return _refused("not_signed_in", _("Sign in to search for places."), 401)
    text = request.GET.get("q", "")
    if len(text) > SEARCH_MAX_LENGTH:
        return _refused(
            "query_too_long",
            _("Type at most %(limit)d letters to look for a place.") % {"limit": SEARCH_MAX_LENGTH},
        )
    return JsonResponse([place_json(place) for place in places_search(text)], safe=False)


@require_GET
def divisions(request):
    """GET → the districts; ?parent=<id> → the streets of a district or the communities of a
    street: [{id, name, level}]."""
    if not request.user.is_authenticated:
        return _refused("not_signed_in", _("Sign in to choose a place."), 401)
    parent = request.GET.get("parent", "")
    if not parent:
        found = divisions_under(None)
        return JsonResponse([_division_json(d) for d in found], safe=False)
    if not (parent.isascii() and parent.isdigit() and len(parent) <= 18):
        return _refused("bad_parent", _("The parent is the number of a division."))
    parent_id = int(parent)
    # The parent and its children in one query: the parent's row says that it exists.
    rows = list(Division.objects.filter(pk=parent_id) | Division.objects.filter(parent=parent_id))
    if not any(row.pk == parent_id for row in rows):
        return _refused("unknown_parent", _("There is no division with this number."))
    return JsonResponse([_division_json(d) for d in rows if d.pk != parent_id], safe=False)


def _division_json(division) -> dict:
    return {"id": division.pk, "name": str(division), "level": division.level}
