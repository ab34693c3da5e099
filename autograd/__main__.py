"""``python -m autograd``: build a small expression, backpropagate, print every node."""

from __future__ import annotations

from autograd import Value, topological_order


def main() -> None:
    # a tiny neuron: o = tanh(x1*w1 + x2*w2 + b)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    print("forward pass, then backward one node at a time:\n")
    for step in o.backward_steps():
        print(" ", step.explain())
    print(f"\n{'node':<12}{'op':<8}{'data':>12}{'grad':>12}")
    for node in topological_order(o):
        print(f"{node.label or '·':<12}{node.op or 'leaf':<8}{node.data:>12.6f}{node.grad:>12.6f}")


if __name__ == "__main__":
    main()
