from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from rules.contrib.views import permission_required

from . import selectors
from .filters import TrailFilter

PAGE_SIZE = 50


@login_required
@permission_required("audit.see_trail", raise_exception=True)
def trail(request):
    """Who did what, and when: for the programme office only."""
    filters = TrailFilter(request.GET or None)
    page = Paginator(selectors.trail(filters.narrow), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/trail.html",
        {"filters": filters, "page": page, "rows": selectors.trail_rows(page.object_list)},
    )
