"""Backpropagation: the chain rule, applied node by node from the root back to the leaves.

``backward`` and ``backward_steps`` share one walk (``_walk``) and one chain-rule step
(``_chain_rule``); the step-through just stops after each node to show what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from threading import RLock
from typing import TYPE_CHECKING, NamedTuple

from .expression import DIGITS, Names, backward_line, names_for
from .graph import topological_order

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


# One backward pass at a time: two walks over one graph would zero and refill each other's
# interior gradients. Costs well under a microsecond per call (a walk takes milliseconds).
_one_at_a_time = RLock()


def backward(root: Value) -> None:
    """Fill ``grad`` of every node in ``root``'s graph with d(root)/d(node).

    Safe to call from several threads at once: the calls run one after another."""
    with _one_at_a_time:
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
    root: Value | None = None  # the value backward_steps() started from (names dRoot/d...)

    def explain(self, names: Names | None = None, digits: int = DIGITS) -> str:
        """The chain-rule arithmetic of this step in numbers, one line; a part per parent,
        joined by "; ". ``names`` (``autograd.expression.Names``) decides how nodes are
        called; by default the root's graph's."""
        return "; ".join(self.lines(names, digits))

    def lines(self, names: Names | None = None, digits: int = DIGITS) -> list[str]:
        """``explain()`` one parent per line: dR/dparent += dR/dnode * dnode/dparent = ..."""
        if names is None:
            names = names_for(self.root) if self.root is not None else Names(())
        return [
            backward_line(self.node, parent, self.grad, local, contribution, names, digits)
            for parent, local, contribution in self.edges
        ]


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """``backward`` one node at a time, yielding a ``BackwardStep`` after each node.

    Consuming every step leaves exactly the gradients ``backward`` gives. Unlike
    ``backward`` it cannot hold a lock between steps: do not step through a graph that
    another thread differentiates at the same time.
    """
    for index, node in enumerate(_walk(root)):
        grad = node.grad
        local_grads = _chain_rule(node)
        edges = tuple(
            Edge(parent, local, local * grad) for parent, local in zip(node.parents, local_grads)
        )
        yield BackwardStep(index, node, grad, edges, root)


def name(node: Value) -> str:
    """A short name for a node in explanations (``autograd.expression.Names``): its label;
    else its value (a constant) or the expression it computes (``tanh(w * x + b)``) while
    that stays short; else ``[op k]``, the k-th result of ``op`` in its graph."""
    return Names((node,), node)(node) if node.parents else Names((), node)(node)
