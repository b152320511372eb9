"""Writing entries: every change is recorded, a stale write never silently replaces a newer one, and the tree's
data version goes up (goals.models.Tree.bump_data_version). Reading an entry's history back for pages."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from goals.access import access_for
from goals.models import Tree
from metrics.models import Entry, EntryChange

HISTORY_LIMIT = 20


@dataclass
class EntryConflict(Exception):
    """Someone else changed the entry since the person loaded it; nothing was saved."""

    current: Entry | None  # the entry as it is now (None: it was deleted)


def set_entry(
    node, week, value, *, user, source, note=None, expected_version=None, bump_data_version=True, token_name=""
):
    """Create, change or (value None) delete the entry of `node` for `week`, recording the change.

    `expected_version` is the entry's version as the person saw it (0 when they saw no entry);
    None skips the check (imports, which the person confirms after a preview). Returns the entry,
    or None when it was deleted or stayed missing. Raises EntryConflict and saves nothing when the
    stored entry moved on since `expected_version`. A write bumps the tree's data version, unless the caller
    writes many entries and bumps it once itself (bump_data_version=False, as entries imports do). `token_name`:
    the API token that sent the change (source "api"), recorded with it.
    """
    with transaction.atomic():
        # of=("self",): the default ordering joins the node, and locking its row too would serialize every
        # save of a node and deadlock against imports (PostgreSQL).
        entry = Entry.objects.select_for_update(of=("self",)).filter(node=node, week=week).first()
        current_version = entry.version if entry else 0
        if expected_version is not None and expected_version != current_version:
            raise EntryConflict(current=entry)
        old_value = entry.value if entry else None
        old_note = entry.note if entry else ""
        new_note = old_note if note is None else note
        if value is None:
            if entry is None:
                return None
            entry.delete()
            result = None
            new_note = ""
        elif entry is None:
            try:
                with transaction.atomic():
                    result = Entry.objects.create(node=node, week=week, value=value, note=new_note, updated_by=user)
            except IntegrityError:
                # Someone created this entry between our read and our write: theirs stands, ours is refused.
                raise EntryConflict(current=Entry.objects.filter(node=node, week=week).first()) from None
        else:
            if entry.value == value and entry.note == new_note:
                return entry
            entry.value = value
            entry.note = new_note
            entry.updated_by = user
            entry.version = current_version + 1
            entry.save(update_fields=["value", "note", "updated_by", "updated_at", "version"])
            result = entry
        EntryChange.objects.create(
            node=node,
            week=week,
            old_value=old_value,
            new_value=value,
            old_note=old_note,
            new_note=new_note,
            user=user,
            source=source,
            token_name=token_name,
        )
        if bump_data_version:
            Tree.bump_data_version(node.tree_id)
        return result


@dataclass
class EntryHistory:
    node: object
    changes: list = field(default_factory=list)  # EntryChange, newest first, each with `restorable`
    more: bool = False  # there are older changes than those listed
    can_restore: bool = False


def entry_history(node, user, limit=HISTORY_LIMIT):
    """The node's entry changes, newest first, in a fixed number of queries, for the history of numbers.

    `limit` is how many to list (0 lists all). Admins may restore a listed value that differs from the week's
    stored one.
    """
    changes = EntryChange.objects.filter(node=node).select_related("user").order_by("-created_at", "-id")
    changes = list(changes[: limit + 1] if limit else changes)
    more = bool(limit) and len(changes) > limit
    changes = changes[:limit] if limit else changes
    access = access_for(user) if user is not None else None
    can_restore = bool(access and access.is_admin and access.can_enter(node))
    if can_restore and changes:
        stored = {
            week: (value, note)
            for week, value, note in Entry.objects.filter(node=node).values_list("week", "value", "note")
        }
        weeks = set(node.tree.weeks)
        for change in changes:
            change.restorable = (
                change.new_value is not None
                and change.week in weeks
                and stored.get(change.week) != (change.new_value, change.new_note)
            )
    return EntryHistory(node, changes, more, can_restore)
