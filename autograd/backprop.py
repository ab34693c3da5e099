"""Backpropagation: the chain rule, applied node by node from the root back to the leaves.

``backward`` and ``backward_steps`` share one walk (``_walk``) and one chain-rule step
(``_chain_rule``); the step-through just stops after each node to show what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from .graph import topological_order
from .real import fmt

if TYPE_CHECKING:
    from .value import Value


def _walk(root: Value) -> Iterator[Value]:
    """Seed the gradients, then yield each node with parents in reverse topological order.

    Interior nodes start again from 0 on every call; leaves keep what they had and
    accumulate (PyTorch's rule for a graph kept with ``retain_graph=True``). The root's
    gradient is dL/dL = 1. When a node is yielded its own gradient is final: every node
    that uses it comes later in the topological order, so it has already been walked.
    """
    order = topological_order(root)
    for node in order:
        if node.parents:
            node.grad = 0.0
    if root.parents:
        root.grad = 1.0
    else:  # backward() of a leaf: dL/dL = 1, accumulated like any leaf gradient
        root.grad += 1.0
    for node in reversed(order):
        if node.parents:
            yield node


def _chain_rule(node: Value) -> tuple[float, ...]:
    """dL/dparent += d(node)/d(parent) * dL/d(node) for each parent; returns the locals."""
    grad = node.grad
    local_grads = node.local_grads()  # type: ignore[misc]
    for parent, local in zip(node.parents, local_grads):
        parent.grad += local * grad
    return local_grads


def backward(root: Value) -> None:
    """Fill ``grad`` of every node in ``root``'s graph with d(root)/d(node)."""
    for node in _walk(root):
        _chain_rule(node)


class Edge(NamedTuple):
    """One parent's share of a backward step: contribution = local * upstream grad."""

    parent: Value
    local: float
    contribution: float


class BackwardStep(NamedTuple):
    """What one node passed back to its parents.

    ``grad`` is the upstream gradient dL/d(node); each edge says how much of it reached
    one parent: ``contribution = local * grad``.
    """

    index: int
    node: Value
    grad: float
    edges: tuple[Edge, ...]

    def explain(self) -> str:
        """The chain-rule arithmetic of this step in numbers, one line."""
        node = _wrt(self.node)
        parts = []
        for parent, local, contribution in self.edges:
            p = _wrt(parent)
            parts.append(
                f"dL/d{p} += dL/d{node} * d{node}/d{p}"
                f" = {fmt(self.grad)} * {fmt(local)} = {fmt(contribution)}"
            )
        return "; ".join(parts)


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """``backward`` one node at a time, yielding a ``BackwardStep`` after each node.

    Consuming every step leaves exactly the gradients ``backward`` gives.
    """
    for index, node in enumerate(_walk(root)):
        grad = node.grad
        local_grads = _chain_rule(node)
        edges = tuple(
            Edge(parent, local, local * grad) for parent, local in zip(node.parents, local_grads)
        )
        yield BackwardStep(index, node, grad, edges)


def _wrt(node: Value) -> str:
    """A node's name as it follows a 'd' (``dL/dx``); numbers get brackets: ``dL/d(2.0)``."""
    text = name(node)
    return f"({text})" if text[0].isdigit() or text[0] == "-" else text


_UNARY_NAMES = {"neg": "-{}", "abs": "abs{}"}


def name(node: Value, limit: int = 24) -> str:
    """A short name for a node in explanations: its label; else the expression it computes
    from labelled values and constants (``(a + b)``, ``tanh((w * x) + b)``) while that stays
    short; else its op and value (``[* = -6.0]``). Unlabelled leaves show their value."""
    return _expression(node, limit) or f"[{node.op} = {fmt(node.data)}]"


def _expression(node: Value, limit: int, depth: int = 4) -> str:
    """The expression for ``node`` in labels and constants, or '' when it is too long."""
    if node.label:
        return node.label
    if not node.parents:
        return fmt(node.data)
    if depth == 0 or len(node.parents) > 2:
        return ""
    args = [_expression(parent, limit, depth - 1) for parent in node.parents]
    if not all(args):
        return ""
    if len(args) == 2:
        text = f"({args[0]} {node.op} {args[1]})"
    elif node.op.startswith("**"):
        text = f"({args[0]}{node.op})"
    else:
        arg = args[0] if args[0].startswith("(") else f"({args[0]})"
        text = _UNARY_NAMES.get(node.op, node.op + "{}").format(arg)
    return text if len(text) <= limit else ""
