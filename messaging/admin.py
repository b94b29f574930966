from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read only: what was sent to whom, when, and what went wrong (never the text, nor a
    link's secret)."""

    list_display = ("created_at", "template", "channel", "recipient", "state", "attempts")
    list_filter = ("state", "channel", "template")
    exclude = ["sealed_secret"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "sealed_secret"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
