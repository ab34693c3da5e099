"""``draw_graph``: a computation graph as a Graphviz ``Digraph``.

Each value is a box (label, data, grad) coloured by its role; each operation is its own small
node between its parents and its result. After a backward pass every parent -> operation edge
is as wide and as dark as the gradient it carried back, |contribution| = |local * dL/dnode|.

Element ids are stable, so a picture can be restyled later (the stepper does):
``v{i}`` is the i-th value in topological order, ``o{i}`` the operation that made it,
``e{i}_{j}`` the edge from its j-th parent into ``o{i}``, ``r{i}`` the edge ``o{i}`` -> ``v{i}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value, topological_order

from .roles import COLOURS, role
from .text import html_text, number

if TYPE_CHECKING:
    import graphviz

RANKDIRS = ("LR", "TB", "RL", "BT")
EDGE_GREY = (0xB8, 0xB8, 0xB8)
EDGE_HOT = (0xC2, 0x41, 0x0C)  # orange-red for the largest contribution


def draw_graph(
    root: Value,
    rankdir: str = "LR",
    precision: int = 4,
    group: str | None = None,
    collapse: bool = False,
    max_nodes: int | None = 500,
) -> graphviz.Digraph:
    """The graph ``root`` was computed from, as a ``graphviz.Digraph``.

    ``group="module"`` draws the nodes each module created in a labelled cluster (from
    ``value.scope``); ``collapse=True`` draws each module (each neuron) as one box with its
    output's data and grad, its weights in the tooltip. More than ``max_nodes`` boxes to
    draw is a ``ValueError``: collapse, or draw the graph of one example.
    """
    _check_options(root, rankdir, precision, group, max_nodes)
    order = topological_order(root)
    boxes = _scope_boxes(order, root) if collapse else {}
    drawn = _count_drawn(order, boxes)
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
    builder = _Builder(order, root, rankdir, precision)
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


# ---- contributions ---------------------------------------------------------------------


def contributions(
    order: Sequence[Value], root: Value
) -> dict[tuple[int, int], tuple[float, float]]:
    """``{(i, j): (local, contribution)}`` for the edge from parent j into node i, where
    contribution = d(node_i)/d(parent_j) * dL/d(node_i); empty before any backward pass."""
    if root.grad == 0.0 and root.parents:
        return {}
    found = {}
    for i, node in enumerate(order):
        if node.parents:
            for j, local in enumerate(node.local_grads()):  # type: ignore[misc]
                found[(i, j)] = (local, local * node.grad)
    return found


def edge_style(contribution: float, largest: float) -> dict[str, str]:
    """Width 1..5 and grey -> orange-red by |contribution| / largest (square root, so that
    small ones stay visible); dashed when nothing flowed back."""
    if contribution == 0.0 or largest == 0.0:
        return {"penwidth": "1", "color": _hex(EDGE_GREY), "style": "dashed"}
    t = min(1.0, abs(contribution) / largest) ** 0.5
    colour = tuple(round(a + (b - a) * t) for a, b in zip(EDGE_GREY, EDGE_HOT))
    return {"penwidth": f"{1 + 4 * t:.2f}", "color": _hex(colour)}


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


# ---- labels ----------------------------------------------------------------------------


def value_label(
    title: str, rows: Sequence[str], fill: str, *, width: int = 0, border: int = 1
) -> str:
    """An HTML-like label: a bold title row (if any) over one row per line of text."""
    size = f' WIDTH="{width}"' if width else ""
    cells = [f"<TR><TD{size}><B>{html_text(title)}</B></TD></TR>"] if title else []
    cells += [f"<TR><TD{size}>{html_text(row)}</TD></TR>" for row in rows]
    return (
        f'<<TABLE BORDER="{border}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{fill}">{"".join(cells)}</TABLE>>'
    )


def tooltip(text: str) -> str:
    """A tooltip attribute that shows ``text`` as it is. Graphviz expands escapes in tooltips
    twice (``\\\\N`` is still the node's name), so backslashes are doubled before
    ``graphviz.escape`` doubles them again."""
    import graphviz

    return graphviz.escape(text.replace("\\", "\\\\"))


def legend() -> str:
    swatches = "".join(
        f'<TD BGCOLOR="{COLOURS[name]}" BORDER="1">{name}</TD><TD> </TD>'
        for name in ("input", "parameter", "intermediate", "root")
    )
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="3"><TR>{swatches}</TR></TABLE>>'


# ---- scopes: clusters and collapsed boxes ----------------------------------------------


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


def _scope_boxes(order: Sequence[Value], root: Value) -> dict[str, int]:
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


def _count_drawn(order: Sequence[Value], boxes: dict[str, int]) -> int:
    count = len(boxes)
    for node in order:
        if node.scope not in boxes:
            count += 2 if node.parents else 1
    return count


# ---- building --------------------------------------------------------------------------


class _Builder:
    """Collects node and edge statements, then writes them (into clusters if asked)."""

    def __init__(
        self,
        order: Sequence[Value],
        root: Value,
        rankdir: str,
        precision: int,
        *,
        grads: dict[int, float] | None = None,
        edge_labels: dict[tuple[int, int], str] | None = None,
        cell_width: int = 0,
    ) -> None:
        """``grads`` (node -> grad shown, '?' when missing), ``edge_labels`` and ``cell_width``
        are for the stepper's layout, which draws the final frame and styles edges itself."""
        from .digraph import Digraph

        self.order = order
        self.root = root
        self.precision = precision
        self.position = {node: i for i, node in enumerate(order)}
        self.grads = grads
        self.edge_labels = edge_labels
        self.cell_width = cell_width
        self.contrib = contributions(order, root) if grads is None else {}
        self.largest = max((abs(c) for _, c in self.contrib.values()), default=0.0)
        self.graph = Digraph(
            "stepgrad",
            graph_attr={
                "rankdir": rankdir,
                "fontname": "Helvetica",
                "nodesep": "0.2",
                "ranksep": "0.35",
                "label": legend(),
                "labelloc": "b",
            },
            node_attr={"fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"arrowsize": "0.6", "color": _hex(EDGE_GREY), "fontname": "Helvetica"},
        )
        self.nodes: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # by scope
        self.edges: list[tuple[str, str, dict[str, str]]] = []

    def num(self, x: float) -> str:
        return number(x, self.precision)

    def node(self, scope: str, name: str, **attrs: Any) -> None:
        self.nodes.setdefault(scope, []).append((name, attrs))

    def value(self, i: int) -> None:

        node = self.order[i]
        kind = role(node, self.root)
        if self.grads is None:
            grad = self.num(node.grad)
        else:
            grad = self.num(self.grads[i]) if i in self.grads else "?"
        label = value_label(
            node.label,
            [f"data {self.num(node.data)}", f"grad {grad}"],
            COLOURS[kind],
            width=self.cell_width,
            border=2 if kind == "root" else 1,
        )
        tip = f"{node.label or 'value'} ({kind}{', ' + node.scope if node.scope else ''})"
        self.node(
            node.scope,
            f"v{i}",
            id=f"v{i}",
            shape="plain",
            label=label,
            tooltip=tooltip(tip),
            **{"class": f"value {kind}"},
        )

    def operation(self, i: int) -> None:
        import graphviz

        op = self.order[i].op
        self.node(
            self.order[i].scope,
            f"o{i}",
            id=f"o{i}",
            label=graphviz.escape(op),
            shape="circle" if len(op) <= 2 else "ellipse",
            style="filled",
            fillcolor="white",
            fontsize="10",
            margin="0.02",
            width="0.3",
            height="0.3",
            **{"class": "op"},
        )
        self.edges.append((f"o{i}", f"v{i}", {"id": f"r{i}"}))

    def parent_edge(self, i: int, j: int, source: str, target: str) -> dict[str, str]:

        attrs = {"id": f"e{i}_{j}"}
        if self.edge_labels is not None:
            attrs.update(label=self.edge_labels.get((i, j), ""), fontsize="9")
        if (i, j) in self.contrib:
            local, c = self.contrib[(i, j)]
            node = self.order[i]
            attrs.update(edge_style(c, self.largest))
            attrs["tooltip"] = tooltip(
                f"{node.parents[j].label or 'parent'}: local {self.num(local)} x grad "
                f"{self.num(node.grad)} = {self.num(c)}"
            )
        self.edges.append((source, target, attrs))
        return attrs

    def add_all(self, clusters: bool) -> None:
        for i, node in enumerate(self.order):
            self.value(i)
            if node.parents:
                self.operation(i)
                for j, parent in enumerate(node.parents):
                    self.parent_edge(i, j, f"v{self.position[parent]}", f"o{i}")
        self.write(clusters)

    def add_collapsed(self, boxes: dict[str, int], clusters: bool) -> None:
        box_id = {scope: f"m{k}" for k, scope in enumerate(boxes)}
        for scope in sorted(boxes, key=natural):  # neurons.2 before neurons.10: tidier columns
            self.box(scope, boxes[scope], box_id[scope])
        summed: dict[tuple[str, str], float] = {}  # collapsed edges add their contributions
        for i, node in enumerate(self.order):
            if node.scope in boxes:
                target = box_id[node.scope]
            else:
                self.value(i)
                if not node.parents:
                    continue
                self.operation(i)
                target = f"o{i}"
            for j, parent in enumerate(node.parents):
                source = (
                    box_id[parent.scope] if parent.scope in boxes else f"v{self.position[parent]}"
                )
                if source != target:
                    c = self.contrib.get((i, j), (0.0, 0.0))[1]
                    summed[(source, target)] = summed.get((source, target), 0.0) + c
        for (source, target), c in summed.items():
            attrs = {"id": f"{source}-{target}"}
            if self.contrib:
                attrs.update(edge_style(c, self.largest))
                attrs["tooltip"] = f"contribution {self.num(c)}"
            self.edges.append((source, target, attrs))
        self.write(clusters)

    def box(self, scope: str, out: int, name: str) -> None:

        output = self.order[out]
        members = [n for n in self.order if n.scope == scope]
        act = output.op if len(output.parents) == 1 else ""  # relu, tanh, ...: not + or dot
        rows = [f"data {self.num(output.data)}", f"grad {self.num(output.grad)}"]
        fill = COLOURS["root"] if output is self.root else COLOURS["intermediate"]
        label = value_label(scope + (f"  ({act})" if act else ""), rows, fill)
        prefix = scope + "."
        lines = [f"{scope}: {len(members)} nodes drawn as one"]
        params = [n for n in members if not n.parents and role(n, self.root) == "parameter"]
        for n in sorted(params, key=lambda n: natural(n.label)):
            short = n.label.removeprefix(prefix)
            lines.append(f"{short} = {self.num(n.data)}   grad {self.num(n.grad)}")
        outer = module_path(scope)[:-1]  # the box is the module: its cluster is the one around
        self.node(
            outer[-1] if outer else "",
            name,
            id=name,
            shape="plain",
            label=label,
            tooltip=tooltip("\n".join(lines)),
            **{"class": "box"},
        )

    def write(self, clusters: bool) -> None:
        if not clusters:
            for scope in self.nodes:
                for name, attrs in self.nodes[scope]:
                    self.graph.node(name, **attrs)
        else:
            self.write_clusters()
        for source, target, attrs in self.edges:
            self.graph.edge(source, target, **attrs)

    def write_clusters(self) -> None:
        import graphviz

        tree: dict[str, list[str]] = {"": []}
        for scope in self.nodes:
            path = module_path(scope)
            for parent, child in zip(["", *path], path):
                tree.setdefault(parent, [])
                tree.setdefault(child, [])
                if child not in tree[parent]:
                    tree[parent].append(child)
        counter = iter(range(len(tree)))

        def fill(graph: graphviz.Digraph, scope: str) -> None:
            for name, attrs in self.nodes.get(scope, []):
                graph.node(name, **attrs)
            for child in tree[scope]:
                with graph.subgraph(name=f"cluster_{next(counter)}") as sub:
                    sub.attr(
                        label=graphviz.escape(child),
                        style="rounded,dashed",
                        color="#9ca3af",
                        fontsize="10",
                        fontcolor="#4b5563",
                    )
                    fill(sub, child)

        fill(self.graph, "")
