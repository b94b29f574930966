from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CHILD = "child", _("Child observer")
    GUARDIAN = "guardian", _("Guardian")
    MENTOR = "mentor", _("Mentor")
    SCHOOL = "school", _("School coordinator")
    COMMUNITY = "community", _("Community worker")
    DEPARTMENT = "department", _("Department staff")
    ADMIN = "admin", _("Programme office")


class User(AbstractUser):
    """A login to the portal. Every login has exactly one role in the programme.

    A child's login carries no real name: `username` is a login name and `display_name` a
    pseudonym; the real name lives apart (see the groups domain).
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        blank=True,
        help_text=_("Shown everywhere in the portal; for a child, their pseudonym."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username
