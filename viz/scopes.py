"""Module scopes (``value.scope``, e.g. ``layers.1.neurons.3``): clusters and collapsed boxes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from autograd import Value


def module_path(scope: str) -> list[str]:
    """The modules a scope lies in, outermost first: ``layers.1.neurons.3`` ->
    ``["layers.1", "layers.1.neurons.3"]`` (a module name ends in its index)."""
    if not scope:
        return []
    parts = scope.split(".")
    path = [".".join(parts[: k + 1]) for k in range(len(parts) - 1) if parts[k].isdigit()]
    if not path or path[-1] != scope:
        path.append(scope)
    return path


def natural(text: str) -> list[tuple[int, int | str]]:
    """Sort key that orders ``neurons.2`` before ``neurons.10``."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


def scope_boxes(order: Sequence[Value], root: Value) -> dict[str, int]:
    """Collapsing: each distinct non-empty scope becomes one box; ``{scope: output index}``,
    the output being the last node of the scope that is the root or feeds another scope."""
    position = {node: i for i, node in enumerate(order)}
    outputs: dict[str, int] = {}
    for i, node in enumerate(order):
        if node.scope and node is root:
            outputs[node.scope] = i
        for parent in node.parents:
            if parent.scope and parent.scope != node.scope:
                p = position[parent]
                outputs[parent.scope] = max(outputs.get(parent.scope, -1), p)
    last: dict[str, int] = {}
    for i, node in enumerate(order):
        if node.scope:
            last[node.scope] = i
    for scope, i in last.items():  # a scope nobody reads from (unusual): its last node
        outputs.setdefault(scope, i)
    return outputs


def count_drawn(order: Sequence[Value], boxes: dict[str, int]) -> int:
    count = len(boxes)
    for node in order:
        if node.scope not in boxes:
            count += 2 if node.parents else 1
    return count
