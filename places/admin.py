from django.contrib import admin

from groups.admin import ConstraintSafeAdmin

from . import services
from .models import Division, Place


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    """Reference data from the national codes: only the English name is an office's to change."""

    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    fields = ("code", "name", "name_en", "level", "parent")
    readonly_fields = ("code", "name", "level", "parent")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Place)
class PlaceAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "kind", "division", "retired")
    list_filter = ("kind", "retired")
    search_fields = ("name", "name_en", "division__name")
    autocomplete_fields = ("division", "organisation")
    fields = (
        "kind",
        "name",
        "name_en",
        "division",
        "latitude",
        "longitude",
        "organisation",
        "retired",
    )

    def save_model(self, request, obj, form, change):
        services.place_save(obj)
