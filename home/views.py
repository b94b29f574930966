from django.shortcuts import render

from . import selectors


def home(request):
    context = selectors.home_for(request.user) if request.user.is_authenticated else {}
    return render(request, "home/home.html", context)
