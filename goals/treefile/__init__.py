"""Tree files (docs/files.md "Tree file"): reading, checking and writing them, tree templates, copying a tree.

- `loads(text)` decodes the JSON (numbers as Decimal), refusing oversized or deeply nested input first
  (decoding.py). `read_tree_file(data)` checks a decoded file and returns a `TreeSpec`, or raises
  `TreeFileError` listing every error by node code and key (reading.py, with the shape in schema.py).
- `import_tree(data, user)` creates the tree, or replaces the structure of the tree with that code, in
  one transaction (importing.py). `export_tree(tree)` writes the file as a dict; `dumps` makes it JSON
  text (exporting.py).
- Templates are tree files in goals/tree_templates/; `create_tree_from_template(...)` builds a tree from
  one for a chosen period (templates.py).
- `copy_tree(tree, ...)` builds the next period's tree from the structure (copying.py); metrics gives it
  the old period's actuals as baselines (metrics/copying.py).

No entries and no engine here: goals never imports metrics.
"""

from goals.treefile.copying import copy_tree, next_names, next_period
from goals.treefile.decoding import MAX_FILE_BYTES, MAX_NESTING, loads
from goals.treefile.errors import FileError, TreeFileError
from goals.treefile.exporting import dumps, export_tree, ordered_nodes
from goals.treefile.importing import ImportSummary, import_tree
from goals.treefile.reading import NodeSpec, TreeSpec, read_tree_file
from goals.treefile.schema import MAX_NODES, NODE_KEYS, TREE_KEYS, WEEK_STARTS
from goals.treefile.templates import (
    TEMPLATE_DIR,
    TreeTemplate,
    create_tree_from_template,
    list_templates,
    load_template,
)

__all__ = [
    "MAX_FILE_BYTES",
    "TEMPLATE_DIR",
    "MAX_NESTING",
    "MAX_NODES",
    "NODE_KEYS",
    "TREE_KEYS",
    "WEEK_STARTS",
    "FileError",
    "ImportSummary",
    "NodeSpec",
    "TreeFileError",
    "TreeSpec",
    "TreeTemplate",
    "copy_tree",
    "create_tree_from_template",
    "dumps",
    "export_tree",
    "import_tree",
    "list_templates",
    "load_template",
    "loads",
    "next_names",
    "next_period",
    "ordered_nodes",
    "read_tree_file",
]
