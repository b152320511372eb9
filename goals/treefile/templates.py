"""Tree templates: tree files in goals/tree_templates/. `list_templates()` reads the folder, so adding a
template needs no code; `create_tree_from_template(...)` builds a tree from one for a chosen period."""

import re
from dataclasses import dataclass
from pathlib import Path

from goals import periods
from goals.models import Tree
from goals.treefile.decoding import loads
from goals.treefile.errors import TreeFileError
from goals.treefile.importing import import_tree
from goals.treefile.reading import read_tree_file
from goals.treefile.schema import WEEK_STARTS

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "tree_templates"


@dataclass(frozen=True)
class TreeTemplate:
    """A template file in goals/tree_templates/: `key` is its file name without .json."""

    key: str
    name: str
    kgi: str
    node_count: int
    departments: tuple[str, ...]


def list_templates() -> list[TreeTemplate]:
    """The templates in the folder, by file name; files that are not readable tree files are left out."""
    templates = []
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        try:
            data = loads(path.read_bytes())
            spec = read_tree_file(data)
        except (OSError, TreeFileError):
            continue
        kgi = next(node for node in spec.nodes if node.parent is None)
        departments = tuple(dict.fromkeys(node.department for node in spec.nodes if node.department))
        templates.append(TreeTemplate(path.stem, spec.name, kgi.name, len(spec.nodes), departments))
    return templates


def load_template(key) -> dict:
    """The decoded template file `key` (a name from list_templates); LookupError when there is none."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key or ""):
        raise LookupError(key)
    path = TEMPLATE_DIR / f"{key}.json"
    if not path.is_file():
        raise LookupError(key)
    return loads(path.read_bytes())


def create_tree_from_template(template_name, code, name, period_start, period_end, user=None, department=None) -> Tree:
    """A new tree built from a template for the chosen period; TreeFileError when the code is taken.

    The template's own code, name and period are placeholders: they are replaced. Its weights are kept
    only when they fit the chosen period's weeks.
    """
    data = load_template(template_name)
    data["code"] = code
    data["name"] = name
    data["period"] = {"start": period_start.isoformat(), "end": period_end.isoformat()}
    week_start = WEEK_STARTS.index(data.get("week_start") or "monday") if data.get("week_start") in WEEK_STARTS else 0
    week_count = len(periods.period_weeks(period_start, period_end, week_start))
    for node in data.get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("weights"), list) and len(node["weights"]) != week_count:
            node["weights"] = None
    return import_tree(data, user, department=department, replace=False)
