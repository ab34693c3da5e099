"""One Graphviz layout and what changes on it from frame to frame.

The graph is laid out once (``Picture``; final frame's numbers, so boxes are wide enough).
A frame changes only a few elements: ``Patches`` walks the frames once and records, per
frame, ``[element id, class or None, text or None]`` for the elements that change (classes
``sg-current``, ``sg-target``, ``sg-done``, ``sg-pending``, ``sg-active``; the ``data`` and
``grad`` texts; the contributions on edges; the table's cells ``t{u}-data``, ``t{u}-grad``
and row ``t{u}``), and how to undo it. ``Track`` moves any picture between frames by
applying them: stepping costs what changes, never the whole graph.

The widget and the page both draw from here: ``explanation_html`` and ``table_html`` are the
HTML bits they share. Text in the picture is never drawn smaller than 11 CSS pixels: the SVG
keeps its natural size (it may shrink only until its smallest text is 11 px) inside a
viewport that scrolls; ``Picture.window`` cuts out the part around one unit.
"""

from __future__ import annotations

import html
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from . import render
from .frames import Frames, View
from .graph import GraphBuilder
from .scopes import module_path, natural
from .style import html_text, role

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

CELL_WIDTH = 84  # points: "grad -1.235e-10" fits
MIN_TEXT_PX = 11.0  # no text in the picture is shown smaller than this
PX_PER_PT = 4 / 3
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

Patch = list[tuple[str, "str | None", "str | None"]]


def _tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


# ---- what each element looks like at a frame ------------------------------------------------


def number(x: float, digits: int) -> str:
    """Numbers in the picture and the table, written as in the explanation."""
    from autograd.expression import fmt

    return fmt(x, digits)


def unit_states(
    frames: Frames, view: View, u: int, labels: bool
) -> dict[str, tuple[str | None, str | None]]:
    """``{element id: (class or None, text or None)}`` for unit ``u``'s elements (its box or
    value, operation, edges in, their labels) and its row of the table."""
    unit = frames.units[u]
    digits = frames.digits
    out: dict[str, tuple[str | None, str | None]] = {}
    if u == view.current:
        status = "sg-current"
    elif u in view.targets:
        status = "sg-target"
    elif u in view.done:
        status = "sg-done"
    else:
        status = "sg-pending"
    if unit.id.startswith("m"):
        out[unit.id] = (f"node box {status}", None)
    else:
        out[unit.id] = (f"node value {role(frames.order[unit.node], frames.root)} {status}", None)
    data = number(view.data[u], digits) if u in view.data else "?"
    grad = number(view.grads[u], digits) if u in view.grads else "?"
    out[f"{unit.id}-data"] = (None, f"data {data}")
    out[f"{unit.id}-grad"] = (None, f"grad {grad}")
    out[f"t{u}"] = ("sg-row-current" if u == view.current else "", None)
    out[f"t{u}-data"] = (None, data)
    out[f"t{u}-grad"] = (None, grad)
    active = u == view.current
    if unit.op:
        op_status = status
        if status == "sg-target":  # the parent value is the target, not its operation
            op_status = "sg-done" if u in view.done or view.phase == "forward" else "sg-pending"
        out[unit.op] = (f"node op {op_status}", None)
        result_edge = "sg-active" if active and view.phase == "forward" else ""
        out[unit.result] = (f"edge {result_edge}".strip(), None)
    for eid, _source in unit.inputs:
        if active:
            out[eid] = ("edge sg-active", None)
        elif eid in view.contributions:
            out[eid] = ("edge sg-done", None)
        else:
            out[eid] = ("edge", None)
        if labels:
            c = view.contributions.get(eid)
            out[f"{eid}-label"] = (None, "" if c is None else number(c, digits))
    return out


class Patches:
    """Per frame, the elements that change (``forward[k]``: from frame k-1 to k; frame 0
    sets everything) and how to change them back (``undo[k]``: from k to k-1)."""

    def __init__(self, frames: Frames, labels: set[str] | None = None) -> None:
        """``labels``: the edge ids whose contribution label exists in the picture."""
        self.forward: list[Patch] = []
        self.undo: list[Patch] = []
        shown: dict[str, tuple[str | None, str | None]] = {}
        with_labels = bool(labels)
        for _frame, view, dirty in frames.walk():
            patch: Patch = []
            undo: Patch = []
            for u in sorted(dirty):
                for eid, (cls, text) in unit_states(frames, view, u, with_labels).items():
                    if with_labels and eid.endswith("-label") and eid[:-6] not in labels:
                        continue
                    old = shown.get(eid, (None, None))
                    new_cls = cls if cls is not None and cls != old[0] else None
                    new_text = text if text is not None and text != old[1] else None
                    if new_cls is None and new_text is None:
                        continue
                    patch.append((eid, new_cls, new_text))
                    undo.append(
                        (
                            eid,
                            old[0] if new_cls is not None else None,
                            old[1] if new_text is not None else None,
                        )
                    )
                    shown[eid] = (
                        cls if cls is not None else old[0],
                        text if text is not None else old[1],
                    )
            self.forward.append(patch)
            self.undo.append(undo)
        self.final = shown  # every element as the last frame shows it


# ---- the picture ---------------------------------------------------------------------------


class Picture:
    """The laid-out SVG of a ``Frames``' graph, with an id on every element that changes."""

    def __init__(self, frames: Frames, rankdir: str = "LR", group: str | None = None) -> None:
        self.frames = frames
        self.key = f"sg-{next(_ids)}"
        final = frames.final
        order = frames.order
        node_grads = {frames.units[u].node: g for u, g in final.grads.items()}
        if frames.box_list:
            builder = GraphBuilder(order, frames.root, rankdir, frames.digits, grads=node_grads)
            if frames.scope_boxes is not None:  # each module used once: columns in order
                builder.add_collapsed(frames.scope_boxes, group == "module")
            else:
                _add_boxes(builder, frames, group == "module")
        else:
            labels = {}
            for eid, c in final.contributions.items():
                i, j = eid[1:].split("_")
                labels[(int(i), int(j))] = number(c, frames.digits)
            builder = GraphBuilder(
                order,
                frames.root,
                rankdir,
                frames.digits,
                grads=node_grads,
                edge_labels=labels,
                cell_width=CELL_WIDTH,
            )
            builder.add_all(group == "module")
        self.source = builder.graph.source
        self.svg = ET.fromstring(render.run(self.source, "svg"))
        self.svg.set("id", self.key)
        style = ET.Element(_tag("style"))
        style.text = STYLE.format(k=self.key)
        self.svg.insert(0, style)
        self.graph = next(g for g in self.svg.iter(_tag("g")) if g.get("class") == "graph")
        self.elements: dict[str, ET.Element] = {}
        self.labels: set[str] = set()
        self._index()
        self._measure()

    def _index(self) -> None:
        """Find every unit and edge group by id; give the texts that change ids of their own
        and centre them in their box (Graphviz left-aligns them at their original width)."""
        for group in self.graph:
            gid = group.get("id", "")
            if group.tag == _tag("g") and gid:
                self.elements[gid] = group
        for unit in self.frames.units:
            group = self.elements[unit.id]
            texts = list(group.iter(_tag("text")))
            data, grad = texts[-2], texts[-1]
            polygon = group.find(f".//{_tag('polygon')}")
            xs = [
                float(p.split(",")[0])
                for p in (polygon.get("points", "") if polygon is not None else "").split()
            ]
            for text, part in ((data, "data"), (grad, "grad")):
                text.set("id", f"{unit.id}-{part}")
                if xs:
                    text.set("text-anchor", "middle")
                    text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
                self.elements[f"{unit.id}-{part}"] = text
            for eid, _ in unit.inputs:
                edge = self.elements.get(eid)
                label = edge.find(f".//{_tag('text')}") if edge is not None else None
                if label is not None:
                    label.set("id", f"{eid}-label")
                    self.elements[f"{eid}-label"] = label
                    self.labels.add(eid)

    def _measure(self) -> None:
        """Sizes (points), the smallest text, and every top-level group's bounding box."""
        self.width = float(self.svg.get("width", "0pt").removesuffix("pt") or 0)
        self.height = float(self.svg.get("height", "0pt").removesuffix("pt") or 0)
        sizes = [float(t.get("font-size", "14")) for t in self.svg.iter(_tag("text"))]
        self.smallest_text_pt = min(sizes, default=14.0)
        tx, ty = 0.0, 0.0
        m = re.search(r"translate\(([-\d.]+)[ ,]([-\d.]+)\)", self.graph.get("transform", ""))
        if m:
            tx, ty = float(m.group(1)), float(m.group(2))
        self.translate = (tx, ty)
        self.boxes: list[tuple[float, float, float, float]] = []
        for child in self.graph:
            xs, ys = [], []
            for el in child.iter():
                for x, y in _points(el):
                    xs.append(x + tx)
                    ys.append(y + ty)
            self.boxes.append(
                (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, self.width, self.height)
            )
        self.box_of = {
            child.get("id"): box for child, box in zip(self.graph, self.boxes) if child.get("id")
        }

    # ---- showing -----------------------------------------------------------------------

    def apply(self, patch: Patch) -> None:
        for eid, cls, text in patch:
            element = self.elements.get(eid)
            if element is None:
                continue  # a table cell
            if cls is not None:
                element.set("class", cls)
            if text is not None:
                element.text = text

    def style(self, width_pt: float) -> str:
        """Natural size, shrinking (to the width it is shown in) only while its smallest
        text stays at least ``MIN_TEXT_PX``."""
        smallest_px = self.smallest_text_pt * PX_PER_PT
        floor = width_pt * PX_PER_PT * min(1.0, MIN_TEXT_PX / smallest_px)
        return f"max-width:100%;height:auto;min-width:{floor:.0f}px"

    def text(self) -> str:
        """The whole picture as SVG text."""
        self.svg.set("style", self.style(self.width))
        return ET.tostring(self.svg, encoding="unicode")

    def fits(self, width_px: float, height_px: float) -> bool:
        return self.width * PX_PER_PT <= width_px and self.height * PX_PER_PT <= height_px

    def window(self, unit_id: str, width_px: float, height_px: float) -> str:
        """The part of the picture around ``unit_id``, ``width_px`` x ``height_px`` at natural
        size (the whole picture when it fits): only the elements in view are written."""
        if self.fits(width_px, height_px):
            return self.text()
        w = min(self.width, width_px / PX_PER_PT)
        h = min(self.height, height_px / PX_PER_PT)
        x0, y0, x1, y1 = self.box_of.get(unit_id, (0.0, 0.0, w, h))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        left = max(0.0, min(self.width - w, cx - w / 2))
        top = max(0.0, min(self.height - h, cy - h / 2))
        right, bottom = left + w, top + h
        parts = []
        for child, (a, b, c, d) in zip(self.graph, self.boxes):
            if child.tag == _tag("g") and (c < left or a > right or d < top or b > bottom):
                continue
            parts.append(ET.tostring(child, encoding="unicode"))
        style = self.svg[0]
        graph_attrs = " ".join(f'{k}="{html.escape(v)}"' for k, v in self.graph.attrib.items())
        inner = "".join(p.replace(f' xmlns="{SVG_NS}"', "", 1) for p in parts)
        return (
            f'<svg xmlns="{SVG_NS}" id="{self.key}" width="{w:.2f}pt" height="{h:.2f}pt" '
            f'viewBox="{left:.2f} {top:.2f} {w:.2f} {h:.2f}" style="{self.style(w)}">'
            f"<style>{style.text}</style><g {graph_attrs}>{inner}</g></svg>"
        )


def _add_boxes(builder: GraphBuilder, frames: Frames, clusters: bool) -> None:
    """The collapsed graph when a module is used by several examples: one box per use."""
    scope_of = {bid: frames.order[out].scope for bid, _name, out, _m in frames.box_list}
    for unit in frames.units:
        if unit.id.startswith("m"):
            scope = scope_of[unit.id]
            builder.box(scope, unit.node, unit.id)
            for nodes in builder.nodes.values():  # title the box with its use: "scope [2]"
                for name, attrs in nodes:
                    if name == unit.id:
                        attrs["label"] = attrs["label"].replace(
                            f"<B>{html_text(scope)}", f"<B>{html_text(unit.name)}", 1
                        )
        else:
            builder.value(unit.node)
            if unit.op:
                builder.operation(unit.node)
        target = unit.id if unit.id.startswith("m") else unit.op
        for eid, source in unit.inputs:
            builder.edges.append((frames.units[source].id, target, {"id": eid}))
    builder.columns.extend(_columns(frames, scope_of, clusters))
    builder.write(clusters)


def _columns(
    frames: Frames, scope_of: dict[str, str], headings: bool
) -> list[tuple[str, list[str]]]:
    """The ordered columns of a collapsed graph with several examples: a module's boxes
    (a layer's neurons), every example's, top to bottom by example and then neuron, when
    none of them depends on another; and the inputs feeding only one such column, each
    level with the first box it feeds. ``(heading, element ids)`` for ``GraphBuilder``."""
    units = frames.units
    bit = {u: 1 << u for u, unit in enumerate(units) if unit.id.startswith("m")}
    upstream = [0] * len(units)  # unit -> the boxes it depends on, as bits
    for u, unit in enumerate(units):  # units are in topological order
        for _, source in unit.inputs:
            upstream[u] |= upstream[source] | bit.get(source, 0)
    modules: dict[str, list[int]] = {}
    for u in bit:
        outer = module_path(scope_of[units[u].id])[:-1]
        modules.setdefault(outer[-1] if outer else "", []).append(u)
    columns: list[tuple[str, list[str]]] = []
    column_of: dict[int, int] = {}
    for module, members in modules.items():
        members.sort(key=lambda u: (_use(units[u].name), natural(scope_of[units[u].id])))
        groups = [members]  # every use in one column; if one use feeds another (a module
        if any(upstream[u] & sum(bit[v] for v in members) for u in members):  # applied to
            uses: dict[int, list[int]] = {}  # its own output), a column per use
            for u in members:
                uses.setdefault(_use(units[u].name), []).append(u)
            groups = list(uses.values())
        for group in groups:
            together = sum(bit[u] for u in group)
            if len(group) < 2 or any(upstream[u] & together for u in group):
                continue
            column_of.update({u: len(columns) for u in group})
            columns.append((module if headings else "", [units[u].id for u in group]))
    feeds: dict[int, set[int]] = {}  # a leaf outside every box -> the units it feeds
    for u, unit in enumerate(units):
        for _, source in unit.inputs:
            feeds.setdefault(source, set()).add(u)
    inputs: dict[int, list[tuple[int, int]]] = {}
    for source, readers in feeds.items():
        leaf = units[source]
        where = {column_of.get(u, -1) for u in readers}
        if leaf.inputs or len(where) != 1 or -1 in where or frames.order[leaf.node].scope:
            continue
        rank = min(columns[c][1].index(units[u].id) for u in readers for c in where)
        inputs.setdefault(where.pop(), []).append((rank, source))
    for leaves in inputs.values():
        if len(leaves) > 1:
            columns.append(("", [units[u].id for _, u in sorted(leaves)]))
    return columns


def _use(name: str) -> int:
    """Which use of its module a box is: ``layers.0.neurons.1 [3]`` -> 3."""
    match = re.search(r" \[(\d+)\]$", name)
    return int(match.group(1)) if match else 0


_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def _points(el: ET.Element) -> list[tuple[float, float]]:
    tag = el.tag.rsplit("}", 1)[-1]
    if tag in ("polygon", "polyline"):
        return [(float(a), float(b)) for a, b in _PAIR.findall(el.get("points", ""))]
    if tag == "path":
        return [(float(a), float(b)) for a, b in _PAIR.findall(el.get("d", ""))]
    if tag == "ellipse":
        cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
        rx, ry = float(el.get("rx", 0)), float(el.get("ry", 0))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    if tag == "text":
        return [(float(el.get("x", 0)), float(el.get("y", 0)))]
    return []


# ---- moving between frames -------------------------------------------------------------------


class Track:
    """Where a stepper stands: every element's class and text at frame ``at`` (and the
    picture, when there is one, kept in step). Moving applies the patches in between."""

    def __init__(self, patches: Patches, picture: Picture | None) -> None:
        self.patches = patches
        self.picture = picture
        self.shown: dict[str, list[str | None]] = {}
        self.at = -1
        self.goto(0)

    def _apply(self, patch: Patch) -> None:
        for eid, cls, text in patch:
            entry = self.shown.setdefault(eid, [None, None])
            if cls is not None:
                entry[0] = cls
            if text is not None:
                entry[1] = text
        if self.picture is not None:
            self.picture.apply(patch)

    def goto(self, k: int) -> None:
        while self.at < k:
            self.at += 1
            self._apply(self.patches.forward[self.at])
        while self.at > k:
            self._apply(self.patches.undo[self.at])
            self.at -= 1

    def text(self, eid: str) -> str:
        return self.shown.get(eid, [None, None])[1] or ""


# ---- HTML both the widget and the page show --------------------------------------------------


def explanation_html(lines: Sequence[str]) -> str:
    """One ``<div>`` per line of a step's explanation (one per parent going backward)."""
    return "".join(f"<div>{html.escape(line)}</div>" for line in lines)


def table_html(frames: Frames, track: Track, rows: Sequence[int] | None = None) -> str:
    """The table of gradients at ``track``'s frame, one row per unit (``rows``: only
    these): name, op, data, grad; the current unit's row has class ``sg-row-current``."""
    body = []
    for u in range(len(frames.units)) if rows is None else rows:
        unit = frames.units[u]
        node = frames.order[unit.node]
        op = "module" if unit.id.startswith("m") else (node.op or "leaf")
        body.append(
            f'<tr id="t{u}" class="{track.shown.get(f"t{u}", ["", None])[0] or ""}">'
            f"<td>{html.escape(unit.name)}</td><td>{html.escape(op)}</td>"
            f'<td id="t{u}-data">{html.escape(track.text(f"t{u}-data"))}</td>'
            f'<td id="t{u}-grad">{html.escape(track.text(f"t{u}-grad"))}</td></tr>'
        )
    return (
        '<table class="sg-grads"><thead><tr><th>node</th><th>op</th><th>data</th>'
        f"<th>grad</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def root_words(frames: Frames) -> str:
    """What the L (or E, ...) of dL/dnode stands for, in a sentence."""
    top = frames.names.root_name()
    what = frames.names(frames.root)
    change = f"d{top}/d(node) is how much {top} changes per unit change of that node."
    return f"L = {what}, the value stepped through; {change}" if top == "L" else change
