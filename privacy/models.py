"""Guardians' consent, the privacy notices they agree to, the access log of children's personal
records, and deletion requests.

The rules (China's Personal Information Protection Law art. 31; the Provisions on the Online
Protection of Children's Personal Information): a guardian's consent before a child under 14 is
registered, a separate notice for it, least data, logged and approved staff access, and deletion
on request.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from groups.models import Child, Guardian, Guardianship


class Audience(models.TextChoices):
    CHILDREN = "children", _("Children")
    GUARDIANS = "guardians", _("Guardians")


class PrivacyNoticeQuerySet(models.QuerySet):
    def in_force(self, audience, day=None):
        """The version of the audience's notice in force on that day (today by default)."""
        day = day or timezone.localdate()
        return (
            self.filter(audience=audience, published_on__lte=day)
            .order_by("-published_on", "-pk")
            .first()
        )


class PrivacyNotice(models.Model):
    """One version of the privacy page for children or of the notice for guardians.

    A version is never changed once published: a guardian's consent names the version they
    agreed to. A new text is a new version.
    """

    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    version = models.SlugField(
        _("version"), max_length=20, help_text=_("Letters, digits and hyphens, e.g. 2026-1.")
    )
    published_on = models.DateField(_("in force from"))
    title = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    body = models.TextField(
        _("text (Chinese)"),
        help_text=_("Paragraphs separated by a blank line; a line starting with ## is a heading."),
    )
    body_en = models.TextField(_("text (English)"))
    responsible = models.CharField(
        _("person responsible (Chinese)"),
        max_length=200,
        help_text=_("The named person responsible for children's personal information."),
    )
    responsible_en = models.CharField(_("person responsible (English)"), max_length=200)
    contact = models.CharField(_("how to reach them"), max_length=200)

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["audience", "-published_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["audience", "version"],
                name="one_notice_per_audience_and_version",
                violation_error_message=_("This notice already has this version."),
            ),
        ]

    def __str__(self):
        return f"{self.get_audience_display()} · {self.version}"

    def clean(self):
        # Which version was in force on a past day must never change: a new one starts today
        # or later.
        if self._state.adding and self.published_on and self.published_on < timezone.localdate():
            raise ValidationError(
                {"published_on": _("A new version comes into force today or later, not before.")}
            )

    @property
    def english(self):
        return (get_language() or "").startswith("en")

    @property
    def localized_title(self):
        return self.title_en if self.english else self.title

    @property
    def localized_body(self):
        return self.body_en if self.english else self.body

    @property
    def localized_responsible(self):
        return self.responsible_en if self.english else self.responsible


class ConsentMethod(models.TextChoices):
    LINK = "link", _("Online, through the link e-mailed to the guardian")
    ACCOUNT = "account", _("Online, from the guardian's account")
    PAPER = "paper", _("On a signed paper form, recorded by the programme office")


class Consent(models.Model):
    """A guardian's consent to their child's account, under one version of the notice.

    The child's login is active while at least one consent is in force (not withdrawn).
    """

    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="consents"
    )
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("guardian"), on_delete=models.PROTECT, related_name="consents"
    )
    notice = models.ForeignKey(
        PrivacyNotice,
        verbose_name=_("notice agreed to"),
        on_delete=models.PROTECT,
        related_name="consents",
        limit_choices_to={"audience": Audience.GUARDIANS},
    )
    method = models.CharField(_("method"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian's consent")
        verbose_name_plural = _("guardians' consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "guardian"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_consent_in_force_per_guardian_and_child",
                violation_error_message=_("This guardian's consent for this child is in force."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("Consent cannot be withdrawn before it was given."),
            ),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.child} · {self.notice.version}"

    @property
    def in_force(self):
        return self.withdrawn_at is None


def _token_hash(token):
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class ConsentRequestQuerySet(models.QuerySet):
    def for_token(self, token):
        return self.filter(token_hash=_token_hash(token)).select_related(
            "guardianship__child", "guardianship__guardian__user"
        )


class ConsentRequest(models.Model):
    """A link e-mailed to a guardian, asking for consent. It works once, until it expires.

    Only a hash of the link's secret is stored: the database cannot be used to give consent.
    """

    guardianship = models.ForeignKey(
        Guardianship,
        verbose_name=_("guardian and child"),
        on_delete=models.CASCADE,
        related_name="consent_requests",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_to = models.EmailField(_("sent to"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = ConsentRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.guardianship)

    @staticmethod
    def new_token():
        token = secrets.token_urlsafe(32)
        return token, _token_hash(token)

    @property
    def expired(self):
        return timezone.now() >= self.expires_at


class AccessPurpose(models.TextChoices):
    CONTACT = "contact", _("Contacting the guardian about an activity")
    SAFETY = "safety", _("A safety or welfare concern")
    CORRECTION = "correction", _("Correcting the record")
    CONSENT = "consent", _("Checking a consent or a guardian's request")
    LEGAL = "legal", _("A request from an authority")
    GUARDIAN_DOWNLOAD = "guardian_download", _("The guardian's download of their child's data")
    GUARDIAN_DELETION = "guardian_deletion", _("The guardian's request to delete the data")


class AccessAction(models.TextChoices):
    VIEW = "view", _("viewed")
    CORRECT = "correct", _("corrected")
    DOWNLOAD = "download", _("downloaded")
    DELETION = "deletion", _("asked for deletion")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class PersonalDataAccess(models.Model):
    """One look at (or attempt on) a child's personal record. Rows are only ever added.

    The model refuses changes; on PostgreSQL a trigger refuses UPDATE and DELETE too (see the
    migration). Who and which child are kept as plain ids and a snapshot of the login's name
    and role, with no foreign key, so that nothing done to users or children later (deleting a
    login, anonymising a child) can change or cascade into the log.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(_("user id"), null=True)
    username = models.CharField(_("login"), max_length=150)
    role = models.CharField(_("role"), max_length=20)
    child_id = models.BigIntegerField(_("child id"), db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    purpose = models.CharField(
        _("stated purpose"), max_length=20, choices=AccessPurpose.choices, blank=True
    )
    detail = models.CharField(_("details given"), max_length=200, blank=True)
    granted = models.BooleanField(_("granted"))
    path = models.CharField(_("address"), max_length=200)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access to a personal record")
        verbose_name_plural = _("access log of personal records")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        # Django saves and deletes through the base manager: make it the append-only one.
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} · {self.username} · {self.child_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        # Always an INSERT: a row built with an existing id must not overwrite that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class DeletionReason(models.TextChoices):
    REQUEST = "request", _("The guardian asked for deletion")
    WITHDRAWAL = "withdrawal", _("The guardian withdrew consent")


class DeletionRequest(models.Model):
    """A guardian's request to delete their child's personal data; done by the worker."""

    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="deletion_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=DeletionReason.choices)
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(done_at__isnull=True),
                name="one_open_deletion_request_per_child",
                violation_error_message=_("Deletion of this child's data is already on its way."),
            ),
        ]

    def __str__(self):
        return f"{self.child} · {self.get_reason_display()}"
