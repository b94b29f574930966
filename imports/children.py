"""Import a roster of children from a spreadsheet, matched by the programme office's roster
number.

Least data: the roster holds no real name, no child's phone or address. A row gives the
child's pseudonym (one is made up when the cell is empty), age band, school, community (the
school's when empty) and a guardian's e-mail. Each new child gets a login that stays closed;
each guardian not yet linked to the child is linked (a guardian login is opened for an e-mail
the portal does not know) and, once the import is written, the worker e-mails them the consent
request (privacy.services.consent_request_send). The child's login opens when a guardian
consents.

The export leaves the guardian columns empty (guardians' contacts do not leave the portal);
an empty guardian cell on a later file leaves the child's guardians as they are.
"""

import re
import secrets
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import (
    AgeBand,
    Child,
    Guardian,
    Guardianship,
    Organisation,
    OrganisationKind,
    Role,
)
from hangzhou_cfc.effects import after_commit, task_send_in_chunks

from . import base
from .base import (
    SLUG,
    Action,
    Importer,
    Names,
    choice_names,
    email_problem,
    parse_date,
)
from .tabular import Column

COLUMNS = [
    Column("roster_number", "花名册编号", "roster number", required=True, code_like=True),
    Column("pseudonym", "化名", "pseudonym"),
    Column("age_band", "年龄段", "age band", required=True, code_like=True),
    Column("school", "学校", "school", required=True),
    Column("community", "社区", "community"),
    Column("joined_on", "加入日期", "joined on"),
    Column("guardian_email", "监护人邮箱", "guardian e-mail", code_like=True),
    Column("guardian_name", "监护人称呼", "guardian name"),
    Column("relationship", "与儿童关系", "relationship"),
]
GUARDIAN_COLUMNS = ("guardian_email", "guardian_name", "relationship")
_DASHES = re.compile(r"\s*[-–—~～至到]\s*")
_AGE_SUFFIX = re.compile(r"\s*(岁|周岁|years?( old)?)$", re.IGNORECASE)

# Made-up pseudonyms: a colour, an animal and a number, e.g. "小蓝鲸207".
COLOURS = "红橙黄绿青蓝紫金银白"
ANIMALS = ["熊猫", "海豚", "松鼠", "白鹭", "小鹿", "鲸鱼", "喜鹊", "兔子", "狐狸", "企鹅"]


def made_up_pseudonym(taken):
    while True:
        name = (
            f"小{secrets.choice(COLOURS)}{secrets.choice(ANIMALS)}{secrets.randbelow(9000) + 1000}"
        )
        if name not in taken:
            taken.add(name)
            return name


class ChildrenImporter(Importer):
    slug = "children"
    title = gettext_lazy("Children's rosters")
    help = gettext_lazy(
        "One child per row, matched by the roster number. No real names: give a pseudonym, "
        "or leave it empty and one is made up. Schools and communities are named by their "
        "codes or names; a new child's community is the school's when empty, an existing "
        "child's stays as it is. Each new child's guardian (by e-mail) receives the consent "
        "request, and the child's login stays closed until a guardian consents. The guardian's "
        "name and relationship are used when a guardian is first linked to the child."
    )
    columns = COLUMNS
    keep_when_blank = frozenset({"pseudonym", "joined_on"})

    def load(self):
        User = get_user_model()
        children = Child.objects.filter(roster_number__isnull=False).select_related(
            "school", "community"
        )
        existing = {child.roster_number: child for child in children}
        guardians_of = {}
        for child_id, email in Guardianship.objects.values_list(
            "child_id", "guardian__user__email"
        ):
            guardians_of.setdefault(child_id, set()).add(email.lower())
        logins = {}
        for pk, email, role in User.objects.exclude(email="").values_list("pk", "email", "role"):
            logins[email.lower()] = (pk, role)
        organisations = list(
            Organisation.objects.filter(
                kind__in=(OrganisationKind.SCHOOL, OrganisationKind.COMMUNITY)
            ).select_related("community")
        )
        ages = choice_names(AgeBand)
        for value in AgeBand.values:
            ages[value.replace("-", "–")] = value
        return SimpleNamespace(
            existing=existing,
            guardians_of=guardians_of,
            logins=logins,
            pseudonyms=dict(Child.objects.values_list("pseudonym", "pk")),
            usernames={name.lower() for name in User.objects.values_list("username", flat=True)},
            schools=Names(o for o in organisations if o.kind == OrganisationKind.SCHOOL),
            communities=Names(o for o in organisations if o.kind == OrganisationKind.COMMUNITY),
            ages=ages,
            relationships=choice_names(Guardianship.Relationship),
            today=timezone.localdate(),
        )

    def current(self, child, context):
        return {
            "roster_number": child.roster_number,
            "pseudonym": child.pseudonym,
            "age_band": child.age_band,
            "school": child.school.code,
            "community": child.community.code,
            "joined_on": child.joined_on.isoformat(),
        }

    def exported(self, context):
        # Children whose data was deleted are not on a roster any more.
        return [child for child in context.existing.values() if child.anonymised_at is None]

    def _age_band(self, text, context):
        text = _AGE_SUFFIX.sub("", text.strip())
        return context.ages.get(text.lower()) or context.ages.get(_DASHES.sub("-", text))

    def check_rows(self, rows, context):
        file_pseudonyms = {}
        for item in rows:
            self.check(item, context)
            pseudonym = item.values["pseudonym"]
            if pseudonym:
                if pseudonym in file_pseudonyms:
                    item.problems.append(
                        _(
                            "The pseudonym %(name)s is also on row %(row)s: give each child "
                            "their own."
                        )
                        % {"name": pseudonym, "row": file_pseudonyms[pseudonym]}
                    )
                else:
                    file_pseudonyms[pseudonym] = item.number

    def check(self, item, context):
        values = item.values
        number = values["roster_number"]
        if not number:
            item.problems.append(_("The roster number is empty: give each child one."))
        elif not SLUG.match(number) or len(number) > 40:
            item.problems.append(
                _(
                    "The roster number “%(number)s” may hold only letters, digits, “-” and "
                    "“_”, at most 40 of them: correct it."
                )
                % {"number": number}
            )
        else:
            item.key = number
        child = context.existing.get(item.key)
        if child is not None and child.anonymised_at:
            item.problems.append(
                _(
                    "The child with roster number %(number)s was removed from the portal and "
                    "their data deleted: delete this row, or give a new roster number if they "
                    "join again."
                )
                % {"number": number}
            )
        pseudonym = values["pseudonym"]
        self.at_most(item, "pseudonym", 40, _("pseudonym"))
        holder = context.pseudonyms.get(pseudonym)
        if pseudonym and holder is not None and (child is None or holder != child.pk):
            item.problems.append(
                _("The pseudonym %(name)s is taken by another child: choose another one.")
                % {"name": pseudonym}
            )
        age_band = self._age_band(values["age_band"], context)
        if age_band is None:
            item.problems.append(
                _("Unknown age band “%(text)s”: write one of %(bands)s.")
                % {"text": values["age_band"], "bands": ", ".join(AgeBand.values)}
            )
        values["age_band"] = age_band or ""
        if not values["school"]:
            item.problems.append(_("The school is empty: write its code or name."))
        school = self.lookup(
            item,
            "school",
            context.schools,
            _("There is no school “%(text)s”: write the code or name of a school in the portal."),
        )
        community = self.lookup(
            item,
            "community",
            context.communities,
            _(
                "There is no community “%(text)s”: write the code or name of a community in "
                "the portal, or leave it empty for the school's."
            ),
        )
        if community is None and not values["community"]:
            # Empty: the child's community as it is, or a new child's school's.
            community = child.community if child is not None else getattr(school, "community", None)
        values["school"] = school.code if school else ""
        values["community"] = community.code if community else ""
        item.refs.update(school=school, community=community)
        if values["joined_on"]:
            joined_on = parse_date(values["joined_on"])
            if joined_on is None:
                item.problems.append(
                    _("“%(text)s” is not a date: write it as 2026-03-01.")
                    % {"text": values["joined_on"]}
                )
            elif joined_on > context.today and (child is None or joined_on != child.joined_on):
                item.problems.append(_("The date of joining is in the future: correct it."))
            elif child is not None and child.left_on and joined_on > child.left_on:
                item.problems.append(
                    _(
                        "The child left on %(left)s, before this date of joining: correct the "
                        "date, or ask the programme office to correct the date of leaving."
                    )
                    % {"left": child.left_on.isoformat()}
                )
            else:
                values["joined_on"] = joined_on.isoformat()
        self._check_guardian(item, child, context)

    def _check_guardian(self, item, child, context):
        values = item.values
        email = values["guardian_email"] = values["guardian_email"].lower()
        self.at_most(item, "guardian_name", 60, _("guardian name"))
        self.at_most(item, "guardian_email", 150, _("guardian e-mail"))
        relationship = values["relationship"]
        values["relationship"] = context.relationships.get(relationship.lower(), "")
        if relationship and not values["relationship"]:
            item.problems.append(
                _("Unknown relationship “%(text)s”: write one of %(choices)s.")
                % {
                    "text": relationship,
                    "choices": ", ".join(Guardianship.Relationship.values),
                }
            )
        if not email:
            if child is None:
                item.problems.append(
                    _(
                        "The guardian's e-mail is empty: a new child needs a guardian, who "
                        "receives the consent request there."
                    )
                )
            return
        problem = email_problem(email)
        if problem:
            item.problems.append(problem)
            return
        login = context.logins.get(email)
        if login is not None and login[1] != Role.GUARDIAN:
            item.problems.append(
                _(
                    "%(email)s is already used by a login that is not a guardian (%(role)s): "
                    "write the guardian's own e-mail."
                )
                % {"email": email, "role": Role(login[1]).label}
            )
        elif login is None and email in context.usernames:
            item.problems.append(
                _("%(email)s is already taken as a login name: write another e-mail.")
                % {"email": email}
            )

    def compare(self, item, context, given):
        super().compare(item, context, given)
        email = item.values["guardian_email"]
        if item.action not in (Action.UPDATE, Action.UNCHANGED) or not email:
            return
        if email not in context.guardians_of.get(item.record.pk, ()):
            item.changes.append(("guardian_email", "", email))
            item.action = Action.UPDATE

    def write(self, plan, user):
        rows = plan.to_write
        guardians = _guardians_by_email(rows)
        _write_children(rows, plan.context)
        links = _link_new_guardians(rows, guardians, plan.context)
        _send_consent_requests(links, user)


def _guardians_by_email(rows):
    """The guardian of each e-mail the rows give. Those the portal does not know yet get a
    login (no password: they set one through "forgot your password" if they want one) and the
    guardian record."""
    emails = {item.values["guardian_email"] for item in rows} - {""}
    guardians = _known_guardians(emails)
    guardians.update(_new_guardians(rows, known=guardians))
    return guardians


def _known_guardians(emails):
    """The guardians of those e-mails with a login already, by e-mail; a guardian's login
    made in the admin without its guardian record gets one."""
    User = get_user_model()
    guardians, unlinked = {}, []
    for login in (
        User.objects.filter(role=Role.GUARDIAN).exclude(email="").select_related("guardian")
    ):
        email = login.email.lower()
        if email not in emails:
            continue
        guardian = getattr(login, "guardian", None)
        if guardian is None:
            guardian = Guardian(user=login)
            unlinked.append(guardian)
        guardians[email] = guardian
    Guardian.objects.bulk_create(unlinked)
    return guardians


def _new_guardians(rows, *, known):
    """A login and a guardian record for each e-mail of the rows not `known`, by e-mail."""
    User = get_user_model()
    new_logins = {}
    for item in rows:
        email = item.values["guardian_email"]
        if email and email not in known and email not in new_logins:
            login = User(
                username=email,
                email=email,
                role=Role.GUARDIAN,
                display_name=item.values["guardian_name"] or email.split("@")[0][:60],
            )
            login.set_unusable_password()
            new_logins[email] = login
    User.objects.bulk_create(new_logins.values())
    created = Guardian.objects.bulk_create(Guardian(user=login) for login in new_logins.values())
    return {guardian.user.email: guardian for guardian in created}


def _write_children(rows, context):
    """Each row's child, new (with a closed login) or updated, also kept as its
    `refs["child"]`."""
    # A made-up pseudonym is none the portal or this file gives a child.
    taken = set(context.pseudonyms) | {item.values["pseudonym"] for item in rows}
    new_children, changed, renamed = [], [], []
    for item in rows:
        values = item.values
        if item.action == Action.CREATE:
            child = _new_child(item, taken, context.usernames)
            new_children.append(child)
        else:
            child = item.record
            if values["pseudonym"] and values["pseudonym"] != child.pseudonym:
                renamed.append((child, values["pseudonym"]))
            changed.append(child)
        child.age_band = values["age_band"]
        child.school, child.community = item.refs["school"], item.refs["community"]
        joined_on = parse_date(values["joined_on"]) if values["joined_on"] else None
        child.joined_on = joined_on or child.joined_on or context.today
        item.refs["child"] = child
    _create_children(new_children)
    _update_children(changed, renamed)


def _new_child(item, taken, usernames):
    """A new row's child (not saved yet), with a login of their own that stays closed until a
    guardian consents; its name is added to `usernames`."""
    pseudonym = item.values["pseudonym"] or made_up_pseudonym(taken)
    username = f"child-{item.key}".lower()
    while username in usernames:
        username = f"child-{item.key}-{secrets.token_hex(2)}".lower()
    usernames.add(username)
    User = get_user_model()
    login = User(username=username, role=Role.CHILD, display_name=pseudonym, is_active=False)
    login.set_unusable_password()
    return Child(roster_number=item.key, pseudonym=pseudonym, user=login)


def _create_children(new_children):
    """The new children's logins, then the children."""
    get_user_model().objects.bulk_create([child.user for child in new_children])
    for child in new_children:
        child.user_id = child.user.pk
    Child.objects.bulk_create(new_children)


def _update_children(changed, renamed):
    """The existing children's new values; a child given a new pseudonym is renamed, and so is
    their login."""
    for child, pseudonym in renamed:
        child.pseudonym = pseudonym
    Child.objects.bulk_update(
        changed, ["pseudonym", "age_band", "school", "community", "joined_on"]
    )
    renamed_logins = []
    for child, pseudonym in renamed:
        if child.user_id:
            child.user.display_name = pseudonym
            renamed_logins.append(child.user)
    get_user_model().objects.bulk_update(renamed_logins, ["display_name"])


def _link_new_guardians(rows, guardians, context):
    """Creates the guardianships the rows give that are not there yet, and gives them."""
    links = []
    for item in rows:
        email = item.values["guardian_email"]
        if not email or email in context.guardians_of.get(item.refs["child"].pk, ()):
            continue
        links.append(
            Guardianship(
                guardian=guardians[email],
                child=item.refs["child"],
                relationship=item.values["relationship"] or Guardianship.Relationship.OTHER,
            )
        )
    Guardianship.objects.bulk_create(links)
    return links


def _send_consent_requests(links, user):
    """A consent request for each new guardianship, sent by the worker once the import is
    written."""
    ids = [link.pk for link in links]
    if ids:
        from .tasks import consent_requests_send

        sent_by = user.pk if user is not None else None
        # If the broker is away, the import stands and the mail can be sent again (the consent
        # link from the child's privacy page).
        after_commit(
            task_send_in_chunks, consent_requests_send, ids, sent_by, chunk=base.MAIL_CHUNK
        )


IMPORTER = ChildrenImporter()
