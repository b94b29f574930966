"""Who may do what with children's personal data and consent."""

import rules

from groups.models import Role
from groups.permissions import guards_child, is_admin


@rules.predicate
def is_guardian_of(user, child):
    return user.is_authenticated and user.role == Role.GUARDIAN and guards_child(user, child.pk)


@rules.predicate
def may_see_personal_data(user):
    return user.has_perm("groups.see_child_personal_data")


# The personal record (real name, contacts): admins given the model permission; each look is
# logged with its purpose.
rules.add_perm("privacy.see_personal_record", may_see_personal_data)
# Consent requests and paper consents, the list of children's privacy states, the access log.
rules.add_perm("privacy.manage_consent", is_admin)
rules.add_perm("privacy.see_access_log", is_admin)
# A guardian's own child: consent, withdrawal, the data download, deletion.
rules.add_perm("privacy.act_as_guardian", is_guardian_of)
