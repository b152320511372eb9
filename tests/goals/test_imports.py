"""goals owns the structure and never imports metrics (numbers over time): metrics imports goals, not the other way.

Every module of goals/ (migrations aside) is read with `ast`, and any import of `metrics` (or a module below it)
fails, wherever it is: at the top, or inside a function.
"""

import ast
from pathlib import Path

from django.conf import settings

GOALS = Path(settings.BASE_DIR) / "goals"

ALLOWED: set[str] = set()


def _metrics_imports(path):
    """(line, text) of every import of metrics in the module at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "metrics" or name.startswith("metrics.") for name in names):
            found.append((node.lineno, ast.unparse(node)))
    return found


def _goals_modules():
    for path in sorted(GOALS.rglob("*.py")):
        relative = path.relative_to(GOALS.parent).as_posix()
        if "/migrations/" not in relative:
            yield relative, path


def test_goals_never_imports_metrics():
    offenders = [
        f"{relative}:{line}: {text}"
        for relative, path in _goals_modules()
        if relative not in ALLOWED
        for line, text in _metrics_imports(path)
    ]
    assert offenders == []


def test_the_check_finds_imports_anywhere(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import metrics\nfrom metrics.engine import compute\nimport metricsx\n"
        "def f():\n    from metrics import models\n    import goals.metrics_like\n",
        encoding="utf-8",
    )
    assert [line for line, _text in _metrics_imports(module)] == [1, 2, 5]
