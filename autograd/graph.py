"""Ordering a computation graph: parents before children, without recursion."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each once, parents before children, root last.

    Depth-first search with an explicit stack instead of recursion, so a chain a million
    nodes deep is fine. A node is looked at twice: the first time it pushes its parents,
    the second time (when they are all placed) it is placed itself.
    """
    order: list[Value] = []
    opened: set[Value] = set()  # parents pushed
    placed: set[Value] = set()  # in `order`
    stack = [root]
    while stack:
        node = stack[-1]
        if node not in opened:
            opened.add(node)
            for parent in reversed(node.parents):  # reversed: operands come out in order
                if parent not in opened:
                    stack.append(parent)
        else:
            stack.pop()
            if node not in placed:  # a node pushed by several children is placed once
                placed.add(node)
                order.append(node)
    return order
