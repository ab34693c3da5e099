"""``no_grad``: as a context manager, as a decorator (with and without parentheses), and
private to each thread."""

from __future__ import annotations

import threading

import pytest

from autograd import Value, is_grad_enabled, no_grad


def test_context_manager_records_no_parents():
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 3 + 1
        z = y.tanh()
    assert is_grad_enabled()
    assert (y.data, y.op, y.parents, y.local_grads) == (7.0, "", (), None)
    assert (z.op, z.parents) == ("", ())
    w = x * 3
    assert w.parents[0] is x and w.op == "*"


def test_backward_through_a_no_grad_value_stops_there():
    x = Value(2.0)
    with no_grad():
        frozen = x * 10
    out = frozen * x
    out.backward()
    assert x.grad == 20.0  # only the direct use of x; frozen is a constant
    assert frozen.grad == 2.0


def test_context_manager_restores_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert is_grad_enabled()


def test_nested():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_decorator_with_parentheses():
    @no_grad()
    def evaluate(x: Value) -> Value:
        """docstring kept"""
        assert not is_grad_enabled()
        return x * x

    x = Value(3.0)
    y = evaluate(x)
    assert (y.data, y.parents) == (9.0, ())
    assert is_grad_enabled()
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "docstring kept"
    assert evaluate(x).parents == ()  # each call gets its own switch


def test_decorator_without_parentheses():
    @no_grad
    def evaluate(x: Value) -> Value:
        return x.exp()

    y = evaluate(Value(0.0))
    assert (y.data, y.parents, y.op) == (1.0, (), "")
    assert is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_decorated_function_restores_after_an_exception():
    @no_grad
    def fails() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fails()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    """Thread A sits inside ``no_grad`` while thread B builds a graph, at the same time:
    the barrier makes both do their work between the same two synchronisation points."""
    barrier = threading.Barrier(2, timeout=10)
    x = Value(2.0)
    seen: dict[str, object] = {}
    errors: list[BaseException] = []

    def thread_a() -> None:
        try:
            with no_grad():
                barrier.wait()  # 1: A is inside no_grad
                seen["a_enabled"] = is_grad_enabled()
                seen["a_parents"] = (x * 3).parents
                barrier.wait()  # 2: B has built its graph while A was inside
            seen["a_enabled_after"] = is_grad_enabled()
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)
            barrier.abort()

    def thread_b() -> None:
        try:
            barrier.wait()  # 1
            seen["b_enabled"] = is_grad_enabled()
            y = x * 5
            seen["b_parents"] = y.parents
            barrier.wait()  # 2
        except BaseException as err:  # noqa: BLE001
            errors.append(err)
            barrier.abort()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors, errors
    assert seen["a_enabled"] is False and seen["a_parents"] == ()
    assert seen["b_enabled"] is True
    assert len(seen["b_parents"]) == 2 and seen["b_parents"][0] is x
    assert seen["a_enabled_after"] is True
    assert is_grad_enabled()  # the main thread never was affected


def test_main_thread_no_grad_does_not_leak_into_a_new_thread():
    result: dict[str, object] = {}

    def worker() -> None:
        result["enabled"] = is_grad_enabled()
        result["parents"] = len((Value(1.0) + 1).parents)

    with no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join(timeout=20)
    assert result == {"enabled": True, "parents": 2}
