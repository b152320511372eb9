"""A baseline history row for every tree, node and initiative as they stand when field history begins.

Each later change is shown as the difference from the row before it; the baseline is that first row. Pages do
not list it (it is not a change). Changes recorded before (LegacyChange) stay as they were and are listed after
the newer ones.
"""

from django.db import migrations
from django.utils import timezone

BASELINE = "baseline"


def _copy(model, history_model, rows, now, changes_of=None):
    tracked = [f.attname for f in history_model._meta.concrete_fields if not f.attname.startswith("history_")]
    history_model.objects.bulk_create(
        [
            history_model(
                **{name: getattr(row, name) for name in tracked},
                history_date=now,
                history_type="+",
                history_change_reason=BASELINE,
                history_changes=changes_of(row) if changes_of else {},
            )
            for row in rows
        ],
        batch_size=500,
    )


def _plain(value):
    text = format(value.normalize() if value == value.to_integral() else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _initiative_summary(initiative):
    """As goals.history.initiative_summary writes it."""
    end = initiative.end_date.isoformat() if initiative.end_date else ""
    parts = [f"{initiative.start_date.isoformat()}–{end}"]
    if initiative.cost is not None:
        parts.append(_plain(initiative.cost))
    parts.append(", ".join(sorted(node.code for node in initiative.nodes.all())))
    return f"{initiative.title} ({'; '.join(parts)})"


def forwards(apps, schema_editor):
    now = timezone.now()
    for name in ("Tree", "Node"):
        model = apps.get_model("goals", name)
        _copy(model, apps.get_model("goals", "Historical" + name), model.objects.order_by("pk").iterator(), now)
    Initiative = apps.get_model("goals", "Initiative")
    _copy(
        Initiative,
        apps.get_model("goals", "HistoricalInitiative"),
        Initiative.objects.prefetch_related("nodes").order_by("pk"),
        now,
        lambda initiative: {"initiative": ["", _initiative_summary(initiative)]},
    )


def backwards(apps, schema_editor):
    for name in ("HistoricalTree", "HistoricalNode", "HistoricalInitiative"):
        apps.get_model("goals", name).objects.filter(history_change_reason=BASELINE).delete()


class Migration(migrations.Migration):
    dependencies = [("goals", "0002_field_history_and_data_version")]

    operations = [migrations.RunPython(forwards, backwards)]
