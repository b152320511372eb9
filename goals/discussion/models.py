"""The conversation around a tree's numbers: threads on KPIs (with replies, edits and delete markers), questions
to a department, mentions, inbox notices and each person's choice of email, definitions two departments agreed
on, the weekly review's action items, and the guests (external advisors) invited to some trees.

The models belong to the goals app (goals.models imports them). They name goals' own models as strings, so that
this module imports nothing from goals.models; the operations on them live beside it in goals.discussion.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 4000
ACTION_ITEM_MAX_LENGTH = 500


class CommentQuerySet(models.QuerySet):
    def threads(self):
        """Comments that start a thread (not replies)."""
        return self.filter(parent__isnull=True)

    def open_questions(self):
        """Questions to a department that are not answered yet (and not deleted)."""
        return self.filter(
            parent__isnull=True, to_department__isnull=False, answered_at__isnull=True, deleted_at__isnull=True
        )


class Comment(models.Model):
    """A comment on a node: it starts a thread, or replies to one (`parent`, always the thread's first comment).

    A thread may be pinned to a week of the node (`week`) and addressed to a department (`to_department`): then
    it is a question, open until a member of that department marks it answered. The body is plain text, never
    HTML. An edit keeps the previous text (CommentRevision); deleting a comment that has replies keeps it as a
    marker (`deleted_at`, the text emptied) so that the replies keep their context.
    """

    node = models.ForeignKey("goals.Node", on_delete=models.CASCADE, related_name="comments", verbose_name=_("node"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    week = models.DateField(_("week"), null=True, blank=True)
    to_department = models.ForeignKey(
        "goals.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("question to"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["node", "created_at"], name="comment_node_created"),
            models.Index(
                fields=["to_department"],
                condition=Q(to_department__isnull=False, answered_at__isnull=True),
                name="comment_open_questions",
            ),
        ]

    def __str__(self):
        return self.body[:40]

    @property
    def is_question(self):
        return self.to_department_id is not None and self.parent_id is None

    @property
    def is_open_question(self):
        return self.is_question and self.answered_at is None and self.deleted_at is None

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def thread_id(self):
        return self.parent_id or self.pk


class CommentRevision(models.Model):
    """The text a comment had before an edit, and since when."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    written_at = models.DateTimeField()  # when this text was posted or last edited
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-id"]
        verbose_name = _("earlier text of a comment")
        verbose_name_plural = _("earlier texts of comments")

    def __str__(self):
        return self.body[:40]


class Mention(models.Model):
    """@someone or @a department in a comment, as it was understood when the comment was saved."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "goals.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=200)  # as typed, without the @

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True)
                | Q(user__isnull=True, department__isnull=False),
                name="mention_of_one_person_or_department",
            )
        ]

    def __str__(self):
        return "@" + self.text


class Notice(models.Model):
    """An item of a person's inbox: something happened that concerns them. Read or not; emailed or not."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentions you")
        DEPARTMENT_MENTION = "department_mention", _("Mentions your department")
        QUESTION = "question", _("Question to your department")
        REPLY = "reply", _("Reply")
        KPI_COMMENT = "kpi_comment", _("Comment on your KPI")
        ANSWERED = "answered", _("Answered")
        DEFINITION_CHANGED = "definition_changed", _("Definition changed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="notices")
    node = models.ForeignKey("goals.Node", on_delete=models.CASCADE, related_name="notices")
    department = models.ForeignKey(
        "goals.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the recipient's department it came through (a question, a department mention, a comment on its KPI)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent alone or in a digest (or not to be sent)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notice_recent"),
        ]

    def __str__(self):
        return f"{self.kind} {self.recipient_id}"

    @property
    def body(self):
        """The text the notice is about: the comment's (empty for a deleted one or a definition change)."""
        if self.comment is None or self.comment.is_deleted:
            return ""
        return self.comment.body


class NoticePreference(models.Model):
    """How a person hears of their notices by email."""

    class Email(models.TextChoices):
        EACH = "each", _("An email for each notice")
        DAILY = "daily", _("One email a day with the day's notices")
        NONE = "none", _("No email: I look at the inbox")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference")
    email = models.CharField(_("email"), max_length=10, choices=Email.choices, default=Email.EACH)
    language = models.CharField(max_length=10, blank=True)  # of the emails; "" for the site's default
    reminders = models.BooleanField(_("weekly reminder of the numbers due"), default=True)
    last_reminder_week = models.DateField(null=True, blank=True)  # the week the last reminder was sent for

    def __str__(self):
        return f"{self.user_id}: {self.email}"


class Agreement(models.Model):
    """A lead of `department` agreed on the definition of a hand-off KPI, as it read then (`definition`)."""

    node = models.ForeignKey("goals.Node", on_delete=models.CASCADE, related_name="agreements")
    department = models.ForeignKey("goals.Department", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    definition = models.TextField()
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["node", "department"], name="one_agreement_per_department")]

    def __str__(self):
        return f"{self.node_id}: {self.department_id}"


class ActionItem(models.Model):
    """Something to do, decided at a tree's weekly review; shown at every later review until it is done."""

    tree = models.ForeignKey("goals.Tree", on_delete=models.CASCADE, related_name="action_items")
    week = models.DateField(_("week"))  # the review week it was recorded at
    text = models.CharField(_("action"), max_length=ACTION_ITEM_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_week = models.DateField(null=True, blank=True)  # the review week it was marked done at
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["week", "created_at", "id"]
        indexes = [models.Index(fields=["tree", "week"], name="action_item_tree_week")]

    def __str__(self):
        return self.text[:40]

    @property
    def is_done(self):
        return self.done_at is not None


class Guest(models.Model):
    """An account from outside the company (an external advisor): it sees and comments on the trees it is
    invited to, and nothing else (docs/permissions.md)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest")
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    trees = models.ManyToManyField("goals.Tree", blank=True, related_name="guests", verbose_name=_("trees"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self):
        return str(self.user)
