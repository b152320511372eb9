from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from goals import hooks, periods
from goals.accounts.models import Invitation  # noqa: F401

# The discussion's models (threads, notices, agreements, action items, guests) are part of this app; they live in
# goals/discussion/models.py and are named here too, as every model of the app is.
from goals.discussion.models import (  # noqa: F401
    ActionItem,
    Agreement,
    Comment,
    CommentRevision,
    Guest,
    Mention,
    Notice,
    NoticePreference,
)
from goals.visits import HomeVisit  # noqa: F401 (when each person last opened home)

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z",
    _("Use lower-case letters, digits and _ only, starting with a letter (for example deals or win_rate)."),
)
tree_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*\Z",
    _("Use lower-case letters, digits, - and _ only (for example fy2026-marketing)."),
)


def decimal_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=24, decimal_places=6, null=True, blank=True, **kwargs)


def display_name(user):
    """How people are named on pages: family name first, as Japanese teams write it."""
    if user is None:
        return ""
    full = f"{user.last_name} {user.first_name}".strip() or user.get_username()
    if not getattr(user, "is_active", True):
        # A deactivated person's history and comments stay theirs, marked (docs/permissions.md).
        marker = _("deactivated")
        return f"{full} ({marker})"
    return full


class ChangeAction(models.TextChoices):
    """What a recorded change did: kept as the change reason of each history row (goals.history)."""

    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    MOVE = "move", _("Moved")
    REORDER = "reorder", _("Reordered")
    ARCHIVE = "archive", _("Archived")
    RESTORE = "restore", _("Restored")
    DELETE = "delete", _("Deleted")
    IMPORT = "import", _("Imported")
    # The state of each tree, node and initiative when field history began: the base of their first diff, not
    # a change, so pages do not list it.
    BASELINE = "baseline", _("Recorded")


class HistoryDetail(models.Model):
    """What goals adds to each history row of django-simple-history: the change as pages show it.

    `history_changes` is {field: [old, new]}, both display-ready strings (goals.history fills it when the row is
    written, from the previous row), so that a page lists a change without reading the rows before it.
    """

    history_changes = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class VersionConflict(Exception):
    """Someone saved the tree or node after the person opened the form: nothing was saved."""

    def __init__(self, stored_version):
        super().__init__(f"stored version {stored_version}")
        self.stored_version = stored_version


class VersionedModel(models.Model):
    """A row that people edit in forms: `version` counts its saves, so a save over someone else's is refused."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def save_versioned(self, user, changes, expected_version=None, action=ChangeAction.UPDATE):
        """Set `changes` ({field: value}) on the stored row under a row lock and save it as one new version.

        Refuses with VersionConflict when `expected_version` (the version the person's form was opened at) is not
        the stored one; None skips that check. Nothing is written when no value differs. Otherwise the version
        goes up by one, the history records the change (by `user`, for `action`, with the fields that changed,
        old -> new) and so does the tree's data version. Returns the saved row; this object is left as it was.
        """
        model = type(self)
        with transaction.atomic():
            locked = model.objects.select_for_update(of=("self",)).get(pk=self.pk)
            if expected_version is not None and expected_version != locked.version:
                raise VersionConflict(locked.version)
            changed = False
            for name, value in changes.items():
                stored = model._meta.get_field(name).value_from_object(locked)
                if stored != (value.pk if isinstance(value, models.Model) else value):
                    setattr(locked, name, value)
                    changed = True
            if not changed:
                return locked
            locked.version += 1
            locked._history_user = user if user is not None and user.is_authenticated else None
            locked._change_reason = action
            locked.save()
            Tree.bump_data_version(locked.tree_id if isinstance(locked, Node) else locked.pk)
            return locked


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="departments", verbose_name=_("members")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Save, and count a change of every tree that shows this department (its name on dashboards)."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            shown = Q(department=self) | Q(nodes__department=self, nodes__archived_at__isnull=True)
            trees = Tree.objects.filter(shown).values("pk")
            Tree.objects.filter(pk__in=trees).update(data_version=F("data_version") + 1)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        LEAD = "lead", _("Lead")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="unique_membership")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{display_name(self.user)} ({self.department}, {self.get_role_display()})"


class Tree(VersionedModel):
    class WeekStart(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[tree_code_validator])
    name = models.CharField(_("name"), max_length=200)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trees",
        verbose_name=_("owner department"),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    week_start = models.IntegerField(_("week starts on"), choices=WeekStart.choices, default=WeekStart.MONDAY)
    warning_threshold = models.DecimalField(
        _("warning threshold (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("90"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_depth = models.PositiveSmallIntegerField(
        _("maximum depth"), default=4, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_trees",
        verbose_name=_("previous period's tree"),
    )
    # Goes up with every write that changes what the tree's progress is computed from or shown with: its
    # structure (versioned saves, moves, reorders, archiving, restoring, tree-file imports), its numbers
    # (metrics.entries.set_entry, entries imports, bulk loads) and the names of its departments (Department.save).
    # Only F() updates write it (Tree.bump_data_version); metrics.progress keys what it keeps by it.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[HistoryDetail], excluded_fields=["data_version", "updated_at"])

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("tree")
        verbose_name_plural = _("trees")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="tree_period_order")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # Never write back a data_version read before someone else's bump.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "data_version"
            ]
        super().save(*args, **kwargs)

    @cached_property
    def weeks(self):
        return periods.period_weeks(self.period_start, self.period_end, self.week_start)

    @property
    def fiscal_year(self):
        """The Japanese fiscal year (年度) the period starts in: 2026 for a period from 2026-04-01, and for one from
        2027-01-01 too (January to March belong to the fiscal year that started the April before)."""
        return periods.fiscal_year(self.period_start)

    def last_complete_week(self, today=None):
        """The week before the one that holds today (timezone.localdate(), the site's zone): the last week whose
        numbers can be complete. Not clamped to the period."""
        return periods.last_complete_week(today or timezone.localdate(), self.week_start)

    @classmethod
    def bump_data_version(cls, tree_id):
        """Count one more change to what the tree's progress is computed from (see data_version), and tell
        goals.hooks (metrics then keeps the tree's new progress ready once the change is committed)."""
        cls.objects.filter(pk=tree_id).update(data_version=F("data_version") + 1)
        hooks.data_changed([tree_id])


class NodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Node(VersionedModel):
    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum (flows)")
        AVERAGE = "average", _("Average (levels)")
        LAST = "last", _("Last value (stocks)")
        RECOMPUTE = "recompute", _("Recompute from the formula (rates)")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("tree"))
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nodes",
        verbose_name=_("owner department"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_nodes",
        verbose_name=_("owner"),
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    formula = models.CharField(_("formula"), max_length=500, blank=True)
    # A measured node's breakdown (分解式) over its direct children, stored with codes (docs/numbers.md "The funnel").
    breakdown = models.CharField(_("breakdown"), max_length=500, blank=True)
    target = decimal_field(_("target"))
    stretch = decimal_field(_("stretch target"))
    baseline = decimal_field(_("baseline"))
    weights = models.JSONField(_("seasonality weights"), null=True, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    position = models.PositiveIntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NodeQuerySet.as_manager()
    history = HistoricalRecords(bases=[HistoryDetail], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        constraints = [
            models.UniqueConstraint(
                fields=["tree", "code"], condition=Q(archived_at__isnull=True), name="unique_active_node_code"
            ),
            models.UniqueConstraint(
                fields=["tree"], condition=Q(parent__isnull=True, archived_at__isnull=True), name="one_kgi_per_tree"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_kgi(self):
        return self.parent_id is None

    @property
    def is_formula(self):
        return bool(self.formula.strip())

    @property
    def is_measured(self):
        return not self.is_formula

    @property
    def has_breakdown(self):
        return self.is_measured and bool(self.breakdown.strip())

    @property
    def is_archived(self):
        return self.archived_at is not None


# Kept to record an initiative once its KPIs are set (Initiative.save_with_kpis): the KPIs are part of what its
# history shows, and they are saved after the initiative itself.
_initiative_history = HistoricalRecords(bases=[HistoryDetail])


class Initiative(models.Model):
    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="initiatives", verbose_name=_("tree"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    nodes = models.ManyToManyField(Node, related_name="initiatives", verbose_name=_("KPIs it aims to move"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    cost = decimal_field(_("cost (yen)"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = _initiative_history

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self):
        return self.title

    def save_with_kpis(self, kpis):
        """Save the initiative and set the KPIs it aims at, recorded as one change (with the KPIs) in the history."""
        created = self._state.adding
        with transaction.atomic():
            self.skip_history_when_saving = True
            try:
                self.save()
            finally:
                del self.skip_history_when_saving
            self.nodes.set(kpis)
            self.record_history(created)
        return self

    def record_history(self, created=False):
        """Write the history row of this initiative as it is now, its KPIs included."""
        _initiative_history.create_historical_record(self, "+" if created else "~")


class LegacyChange(models.Model):
    """A change recorded before field history (django-simple-history) began. Read only: pages list these after
    the newer ones; nothing writes them any more."""

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="legacy_changes", verbose_name=_("tree"))
    node = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="legacy_changes", verbose_name=_("node")
    )
    node_code = models.CharField(_("node code"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change before field history")
        verbose_name_plural = _("changes before field history")

    def __str__(self):
        return f"{self.get_action_display()} {self.node_code or self.tree.code}"
