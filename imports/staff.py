"""Import staff logins (school coordinators, community workers, department staff, the programme
office) from a spreadsheet, matched by their e-mail address.

No password is ever in the file: each new login gets an e-mail with a link to set their own
password (written to the outbox with the import, sent once it is written: messaging/). An
e-mail already used by a login of another organisation, or by a login that is not staff (a
guardian, a child, a mentor), is refused: an import never moves a person between
organisations or roles of that kind.
"""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from groups.models import STAFF_ORGANISATION_KINDS, Organisation, Role, StaffMember

from .base import Action, Importer, Names, choice_names, email_problem
from .tabular import Column

COLUMNS = [
    Column("email", "电子邮箱", "e-mail", required=True, code_like=True),
    Column("name", "姓名", "name", required=True),
    Column("organisation", "所属单位", "organisation", required=True),
    Column("role", "角色", "role", required=True),
    Column("title", "职务", "title"),
]


class StaffImporter(Importer):
    slug = "staff"
    title = gettext_lazy("Staff")
    help = gettext_lazy(
        "Staff logins of schools, communities, departments and the programme office, one per "
        "row, matched by e-mail. The organisation is named by its code; the role is one of "
        "school, community, department or admin. Each new login receives an e-mail with a link "
        "to set their own password: no password goes in the file."
    )
    columns = COLUMNS
    # A login made in the admin may have no display name: its export, imported again, changes
    # nothing. A new login needs one.
    keep_when_blank = frozenset({"name"})

    def load(self):
        User = get_user_model()
        staff = StaffMember.objects.select_related("user", "organisation")
        existing = {member.user.email.lower(): member for member in staff if member.user.email}
        others = {
            email.lower(): role
            for email, role in User.objects.exclude(email="")
            .exclude(staff__isnull=False)
            .values_list("email", "role")
        }
        usernames = {name.lower() for name in User.objects.values_list("username", flat=True)}
        roles = choice_names(Role)
        return SimpleNamespace(
            existing=existing,
            others=others,
            usernames=usernames,
            roles={text: role for text, role in roles.items() if role in STAFF_ORGANISATION_KINDS},
            organisations=Names(Organisation.objects.all()),
        )

    def current(self, member, context):
        return {
            "email": member.user.email.lower(),
            "name": member.user.display_name,
            "organisation": member.organisation.code,
            "role": member.user.role,
            "title": member.title,
        }

    def check(self, item, context):
        values = item.values
        values["email"] = values["email"].lower()
        email = values["email"]
        if self.need(item, "email", _("The e-mail is empty: the set-password link goes there.")):
            problem = email_problem(email)
            if problem:
                item.problems.append(problem)
            else:
                item.key = email
        if email not in context.existing:
            self.need(item, "name", _("The name is empty."))
        self.at_most(item, "name", 60, _("name"))
        self.at_most(item, "title", 60, pgettext("a staff member's job", "title"))
        self.at_most(item, "email", 150, _("e-mail"))
        organisation = self.lookup(
            item,
            "organisation",
            context.organisations,
            _("There is no organisation “%(text)s”: write the code of one in the portal."),
        )
        values["organisation"] = organisation.code if organisation else ""
        item.refs["organisation"] = organisation
        role = context.roles.get(values["role"].lower())
        if role is None:
            item.problems.append(
                _("Unknown role “%(role)s”: write one of %(roles)s.")
                % {
                    "role": values["role"],
                    "roles": ", ".join(str(r) for r in STAFF_ORGANISATION_KINDS),
                }
            )
        values["role"] = role or ""
        if role and organisation and organisation.kind not in STAFF_ORGANISATION_KINDS[role]:
            item.problems.append(
                _(
                    "%(organisation)s is a %(kind)s, where no one works as “%(role)s”: correct "
                    "the role or the organisation."
                )
                % {
                    "organisation": organisation.code,
                    "kind": organisation.get_kind_display(),
                    "role": Role(role).label,
                }
            )
        if not item.key:
            return
        member = context.existing.get(email)
        if member is not None and organisation and member.organisation_id != organisation.pk:
            item.problems.append(
                _(
                    "%(email)s is already used by staff of %(organisation)s: one login works "
                    "for one organisation. Use another e-mail, or ask the programme office to "
                    "move the login in the admin."
                )
                % {"email": email, "organisation": member.organisation.code}
            )
        elif email in context.others:
            item.problems.append(
                _(
                    "%(email)s is already used by a login that is not staff (%(role)s): use "
                    "another e-mail."
                )
                % {"email": email, "role": Role(context.others[email]).label}
            )
        elif member is None and email in context.usernames:
            item.problems.append(
                _("%(email)s is already taken as a login name: use another e-mail.")
                % {"email": email}
            )

    def write(self, plan, user):
        """New logins in one INSERT per table (the import's own entry in the audit trail
        records them); a changed login is saved on its own, so that the trail shows each
        change of name, role or title."""
        User = get_user_model()
        new_users, new_members = [], []
        for item in plan.rows:
            values = item.values
            if item.action == Action.CREATE:
                login = User(
                    username=values["email"],
                    email=values["email"],
                    role=values["role"],
                    display_name=values["name"],
                )
                login.set_unusable_password()
                new_users.append(login)
                new_members.append(
                    StaffMember(
                        user=login, organisation=item.refs["organisation"], title=values["title"]
                    )
                )
            elif item.action == Action.UPDATE:
                member = item.record
                member.user.display_name = values["name"]
                member.user.role = values["role"]
                member.user.save(update_fields=["display_name", "role"])
                if "title" in plan.given:
                    member.title = values["title"]
                    member.save(update_fields=["title"])
        User.objects.bulk_create(new_users)
        StaffMember.objects.bulk_create(new_members)
        if new_users:
            from .services import set_password_links_queue

            # In the outbox, in this transaction: sent after the commit, or by the sweeper.
            set_password_links_queue(user_ids=[login.pk for login in new_users])


IMPORTER = StaffImporter()
