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


# ---- the decorator on generators and coroutines (as torch's decorator) -------------------------


def _generator_states(decorate) -> tuple[list[bool], list[bool], list[object], object]:
    """Drive a decorated generator by hand: what the body saw at each resumption, what the
    caller saw between them, the parents the body built, and the generator's return value."""
    inside: list[bool] = []
    built: list[object] = []

    @decorate
    def steps(x: Value):
        for _ in range(3):
            inside.append(is_grad_enabled())
            y = x * 2
            built.append(y.parents)
            sent = yield y
            if sent is not None:
                inside.append(is_grad_enabled())
        return "done"

    between: list[bool] = []
    gen = steps(Value(1.0))
    next(gen)
    between.append(is_grad_enabled())
    gen.send("hello")
    between.append(is_grad_enabled())
    next(gen)
    between.append(is_grad_enabled())
    with pytest.raises(StopIteration) as stop:
        next(gen)
    return inside, between, built, stop.value.value


@pytest.mark.parametrize("decorate", [no_grad(), no_grad], ids=["no_grad()", "no_grad"])
def test_decorated_generator_runs_each_resumption_without_grad(decorate):
    import inspect

    inside, between, built, returned = _generator_states(decorate)
    assert inside == [False] * 4
    assert between == [True] * 3  # the caller's mode between the yields
    assert built == [()] * 3
    assert returned == "done"
    assert is_grad_enabled()

    @decorate
    def gen():
        yield 1

    assert inspect.isgeneratorfunction(gen) and gen.__name__ == "gen"


def test_decorated_generator_throw_and_close_run_without_grad():
    seen: list[tuple[str, bool]] = []

    @no_grad
    def gen():
        try:
            while True:
                try:
                    yield 1
                except KeyError:
                    seen.append(("throw", is_grad_enabled()))
        finally:
            seen.append(("close", is_grad_enabled()))

    g = gen()
    next(g)
    assert g.throw(KeyError("k")) == 1
    assert is_grad_enabled()
    g.close()
    assert seen == [("throw", False), ("close", False)]
    assert is_grad_enabled()


def test_decorated_generator_inside_no_grad_caller_keeps_the_callers_mode():
    @no_grad
    def gen():
        yield is_grad_enabled()
        yield is_grad_enabled()

    g = gen()
    with no_grad():
        assert next(g) is False
    assert is_grad_enabled()
    assert next(g) is False
    assert is_grad_enabled()


@pytest.mark.parametrize("decorate", [no_grad(), no_grad], ids=["no_grad()", "no_grad"])
def test_decorated_coroutine_function_runs_its_body_without_grad(decorate):
    import asyncio
    import inspect

    @decorate
    async def evaluate(x: Value) -> tuple[bool, tuple, bool]:
        before = is_grad_enabled()
        await asyncio.sleep(0)
        y = x * 3
        return before, y.parents, is_grad_enabled()

    async def main() -> tuple:
        result = await evaluate(Value(2.0))
        return result, is_grad_enabled()

    assert inspect.iscoroutinefunction(evaluate)
    (before, parents, after), caller = asyncio.run(main())
    assert (before, parents, after) == (False, (), False)
    assert caller is True
    assert is_grad_enabled()


def test_decorated_async_generator_runs_each_resumption_without_grad():
    import asyncio

    @no_grad
    async def numbers(x: Value):
        for _ in range(2):
            await asyncio.sleep(0)
            yield (x * 2).parents, is_grad_enabled()

    async def main() -> list:
        seen = []
        async for parents, enabled in numbers(Value(1.0)):
            seen.append((parents, enabled, is_grad_enabled()))
        return seen

    assert asyncio.run(main()) == [((), False, True), ((), False, True)]
    assert is_grad_enabled()


# ---- one no_grad object shared between threads, tasks and nested blocks -----------------------


def test_one_instance_entered_from_two_threads_at_once():
    """Both threads are inside the same ``no_grad`` object; A leaves first, then B."""
    shared = no_grad()
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, object] = {}
    errors: list[BaseException] = []

    def run(name: str, leave_first: bool) -> None:
        try:
            with shared:
                barrier.wait()  # 1: both inside
                seen[name + "_inside"] = is_grad_enabled()
                if not leave_first:
                    barrier.wait()  # 2: wait until A has left
            if leave_first:
                seen[name + "_after"] = is_grad_enabled()
                barrier.wait()  # 2
            else:
                seen[name + "_after"] = is_grad_enabled()
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=("a", True)),
        threading.Thread(target=run, args=("b", False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors, errors
    assert seen == {"a_inside": False, "b_inside": False, "a_after": True, "b_after": True}
    assert is_grad_enabled()


def test_one_instance_nested_in_itself():
    shared = no_grad()
    with shared:
        with shared:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        assert Value(1.0).__add__(1).parents == ()
    assert is_grad_enabled()


def test_one_instance_shared_by_interleaved_asyncio_tasks():
    import asyncio

    shared = no_grad()
    order: list[tuple[str, bool]] = []

    async def task(name: str, first: asyncio.Event, second: asyncio.Event) -> None:
        with shared:
            order.append((name + " in", is_grad_enabled()))
            first.set()
            await second.wait()
        order.append((name + " out", is_grad_enabled()))

    async def main() -> None:
        a_in, b_in = asyncio.Event(), asyncio.Event()
        # A enters, B enters, A leaves (B still inside), B leaves
        ta = asyncio.create_task(task("a", a_in, b_in))
        await a_in.wait()
        tb_done = asyncio.Event()
        tb = asyncio.create_task(task("b", b_in, tb_done))
        await ta
        tb_done.set()
        await tb

    asyncio.run(main())
    assert order == [("a in", False), ("b in", False), ("a out", True), ("b out", True)]
    assert is_grad_enabled()


def test_leaving_in_a_thread_that_never_entered_is_a_clear_error():
    shared = no_grad()
    shared.__enter__()
    result: dict[str, object] = {}

    def other() -> None:
        try:
            shared.__exit__(None, None, None)
        except RuntimeError as err:
            result["error"] = str(err)
        result["enabled"] = is_grad_enabled()

    t = threading.Thread(target=other)
    t.start()
    t.join(timeout=20)
    assert not is_grad_enabled()  # this thread is still inside
    shared.__exit__(None, None, None)
    assert is_grad_enabled()
    assert "never entered" in result["error"] and result["enabled"] is True


def test_import_autograd_stays_light():
    """The generator/coroutine support must not make ``import autograd`` load inspect (and
    through it ast, dis, ...): the engine is meant to import instantly."""
    import subprocess
    import sys

    heavy = ("inspect", "asyncio", "ast", "numpy")
    code = f"import sys, autograd; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []
