"""How a node is named and how an expression reads: one renderer for ``BackwardStep.explain()``,
the stepper, its page and its table of gradients.

A node's name is its label; an unlabelled constant is its value (``0.5``); an unlabelled
result is the expression it computes from named nodes while that stays short
(``tanh(w * x + b)``: brackets only where precedence needs them), else its operation and its
number among the graph's results of that operation in topological order (``[dot 2]``).
Wherever a name is embedded (an operand, ``dL/dname``), a name that holds an operator or a
space is bracketed: ``d(x1*w1 + b)``. The derivative is named after the root: ``dE/dw`` when
the root is labelled ``E``; ``L`` stands for an unlabelled root.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

DIGITS = 6  # significant digits in explanations unless a caller asks for others
LIMIT = 24  # longest expression used as a name; longer ones get "[op k]"

# how tightly an operation binds its operands: a weaker operand gets brackets
_BINARY = {"+": 1, "-": 1, "*": 2, "/": 2}
_ATOMIC = re.compile(r"[\w.'\[\]#]+")  # no operator, no space: needs no brackets


def fmt(x: float, digits: int = DIGITS) -> str:
    """A float for people: ``digits`` significant digits, shown as Python shows floats
    (1.0, -3.0, 0.761594, 1e-10); inf and nan as Python spells them."""
    if not math.isfinite(x):
        return repr(x)
    return repr(float(f"{x:.{digits}g}"))


def bracket(text: str) -> str:
    """``text`` as one operand: bracketed unless it is a plain word or a non-negative number."""
    return text if _ATOMIC.fullmatch(text) else f"({text})"


class Names:
    """One name per node, the same wherever it appears (text, table, title).

    ``Names(root)`` numbers the unlabelled results of ``root``'s graph per operation in
    topological order, so ``[dot 2]`` always means the same node. Labels are read when a name
    is asked for (a label set later is used).
    """

    def __init__(
        self,
        order: Sequence[Value],
        root: Value | None = None,
        limit: int = LIMIT,
        numbers: dict[int, int] | None = None,
        aliases: dict[int, str] | None = None,
    ) -> None:
        self.root = root if root is not None else (order[-1] if order else None)
        self.limit = limit
        # id(node) -> its number among the results of its op; the ids stay valid while the
        # root lives (it holds every node of its graph)
        self._number = numbers if numbers is not None else _numbering(order)
        self.aliases = aliases if aliases is not None else {}  # id(node) -> a name given
        # id(node) -> (node, its spelled-out expression, 0) or (node, None, n): longer than
        # n characters (the node is kept, so that its id is not reused)
        self._memo: dict[int, tuple[Value, str | None, int]] = {}

    # ---- names -----------------------------------------------------------------------

    def __call__(self, node: Value) -> str:
        """The name standing alone (a table row, a title): ``x``, ``0.5``, ``w * x + b``."""
        if id(node) in self.aliases:
            return self.aliases[id(node)]
        if node.label:
            return node.label
        if not node.parents:
            return fmt(node.data)
        text = self._spelled(node, self.limit)
        return text if text is not None else self.fallback(node)

    def fallback(self, node: Value) -> str:
        number = self._number.get(id(node))
        return f"[{node.op} {number}]" if number is not None else f"[{node.op}]"

    def operand(self, node: Value, binding: int = 9) -> str:
        """The name inside an expression whose operation binds with strength ``binding``."""
        if id(node) in self.aliases:
            return bracket(self.aliases[id(node)])
        if node.label:
            return bracket(node.label)
        if not node.parents:
            return bracket(fmt(node.data))
        text = self._spelled(node, self.limit)
        if text is None:
            return self.fallback(node)
        return text if _strength(node) >= binding else f"({text})"

    def wrt(self, node: Value) -> str:
        """The name after a ``d``: ``dx``, ``d(2.0)``, ``d(w * x)``, ``d[dot 2]``."""
        text = self(node)
        if not node.label and node.parents and text == self.fallback(node):
            return text
        return bracket(text) if not (text[0] == "-" or text[0].isdigit()) else f"({text})"

    def root_name(self) -> str:
        """The root as it heads a derivative: its label (bracketed if needed), else ``L``."""
        if self.root is None or not self.root.label:
            return "L"
        return self.wrt(self.root)

    def d(self, top: str, node: Value) -> str:
        """``d{top}/d{node}``."""
        return f"d{top}/d{self.wrt(node)}"

    # ---- expressions -----------------------------------------------------------------

    def _spelled(self, node: Value, budget: int) -> str | None:
        """``node``'s expression spelled out down to named nodes (labels, constants), or None
        when it is longer than ``budget`` characters.

        A name is this expression when it fits in ``limit``, else ``[op k]``; so a node is
        called the same alone and inside another name (an expression that fits is made of
        parts that fit). Each level adds at least one character (an operator, brackets), so
        the search goes at most ``budget`` levels deep and never walks a whole long chain."""
        known = self._memo.get(id(node))
        if known is not None and known[0] is node:
            _, text, longer_than = known
            if text is not None:
                return text if len(text) <= budget else None
            if budget <= longer_than:
                return None
        parents = node.parents
        overhead = len(render(node.op, [""] * len(parents)))
        left = budget - max(1, overhead)
        args: list[str] = []
        for j, parent in enumerate(parents):
            room = left - (len(parents) - j - 1)  # each later operand takes a character
            if parent.label or not parent.parents or id(parent) in self.aliases:
                arg = self.operand(parent)
            else:
                inner = self._spelled(parent, room) if room > 0 else None
                if inner is None:
                    arg = ""
                else:
                    arg = inner if _strength(parent) >= _needs(node, j) else f"({inner})"
            if not arg or len(arg) > room:
                self._memo[id(node)] = (node, None, budget)
                return None
            left -= len(arg)
            args.append(arg)
        text = render(node.op, args)
        if len(text) > budget:
            self._memo[id(node)] = (node, None, budget)
            return None
        self._memo[id(node)] = (node, text, 0)
        return text


def _numbering(order: Sequence[Value]) -> dict[int, int]:
    number: dict[int, int] = {}
    counts: dict[str, int] = {}
    for node in order:
        if node.parents:
            counts[node.op] = counts.get(node.op, 0) + 1
            number[id(node)] = counts[node.op]
    return number


def _strength(node: Value) -> int:
    """How tightly ``node``'s own expression holds together (higher: fewer brackets)."""
    op = node.op
    if op in _BINARY:
        return _BINARY[op]
    if op == "sum" and len(node.parents) == 1:
        return 9  # sum(a)
    if op in ("sum", "dot"):
        return 1
    if op == "neg":
        return 3
    if op.startswith("**"):
        return 4
    return 9  # a function call or a name


def _needs(node: Value, slot: int) -> int:
    """The least strength operand ``slot`` of ``node`` may have without brackets."""
    op = node.op
    if op in ("+", "sum"):
        return 1
    if op == "-":
        return 1 if slot == 0 else 2  # a - (b + c)
    if op == "*":
        return 2
    if op == "/":
        return 2 if slot == 0 else 3  # a / (b * c)
    if op == "dot":
        return 3  # each product w*x holds its operands
    if op == "neg":
        return 3
    if op.startswith("**"):
        return 5
    return 0  # a function's argument is bracketed by the call itself


def render(op: str, args: Sequence[str], limit: int = 4) -> str:
    """An operation applied to operand texts that are already bracketed as needed:
    ``a * b``, ``-a``, ``a**2``, ``tanh(a)``, ``abs(a)``, ``w0*x0 + w1*x1``.
    Long sums and dot products show their first and last terms."""
    if op in _BINARY:
        return f" {op} ".join(args)
    if op.startswith("**") and len(args) == 1:
        return f"{args[0]}{op}"
    if op == "neg":
        return f"-{args[0]}"
    if op == "sum":
        return _terms(args, " + ", limit) if len(args) != 1 else f"sum({args[0]})"
    if op == "dot":
        half = len(args) // 2
        return _terms([f"{w}*{x}" for w, x in zip(args[:half], args[half:])], " + ", limit)
    return f"{op}({', '.join(args)})"  # tanh, exp, log, sqrt, sigmoid, relu, abs, x**y


def _terms(items: Sequence[str], sep: str, limit: int) -> str:
    if len(items) <= limit:
        return sep.join(items)
    return sep.join([*items[: limit - 1], f"... ({len(items) - limit} more)", items[-1]])


def _number(x: float, digits: int) -> str:
    text = fmt(x, digits)
    return f"({text})" if text.startswith("-") else text


# ---- explanations ------------------------------------------------------------------------


def forward_line(node: Value, names: Names, digits: int = DIGITS, kind: str = "") -> str:
    """How ``node`` got its value: ``n = w * x + b = -1.5 + 0.5 = -1.0``; a leaf:
    ``x = 2.0 (input)`` or ``constant 0.5``."""
    result = fmt(node.data, digits)
    if not node.parents:
        if not node.label:
            return f"constant {result}"
        return f"{node.label} = {result}" + (f" ({kind})" if kind else "")
    symbolic = render(
        node.op, [names.operand(p, _needs(node, j)) for j, p in enumerate(node.parents)]
    )
    numeric = render(
        node.op,
        [
            _number(p.data, digits)
            if _needs(node, j) and (j or node.op == "dot")
            else fmt(p.data, digits)
            for j, p in enumerate(node.parents)
        ],
    )
    name = names(node)  # a label, or [op k] when the expression is long: say what it is
    lhs = f"{name} = " if name != symbolic else ""
    return f"{lhs}{symbolic} = {numeric} = {result}"


def backward_line(
    node: Value,
    parent: Value,
    grad: float,
    local: float,
    contribution: float,
    names: Names,
    digits: int = DIGITS,
) -> str:
    """One parent's share of a backward step:
    ``dL/dw += dL/dn * dn/dw = 0.5 * 2.0 = 1.0``."""
    top = names.root_name()
    n = names.wrt(node)
    return (
        f"d{top}/d{names.wrt(parent)} += d{top}/d{n} * d{n}/d{names.wrt(parent)}"
        f" = {fmt(grad, digits)} * {fmt(local, digits)} = {fmt(contribution, digits)}"
    )


_numberings: weakref.WeakKeyDictionary[Value, dict[int, int]] = weakref.WeakKeyDictionary()


def names_for(root: Value) -> Names:
    """The ``Names`` of ``root``'s graph. Its numbering is computed once per root and kept
    while the root lives (a graph never changes below its root)."""
    numbers = _numberings.get(root)
    if numbers is None:
        from .graph import topological_order

        numbers = _numberings[root] = _numbering(topological_order(root))
    return Names((), root, numbers=numbers)
