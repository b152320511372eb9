"""The tree's rules for formulas and breakdowns, and names in place of codes (docs/numbers.md "Formulas").

- A formula node's formula may use any active node of the tree except itself; it is refused when it would make
  a cycle. A cycle is followed through the formulas of formula nodes only: a measured node ends a path and its
  breakdown does not count (a breakdown never changes its node's value). The message names the path
  (``売上 → 受注件数 → 売上``).
- A breakdown belongs to a measured node and uses the codes of its active direct children only
  (:func:`goals.formulas.parser.check`).
- People type names or codes (:func:`to_codes`); formulas are stored with codes and shown with names
  (:func:`to_names`). Names match exactly, the longest first. A name that holds an operator character or a
  space-free run of digits cannot be told from the arithmetic around it, and a name that two nodes share is
  ambiguous: both are refused with a message that gives the code to type instead. Operators may be typed as
  × ÷ and full width (＋－＊／（）, full-width digits).

Plain Python over :class:`TreeNode` tuples; forms, the tree file, the health panel and the engine use it.
"""

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals.formulas.parser import Formula, FormulaError, _tokenize, check, parse

# What people type for the operators, parentheses and digits, and the character the grammar reads.
_SAME_AS = {
    "×": "*",
    "✕": "*",
    "＊": "*",
    "÷": "/",
    "／": "/",
    "＋": "+",
    "－": "-",
    "−": "-",
    "ー": None,  # the long vowel mark is a letter in names (ユーザー): never an operator
    "（": "(",
    "）": ")",
    "．": ".",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
}
_SAME_AS = {key: value for key, value in _SAME_AS.items() if value is not None}
_OPERATOR_CHARS = frozenset("+-*/()") | frozenset(_SAME_AS) - frozenset(chr(0xFF10 + i) for i in range(10)) - {"．"}
_WHITESPACE = frozenset(" \t\r\n\u3000")
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
ARROW = " → "


class TreeNode(NamedTuple):
    """One active node as the rules see it."""

    code: str
    name: str
    parent: str | None = None
    formula: str = ""
    breakdown: str = ""

    @property
    def is_formula(self):
        return bool(self.formula.strip())


def tree_nodes(nodes: Iterable) -> dict[str, TreeNode]:
    """code -> TreeNode from model nodes (or anything with code, name, parent code, formula, breakdown)."""
    result = {}
    for node in nodes:
        parent = getattr(node, "parent_code", None)
        if parent is None and getattr(node, "parent_id", None) is not None:
            parent = getattr(node.parent, "code", None)
        result[node.code] = TreeNode(node.code, node.name, parent, node.formula or "", node.breakdown or "")
    return result


def usable_name(name: str) -> bool:
    """Whether a name can be typed in a formula: no operator character, space, and not only digits."""
    stripped = name.strip()
    if not stripped or any(char in _OPERATOR_CHARS or char in _WHITESPACE for char in stripped):
        return False
    return not all(char.isdigit() or char == "." for char in stripped)


def _name_index(names: Mapping[str, str]):
    """name -> [codes], names longest first."""
    index = {}
    for code, name in names.items():
        if name.strip():
            index.setdefault(name.strip(), []).append(code)
    return sorted(index.items(), key=lambda item: -len(item[0]))


def to_codes(text: str, names: Mapping[str, str]) -> str:
    """`text` with every node name replaced by its code and × ÷ and full-width characters by the grammar's.

    `names` maps code -> name of the tree's active nodes. An ASCII word that is a code stays a code (when a
    name also starts there, the longer of the two wins). FormulaError for a name that cannot be used.
    """
    index = _name_index(names)
    pieces = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            pieces.append(" ")
            i += 1
            continue
        word_end = i
        while word_end < n and text[word_end] in _ASCII_WORD:
            word_end += 1
        word = text[i:word_end]
        match = next(((name, codes) for name, codes in index if text.startswith(name, i)), None)
        if match is not None and not (word in names and len(word) >= len(match[0])):
            name, codes = match
            if len(codes) > 1:
                raise FormulaError(
                    _("Several nodes are named “%(name)s”. Type the code of the one you mean: %(codes)s.")
                    % {"name": name, "codes": pgettext("list separator", ", ").join(codes)},
                    name,
                    i,
                )
            if not usable_name(name):
                raise FormulaError(
                    _(
                        "The name “%(name)s” contains an operator or a space, so it cannot be read in a formula. "
                        "Type its code instead: %(code)s."
                    )
                    % {"name": name, "code": codes[0]},
                    name,
                    i,
                )
            pieces.append(f" {codes[0]} ")
            i += len(name)
            continue
        if word:
            pieces.append(word)
            i = word_end
            continue
        pieces.append(_SAME_AS.get(char, char))
        i += 1
    return canonical("".join(pieces))


def to_names(text: str, names: Mapping[str, str]) -> str:
    """A stored formula for people: codes shown as names (a name that cannot be typed back stays a code), * as
    × and / as ÷. Text that does not parse is returned as it is."""
    if not text or not text.strip():
        return ""
    try:
        tokens = _tokenize(text)
    except FormulaError:
        return text
    counts = {}
    for name in names.values():
        counts[name.strip()] = counts.get(name.strip(), 0) + 1

    def piece(token):
        if token.kind == "ref":
            name = (names.get(token.text) or "").strip()
            return name if name and usable_name(name) and counts.get(name) == 1 else token.text
        if token.kind == "op":
            return {"*": "×", "/": "÷"}.get(token.text, token.text)
        return token.text

    return _render(tokens, piece)


def parts(text: str, names: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """A stored formula as pieces for a page: [(shown text, code or None)], names shown as in :func:`to_names`."""
    if not text or not text.strip():
        return []
    try:
        tokens = _tokenize(text)
    except FormulaError:
        return [(text, None)]
    return _render_pieces(tokens, names)


def _render_pieces(tokens, names):
    counts = {}
    for name in names.values():
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
    out = []
    for index, token in enumerate(tokens):
        spaced = index and token.kind != ")" and tokens[index - 1].kind != "("
        if spaced and not (token.kind != "op" and _is_unary(tokens, index - 1)):
            out.append((" ", None))
        if token.kind == "ref":
            name = (names.get(token.text) or "").strip()
            usable = name and usable_name(name) and counts.get(name) == 1
            out.append((name if usable else token.text, token.text))
        elif token.kind == "op":
            out.append(({"*": "×", "/": "÷"}.get(token.text, token.text), None))
        else:
            out.append((token.text, None))
    return out


def canonical(text: str) -> str:
    """A formula in codes as it is stored: one space around operators, none inside parentheses."""
    try:
        tokens = _tokenize(text)
    except FormulaError:
        return " ".join(text.split())
    return _render(tokens, lambda token: token.text)


def _render(tokens, piece):
    out = []
    for index, token in enumerate(tokens):
        if index and token.kind != ")" and tokens[index - 1].kind != "(":
            unary = token.kind != "op" and _is_unary(tokens, index - 1)
            out.append("" if unary else " ")
        out.append(piece(token))
    return "".join(out)


def _is_unary(tokens, index):
    token = tokens[index]
    if token.text != "-":
        return False
    return index == 0 or tokens[index - 1].kind in ("op", "(")


def _label(nodes, code):
    node = nodes.get(code)
    return node.name if node is not None and node.name else code


def cycle_path(code: str, formula: Formula, nodes: Mapping[str, TreeNode]) -> list[str] | None:
    """The codes of a cycle from `code` back to itself when `code` gets `formula`; None when there is none.

    Followed through the formulas of formula nodes only (a measured node ends a path).
    """
    parsed = {}

    def references(current):
        if current == code:
            return formula.references
        node = nodes.get(current)
        if node is None or not node.is_formula:
            return ()
        if current not in parsed:
            try:
                parsed[current] = parse(node.formula).references
            except FormulaError:
                parsed[current] = ()
        return parsed[current]

    # Depth-first with an explicit stack of (node, iterator of its references); `path` is the current chain.
    path = [code]
    on_path = {code}
    done = set()
    stack = [iter(references(code))]
    while stack:
        nxt = next(stack[-1], None)
        if nxt is None:
            stack.pop()
            left = path.pop()
            on_path.discard(left)
            done.add(left)
            continue
        if nxt == code:
            return [*path, code]
        if nxt in on_path or nxt in done:
            continue
        path.append(nxt)
        on_path.add(nxt)
        stack.append(iter(references(nxt)))
    return None


def check_formula(text: str, code: str, name: str, nodes: Mapping[str, TreeNode]) -> Formula:
    """Parse `text` (codes) as the formula of node `code`: every reference an active node other than itself, and
    no cycle. `nodes` are the tree's active nodes (the node itself included when it exists)."""
    formula = parse(text)
    for ref in formula.references:
        if ref == code:
            raise FormulaError(
                _("A formula cannot use its own node (%(path)s).") % {"path": ARROW.join([name or code] * 2)},
                ref,
                formula.position(ref),
            )
        if ref not in nodes:
            raise FormulaError(
                _(
                    "“%(code)s” at position %(position)s is not an active node of this tree. Use the name or code "
                    "of one of its nodes."
                )
                % {"code": ref, "position": formula.position(ref) + 1},
                ref,
                formula.position(ref),
            )
    path = cycle_path(code, formula, nodes)
    if path is not None:
        labels = [name or code] + [_label(nodes, step) for step in path[1:-1]] + [name or code]
        raise FormulaError(
            _("This formula would make a cycle: %(path)s. A formula cannot depend on itself.")
            % {"path": ARROW.join(labels)},
            path[1],
            formula.position(path[1]),
        )
    return formula


def check_breakdown(text: str, code: str, name: str, nodes: Mapping[str, TreeNode]) -> Formula:
    """Parse `text` (codes) as the breakdown of node `code`: its active direct children only."""
    children = {node.code: node.name for node in nodes.values() if node.parent == code}
    return check(text, children, name or code)


def formula_errors(nodes: Mapping[str, TreeNode]) -> dict[str, str]:
    """code -> message for every stored formula or breakdown that breaks the rules (keys "code" for formulas,
    "code:breakdown" for breakdowns)."""
    errors = {}
    for node in nodes.values():
        if node.is_formula:
            try:
                check_formula(node.formula, node.code, node.name, nodes)
            except FormulaError as error:
                errors[node.code] = error.message
        elif node.breakdown.strip():
            try:
                check_breakdown(node.breakdown, node.code, node.name, nodes)
            except FormulaError as error:
                errors[f"{node.code}:breakdown"] = error.message
    return errors


def users_of(code: str, nodes: Mapping[str, TreeNode]) -> list[tuple[TreeNode, str]]:
    """The nodes whose formula (formula nodes) or breakdown (measured nodes) uses `code`: [(node, "formula" or
    "breakdown")]."""
    found = []
    for node in nodes.values():
        if node.code == code:
            continue
        field = "formula" if node.is_formula else "breakdown"
        text = getattr(node, field)
        if not text.strip():
            continue
        try:
            refs = parse(text).references
        except FormulaError:
            continue
        if code in refs:
            found.append((node, field))
    return found
