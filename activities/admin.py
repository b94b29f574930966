from django.contrib import admin

from groups.admin import ConstraintSafeAdmin

from .models import Attendance, TrainingSession


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ("child",)
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(ConstraintSafeAdmin):
    list_display = ("held_on", "topic", "hours", "logged_by")
    list_filter = ("sub_teams", "held_on")
    search_fields = ("topic",)
    filter_horizontal = ("sub_teams", "mentors")
    inlines = [AttendanceInline]
