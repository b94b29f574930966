from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ChildReach, Message, MessageState, Preferences

# Our own reasons for a message not sent, in the office's words (Message.last_error).
OWN_REASONS = {
    services.IN_DOUBT: _(
        "The worker stopped while the provider was being asked: it may have arrived. "
        "Send it again if it did not."
    ),
    services.NO_TRANSPORT: _("This channel is not set up on this portal."),
}


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read only: what was sent to whom, on which channel, when, and what went wrong (never the
    text, nor a link's secret). Given-up messages can be sent again."""

    list_display = (
        "created_at",
        "template",
        "channel",
        "recipient",
        "language",
        "state",
        "attempts",
        "why",
        "sent_at",
    )
    list_filter = ("state", "channel", "topic", "template")
    list_select_related = ("recipient",)
    exclude = ["sealed_secret"]
    readonly_fields = [
        *(f.name for f in Message._meta.fields if f.name != "sealed_secret"),
        "why",
    ]
    actions = ["send_again"]

    @admin.display(description=_("why"))
    def why(self, message):
        if message.last_error in OWN_REASONS:
            return OWN_REASONS[message.last_error]
        return " · ".join(part for part in (message.last_error, message.reason) if part) or "—"

    @admin.action(description=_("Send the given-up messages again"), permissions=["send_again"])
    def send_again(self, request, queryset):
        given_up = queryset.filter(state=MessageState.GIVEN_UP)
        chosen = given_up.count()
        count = services.messages_send_again(ids=given_up.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        if count < chosen:
            self.message_user(
                request,
                _(
                    "A consent link cannot be sent again: its secret is gone. Send a new "
                    "link from the child's privacy page."
                ),
                messages.WARNING,
            )

    def has_send_again_permission(self, request):
        """Sending again may send an SMS in doubt a second time: the office decides, with the
        right to change messages (an admin's), not everyone who may look at them."""
        return request.user.has_perm("messaging.change_message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    """Each person sets their own on their messages page; the office only looks (the mobile
    number is not shown)."""

    list_display = ("user", "language", "wechat_linked_at", "updated_at")
    exclude = ["phone"]
    readonly_fields = ["user", "language", "wechat_openid", "wechat_linked_at", "channels"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChildReach)
class ChildReachAdmin(admin.ModelAdmin):
    list_display = ("child", "channels", "set_by", "updated_at")
    readonly_fields = ["child", "channels", "set_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
