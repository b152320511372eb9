from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from goals import periods

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
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


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


class Tree(models.Model):
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
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("tree")
        verbose_name_plural = _("trees")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="tree_period_order")
        ]

    def __str__(self):
        return self.name

    @cached_property
    def weeks(self):
        return periods.period_weeks(self.period_start, self.period_end, self.week_start)


class NodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Node(models.Model):
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
    target = decimal_field(_("target"))
    stretch = decimal_field(_("stretch target"))
    baseline = decimal_field(_("baseline"))
    weights = models.JSONField(_("seasonality weights"), null=True, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    position = models.PositiveIntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NodeQuerySet.as_manager()

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
    def is_archived(self):
        return self.archived_at is not None


class Comment(models.Model):
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="comments", verbose_name=_("node"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:40]


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

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self):
        return self.title


class ChangeRecord(models.Model):
    """One change to a tree or a node: who, when, which fields, old -> new."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        MOVE = "move", _("Moved")
        REORDER = "reorder", _("Reordered")
        ARCHIVE = "archive", _("Archived")
        RESTORE = "restore", _("Restored")
        DELETE = "delete", _("Deleted")
        IMPORT = "import", _("Imported")

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="changes", verbose_name=_("tree"))
    node = models.ForeignKey(
        Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes", verbose_name=_("node")
    )
    node_code = models.CharField(_("node code"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self):
        return f"{self.get_action_display()} {self.node_code or self.tree.code}"
