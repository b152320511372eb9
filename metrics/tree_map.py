"""The tree as a picture (the KPI tree as people draw it in slides): where each box and link goes.

Pure Python, no query: from the dashboard's outline rows (metrics.reports.outline, numbers from
metrics.progress) to boxes with their figures and elbow links with their operators, which
templates/metrics/tree_map.html draws as SVG. The page's outline is the picture's text equivalent.

Decisions where docs/numbers.md leaves a choice:
- Layout: a tidy tree. Leaves take consecutive slots across the page; a parent sits midway between its first
  and last child; each level is one column (left to right) or one row (top down). Boxes never overlap and a
  parent is always left of (above) its children.
- A link's operator is the operation that takes the child in the parent's formula or breakdown: in
  `deals * avg_price` both links read ×, in `(a + b) * c` a and b read + and c reads ×; a child used alone
  (`= a`) reads =. A child the parent's math does not use (every child of a measured node without a
  breakdown, and a child a formula or breakdown leaves out) is a driver: a dashed link and the word in its box.
- Figures are the dashboard's: actual and target to date in headline form (万/億; K/M in English) from 10,000
  up, as the dashboard's headline shows them, the exact figure in the box's tooltip; achievement with one
  decimal; status as icon, word and colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from goals import formatting
from goals.formulas import FormulaError, parse
from metrics.reports import Row

BOX_WIDTH = 196
BOX_HEIGHT = 108
LEVEL_GAP = 48  # between levels, where the elbows bend
SIBLING_GAP = 20  # between boxes of one level
MARGIN = 12
NAME_WIDTH = 164  # px available for the name (box less padding and the status bar)
NAME_LINES = 2

SYMBOLS = {"*": "×", "/": "÷", "+": "+", "-": "−", "neg": "−"}
RIGHT, DOWN = "right", "down"


@dataclass
class Box:
    row: Row
    x: int
    y: int
    name_lines: list[str]
    actual: str
    target: str
    exact: str  # the figures in full, for the tooltip
    achievement: str
    is_driver: bool = False
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def node(self):
        return self.row.node

    @property
    def status(self):
        return self.row.status

    @property
    def status_word(self):
        return formatting.STATUS_LABELS.get(self.row.status, self.row.status)


@dataclass
class Link:
    parent: Box
    child: Box
    path: str
    operator: str  # ×, ÷, +, −, = or "" (driver, or math that cannot be read)
    label_x: int
    label_y: int

    @property
    def is_driver(self):
        return self.child.is_driver


@dataclass
class Picture:
    direction: str
    boxes: list[Box] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    width: int = 0
    height: int = 0


def operators(text: str) -> dict[str, str] | None:
    """{code: symbol} of the operation that takes each code in a formula or breakdown; None when unreadable."""
    if not text or not text.strip():
        return None
    try:
        formula = parse(text)
    except FormulaError:
        return None
    found = {}
    stack = []  # each item: a code (str) when it is a bare reference, else None
    for op, argument in formula.program:
        if op == "ref":
            stack.append(argument)
        elif op == "num":
            stack.append(None)
        elif op == "neg":
            operand = stack.pop()
            if operand is not None:
                found.setdefault(operand, SYMBOLS["neg"])
            stack.append(None)
        else:
            right, left = stack.pop(), stack.pop()
            for operand in (left, right):
                if operand is not None:
                    found.setdefault(operand, SYMBOLS[op])
            stack.append(None)
    if stack and stack[-1] is not None:  # the whole formula is one code
        found.setdefault(stack[-1], "=")
    return found


def parent_math(node) -> dict[str, str] | None:
    """The operators of a node's formula, else of its breakdown (measured nodes); None when it has neither."""
    if node.is_formula:
        return operators(node.formula)
    breakdown = getattr(node, "breakdown", "") or ""
    return operators(breakdown) if breakdown.strip() else None


def _char_width(char):
    """Rough width of a character at 14px: wide for CJK and full-width forms, narrow for Latin."""
    return 14 if ord(char) > 0x2E7F else 8


def wrap(text: str, width: int = NAME_WIDTH, lines: int = NAME_LINES) -> list[str]:
    """`text` cut into at most `lines` lines of about `width` px; an ellipsis when it does not fit."""
    result, current, used = [], "", 0
    for char in text:
        size = _char_width(char)
        if used + size > width:
            result.append(current)
            current, used = "", 0
            if len(result) == lines:
                last = result[-1]
                result[-1] = last[:-1] + "…" if last else "…"
                return result
        current += char
        used += size
    result.append(current)
    return result


def _figure(value, unit):
    shown = formatting.to_decimal(value)
    if shown is None or formatting.is_too_large(shown):
        return "—"
    if abs(shown) >= Decimal(10000) and unit != "%":
        return formatting.headline(shown, unit)
    # Below 10,000: as every summary shows it (counts whole, rounded half up; % one decimal).
    return formatting.number(formatting.summary_value(shown, unit), unit)


def _exact(value, unit):
    shown = formatting.to_decimal(value)
    if shown is None or formatting.is_too_large(shown):
        return "—"
    return formatting.number(shown, unit)


def _box(row, is_driver):
    result, unit = row.progress, row.node.unit
    actual, target = _figure(result.actual_to_date, unit), _figure(result.target_to_date, unit)
    achievement = result.achievement
    shown = formatting.to_decimal(achievement)
    return Box(
        row=row,
        x=0,
        y=0,
        name_lines=wrap(row.node.name),
        actual=actual,
        target=target,
        exact=f"{_exact(result.actual_to_date, unit)} / {_exact(result.target_to_date, unit)}",
        achievement="—" if shown is None or formatting.is_too_large(shown) else formatting.percent(shown),
        is_driver=is_driver,
    )


def layout(roots: list[Row], direction: str = RIGHT) -> Picture:
    """Boxes and links of the outline `roots`, left to right (RIGHT) or top down (DOWN)."""
    direction = DOWN if direction == DOWN else RIGHT
    picture = Picture(direction=direction)
    across_step = (BOX_HEIGHT if direction == RIGHT else BOX_WIDTH) + SIBLING_GAP
    level_step = (BOX_WIDTH if direction == RIGHT else BOX_HEIGHT) + LEVEL_GAP
    slot = 0
    links = []
    # Depth first without recursion: (row, box of its parent, operators of the parent's math, depth, visited).
    stack = [(row, None, None, 0, False) for row in reversed(roots)]
    boxes = {}
    while stack:
        row, parent_box, math, depth, visited = stack.pop()
        if not visited:
            is_driver = parent_box is not None and (math is None or row.node.code not in math)
            box = _box(row, is_driver)
            boxes[id(row)] = box
            picture.boxes.append(box)
            if parent_box is not None:
                links.append((parent_box, box, "" if math is None else math.get(row.node.code, "")))
            stack.append((row, parent_box, math, depth, True))
            own_math = parent_math(row.node)
            stack.extend((child, box, own_math, depth + 1, False) for child in reversed(row.children))
            continue
        box = boxes[id(row)]
        if row.children:
            first, last = boxes[id(row.children[0])], boxes[id(row.children[-1])]
            across = (_across(first, direction) + _across(last, direction)) // 2
        else:
            across = slot * across_step
            slot += 1
        _place(box, direction, MARGIN + depth * level_step, across)
    # Positions were placed without the margin across: add it now.
    for box in picture.boxes:
        if direction == RIGHT:
            box.y += MARGIN
        else:
            box.x += MARGIN
    picture.links = [_link(parent, child, operator, direction) for parent, child, operator in links]
    if picture.boxes:
        picture.width = max(box.x + box.width for box in picture.boxes) + MARGIN
        picture.height = max(box.y + box.height for box in picture.boxes) + MARGIN
    return picture


def _across(box, direction):
    return box.y if direction == RIGHT else box.x


def _place(box, direction, level, across):
    if direction == RIGHT:
        box.x, box.y = level, across
    else:
        box.x, box.y = across, level


def _link(parent, child, operator, direction):
    """An elbow from the parent's edge to the child's, bending halfway between their levels."""
    if direction == RIGHT:
        x1, y1 = parent.x + parent.width, parent.y + parent.height // 2
        x2, y2 = child.x, child.y + child.height // 2
        bend = x1 + (x2 - x1) // 2
        path = f"M{x1},{y1} H{bend} V{y2} H{x2}"
        label = (bend + (x2 - bend) // 2, y2)
    else:
        x1, y1 = parent.x + parent.width // 2, parent.y + parent.height
        x2, y2 = child.x + child.width // 2, child.y
        bend = y1 + (y2 - y1) // 2
        path = f"M{x1},{y1} V{bend} H{x2} V{y2}"
        label = (x2, bend + (y2 - bend) // 2)
    return Link(parent=parent, child=child, path=path, operator=operator, label_x=label[0], label_y=label[1])
