from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Alliance,
    Child,
    ChildPersonalData,
    FocusArea,
    Guardian,
    Guardianship,
    Membership,
    MembershipRole,
    Mentor,
    MentorTeam,
    ObservationGroup,
    Organisation,
    Role,
    StaffMember,
    SubTeam,
    User,
)


class ConstraintSafeAdmin(admin.ModelAdmin):
    """Turn a constraint the database enforced at the last moment into a message, not a 500.

    The forms already check every constraint before saving (Django validates them); this
    catches the race where two people save conflicting records at once. The admin's own
    transaction has rolled back, so nothing is half-written.
    """

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            messages.error(
                request,
                gettext(
                    "Nothing was saved: this change conflicts with a record saved at the same "
                    "moment. Check the record and try again."
                ),
            )
            return HttpResponseRedirect(request.get_full_path())


class CurrentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(ends_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(ends_on__isnull=False)
        return queryset


class UserChangeForm(DjangoUserAdmin.form):
    def clean(self):
        cleaned = super().clean()
        child = getattr(self.instance, "child", None) if self.instance.pk else None
        opening = cleaned.get("is_active") and not self.instance.is_active
        is_child = cleaned.get("role") == Role.CHILD
        becomes_child = is_child and self.instance.role != Role.CHILD
        without_consent = child is None or not child.consents.filter(withdrawn_at=None)
        if is_child and cleaned.get("is_active") and (opening or becomes_child) and without_consent:
            self.add_error(
                "is_active",
                gettext(
                    "A child's login opens only with a guardian's consent. Record the consent "
                    "on the child's consent page; the login then opens by itself."
                ),
            )
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    list_display = ("username", "display_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name")
    # No first and last name: a child's real name belongs in ChildPersonalData only.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            pgettext_lazy("a login's part in the programme", "Programme"),
            {"fields": ("role", "display_name", "email")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            pgettext_lazy("a login's part in the programme", "Programme"),
            {"fields": ("role", "display_name")},
        ),
    )

    def save_model(self, request, obj, form, change):
        # A new child's login stays closed until a guardian's consent is recorded.
        if not change and obj.role == Role.CHILD and obj.is_active:
            obj.is_active = False
            self.message_user(
                request,
                gettext(
                    "The child's login stays closed until a guardian gives consent: link it to "
                    "the child, then ask a guardian for consent on the child's consent page."
                ),
                messages.WARNING,
            )
        super().save_model(request, obj, form, change)


@admin.register(FocusArea)
class FocusAreaAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "code", "position")
    list_editable = ("position",)
    search_fields = ("name", "name_en", "code")


@admin.register(Organisation)
class OrganisationAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "kind", "district", "community", "code")
    list_filter = ("kind", "district")
    search_fields = ("name", "name_en", "code")
    raw_id_fields = ("community",)


@admin.register(Alliance)
class AllianceAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "founded_on")
    list_filter = ("founded_on",)


@admin.register(ObservationGroup)
class ObservationGroupAdmin(ConstraintSafeAdmin):
    list_display = ("name", "level", "organisation", "alliance", "fostered_by")
    list_filter = ("level", "alliance", "organisation__kind", "organisation__district")
    search_fields = ("name", "name_en", "organisation__name")
    raw_id_fields = ("organisation", "fostered_by")
    list_select_related = ("organisation", "alliance", "fostered_by")


class SubTeamMemberInline(admin.TabularInline):
    """The sub-team's members and their order in the rotation (leader terms: Memberships)."""

    model = Membership
    fields = ("child", "starts_on", "ends_on", "rotation_position")
    raw_id_fields = ("child",)
    extra = 0
    verbose_name = _("member")
    verbose_name_plural = _("members and rotation order")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=MembershipRole.MEMBER)


@admin.register(SubTeam)
class SubTeamAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "focus_area", "term_days", "group")
    list_filter = ("group", "focus_area")
    search_fields = ("name", "name_en")
    inlines = [SubTeamMemberInline]
    actions = ["hand_over_leadership"]

    @admin.action(description=_("Hand leadership to the next member now"))
    def hand_over_leadership(self, request, queryset):
        today = timezone.localdate()
        for sub_team in queryset:
            try:
                leader = services.sub_team_leadership_hand_over(sub_team=sub_team, on=today)
            except ValidationError as error:
                self.message_user(
                    request, f"{sub_team}: {' '.join(error.messages)}", messages.ERROR
                )
                continue
            if leader is None:
                self.message_user(
                    request,
                    gettext("%(team)s: nobody else is in the rotation.") % {"team": sub_team},
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    gettext("%(team)s is now led by %(child)s.")
                    % {"team": sub_team, "child": leader.child},
                )


@admin.register(Child)
class ChildAdmin(ConstraintSafeAdmin):
    list_display = (
        "pseudonym",
        "roster_number",
        "age_band",
        "school",
        "community",
        "joined_on",
        "left_on",
    )
    list_filter = ("age_band", "school__district", "left_on")
    search_fields = ("pseudonym", "roster_number")
    raw_id_fields = ("user", "school", "community")
    list_select_related = ("school", "community")


@admin.register(ChildPersonalData)
class ChildPersonalDataAdmin(ConstraintSafeAdmin):
    """Adding a child's personal record, for admins holding `groups.view_childpersonaldata`.

    The admin never shows a record: reading and correcting one happens on the personal record
    page (privacy/), which asks why and writes each look to the access log. The list names
    children by pseudonym only.
    """

    list_display = ("child", "record_link")
    list_display_links = None
    list_filter = ("child__school__district",)
    search_fields = ("child__pseudonym",)
    raw_id_fields = ("child",)
    list_select_related = ("child",)

    def _allowed(self, request):
        return request.user.has_perm("groups.see_child_personal_data")

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        # The list, yes; a record, no (it opens on the logged page instead).
        return obj is None and self._allowed(request) and super().has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return self._allowed(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("personal record"))
    def record_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("personal_record", args=[obj.child_id]),
            gettext("Open, stating why"),
        )

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, gettext("The personal record is saved."))
        return HttpResponseRedirect(reverse("admin:groups_childpersonaldata_changelist"))


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    raw_id_fields = ("child",)
    extra = 0


@admin.register(Guardian)
class GuardianAdmin(ConstraintSafeAdmin):
    list_display = ("user",)
    list_filter = ("guardianship__relationship", "children__school__district")
    search_fields = ("user__display_name", "user__username")
    raw_id_fields = ("user",)
    inlines = [GuardianshipInline]


@admin.register(Membership)
class MembershipAdmin(ConstraintSafeAdmin):
    list_display = ("child", "group", "sub_team", "role", "starts_on", "ends_on")
    list_filter = (CurrentFilter, "role", "sub_team", "group__level")
    search_fields = ("child__pseudonym",)
    raw_id_fields = ("child", "group")
    list_select_related = ("child", "group", "sub_team")
    date_hierarchy = "starts_on"
    actions = ["end_today"]

    @admin.action(description=_("End membership today"))
    def end_today(self, request, queryset):
        today = timezone.localdate()
        for membership in queryset.filter(ends_on__isnull=True):
            try:
                services.membership_end(membership=membership, on=today)
            except ValidationError as error:
                problem = " ".join(error.messages)
                self.message_user(request, f"{membership}: {problem}", messages.ERROR)
            else:
                self.message_user(request, gettext("%(row)s: ended.") % {"row": membership})


@admin.register(MentorTeam)
class MentorTeamAdmin(ConstraintSafeAdmin):
    list_display = ("name", "group")
    list_filter = ("group",)


@admin.register(Mentor)
class MentorAdmin(ConstraintSafeAdmin):
    list_display = ("user", "kind", "organisation", "team")
    list_filter = ("kind", "sub_teams", "team")
    search_fields = ("user__display_name", "user__username")
    raw_id_fields = ("user", "organisation")
    filter_horizontal = ("sub_teams",)
    list_select_related = ("user", "organisation", "team")


@admin.register(StaffMember)
class StaffMemberAdmin(ConstraintSafeAdmin):
    list_display = ("user", "organisation", "title")
    list_filter = ("user__role", "organisation__kind", "organisation__district")
    search_fields = ("user__display_name", "user__username", "organisation__name")
    raw_id_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")
