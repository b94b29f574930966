from django.contrib import admin

from groups.admin import ConstraintSafeAdmin

from .models import (
    Activity,
    ActivityPhoto,
    Attendance,
    CalendarFeed,
    DiscussionTopic,
    PhotoConsent,
    PracticeBase,
    PracticeBaseYear,
    Programme,
    ProgrammeFigure,
    TrainingMaterial,
    TrainingSession,
)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ("child",)
    extra = 0


class TrainingMaterialInline(admin.TabularInline):
    model = TrainingMaterial
    fields = ("name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None):
        # Materials are checked on upload by the training form, not added here.
        return False


@admin.register(TrainingSession)
class TrainingSessionAdmin(ConstraintSafeAdmin):
    list_display = ("held_on", "topic", "hours", "logged_by")
    list_filter = ("sub_teams", "held_on")
    search_fields = ("topic",)
    filter_horizontal = ("sub_teams", "mentors")
    inlines = [AttendanceInline, TrainingMaterialInline]


class PracticeBaseYearInline(admin.TabularInline):
    model = PracticeBaseYear
    extra = 0


@admin.register(PracticeBase)
class PracticeBaseAdmin(ConstraintSafeAdmin):
    list_display = ("name", "kind", "district", "certified_on", "expires_on")
    list_filter = ("kind", "district", "expires_on")
    search_fields = ("name", "name_en", "code", "address")
    inlines = [PracticeBaseYearInline]
    readonly_fields = ("expiry_warned_for",)


class ProgrammeFigureInline(admin.TabularInline):
    model = ProgrammeFigure
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(ConstraintSafeAdmin):
    list_display = ("name", "name_en", "part_of", "run_by", "started_on")
    search_fields = ("name", "name_en", "code")
    raw_id_fields = ("run_by", "part_of")
    inlines = [ProgrammeFigureInline]


class PhotoInline(admin.TabularInline):
    model = ActivityPhoto
    fields = ("image", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        # Photos go through the activity page, which strips metadata and records consent.
        return False


@admin.register(Activity)
class ActivityAdmin(ConstraintSafeAdmin):
    list_display = ("title", "kind", "role", "starts_at", "group", "children_count")
    list_filter = ("kind", "role", "programme", "group__level", "starts_at")
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    raw_id_fields = ("group", "practice_base", "programme", "attendees", "suggestions", "partners")
    filter_horizontal = ("sub_teams",)
    inlines = [PhotoInline]


class PhotoConsentInline(admin.TabularInline):
    model = PhotoConsent
    raw_id_fields = ("child", "guardian")
    extra = 0


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(ConstraintSafeAdmin):
    list_display = ("__str__", "activity", "uploaded_at")
    raw_id_fields = ("activity",)
    readonly_fields = ("image", "uploaded_by")
    inlines = [PhotoConsentInline]

    def has_add_permission(self, request):
        return False


@admin.register(DiscussionTopic)
class DiscussionTopicAdmin(ConstraintSafeAdmin):
    list_display = ("name", "partner", "group", "raised_on")
    list_filter = ("raised_on",)
    search_fields = ("name", "name_en")
    raw_id_fields = ("group", "partner", "suggestions")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("sub_team", "created_at")
    readonly_fields = ("token",)
