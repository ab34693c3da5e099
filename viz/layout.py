"""One Graphviz layout, restyled for every frame: nodes never move, only colours and numbers
change.

The graph is drawn once (final frame's numbers, so the boxes are wide enough) as SVG. Each
frame then sets, by element id, the ``class`` of every node and edge (``sg-current``,
``sg-target``, ``sg-done``, ``sg-pending``, ``sg-active``) and the text of every ``data``,
``grad`` and contribution label. A scoped ``<style>`` turns the classes into colours, and the
root ``<svg>`` shrinks to the width it is shown in (``viz.responsive``).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from autograd import Value

from . import render as backend
from .frames import Frame, State, state
from .graph import GraphBuilder
from .render import FIT_WIDTH
from .style import number, role

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

CELL_WIDTH = 84  # points: "grad -1.235e-10" fits
_ids = itertools.count()

STYLE = """
#{k} .sg-pending polygon, #{k} .sg-pending ellipse {{ fill: #ffffff; }}
#{k} .sg-pending text {{ fill: #9ca3af; }}
#{k} .sg-target polygon, #{k} .sg-target ellipse {{ stroke: #2563eb; stroke-width: 2.5px; }}
#{k} .sg-current polygon, #{k} .sg-current ellipse {{ stroke: #ea580c; stroke-width: 3.5px; }}
#{k} .sg-current.op ellipse {{ fill: #fed7aa; }}
#{k} .edge text {{ fill: #6b7280; }}
#{k} .edge.sg-done path {{ stroke: #6b7280; }}
#{k} .edge.sg-done polygon {{ fill: #6b7280; stroke: #6b7280; }}
#{k} .edge.sg-active path {{ stroke: #ea580c; stroke-width: 2.5px; }}
#{k} .edge.sg-active polygon {{ fill: #ea580c; stroke: #ea580c; }}
#{k} .edge.sg-active text {{ fill: #c2410c; font-weight: bold; }}
"""


def _tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


class Layout:
    """The laid-out SVG of ``order``'s graph and a way to show any frame on it."""

    def __init__(
        self,
        order: Sequence[Value],
        root: Value,
        frames: Sequence[Frame],
        precision: int = 4,
        rankdir: str = "LR",
    ) -> None:
        self.order = order
        self.root = root
        self.frames = frames
        self.precision = precision
        self.key = f"sg-{next(_ids)}"
        final = state(order, frames, len(frames) - 1)
        builder = GraphBuilder(
            order,
            root,
            rankdir,
            precision,
            grads=final.grads,
            edge_labels={ij: number(c, precision) for ij, c in final.contributions.items()},
            cell_width=CELL_WIDTH,
        )
        builder.add_all(clusters=False)
        self.source = builder.graph.source
        self.svg = ET.fromstring(backend.run(self.source, "svg"))
        self.svg.set("id", self.key)
        self.svg.set("style", FIT_WIDTH)
        style = ET.Element(_tag("style"))
        style.text = STYLE.format(k=self.key)
        self.svg.insert(0, style)
        self.elements: dict[str, ET.Element] = {}
        self._index()

    def _index(self) -> None:
        """Find every node and edge group by id; give the texts that change ids of their own
        and centre them in their box (Graphviz left-aligns them at their original width)."""
        for group in self.svg.iter(_tag("g")):
            gid = group.get("id", "")
            if gid[:1] in ("v", "o", "e", "r") and gid[1:2].isdigit():
                self.elements[gid] = group
        for i, node in enumerate(self.order):
            group = self.elements[f"v{i}"]
            texts = list(group.iter(_tag("text")))
            data, grad = texts[-2], texts[-1]
            xs = [
                float(point.split(",")[0])
                for point in group.find(f".//{_tag('polygon')}").get("points", "").split()  # type: ignore[union-attr]
            ]
            centre = f"{(min(xs) + max(xs)) / 2:.2f}"
            for text, part in ((data, "data"), (grad, "grad")):
                text.set("id", f"v{i}-{part}")
                text.set("text-anchor", "middle")
                text.set("x", centre)
                self.elements[f"v{i}-{part}"] = text
            for j in range(len(node.parents)):
                edge = self.elements.get(f"e{i}_{j}")
                label = edge.find(f".//{_tag('text')}") if edge is not None else None
                if label is not None:
                    label.set("id", f"e{i}_{j}-label")
                    self.elements[f"e{i}_{j}-label"] = label

    # ---- what each element looks like at a frame ---------------------------------------

    def element_states(self, st: State) -> dict[str, tuple[str | None, str | None]]:
        """``{element id: (class or None, text or None)}`` for every element that a frame sets."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for i, node in enumerate(self.order):
            if i == st.current:
                status = "sg-current"
            elif i in st.targets:
                status = "sg-target"
            elif i in st.done:
                status = "sg-done"
            else:
                status = "sg-pending"
            out[f"v{i}"] = (f"node value {role(node, self.root)} {status}", None)
            data = number(st.data[i], self.precision) if i in st.data else "?"
            grad = number(st.grads[i], self.precision) if i in st.grads else "?"
            out[f"v{i}-data"] = (None, f"data {data}")
            out[f"v{i}-grad"] = (None, f"grad {grad}")
            if not node.parents:
                continue
            if status == "sg-target":  # the parent value is the target, not its operation
                status = "sg-done" if i in st.done or st.phase == "forward" else "sg-pending"
            out[f"o{i}"] = (f"node op {status}", None)
            active = i == st.current
            result_edge = "sg-active" if active and st.phase == "forward" else ""
            out[f"r{i}"] = (f"edge {result_edge}".strip(), None)
            for j in range(len(node.parents)):
                if active:
                    edge = "edge sg-active"
                elif (i, j) in st.contributions:
                    edge = "edge sg-done"
                else:
                    edge = "edge"
                out[f"e{i}_{j}"] = (edge, None)
                if f"e{i}_{j}-label" in self.elements:
                    c = st.contributions.get((i, j))
                    out[f"e{i}_{j}-label"] = (None, "" if c is None else number(c, self.precision))
        return out

    def apply(self, st: State) -> None:
        for eid, (cls, text) in self.element_states(st).items():
            element = self.elements[eid]
            if cls is not None:
                element.set("class", cls)
            if text is not None:
                element.text = text

    def svg_at(self, k: int) -> str:
        """The picture at frame k, as SVG text."""
        self.apply(state(self.order, self.frames, k))
        return ET.tostring(self.svg, encoding="unicode")
