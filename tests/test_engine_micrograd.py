"""Coming from micrograd: its spellings fail at once, with a message that names stepgrad's
equivalent (no aliases). And ``Value``'s own arguments are checked when it is made."""

from __future__ import annotations

import pytest
from errors import error_of, live_values

from autograd import Value, no_grad

# ---- the constructor ----------------------------------------------------------------------


def test_micrograds_constructor_order_is_refused_with_the_names_here():
    a, b = Value(2.0), Value(3.0)
    count = live_values()
    message = error_of(TypeError, lambda: Value(5.0, (a, b), "+"))
    for word in ("micrograd", "_children", "parents=", "_op", "op="):
        assert word in message, f"{word!r} not in {message!r}"
    message = error_of(TypeError, lambda: Value(5.0, (a, b)))  # _children alone
    for word in ("label", "tuple", "_children", "parents="):
        assert word in message, f"{word!r} not in {message!r}"
    assert live_values() == count


@pytest.mark.parametrize("label", [5, None, b"x", ("x",), 1.5])
def test_label_must_be_a_str(label):
    message = error_of(TypeError, lambda: Value(1.0, label=label))
    assert "label" in message and type(label).__name__ in message
    error_of(TypeError, lambda: Value(1.0, label))


def test_setting_a_label_later_is_checked_too():
    v = Value(1.0, label="v")
    message = error_of(TypeError, lambda: setattr(v, "label", 5))
    assert "label" in message and "int" in message
    assert v.label == "v"
    v.label = "w"
    assert v.label == "w" and repr(v).startswith("Value(w,")


def test_parents_op_and_local_grads_are_keyword_only():
    a = Value(2.0)
    error_of(TypeError, lambda: Value(-2.0, "", (a,), "neg", lambda: (-1.0,)))
    out = Value(-2.0, parents=(a,), op="neg", local_grads=lambda: (-1.0,))
    assert (out.parents, out.op, out.label) == ((a,), "neg", "")
    out.backward()
    assert a.grad == -1.0
    with no_grad():
        frozen = Value(-2.0, parents=(a,), op="neg", local_grads=lambda: (-1.0,))
    assert (frozen.parents, frozen.op, frozen.local_grads) == ((), "", None)


@pytest.mark.parametrize(
    "kwargs, words",
    [({"parents": [Value(1.0)], "op": "f", "local_grads": lambda: (1.0,)}, ["parents", "list"]),
     ({"parents": (1.0,), "op": "f", "local_grads": lambda: (1.0,)}, ["parents", "float"]),
     ({"parents": (Value(1.0),), "op": 3, "local_grads": lambda: (1.0,)}, ["op", "int"]),
     ({"parents": (Value(1.0),), "op": "f"}, ["local_grads", "NoneType"]),
     ({"parents": (Value(1.0),), "op": "f", "local_grads": (1.0,)}, ["local_grads", "tuple"])],
    ids=["parents-list", "parents-float", "op-int", "no-local_grads", "local_grads-tuple"],
)
def test_a_hand_made_node_is_checked(kwargs, words):
    message = error_of(TypeError, lambda: Value(1.0, **kwargs))
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ---- micrograd's attribute names ------------------------------------------------------------


@pytest.mark.parametrize("name, ours", [("_prev", "parents"), ("_op", "op"),
                                        ("_backward", "local_grads")])
def test_micrograds_attributes_name_ours(name, ours):
    v = Value(2.0) * 3
    message = error_of(AttributeError, lambda: getattr(v, name))
    assert name in message and ours in message and "micrograd" in message
    assert not hasattr(v, name)  # no alias


@pytest.mark.parametrize("name, ours", [("_prev", "parents"), ("_op", "op"),
                                        ("_backward", "local_grads")])
def test_setting_micrograds_attributes_names_ours(name, ours):
    """micrograd defines an op by setting out._backward = _backward (and builds nodes with
    _prev and _op): the same message as reading them, and nothing is set."""
    v = Value(2.0) * 3
    message = error_of(AttributeError, lambda: setattr(v, name, lambda: None))
    assert name in message and ours in message and "micrograd" in message
    assert not hasattr(v, name)


def test_other_missing_attributes_are_plain_attribute_errors():
    message = error_of(AttributeError, lambda: Value(1.0).nonsense)
    assert "nonsense" in message and "micrograd" not in message


def test_draw_dot_names_draw_graph():
    import viz

    message = error_of(ImportError, lambda: viz.draw_dot)
    assert "draw_dot" in message and "viz.draw_graph" in message

    def import_draw_dot() -> None:
        from viz import draw_dot  # noqa: F401

    with pytest.raises(ImportError, match=r"viz\.draw_graph"):
        import_draw_dot()
    error_of(AttributeError, lambda: viz.no_such_thing)
