from django.shortcuts import render

from reports.selectors import worker_status

from .models import Role


def home(request):
    context = {}
    user = request.user
    if user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser):
        context["worker"] = worker_status()
    return render(request, "groups/home.html", context)
