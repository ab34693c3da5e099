"""``draw_graph``: a computation graph as a Graphviz ``Digraph``.

Each value is a box (label, data, grad) coloured by its role; each operation is its own small
node between its parents and its result. After a backward pass every parent -> operation edge
is as wide and as dark as the gradient it carried back, |contribution| = |local * dL/dnode|.

``GraphBuilder`` writes the DOT statements (how each thing looks comes from ``style``, the
module scopes, clusters and collapsed boxes from ``scopes``). Its element ids are stable, so a
picture can be restyled later (the stepper does): ``v{i}`` is the i-th value in topological
order, ``o{i}`` the operation that made it, ``e{i}_{j}`` the edge from its j-th parent into
``o{i}``, ``r{i}`` the edge ``o{i}`` -> ``v{i}``, ``m{k}`` a collapsed module, ``c{k}`` the
heading of a column of them.

``check_graph_options`` is the one argument check of ``draw_graph``, ``step_through`` and
``save_steps_html``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

from autograd import Value, topological_order

from .scopes import count_drawn, independent_columns, module_path, natural, scope_boxes
from .style import (
    COLOURS,
    EDGE_GREY,
    contributions,
    edge_style,
    hex_colour,
    legend,
    number,
    plain_label,
    quiet_edge_style,
    role,
    tooltip,
    value_label,
)

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
    check_graph_options("draw_graph", root, rankdir, precision, group, collapse, max_nodes, title)
    order = topological_order(root)
    boxes = scope_boxes(order, root) if collapse else {}
    check_size("draw_graph", count_drawn(order, boxes), max_nodes, collapse)
    builder = GraphBuilder(order, root, rankdir, precision, title=title)
    if collapse:
        builder.add_collapsed(boxes, group == "module")
    else:
        builder.add_all(group == "module")
    return builder.graph


def check_size(caller: str, drawn: int, max_nodes: int | None, collapse: bool) -> None:
    """The helpful ValueError when ``drawn`` boxes are more than ``max_nodes``."""
    if max_nodes is not None and drawn > max_nodes:
        hint = (
            "draw the graph of a single example, or pass a larger max_nodes"
            if collapse
            else "pass collapse=True to draw each neuron as one box, draw the graph of a "
            "single example, or pass a larger max_nodes"
        )
        raise ValueError(
            f"{caller}: the graph has {drawn} nodes to draw, more than max_nodes={max_nodes}; "
            + hint
        )


def _quote(value: object) -> str:
    """``repr(value)``, cut to about 100 characters."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def check_graph_options(
    caller: str,
    root: object,
    rankdir: object = "LR",
    precision: object = 4,
    group: object = None,
    collapse: object = False,
    max_nodes: object = 500,
    title: object = "",
) -> None:
    """TypeError or ValueError naming ``caller``, the argument and its value when one of
    draw_graph's options is wrong; nothing when all are fine."""
    if not isinstance(root, Value):
        raise TypeError(f"{caller}: root must be a Value, got {type(root).__name__} {_quote(root)}")
    if not isinstance(rankdir, str):
        raise TypeError(
            f"{caller}: rankdir must be a str, one of {RANKDIRS}, got {type(rankdir).__name__} "
            f"{_quote(rankdir)}"
        )
    if rankdir not in RANKDIRS:
        raise ValueError(f"{caller}: rankdir must be one of {RANKDIRS}, got {_quote(rankdir)}")
    if not isinstance(precision, Integral) or isinstance(precision, bool):
        raise TypeError(
            f"{caller}: precision must be an int >= 1, got {type(precision).__name__} "
            f"{_quote(precision)}"
        )
    if precision < 1:
        raise ValueError(f"{caller}: precision must be an int >= 1, got {precision!r}")
    if group is not None and not isinstance(group, str):
        raise TypeError(
            f"{caller}: group must be None or 'module', got {type(group).__name__} {_quote(group)}"
        )
    if group not in (None, "module"):
        raise ValueError(f"{caller}: group must be None or 'module', got {_quote(group)}")
    if not isinstance(collapse, Integral) or collapse not in (0, 1):
        raise TypeError(
            f"{caller}: collapse must be True or False, got {type(collapse).__name__} "
            f"{_quote(collapse)}"
        )
    if max_nodes is not None and (
        not isinstance(max_nodes, Integral) or isinstance(max_nodes, bool)
    ):
        raise TypeError(
            f"{caller}: max_nodes must be an int >= 1 or None, got {type(max_nodes).__name__} "
            f"{_quote(max_nodes)}"
        )
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"{caller}: max_nodes must be an int >= 1 or None, got {max_nodes!r}")
    if not isinstance(title, str):
        raise TypeError(
            f"{caller}: title must be a str, got {type(title).__name__} {_quote(title)}"
        )


QUIET_WIDTH = 9 / 11  # a constant's cells: its font is 9 points instead of 11


class GraphBuilder:
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
        title: str = "",
    ) -> None:
        """``title`` goes above the picture with the colour key (else the key goes below).
        ``grads`` (node -> grad shown, '?' when missing), ``edge_labels`` and ``cell_width``
        are for the stepper's layout, which draws the final frame and styles edges itself."""
        from .render import Digraph

        self.order = order
        self.root = root
        self.precision = precision
        self.position = {node: i for i, node in enumerate(order)}
        self.grads = grads
        self.edge_labels = edge_labels
        self.cell_width = cell_width
        self.title = title
        self.kinds: set[str] = set()  # the roles of the values drawn (for the colour key)
        self.contrib = contributions(order, root) if grads is None else {}
        # edges are scaled to the largest contribution that did not go into a constant
        self.largest = max(
            (abs(c) for (i, j), (_, c) in self.contrib.items() if not self.quiet(i, j)),
            default=0.0,
        )
        self.graph = Digraph(
            "stepgrad",
            graph_attr={
                "rankdir": rankdir,
                "fontname": "Helvetica",
                "nodesep": "0.2",
                "ranksep": "0.35",
                "label": legend(title),  # write() adds constants and edges when drawn
                "labelloc": "t" if title else "b",
                "labeljust": "l",  # the title and key start at the left, where a wide
                # picture is first seen
            },
            node_attr={"fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"arrowsize": "0.6", "color": hex_colour(EDGE_GREY), "fontname": "Helvetica"},
        )
        self.nodes: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # by scope
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.columns: list[tuple[str, list[str]]] = []  # (heading, node names top to bottom)

    def quiet(self, i: int, j: int) -> bool:
        """Is the j-th parent of node i a constant (drawn quietly, edge included)?"""
        return role(self.order[i].parents[j], self.root) == "constant"

    def num(self, x: float) -> str:
        return number(x, self.precision)

    def node(self, scope: str, name: str, **attrs: Any) -> None:
        self.nodes.setdefault(scope, []).append((name, attrs))

    def value(self, i: int) -> None:
        node = self.order[i]
        kind = role(node, self.root)
        self.kinds.add(kind)
        if self.grads is None:
            grad = self.num(node.grad)
        else:
            grad = self.num(self.grads[i]) if i in self.grads else "?"
        quiet = kind == "constant"
        label = value_label(
            node.label,
            [f"data {self.num(node.data)}", f"grad {grad}"],
            COLOURS[kind],
            width=round(self.cell_width * QUIET_WIDTH) if quiet else self.cell_width,
            border=2 if kind == "root" else 1,
            quiet=quiet,
        )
        what = node.label or self.num(node.data)
        tip = f"{what} ({kind}{', ' + node.scope if node.scope else ''})"
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

        op = self.order[i].op
        # ordering=in: the parents stand in their order (w0, w1, x0, x1 into a dot; a above b
        # in a - b), top to bottom with rankdir LR
        in_order = {"ordering": "in"} if len(self.order[i].parents) > 1 else {}
        self.node(
            self.order[i].scope,
            f"o{i}",
            id=f"o{i}",
            label=plain_label(op),
            **in_order,
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
            attrs.update(quiet_edge_style(c) if self.quiet(i, j) else edge_style(c, self.largest))
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
        for scope in sorted(boxes, key=natural):
            self.box(scope, boxes[scope], box_id[scope])
        summed: dict[tuple[str, str], float] = {}  # collapsed edges add their contributions
        constants: set[tuple[str, str]] = set()  # the edges out of a constant value
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
                    if source.startswith("v") and self.quiet(i, j):
                        constants.add((source, target))
        # a collapsed edge carries the sum of its members: scale to the largest such sum
        self.largest = max(
            (abs(c) for edge, c in summed.items() if edge not in constants), default=0.0
        )
        for (source, target), c in summed.items():
            attrs = {"id": f"{source}-{target}"}
            if self.contrib:
                quiet = (source, target) in constants
                attrs.update(
                    quiet_edge_style(c) if quiet else edge_style(c, self.largest, crowded=True)
                )
                attrs["tooltip"] = f"contribution {self.num(c)}"
            self.edges.append((source, target, attrs))
        self.make_room(boxes, box_id, summed)
        self.order_columns(boxes, box_id, summed, clusters)
        self.write(clusters)

    def make_room(
        self, boxes: dict[str, int], box_id: dict[str, str], edges: dict[tuple[str, str], float]
    ) -> None:
        """Space between columns that grows with the edges crossing it: a layer of 16 boxes
        fed by 16 others gets 256 edges, which need room to fan out: ``ranksep`` about 0.006
        inch per edge into one module's boxes, from 0.35 to 1.5 inches. (Graphviz has one
        ``ranksep`` for the whole picture; ``minlen`` on the crowded edges instead would give
        each edge a chain of virtual nodes, stacked ``nodesep`` apart: a picture 5 times as
        tall.)"""
        module_of = {box_id[s]: (module_path(s)[:-1] or [""])[-1] for s in boxes}
        into: dict[str, int] = {}  # edges into each module's boxes
        for _source, target in edges:
            if target in module_of:
                into[module_of[target]] = into.get(module_of[target], 0) + 1
        crossing = max(into.values(), default=0)
        self.graph.graph_attr["ranksep"] = f"{min(1.5, max(0.35, 0.006 * crossing)):.2f}"

    def order_columns(
        self,
        boxes: dict[str, int],
        box_id: dict[str, str],
        edges: dict[tuple[str, str], float],
        headings: bool,
    ) -> None:
        """A layer's neurons top to bottom as 0, 1, 2, ... (left to right when ``rankdir`` is
        TB), and the inputs that only feed them (x0 above x1) likewise.

        Graphviz keeps the order of nodes in one rank (``rank=same``) joined by invisible
        edges, but not inside a cluster, so such a column replaces its module's cluster and
        is headed by the module's name instead (when ``headings``)."""
        column_of: dict[str, int] = {}
        for k, (module, scopes) in enumerate(independent_columns(self.order, boxes)):
            names = [box_id[s] for s in scopes]
            column_of.update(dict.fromkeys(names, k))
            if headings or len(names) > 1:
                self.columns.append((module if headings else "", names))
        feeds: dict[str, set[int]] = {}  # an unscoped leaf -> the columns it feeds
        for source, target in edges:
            if source.startswith("v"):
                feeds.setdefault(source, set()).add(column_of.get(target, -1))
        inputs: dict[int, list[str]] = {}
        for source, into in feeds.items():
            leaf = self.order[int(source[1:])]
            if len(into) == 1 and -1 not in into and not leaf.parents and not leaf.scope:
                inputs.setdefault(next(iter(into)), []).append(source)
        for leaves in inputs.values():
            if len(leaves) > 1:
                leaves.sort(key=lambda v: (natural(self.order[int(v[1:])].label), int(v[1:])))
                self.columns.append(("", leaves))

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

        self.graph.graph_attr["label"] = legend(
            self.title,
            constants="constant" in self.kinds,
            largest=self.largest if self.contrib else None,
        )
        in_columns = {name for _, names in self.columns for name in names}
        attrs_of = {name: attrs for nodes in self.nodes.values() for name, attrs in nodes}
        kept = {
            scope: [(name, attrs) for name, attrs in nodes if name not in in_columns]
            for scope, nodes in self.nodes.items()
        }
        self.nodes = {scope: nodes for scope, nodes in kept.items() if nodes}
        if not clusters:
            for scope in self.nodes:
                for name, attrs in self.nodes[scope]:
                    self.graph.node(name, **attrs)
        else:
            self.write_clusters()
        for k, (heading, names) in enumerate(self.columns):
            with self.graph.subgraph() as column:  # one rank, kept in this order
                column.attr(rank="same")
                if heading:
                    column.node(
                        f"c{k}",
                        id=f"c{k}",
                        label=plain_label(heading),
                        shape="plaintext",
                        height="0.2",
                        margin="0",
                        fontsize="10",
                        fontcolor="#4b5563",
                        **{"class": "heading"},
                    )
                for name in names:
                    column.node(name, **attrs_of[name])
                chain = [f"c{k}", *names] if heading else names
                for above, below in itertools.pairwise(chain):
                    column.edge(above, below, style="invis")
        for source, target, attrs in self.edges:
            self.graph.edge(source, target, **attrs)

    def write_clusters(self) -> None:

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
                        label=plain_label(child),
                        style="rounded,dashed",
                        color="#9ca3af",
                        fontsize="10",
                        fontcolor="#4b5563",
                    )
                    fill(sub, child)

        fill(self.graph, "")
