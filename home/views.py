from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from groups.permissions import is_admin

from . import selectors


def home(request):
    context = selectors.home_for(request.user) if request.user.is_authenticated else {}
    return render(request, "home/home.html", context)


def design(request):
    """The portal's design system, every component on one page (issue 18): for the programme
    office, or anyone while DEBUG is on. Its steppers use made-up suggestions, never real ones."""
    if not settings.DEBUG:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (is_admin(request.user) or request.user.is_staff):
            raise PermissionDenied
    return render(request, "home/design.html", selectors.design_examples())
