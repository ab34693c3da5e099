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


def independent_columns(
    order: Sequence[Value], boxes: dict[str, int]
) -> list[tuple[str, list[str]]]:
    """Collapsing: the groups of sibling boxes that may stand in one ordered column,
    ``[(module, [scopes in natural order])]``, e.g. ``("layers.0", ["layers.0.neurons.0", ...])``.

    Siblings are the boxes directly inside one module (a layer's neurons). They form a column
    only when none of them depends on another (no path between them), as in every layer of
    an MLP; then drawing them side by side in one rank is faithful. A lone box is a column.
    """
    bit = {scope: 1 << k for k, scope in enumerate(boxes)}
    upstream: dict[Value, int] = {}  # node -> the boxes it depends on, as bits
    needs = dict.fromkeys(boxes, 0)  # box -> the other boxes it depends on
    for node in order:
        mask = 0
        for parent in node.parents:
            mask |= upstream[parent]
            if parent.scope in bit and parent.scope != node.scope:
                mask |= bit[parent.scope]
        upstream[node] = mask
        if node.scope in needs:
            needs[node.scope] |= mask
    siblings: dict[str, list[str]] = {}
    for scope in boxes:
        outer = module_path(scope)[:-1]
        siblings.setdefault(outer[-1] if outer else "", []).append(scope)
    columns = []
    for module, scopes in siblings.items():
        together = sum(bit[s] for s in scopes)
        if not any(needs[s] & together & ~bit[s] for s in scopes):
            columns.append((module, sorted(scopes, key=natural)))
    return columns
