"""Random computation graphs for property tests, buildable with our ``Value`` or with torch.

A ``GraphSpec`` is plain data: leaf values, then nodes, each an op applied to earlier nodes
(leaves first, then nodes in order), so one node can feed many others (shared nodes,
diamonds, reuse like ``x * x``). ``build`` turns a spec into a graph with any library that
spells ops like ours (``Value`` or torch tensors); the output is the left-to-right ``+`` of
every node nothing else uses, so every node counts.

Ops are chosen with safe domains: ``log``, ``sqrt`` and fractional or Value exponents only
see ``x*x + 1`` or ``exp(x)``, divisions divide by ``y*y + 1``. Specs whose numbers still
get out of hand (overflow, |value| > ``BOUND``) are filtered out by ``graphs()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from engine_ops import Lib
from hypothesis import strategies as st

from autograd import Value, dot, no_grad, sum_values, topological_order

BOUND = 1e4  # largest |value| of any node in a tame graph
OUR_LIB = Lib(sum=sum_values, dot=dot)


class DagOp(NamedTuple):
    arity: int
    apply: Callable[[Lib, Sequence[Any], float], Any]  # (lib, xs, const)
    const: st.SearchStrategy[float] | None = None


def _sq1(x: Any) -> Any:
    return x * x + 1  # >= 1: a safe base, denominator, log or sqrt argument


SMALL = st.floats(-3.0, 3.0, allow_nan=False)

DAG_OPS: dict[str, DagOp] = {
    "add": DagOp(2, lambda lib, x, c: x[0] + x[1]),
    "sub": DagOp(2, lambda lib, x, c: x[0] - x[1]),
    "mul": DagOp(2, lambda lib, x, c: x[0] * x[1]),
    "div": DagOp(2, lambda lib, x, c: x[0] / _sq1(x[1])),
    "pow_t": DagOp(2, lambda lib, x, c: _sq1(x[0]) ** x[1]),
    "radd": DagOp(1, lambda lib, x, c: c + x[0], SMALL),
    "rsub": DagOp(1, lambda lib, x, c: c - x[0], SMALL),
    "rmul": DagOp(1, lambda lib, x, c: c * x[0], SMALL),
    "rtruediv": DagOp(1, lambda lib, x, c: c / _sq1(x[0]), SMALL),
    "rpow": DagOp(1, lambda lib, x, c: c ** x[0], st.sampled_from([0.5, 2.0, math.e, 3.0])),
    "pow_int": DagOp(1, lambda lib, x, c: x[0] ** c, st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0])),
    "pow_frac": DagOp(1, lambda lib, x, c: _sq1(x[0]) ** c, st.floats(-2.5, 2.5)),
    "neg": DagOp(1, lambda lib, x, c: -x[0]),
    "abs": DagOp(1, lambda lib, x, c: abs(x[0])),
    "relu": DagOp(1, lambda lib, x, c: x[0].relu()),
    "tanh": DagOp(1, lambda lib, x, c: x[0].tanh()),
    "sigmoid": DagOp(1, lambda lib, x, c: x[0].sigmoid()),
    "exp": DagOp(1, lambda lib, x, c: x[0].exp()),
    "log": DagOp(1, lambda lib, x, c: _sq1(x[0]).log()),
    "log_exp": DagOp(1, lambda lib, x, c: x[0].exp().log()),
    "sqrt": DagOp(1, lambda lib, x, c: _sq1(x[0]).sqrt()),
    "sqrt_exp": DagOp(1, lambda lib, x, c: x[0].exp().sqrt()),
    "sum": DagOp(3, lambda lib, x, c: lib.sum(list(x))),
    "dot": DagOp(4, lambda lib, x, c: lib.dot([x[0], x[1]], [x[2], x[3]])),
}
KINK_OPS = {"abs", "relu"}


class Node(NamedTuple):
    op: str  # a key of DAG_OPS
    args: tuple[int, ...]  # indices into leaves + nodes built before this one
    const: float = 0.0


class GraphSpec(NamedTuple):
    leaves: tuple[float, ...]
    nodes: tuple[Node, ...]

    def sinks(self) -> list[int]:
        """Indices of the nodes no other node uses: their sum is the output."""
        used = {a for node in self.nodes for a in node.args}
        first = len(self.leaves)
        return [first + k for k in range(len(self.nodes)) if first + k not in used]


class Built(NamedTuple):
    leaves: list[Any]
    all: list[Any]  # leaves, then one entry per spec node (same indexing as Node.args)
    output: Any


def build(spec: GraphSpec, lib: Lib, leaf: Callable[[int, float], Any]) -> Built:
    """The spec's graph, made with ``leaf(i, value)`` for the leaves and ``lib`` for the ops."""
    values = [leaf(i, x) for i, x in enumerate(spec.leaves)]
    leaves = list(values)
    for node in spec.nodes:
        values.append(DAG_OPS[node.op].apply(lib, [values[a] for a in node.args], node.const))
    sinks = spec.sinks()
    output = values[sinks[0]]
    for s in sinks[1:]:
        output = output + values[s]
    return Built(leaves, values, output)


def build_ours(spec: GraphSpec) -> Built:
    return build(spec, OUR_LIB, lambda i, x: Value(x, label=f"x{i}"))


def evaluate(spec: GraphSpec, leaves: Sequence[float]) -> float:
    """The output's value at other leaf values (no graph recorded)."""
    with no_grad():
        return build_ours(spec._replace(leaves=tuple(leaves))).output.data


def kink_inputs(spec: GraphSpec, leaves: Sequence[float]) -> tuple[float, ...]:
    """The values going into abs and relu, where the derivative jumps."""
    with no_grad():
        built = build_ours(spec._replace(leaves=tuple(leaves)))
    return tuple(
        built.all[node.args[0]].data for node in spec.nodes if node.op in KINK_OPS
    )


def is_tame(spec: GraphSpec) -> bool:
    """Builds without domain errors, every value finite and within BOUND, grads finite."""
    try:
        built = build_ours(spec)
    except (ArithmeticError, ValueError):
        return False
    order = topological_order(built.output)
    if not all(math.isfinite(n.data) and abs(n.data) <= BOUND for n in order):
        return False
    built.output.backward()
    return all(math.isfinite(n.grad) for n in order)


LEAF_VALUES = st.floats(-2.5, 2.5, allow_nan=False, allow_infinity=False)


@st.composite
def graph_specs(
    draw: st.DrawFn, max_leaves: int = 4, max_nodes: int = 12, ops: Sequence[str] = tuple(DAG_OPS)
) -> GraphSpec:
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = tuple(draw(LEAF_VALUES) for _ in range(n_leaves))
    nodes = []
    for k in range(draw(st.integers(1, max_nodes))):
        name = draw(st.sampled_from(ops))
        op = DAG_OPS[name]
        args = tuple(draw(st.integers(0, n_leaves + k - 1)) for _ in range(op.arity))
        const = draw(op.const) if op.const is not None else 0.0
        nodes.append(Node(name, args, const))
    return GraphSpec(leaves, tuple(nodes))


def graphs(**kwargs: Any) -> st.SearchStrategy[GraphSpec]:
    """Random tame graph specs (see ``graph_specs`` for the knobs)."""
    return graph_specs(**kwargs).filter(is_tame)
