import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Department, Node


class Entry(models.Model):
    """The value of one measured node for one week. No entry means missing, never zero."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="entries", verbose_name=_("node"))
    week = models.DateField(_("week"))
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["node", "week"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [models.UniqueConstraint(fields=["node", "week"], name="unique_entry_per_week")]

    def __str__(self):
        return f"{self.node.code} {self.week}: {self.value}"


class EntryChange(models.Model):
    """Every change to an entry: old value -> new value, who, when, and through what."""

    class Source(models.TextChoices):
        GRID = "grid", _("Entry grid")
        IMPORT = "import", _("Import")
        ADMIN = "admin", _("Admin")
        RESTORE = "restore", _("Restore")
        API = "api", _("API")

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="entry_changes", verbose_name=_("node"))
    week = models.DateField(_("week"))
    old_value = models.DecimalField(_("old value"), max_digits=24, decimal_places=6, null=True, blank=True)
    new_value = models.DecimalField(_("new value"), max_digits=24, decimal_places=6, null=True, blank=True)
    old_note = models.CharField(_("old note"), max_length=200, blank=True)
    new_note = models.CharField(_("new note"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The API token's name for changes sent through the API (source "api"): which integration sent them.
    token_name = models.CharField(_("API token"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entry change")
        verbose_name_plural = _("entry changes")

    def __str__(self):
        return f"{self.node.code} {self.week}: {self.old_value} -> {self.new_value}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret that lets an integration (an MA or SFA tool, a spreadsheet script) use the API (docs/api.md).

    Only a SHA-256 digest of the secret is stored: the secret is shown once, when the token is issued. The
    secret is "gt_" and 43 URL-safe characters (256 random bits), so a digest without a salt is as safe as a
    password hash would be and can be looked up with an index.
    """

    PREFIX = "gt_"

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    departments = models.ManyToManyField(Department, related_name="api_tokens", verbose_name=_("departments"))
    read_only = models.BooleanField(_("read only"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # The name labels the token's changes in the history of numbers: one active token per name.
            models.UniqueConstraint(fields=["name"], condition=Q(revoked_at__isnull=True), name="unique_active_token")
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def digest(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name, departments, read_only, created_by) -> tuple["ApiToken", str]:
        """A new token and its secret, which is not stored and cannot be shown again."""
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name,
            key_hash=cls.digest(secret),
            hint=secret[: len(cls.PREFIX) + 4],
            read_only=read_only,
            created_by=created_by,
        )
        token.departments.set(departments)
        return token, secret

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class Webhook(models.Model):
    """A URL told when a week's numbers of a tree are complete or one of its KPIs changes status (docs/api.md)."""

    tree = models.ForeignKey("goals.Tree", on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("tree"))
    url = models.URLField(_("URL"), max_length=500)
    # The shared secret that signs each delivery (HMAC-SHA256); kept as is, since every delivery needs it.
    secret = models.CharField(max_length=64, editable=False)
    on_week_complete = models.BooleanField(_("when a week's numbers are complete"), default=True)
    on_status_change = models.BooleanField(_("when a KPI changes status"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What was last told (or found when the webhook was made): each change is told once.
    last_complete_week = models.DateField(null=True, blank=True, editable=False)
    statuses = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to a webhook, with its tries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.webhook.url}"
