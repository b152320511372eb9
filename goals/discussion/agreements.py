"""Definitions both departments agree on.

A hand-off KPI is a node owned by another department than its parent's (MQL数 by marketing under SQL化率 by
inside sales): one department hands its result to the other, so both must read its definition the same way. A
lead of each of the two departments marks the definition agreed. The agreement is on the text as it was
(Agreement.definition): when the definition changes, by whatever path (the node form, a tree file, the admin),
the agreements are deleted as the change is recorded in the node's history, and the leads of both departments
are told. The tree's health panel lists the hand-off KPIs not yet agreed by both.
"""

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from goals.discussion import notices
from goals.models import Agreement, Membership, Node, Notice


def is_handoff(node, parent=None):
    """Whether the node is a hand-off KPI (`parent`: its parent, when the caller has it)."""
    parent = parent if parent is not None else node.parent
    return bool(
        parent is not None
        and node.department_id
        and parent.department_id
        and node.department_id != parent.department_id
        and node.archived_at is None
    )


@dataclass
class Side:
    """One of the two departments of a hand-off KPI, and its agreement on the current definition (or None)."""

    department: object
    agreement: object = None
    role: str = ""  # "owner" (the node's department) or "receiver" (the parent's)

    @property
    def agreed(self):
        return self.agreement is not None


@dataclass
class Status:
    node: object
    sides: list

    @property
    def agreed(self):
        return all(side.agreed for side in self.sides)


def status(node):
    """The agreement of both departments on the node's current definition; None for a node that is not a
    hand-off KPI. One query (the node's parent and departments are read with it when not already)."""
    parent = node.parent
    if not is_handoff(node, parent):
        return None
    current = {
        agreement.department_id: agreement
        for agreement in Agreement.objects.filter(node=node).select_related("user")
        if agreement.definition == node.definition
    }
    sides = [
        Side(node.department, current.get(node.department_id), "owner"),
        Side(parent.department, current.get(parent.department_id), "receiver"),
    ]
    return Status(node, sides)


def agree(node, department, user):
    """Record that a lead of `department` agrees on the node's definition as it reads now."""
    with transaction.atomic():
        Agreement.objects.filter(node=node, department=department).delete()
        return Agreement.objects.create(node=node, department=department, user=user, definition=node.definition)


def withdraw(node, department):
    Agreement.objects.filter(node=node, department=department).delete()


def unagreed_handoffs(nodes):
    """The hand-off KPIs among `nodes` (a tree's active nodes, with departments) whose current definition both
    departments have not agreed on, in the order given. One query."""
    by_id = {node.pk: node for node in nodes}
    handoffs = [node for node in nodes if is_handoff(node, by_id.get(node.parent_id))]
    if not handoffs:
        return []
    agreed = {}
    rows = Agreement.objects.filter(node__in=handoffs).values_list("node_id", "department_id", "definition")
    for node_id, department_id, definition in rows:
        agreed.setdefault(node_id, {})[department_id] = definition
    result = []
    for node in handoffs:
        parent = by_id[node.parent_id]
        found = agreed.get(node.pk, {})
        if any(found.get(department) != node.definition for department in (node.department_id, parent.department_id)):
            node.handoff_parent = parent
            result.append(node)
    return result


def _leads(department_ids):
    return Membership.objects.filter(
        department_id__in=department_ids, role=Membership.Role.LEAD, user__is_active=True
    ).values_list("user_id", "department_id")


@receiver(post_create_historical_record)
def _definition_changed(sender, instance, history_instance, **kwargs):
    """A node's definition changed: its agreements no longer hold; the leads of both departments hear of it."""
    if not isinstance(instance, Node) or "definition" not in (history_instance.history_changes or {}):
        return
    if history_instance.history_type == "+":
        return
    had = Agreement.objects.filter(node=instance)
    had_any = had.exists()
    had.delete()
    parent = Node.objects.filter(pk=instance.parent_id).only("department_id").first()
    if not is_handoff(instance, parent) and not had_any:
        return
    departments = {instance.department_id, parent.department_id if parent else None} - {None}
    reaches = [
        (user_id, Notice.Kind.DEFINITION_CHANGED, department_id) for user_id, department_id in _leads(departments)
    ]
    notices.deliver(node=instance, actor=history_instance.history_user, reaches=reaches)
