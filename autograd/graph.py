"""Ordering a computation graph: parents before children, without recursion."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each once, parents before children, root last.

    Iterative depth-first search (an explicit stack instead of recursion), so a chain a
    million nodes deep is fine. A node is appended once all of its parents have been.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # come back to it after its parents
            for parent in node.parents:
                if parent not in visited:
                    stack.append((parent, False))
    return order
