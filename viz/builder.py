"""``GraphBuilder``: turns a graph into DOT node and edge statements, optionally in clusters.

Element ids are stable, so a picture can be restyled later (the stepper does): ``v{i}`` is the
i-th value in topological order, ``o{i}`` the operation that made it, ``e{i}_{j}`` the edge
from its j-th parent into ``o{i}``, ``r{i}`` the edge ``o{i}`` -> ``v{i}``, ``m{k}`` a
collapsed module, ``c{k}`` the heading of a column of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value

from .roles import COLOURS, role
from .scopes import independent_columns, module_path, natural
from .style import (
    EDGE_GREY,
    contributions,
    edge_style,
    hex_colour,
    legend,
    quiet_edge_style,
    tooltip,
    value_label,
)
from .text import number

if TYPE_CHECKING:
    import graphviz

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
        from .digraph import Digraph

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
                "label": legend(title),  # write() adds "constant" when one is drawn
                "labelloc": "t" if title else "b",
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
        import graphviz

        op = self.order[i].op
        # ordering=in: the parents stand in their order (w0, w1, x0, x1 into a dot; a above b
        # in a - b), top to bottom with rankdir LR
        in_order = {"ordering": "in"} if len(self.order[i].parents) > 1 else {}
        self.node(
            self.order[i].scope,
            f"o{i}",
            id=f"o{i}",
            label=graphviz.escape(op),
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
        for (source, target), c in summed.items():
            attrs = {"id": f"{source}-{target}"}
            if self.contrib:
                quiet = (source, target) in constants
                attrs.update(quiet_edge_style(c) if quiet else edge_style(c, self.largest))
                attrs["tooltip"] = f"contribution {self.num(c)}"
            self.edges.append((source, target, attrs))
        self.order_columns(boxes, box_id, summed, clusters)
        self.write(clusters)

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
        import graphviz

        if "constant" in self.kinds:
            self.graph.graph_attr["label"] = legend(self.title, constants=True)
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
                        label=graphviz.escape(heading),
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
