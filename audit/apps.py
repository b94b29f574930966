from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the trail keeps of each model: the fields named here and nothing else. Never a child's
# words (a suggestion's title, what they noticed and suggest, the place, the answer), a real
# name (ChildPersonalData is not recorded at all) or a password hash.
RECORDED_FIELDS = {
    "suggestions.Suggestion": [
        "state",
        "owner",
        "due_at",
        "overdue_since",
        "requested_department",
        "merged_into",
        "closed_at",
        "submitted_at",
    ],
    "reports.ReportExport": ["year", "format", "language", "state", "requested_by"],
    "groups.User": ["username", "display_name", "role", "is_active", "is_staff", "is_superuser"],
    "groups.Membership": [
        "child",
        "group",
        "sub_team",
        "role",
        "starts_on",
        "ends_on",
        "rotation_position",
    ],
    "groups.StaffMember": ["user", "organisation", "title"],
    "groups.Mentor": ["user", "team", "kind", "organisation"],
    "groups.Guardianship": ["guardian", "child", "relationship", "photo_consent_on"],
    "suggestions.RoutingRule": ["focus_area", "division", "department"],
    "suggestions.StageDeadline": ["stage", "days"],
    # Consent and deletion: who recorded or sent what, and when (never the link's secret).
    "privacy.Consent": ["child", "guardian", "notice", "method", "given_at", "withdrawn_at"],
    "privacy.ConsentRequest": ["guardianship", "sent_by", "expires_at", "used_at"],
    "privacy.DeletionRequest": ["child", "reason", "requested_by", "done_at"],
    "privacy.PrivacyNotice": ["audience", "version", "published_on", "responsible", "contact"],
    # Imports from spreadsheets: who uploaded and confirmed which file (never its content).
    "imports.ImportBatch": [
        "kind",
        "state",
        "file_name",
        "sha256",
        "confirmed_by",
        "problem",
        "created",
        "updated",
    ],
}
RECORDED_M2M = {
    "groups.User": ["groups", "user_permissions"],
    "groups.Mentor": ["sub_teams"],
}


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from auditlog.models import LogEntry
        from auditlog.registry import auditlog
        from django.db.models.signals import pre_save

        from . import permissions  # noqa: F401  (registers the rules)
        from .labels import name_without_free_text

        for label, fields in RECORDED_FIELDS.items():
            auditlog.register(
                self.apps.get_model(label),
                include_fields=fields,
                m2m_fields=RECORDED_M2M.get(label, []),
            )
        pre_save.connect(name_without_free_text, sender=LogEntry, dispatch_uid="audit-labels")
