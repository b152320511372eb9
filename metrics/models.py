from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from goals.models import Node


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
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entry change")
        verbose_name_plural = _("entry changes")

    def __str__(self):
        return f"{self.node.code} {self.week}: {self.old_value} -> {self.new_value}"
