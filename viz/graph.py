"""``draw_graph``: a computation graph as a Graphviz ``Digraph``.

Each value is a box (label, data, grad) coloured by its role; each operation is its own small
node between its parents and its result. After a backward pass every parent -> operation edge
is as wide and as dark as the gradient it carried back, |contribution| = |local * dL/dnode|.

The DOT statements are written by ``builder.GraphBuilder``, the styles live in ``style``, the
module scopes (clusters, collapsed boxes) in ``scopes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd import Value, topological_order

from .builder import GraphBuilder
from .scopes import count_drawn, scope_boxes

if TYPE_CHECKING:
    import graphviz

RANKDIRS = ("LR", "TB", "RL", "BT")


def draw_graph(
    root: Value,
    rankdir: str = "LR",
    precision: int = 4,
    group: str | None = None,
    collapse: bool = False,
    max_nodes: int | None = 500,
    title: str = "",
) -> graphviz.Digraph:
    """The graph ``root`` was computed from, as a ``graphviz.Digraph``.

    ``group="module"`` draws the nodes each module created in a labelled cluster (from
    ``value.scope``); ``collapse=True`` draws each module (each neuron) as one box with its
    output's data and grad, its weights in the tooltip; sibling boxes that do not feed each
    other (a layer's neurons) stand in one column in index order, headed by their module's
    name when ``group="module"``. More than ``max_nodes`` boxes to draw is a ``ValueError``:
    collapse, or draw the graph of one example. ``title`` is written above the picture.
    """
    _check_options(root, rankdir, precision, group, max_nodes)
    if not isinstance(title, str):
        raise TypeError(f"draw_graph: title must be a str, got {type(title).__name__}")
    order = topological_order(root)
    boxes = scope_boxes(order, root) if collapse else {}
    drawn = count_drawn(order, boxes)
    if max_nodes is not None and drawn > max_nodes:
        hint = (
            "draw the graph of a single example, or pass a larger max_nodes"
            if collapse
            else "pass collapse=True to draw each neuron as one box, draw the graph of a "
            "single example, or pass a larger max_nodes"
        )
        raise ValueError(
            f"draw_graph: the graph has {drawn} nodes to draw, more than max_nodes={max_nodes}; "
            + hint
        )
    builder = GraphBuilder(order, root, rankdir, precision, title=title)
    if collapse:
        builder.add_collapsed(boxes, group == "module")
    else:
        builder.add_all(group == "module")
    return builder.graph


def _check_options(
    root: object, rankdir: str, precision: int, group: str | None, max_nodes: int | None
) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 1:
        raise ValueError(f"draw_graph: precision must be an int >= 1, got {precision!r}")
    if group not in (None, "module"):
        raise ValueError(f"draw_graph: group must be None or 'module', got {group!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be an int >= 1 or None, got {max_nodes!r}")
