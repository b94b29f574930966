from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.admin import ConstraintSafeAdmin

from . import services
from .models import (
    Notification,
    PlaceCorrection,
    RoutingJob,
    RoutingRule,
    StageChange,
    StageDeadline,
    Suggestion,
)
from .search import suggestion_words
from .services import SENDING_NEEDS_MESSAGE


class StageChangeInline(admin.TabularInline):
    """The history is written only by the transition service: read-only here."""

    model = StageChange
    fields = (
        "created_at",
        "action",
        "from_state",
        "to_state",
        "actor",
        "owner",
        "routed_by",
        "routed_division",
        "note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PlaceCorrectionInline(admin.TabularInline):
    """Written only by services.suggestion_place_correct: read-only here."""

    model = PlaceCorrection
    fields = ("created_at", "actor", "organisation", "state", "moved_from", "moved_to", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from"))
    def moved_from(self, correction):
        return correction.before

    @admin.display(description=_("to"))
    def moved_to(self, correction):
        return correction.after


class SuggestionAdminForm(forms.ModelForm):
    """A suggestion once sent stays complete (the constraint a_sent_suggestion_is_complete):
    clearing one of its parts is refused on the field, not as a conflict when saved."""

    class Meta:
        model = Suggestion
        fields = "__all__"  # noqa: DJ007 - the admin's own fieldsets choose what is shown

    def clean(self):
        cleaned = super().clean()
        if self.instance.submitted_at is not None:
            for name in Suggestion.SENT_NEEDS:
                if name in self.fields and cleaned.get(name) in (None, ""):
                    self.add_error(name, SENDING_NEEDS_MESSAGE)
        return cleaned


@admin.register(Suggestion)
class SuggestionAdmin(ConstraintSafeAdmin):
    form = SuggestionAdminForm
    date_hierarchy = "submitted_at"
    list_display = ("title", "child", "state", "owner", "due_at", "overdue_since", "needs_admin")
    list_filter = ("needs_admin", "state", "focus_area", "role", "owner__kind", "overdue_since")
    search_fields = ("title", "child__pseudonym")
    list_select_related = ("child", "owner")
    raw_id_fields = ("child", "merged_into")
    # The state and its owner change only through the workflow (suggestions/services.py).
    readonly_fields = (
        "photo",  # only through the child's form, which strips its metadata
        "state",
        "owner",
        "stage_started_at",
        "due_at",
        "overdue_since",
        "needs_admin",
        "merged_into",
        "requested_department",
        "answer",
        "planned_on",
        "progress",
        "version",
        "created_at",
        "submitted_at",
        "closed_at",
    )
    inlines = [StageChangeInline, PlaceCorrectionInline]
    actions = ["route_again"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "search_words")

    def save_model(self, request, obj, form, change):
        # The words the search and "similar" find it by follow a title or text fixed here.
        obj.search_words = suggestion_words(obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Route again (after fixing the rules or organisations)"))
    def route_again(self, request, queryset):
        for suggestion in queryset:
            try:
                services.suggestion_route_again(suggestion=suggestion)
            except ValidationError as error:
                self.message_user(
                    request, f"{suggestion}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request, gettext("%(s)s: sent to the router.") % {"s": suggestion}
                )


@admin.register(RoutingRule)
class RoutingRuleAdmin(ConstraintSafeAdmin):
    list_display = ("focus_area", "division", "department")
    # Some thousand divisions: found by name as you type, not listed in a filter.
    list_filter = ("focus_area", "division__level", "department")
    list_select_related = ("focus_area", "division__parent__parent", "department")
    search_fields = ("division__name", "division__name_en", "division__code")
    autocomplete_fields = ("division",)


@admin.register(StageDeadline)
class StageDeadlineAdmin(ConstraintSafeAdmin):
    list_display = ("stage", "days")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingJob)
class RoutingJobAdmin(admin.ModelAdmin):
    list_display = ("suggestion", "state", "created_at", "sent_at", "sends", "done_at")
    list_filter = ("state", "done_at")
    readonly_fields = ("suggestion", "state", "created_at", "sent_at", "sends", "done_at")

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "suggestion", "created_at", "read_at")
    list_filter = ("kind", "read_at")
    raw_id_fields = ("recipient", "suggestion")
