"""The frames of a step-through: the forward pass unit by unit, then the backward pass.

A *unit* is one thing drawn: a value (``v{i}``, with its operation ``o{i}``) or, with
``collapse=True``, a module's box (``m{k}``, a neuron: its members drawn as one). Forward
frame k shows the k-th unit getting its value; a backward frame is one unit passing its
gradient back (a value: one ``BackwardStep``; a box: every step inside it, explained in one
go). With no boxes there are exactly len(topological order) + (nodes with parents) frames.

Frames are snapshots: every number (data, gradients, contributions) and every word is
recorded when the frames are made, so nothing done to the graph afterwards shows.

``Frames.walk()`` goes through the frames once, keeping the running picture (``View``) and
saying which units changed at each frame: the page's patches and the widget's steps are made
from it in time linear in the size of the graph plus the number of frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from autograd import Value, topological_order
from autograd.expression import Names, bracket, fmt, forward_line

from .graph import check_size
from .scopes import natural, scope_boxes
from .style import role

PASSES = ("forward", "backward")


class Unit(NamedTuple):
    """One drawn thing and the edges into it."""

    id: str  # "v3" (value 3 in topological order) or "m0" (a collapsed module)
    node: int  # the value it shows (a box: its module's output)
    op: str  # "o3": the operation drawn beside a value with parents; "" otherwise
    result: str  # "r3": the edge from that operation to its value; ""
    inputs: tuple[tuple[str, int], ...]  # (edge element id, the unit it comes from)
    members: tuple[int, ...]  # the values inside (a value: itself)
    name: str  # what the text and the table call it


class Frame(NamedTuple):
    """One step: which unit, what happened (in words), and the numbers it changed."""

    index: int
    phase: str  # "forward" or "backward"
    node: int  # the unit's position in ``Frames.units`` (its value's, without boxes)
    lines: tuple[str, ...]  # the explanation, one line per parent going backward
    grads: tuple[tuple[int, float], ...]  # backward: (unit, its running grad after this step)
    contributions: tuple[tuple[str, float], ...]  # backward: (edge id, what it carried)

    @property
    def explanation(self) -> str:
        return "; ".join(self.lines)


class State(NamedTuple):
    """Everything visible at one frame (units by their position in ``Frames.units``)."""

    frame: Frame
    data: dict[int, float]  # the values computed so far
    grads: dict[int, float]  # the gradients known so far (running sums while accumulating)
    contributions: dict[str, float]  # edge id -> contribution carried back
    done: frozenset[int]  # units finished before this frame
    targets: frozenset[int]  # the current unit's sources (read forward, written backward)

    @property
    def phase(self) -> str:
        return self.frame.phase

    @property
    def explanation(self) -> str:
        return self.frame.explanation

    @property
    def lines(self) -> tuple[str, ...]:
        return self.frame.lines

    @property
    def current(self) -> int:
        return self.frame.node


@dataclass
class View:
    """The running picture while walking the frames (mutated in place)."""

    phase: str = "forward"
    current: int = -1
    targets: frozenset[int] = frozenset()
    done: set[int] = field(default_factory=set)
    data: dict[int, float] = field(default_factory=dict)
    grads: dict[int, float] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)


class Frames:
    """The units and frames of ``root``'s forward and backward pass, and the snapshot of
    every number they show."""

    def __init__(
        self,
        root: Value,
        passes: Sequence[str] = PASSES,
        collapse: bool = False,
        digits: int = 4,
        caller: str = "step_through",
        max_nodes: int | None = None,
    ) -> None:
        passes = check_passes(passes, caller)
        self.root = root
        self.order = topological_order(root)
        self.names = Names(self.order, root)
        self.digits = digits
        self.position = {node: i for i, node in enumerate(self.order)}
        self.values = [node.data for node in self.order]  # the snapshot of every value
        self._find_boxes(collapse)
        drawn = len(self.box_list) + sum(
            (2 if node.parents else 1) for i, node in enumerate(self.order) if i not in self.box_of
        )
        check_size(caller, drawn, max_nodes, collapse)
        self.units = self._units()
        self.unit_of = self._unit_of()
        self.frames: list[Frame] = []
        if "forward" in passes:
            for u, unit in enumerate(self.units):
                self.frames.append(
                    Frame(len(self.frames), "forward", u, self._forward(unit), (), ())
                )
        if "backward" in passes:
            self.frames.extend(self._backward(len(self.frames)))
        if not self.frames:
            raise ValueError(
                f"{caller}: nothing to step through: {self.names(root)} is a leaf, so its "
                "backward pass has no steps"
            )
        self.final = self.state(len(self.frames) - 1)  # only used for sizes: cheap enough

    def __len__(self) -> int:
        return len(self.frames)

    # ---- units --------------------------------------------------------------------------

    def _find_boxes(self, collapse: bool) -> None:
        """``box_list``: ``(id, name, output, members)`` per collapsed module; ``box_of``:
        node -> its box's id ('' for a module's parameter shared by several boxes).

        A module used once (one example) is one box holding every node of its scope, laid
        out by ``GraphBuilder.add_collapsed`` (``scope_boxes`` then says which scope is
        ``m{k}``). A module used by several examples is one box per use: its nodes with
        parents that hang together, numbered in topological order (``name [2]``)."""
        self.box_list: list[tuple[str, str, int, tuple[int, ...]]] = []
        self.box_of: dict[int, str] = {}
        self.scope_boxes: dict[str, int] | None = None
        if not collapse:
            return
        parent_of = list(range(len(self.order)))  # union-find over a scope's interior nodes

        def find(i: int) -> int:
            while parent_of[i] != i:
                parent_of[i] = parent_of[parent_of[i]]
                i = parent_of[i]
            return i

        for i, node in enumerate(self.order):
            if node.scope and node.parents:
                for p in node.parents:
                    j = self.position[p]
                    if p.scope == node.scope and p.parents:
                        parent_of[find(j)] = find(i)
        groups: dict[int, list[int]] = {}
        for i, node in enumerate(self.order):
            if node.scope and node.parents:
                groups.setdefault(find(i), []).append(i)
        per_scope: dict[str, list[list[int]]] = {}
        for members in sorted(groups.values(), key=lambda m: m[-1]):
            per_scope.setdefault(self.order[members[0]].scope, []).append(members)
        if all(len(g) == 1 for g in per_scope.values()):
            self.scope_boxes = scope_boxes(self.order, self.root)
            for k, (scope, out) in enumerate(self.scope_boxes.items()):
                members = tuple(i for i, n in enumerate(self.order) if n.scope == scope)
                self.box_list.append((f"m{k}", scope, out, members))
        else:
            used_by: dict[int, set[int]] = {}  # node -> the groups that read it
            group_of = {i: g for g, members in enumerate(groups.values()) for i in members}
            for i, node in enumerate(self.order):
                for p in node.parents:
                    used_by.setdefault(self.position[p], set()).add(group_of.get(i, -1))
            k = 0
            for scope in sorted(per_scope, key=lambda sc: per_scope[sc][0][-1]):
                for e, members in enumerate(per_scope[scope]):
                    me = group_of[members[0]]
                    outputs = [
                        i
                        for i in members
                        if self.order[i] is self.root or used_by.get(i, {me}) - {me}
                    ]
                    name = scope if len(per_scope[scope]) == 1 else f"{scope} [{e + 1}]"
                    self.box_list.append((f"m{k}", name, max(outputs or members), tuple(members)))
                    k += 1
            self.box_list.sort(key=lambda box: box[2])
            self.box_list = [(f"m{k}", *box[1:]) for k, box in enumerate(self.box_list)]
        for bid, _name, _out, members in self.box_list:
            for i in members:
                self.box_of[i] = bid
        for i, node in enumerate(self.order):  # a shared module's parameters: in no box
            if node.scope and not node.parents and i not in self.box_of:
                self.box_of[i] = ""
        for _bid, name, out, _members in self.box_list:
            if not self.order[out].label:  # a module's output goes by the module's name
                self.names.aliases[id(self.order[out])] = name

    def _units(self) -> list[Unit]:
        """Values in topological order; a box stands where its output would."""
        boxes = {out: (bid, name, members) for bid, name, out, members in self.box_list}
        units: list[Unit] = []
        index: dict[str, int] = {}
        pending: list[tuple[str, list[tuple[str, str]]]] = []
        for i, node in enumerate(self.order):
            if i in boxes:
                uid, name, inside = boxes[i]
                target = uid
                parents = [(m, j, p) for m in inside for j, p in enumerate(self.order[m].parents)]
                op = result = ""
            elif i in self.box_of:
                continue
            else:
                uid = f"v{i}"
                target = f"o{i}" if node.parents else ""
                inside = (i,)
                parents = [(i, j, p) for j, p in enumerate(node.parents)]
                op, result = (f"o{i}", f"r{i}") if node.parents else ("", "")
                name = self.names(node)
            edges: list[tuple[str, str]] = []
            for m, j, parent in parents:
                p = self.position[parent]
                source = self.box_of.get(p, f"v{p}")
                if source in (uid, ""):
                    continue
                eid = f"e{m}_{j}" if not self.box_list else f"{source}-{target}"
                if all(e != eid for e, _ in edges):
                    edges.append((eid, source))
            index[uid] = len(units)
            units.append(Unit(uid, i, op, result, (), tuple(inside), name))
            pending.append((uid, edges))
        for u, (_, edges) in enumerate(pending):
            units[u] = units[u]._replace(inputs=tuple((eid, index[src]) for eid, src in edges))
        return units

    def _unit_of(self) -> list[int]:
        out = [-1] * len(self.order)  # -1: a shared parameter, in no unit
        for u, unit in enumerate(self.units):
            for m in unit.members:
                out[m] = u
        return out

    # ---- words ----------------------------------------------------------------------------

    def _forward(self, unit: Unit) -> tuple[str, ...]:
        node = self.order[unit.node]
        if not unit.id.startswith("m"):
            return (forward_line(node, self.names, self.digits, role(node, self.root)),)
        scope = node.scope
        lines = [
            forward_line(self.order[m], self.names, self.digits).replace(scope + ".", "")
            for m in unit.members
            if self.order[m].parents
        ]
        if lines and not lines[-1].startswith(f"{unit.name} = "):  # the last line computes
            lines[-1] = f"{unit.name} = {lines[-1]}"  # the module's output: say so
        return tuple(lines) or (f"{unit.name} = {fmt(node.data, self.digits)}",)

    def _short(self, node: Value, scope: str) -> str:
        return self.names(node).removeprefix(scope + ".")

    # ---- backward -------------------------------------------------------------------------

    def _backward(self, start: int) -> list[Frame]:
        """Record a real ``backward_steps()`` run (starting from zero gradients; every grad
        is put back afterwards), then group its steps by unit."""
        saved = [node.grad for node in self.order]
        steps = {}
        try:
            for node in self.order:
                node.grad = 0.0
            for step in self.root.backward_steps():
                steps[self.position[step.node]] = step
        finally:
            for node, grad in zip(self.order, saved):
                node.grad = grad
        running = [0.0] * len(self.order)
        running[-1] = 1.0
        frames = []
        for u in sorted(
            (u for u, unit in enumerate(self.units) if any(m in steps for m in unit.members)),
            key=lambda u: -self.units[u].node,
        ):
            unit = self.units[u]
            inside = [steps[m] for m in sorted(unit.members, reverse=True) if m in steps]
            touched: dict[int, None] = {}
            carried: dict[str, float] = {}
            edge_of = {}
            for eid, source in unit.inputs:
                edge_of[source] = eid
            for step in inside:
                i = self.position[step.node]
                for j, edge in enumerate(step.edges):
                    p = self.position[edge.parent]
                    running[p] += edge.contribution
                    source = self.unit_of[p]
                    if source not in (u, -1):
                        touched[source] = None
                        eid = f"e{i}_{j}" if not self.box_list else edge_of[source]
                        carried[eid] = carried.get(eid, 0.0) + edge.contribution
            grads = [(u, running[unit.node])]
            grads += [(s, running[self.units[s].node]) for s in touched]
            lines = (
                tuple(inside[0].lines(self.names, self.digits))
                if not unit.id.startswith("m")
                else self._box_lines(unit, inside)
            )
            frames.append(
                Frame(
                    start + len(frames), "backward", u, lines, tuple(grads), tuple(carried.items())
                )
            )
        return frames

    def _box_lines(self, unit: Unit, inside: list) -> tuple[str, ...]:
        """A neuron's backward step in a few lines: the gradient reaching its output, through
        its activation, then what reached its bias, each weight and each input."""
        d = self.digits
        top = self.names.root_name()
        scope = self.order[unit.node].scope
        lines = [f"d{top}/d{bracket(unit.name)} = {fmt(inside[0].grad, d)}  (reaches its output)"]
        own: list[str] = []
        outside: list[str] = []
        for step in inside:
            for edge in step.edges:
                parent = edge.parent
                ours = parent.scope == scope
                who = (
                    self._short(parent, scope)
                    if ours
                    else self.units[self.unit_of[self.position[parent]]].name
                )
                what = (
                    f"{who} += {fmt(step.grad, d)} * {fmt(edge.local, d)}"
                    f" = {fmt(edge.contribution, d)}"
                )
                if ours and parent.parents:
                    lines.append(
                        f"through {step.node.op}: d{top}/d{self._short(parent, scope)} "
                        f"= {fmt(step.grad, d)} * {fmt(edge.local, d)} = "
                        f"{fmt(edge.contribution, d)}"
                    )
                elif ours:
                    own.append(what)
                else:
                    outside.append(what)
        if own:
            lines.append("weights and bias: " + _listing(sorted(own, key=natural)))
        if outside:
            lines.append("inputs: " + _listing(outside))
        return tuple(lines)

    # ---- the running picture ---------------------------------------------------------------

    def walk(self) -> Iterator[tuple[Frame, View, set[int]]]:
        """Each frame with the picture after it and the units whose look may have changed
        (every unit at the first frame and where the backward pass begins)."""
        view = View()
        consumers: list[list[int]] = [[] for _ in self.units]
        for u, unit in enumerate(self.units):
            for _, source in unit.inputs:
                consumers[source].append(u)
        pending = [0] * len(self.units)
        everything = set(range(len(self.units)))
        previous: set[int] = set()
        for frame in self.frames:
            u = frame.node
            unit = self.units[u]
            if frame.phase != view.phase or frame.index == 0:
                dirty = set(everything)
                view.phase = frame.phase
                view.done = set()
                if frame.phase == "backward":
                    view.data = {v: self.values[x.node] for v, x in enumerate(self.units)}
                    pending = [len(set(c)) for c in consumers]
                    view.done = {
                        v for v in everything if not self.units[v].inputs and not pending[v]
                    }
            else:
                dirty = set(previous)
                last = view.current
                view.done.add(last)
                if view.phase == "backward":
                    for source in {s for _, s in self.units[last].inputs}:
                        pending[source] -= 1
                        if pending[source] == 0 and not self.units[source].inputs:
                            view.done.add(source)
                            dirty.add(source)
            view.current = u
            view.targets = frozenset(s for _, s in unit.inputs)
            if frame.phase == "forward":
                view.data[u] = self.values[unit.node]
            for v, g in frame.grads:
                view.grads[v] = g
                dirty.add(v)
            for eid, c in frame.contributions:
                view.contributions[eid] = c
            previous = {u, *view.targets}
            dirty |= previous
            yield frame, view, dirty

    def state(self, k: int) -> State:
        """What the picture shows at frame k (walks frames 0..k: for tests and the curious)."""
        if not 0 <= k < len(self.frames):
            raise IndexError(f"step_through: no frame {k} (there are {len(self.frames)})")
        for frame, view, _ in self.walk():
            if frame.index == k:
                return State(
                    frame,
                    dict(view.data),
                    dict(view.grads),
                    dict(view.contributions),
                    frozenset(view.done - {view.current}),
                    view.targets,
                )
        raise AssertionError("unreachable")


def _listing(items: list[str], limit: int = 6) -> str:
    if len(items) <= limit:
        return "; ".join(items)
    return "; ".join([*items[: limit - 1], f"... ({len(items) - limit} more)", items[-1]])


def check_passes(passes: object, caller: str = "step_through") -> tuple[str, ...]:
    """``passes`` as a tuple: some of ("forward", "backward"), in that order."""
    if isinstance(passes, str) or not isinstance(passes, Sequence):
        raise TypeError(
            f"{caller}: passes must be a sequence of {PASSES}, got {type(passes).__name__} "
            f"{passes!r:.100}"
        )
    passes = tuple(passes)
    if not passes or any(p not in PASSES for p in passes) or len(set(passes)) != len(passes):
        raise ValueError(f"{caller}: passes must be some of {PASSES} in order, got {passes!r:.100}")
    if list(passes) != [p for p in PASSES if p in passes]:
        raise ValueError(f"{caller}: the forward pass comes before the backward pass: {passes!r}")
    return passes


def build_frames(
    root: Value, passes: Sequence[str] = PASSES, collapse: bool = False, digits: int = 4
) -> tuple[list[Value], list[Frame]]:
    """The topological order and the frames (see ``Frames``)."""
    frames = Frames(root, passes, collapse, digits)
    return frames.order, frames.frames
