"""Writing entries: every change is recorded, and a stale write never silently replaces a newer one."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from metrics.models import Entry, EntryChange


@dataclass
class EntryConflict(Exception):
    """Someone else changed the entry since the person loaded it; nothing was saved."""

    current: Entry | None  # the entry as it is now (None: it was deleted)


def set_entry(node, week, value, *, user, source, note=None, expected_version=None):
    """Create, change or (value None) delete the entry of `node` for `week`, recording the change.

    `expected_version` is the entry's version as the person saw it (0 when they saw no entry);
    None skips the check (imports, which the person confirms after a preview). Returns the entry,
    or None when it was deleted or stayed missing. Raises EntryConflict and saves nothing when the
    stored entry moved on since `expected_version`.
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
        )
        return result
