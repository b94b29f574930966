"""The programme office publishes new notice versions here; everything else is read-only (it
is written by the portal's pages and the worker, and is evidence)."""

from django.contrib import admin

from .models import Consent, ConsentRequest, DeletionRequest, PersonalDataAccess, PrivacyNotice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    """A published version never changes (consents name it): a new text is a new version."""

    list_display = ("audience", "version", "published_on", "title")
    list_filter = ("audience",)
    # Only who is responsible, and how to reach them, can be corrected on a published version.
    TEXT = (
        "audience",
        "version",
        "published_on",
        "title",
        "title_en",
        "body",
        "body_en",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.TEXT if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("child", "guardian", "notice", "method", "given_at", "withdrawn_at")
    list_filter = ("method", "notice", "withdrawn_at")
    search_fields = ("child__pseudonym",)
    list_select_related = ("child", "guardian__user", "notice")


@admin.register(ConsentRequest)
class ConsentRequestAdmin(ReadOnlyAdmin):
    list_display = ("guardianship", "created_at", "expires_at", "used_at")
    exclude = ("token_hash",)
    list_select_related = ("guardianship__guardian__user", "guardianship__child")


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ("child", "reason", "requested_at", "done_at")
    list_filter = ("reason", "done_at")
    list_select_related = ("child",)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "role", "child_id", "action", "purpose", "granted")
    list_filter = ("granted", "action", "purpose", "role")
    search_fields = ("username",)
    date_hierarchy = "at"
