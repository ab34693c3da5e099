"""autograd.expression: one way to name a node and to write an expression, used by
BackwardStep.explain() and by every part of the stepper."""

import pytest

from autograd import Value, dot, topological_order
from autograd.expression import Names, bracket, fmt, forward_line


def test_labels_with_operators_or_spaces_are_bracketed():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    n = x1 * w1
    n.label = "x1*w1 + x2*w2"
    out = n * 0.5
    [first, _] = list(out.backward_steps())
    assert first.lines()[0] == (
        "dL/d(x1*w1 + x2*w2) += dL/d((x1*w1 + x2*w2) * 0.5) * d((x1*w1 + x2*w2) * 0.5)"
        "/d(x1*w1 + x2*w2) = 1.0 * 0.5 = 0.5"
    )
    assert bracket("a; b") == "(a; b)" and bracket("layers.0.w1") == "layers.0.w1"


def test_the_root_label_names_the_derivative():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = 0.5 * (a * b)
    e.label = "E"
    lines = [line for step in e.backward_steps() for line in step.lines()]
    assert lines[0] == "dE/d(0.5) += dE/dE * dE/d(0.5) = 1.0 * -6.0 = -6.0"
    assert all(line.startswith("dE/d") for line in lines) and "dL" not in "".join(lines)
    e.label = ""  # an unlabelled root is L
    assert next(e.backward_steps()).lines()[0].startswith("dL/d(0.5) += dL/d(0.5 * a * b) ")
    my = a * b
    my.label = "my loss"
    assert next(my.backward_steps()).lines()[0].startswith("d(my loss)/da += d(my loss)/d(my loss)")


def test_no_doubled_parentheses():
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(0.1, label="b")
    y = (w * x + b).tanh()
    names = Names(topological_order(y), y)
    assert names(y) == "tanh(w * x + b)"
    assert names((w + x) * b) == "(w + x) * b"
    assert names(w - (x + b)) == "w - (x + b)"
    assert names(w / (x * b)) == "w / (x * b)"
    assert names((w * x) ** 2) == "(w * x)**2"
    assert names(-(w + x)) == "-(w + x)"
    assert "((" not in forward_line(y, names) and forward_line(y, names).startswith(
        "tanh(w * x + b) = tanh(1.1) ="
    )


def test_abs_reads_the_same_forward_and_backward():
    b = Value(-3.0, label="b")
    y = abs(b)
    names = Names(topological_order(y), y)
    assert forward_line(y, names) == "abs(b) = abs(-3.0) = 3.0"
    assert next(y.backward_steps()).lines() == [
        "dL/db += dL/d(abs(b)) * d(abs(b))/db = 1.0 * -1.0 = -1.0"
    ]


def test_an_unnamed_long_result_is_numbered_by_its_operation():
    ws = [Value(0.1 * k, label=f"layers.0.neurons.0.w{k}") for k in range(3)]
    xs = [Value(1.0 + k, label=f"x{k}") for k in range(3)]
    d1, d2 = dot(ws, xs), dot(xs, ws)
    out = d1 + d2
    names = Names(topological_order(out), out)
    assert {names(d1), names(d2)} == {"[dot 1]", "[dot 2]"}
    assert names.wrt(d1) == names(d1)  # already bracketed
    assert names(out) == "[+ 1]"  # its expression holds numbered names: numbered itself
    step = next(out.backward_steps())
    assert step.lines()[0].startswith(f"dL/d{names(d1)} += dL/d[+ 1] * d[+ 1]/d{names(d1)} ")
    assert forward_line(out, names).startswith("[+ 1] = [dot 1] + [dot 2] = ")


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (0.7615941559557649, 6, "0.761594"),
        (0.7615941559557649, 4, "0.7616"),
        (1.0, 4, "1.0"),
        (1e-10, 4, "1e-10"),
        (-110.3514, 4, "-110.4"),
    ],
)
def test_fmt(x, digits, text):
    assert fmt(x, digits) == text


def test_explain_takes_the_digits():
    a, b = Value(2.0, label="a"), Value(0.7615941559557649, label="b")
    step = next((a * b).backward_steps())
    assert (
        step.explain(digits=4).split("; ")[0]
        == "dL/da += dL/d(a * b) * d(a * b)/da = 1.0 * 0.7616 = 0.7616"
    )


def test_a_node_has_one_name_wherever_it_appears():
    """A node is called the same standing alone (a table row) and inside another node's name
    or an explanation: never '[abs 1]' in one place and 'abs(...)' in another."""
    from autograd import sum_values

    x1, w1, x2, w2 = (
        Value(v, label=s) for v, s in [(2.0, "x1"), (-3.0, "w1"), (0.0, "x2"), (1.0, "w2")]
    )
    q, b = Value(0.5, label="q"), Value(0.1, label="b")
    n = (x1 * w1 + b) * q
    t = (n + dot([w1, w2], [x1, x2]) + dot([x1, x2], [w1, w2])).tanh()
    out = t + sum_values([abs(n - 7)]) + (x1 * w1 * w1 * w1 * w1).relu()
    order = topological_order(out)
    names = Names(order, out)
    for node in order:
        for parent in node.parents:
            inside = names.operand(parent)
            assert inside in (names(parent), f"({names(parent)})"), (names(node), inside)
            if not node.label and names(node) != names.fallback(node):
                assert names(parent) in names(node), (names(node), names(parent))
    for step in out.backward_steps():
        for (parent, *_), line in zip(step.edges, step.lines()):
            assert line.startswith(f"dL/d{names.wrt(parent)} += dL/d{names.wrt(step.node)} * ")
    single = sum_values([t])  # a sum of one term is not called by its term's name
    assert Names(topological_order(single), single)(single) != names(t)


def test_a_result_named_by_its_number_says_what_it_computes():
    a = Value(1.5, label="a")
    y = a
    for _ in range(12):
        y = y * 1.5
    names = Names(topological_order(y), y)
    assert names(y).startswith("[* ")
    line = forward_line(y, names)
    assert line.startswith(f"{names(y)} = ") and " * 1.5 = " in line
