"""The engine's warnings in words (metrics.warnings), and the engine itself holding none."""

import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import translation

from metrics import warnings as wording
from metrics.engine import (
    DIVISION_BY_ZERO,
    FORMULA_ERROR,
    MISSING_INPUT,
    EngineWarning,
    NodeData,
    TreeData,
    compute,
)

WEEKS = tuple(date(2026, 4, 6) + timedelta(weeks=i) for i in range(5))
TREE = TreeData(
    code="t",
    weeks=WEEKS,
    warning_threshold=Decimal(90),
    nodes=(
        NodeData("rate", name="受注率", formula="deals / leads * 100", aggregation="recompute"),
        NodeData("deals", name="受注件数", parent="rate"),
        NodeData("leads", name="リード数", parent="rate"),
    ),
)


def test_a_warning_in_japanese_names_nodes_and_weeks():
    warning = EngineWarning(DIVISION_BY_ZERO, "rate", weeks=WEEKS[:2])
    with translation.override("ja"):
        text = wording.warning_message(warning, TREE)
    assert text == "「受注率」は2週（4/6週、4/13週）で0による割り算になるため、その週は値なしとして表示しています。"


def test_only_the_first_three_weeks_are_listed():
    warning = EngineWarning(MISSING_INPUT, "rate", weeks=WEEKS, inputs=("leads",))
    with translation.override("en"):
        text = wording.warning_message(warning, TREE)
    assert text == (
        "“受注率” cannot be computed for 5 weeks (w/c 6 Apr, w/c 13 Apr, w/c 20 Apr, …) "
        "because there is no entry for “リード数”. Enter the missing numbers."
    )


def test_a_node_without_a_name_is_named_by_its_code():
    tree = TreeData("t", WEEKS, Decimal(90), (NodeData("rate", formula="a / b"),))
    with translation.override("en"):
        text = wording.warning_message(EngineWarning(DIVISION_BY_ZERO, "rate", weeks=WEEKS[:1]), tree)
    assert text.startswith("“rate” divides by zero in 1 week (w/c 6 Apr)")


def test_a_formula_error_is_worded_in_the_language_of_the_reader_not_of_the_computation():
    tree = TreeData(
        "t", WEEKS, Decimal(90), (NodeData("total", name="合計", formula="a +"), NodeData("a", parent="total"))
    )
    with translation.override("en"):
        progress = compute(tree, {}, WEEKS[0])
    (warning,) = progress.warnings
    assert warning.kind == FORMULA_ERROR
    with translation.override("ja"):
        japanese = wording.warning_message(warning, tree)
    with translation.override("en"):
        english = wording.warning_message(warning, tree)
    assert japanese.startswith("「合計」の計算式を使えないため、値なしとして表示しています。")
    assert english.startswith("The formula of “合計” cannot be used, so its values are shown as missing: ")
    assert japanese.removeprefix("「合計」の計算式を使えないため、値なしとして表示しています。") not in english


def test_warning_messages_keep_the_order_and_equal_each_warning_message():
    progress = compute(TREE, {"deals": {WEEKS[0]: Decimal(1)}, "leads": {WEEKS[0]: Decimal(0)}}, WEEKS[2])
    assert [warning.kind for warning in progress.warnings] == [DIVISION_BY_ZERO, MISSING_INPUT]
    with translation.override("en"):
        texts = wording.warning_messages(progress.warnings, TREE)
        assert texts == [wording.warning_message(warning, TREE) for warning in progress.warnings]
        assert texts == [warning.message(TREE) for warning in progress.warnings]  # the engine's type delegates
    assert texts[0].startswith("“受注率” divides by zero in 1 week")
    assert texts[1].startswith("“受注率” cannot be computed for 2 weeks")


def test_a_kind_it_does_not_know_is_given_as_it_is():
    assert wording.warning_message(EngineWarning("something_new", "rate"), TREE) == "something_new"


def test_the_engine_holds_no_wording_and_no_orm():
    """metrics.engine imports neither translation, formatting nor the database (docs: pure functions)."""
    forbidden = ("django.utils.translation", "django.db", "goals.formatting", "goals.models", "metrics.models")
    for path in sorted((Path(settings.BASE_DIR) / "metrics" / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
