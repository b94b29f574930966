"""Demo data for the groups app: one login per role. Idempotent: existing rows are left alone."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Role, User

DEMO_PASSWORD = "hangzhou-demo"  # noqa: S105 - printed by `make run`; seed_demo refuses in production

# username, role, display name (a pseudonym for the child)
DEMO_LOGINS = [
    ("admin", Role.ADMIN, _("Programme office")),
    ("child", Role.CHILD, _("Little Egret")),
    ("guardian", Role.GUARDIAN, _("Little Egret's guardian")),
    ("mentor", Role.MENTOR, _("Mentor Chen")),
    ("school", Role.SCHOOL, _("School coordinator Wang")),
    ("community", Role.COMMUNITY, _("Community worker Li")),
    ("department", Role.DEPARTMENT, _("Department officer Zhao")),
]


@transaction.atomic
def seed() -> None:
    """Create the demo logins that do not exist yet."""
    for username, role, display_name in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "display_name": str(display_name),
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
