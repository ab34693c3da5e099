"""Switching gradient recording off: ``no_grad`` and ``is_grad_enabled``.

The switch is a count of the ``no_grad`` blocks we are inside, kept in a
:mod:`contextvars` variable, so it is private to each thread (and each asyncio task): one
thread's ``no_grad`` never affects another's. A ``no_grad`` object keeps no state of its
own, so one object can be entered from several threads at once, or inside itself.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# how many no_grad blocks this context is inside; operations record parents only at 0
_no_grad_depth: contextvars.ContextVar[int] = contextvars.ContextVar(
    "stepgrad_no_grad_depth", default=0
)


# what kind of function a code object is (inspect.CO_*; inspect itself takes milliseconds
# to import)
_CO_GENERATOR, _CO_COROUTINE, _CO_ASYNC_GENERATOR = 0x20, 0x80, 0x200


def is_grad_enabled() -> bool:
    """True when new operations record their parents (the default)."""
    return not _no_grad_depth.get()


class _NoGrad:
    """Context manager (and decorator) that stops operations from recording parents."""

    __slots__ = ()

    def __enter__(self) -> None:
        _no_grad_depth.set(_no_grad_depth.get() + 1)

    def __exit__(self, *exc_info: object) -> None:
        depth = _no_grad_depth.get()
        if depth == 0:  # e.g. a generator holding `with no_grad()` resumed in another thread
            raise RuntimeError(
                "no_grad: left in a thread or task that never entered it; "
                "decorate the generator with @no_grad instead"
            )
        _no_grad_depth.set(depth - 1)

    def __call__(self, func: F) -> F:
        """Run ``func`` without grad. A generator (or async generator) runs each resumption
        without grad and gives the caller its own mode back between yields, as in torch."""
        flags = getattr(getattr(func, "__code__", None), "co_flags", 0)
        if flags & _CO_GENERATOR:
            wrapper: Callable[..., Any] = _generator(func)
        elif flags & _CO_ASYNC_GENERATOR:
            wrapper = _async_generator(func)
        elif flags & _CO_COROUTINE:

            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                with _NoGrad():
                    return await func(*args, **kwargs)

        else:

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with _NoGrad():
                    return func(*args, **kwargs)

        return functools.wraps(func)(wrapper)  # type: ignore[return-value]


def _generator(func: Callable[..., Any]) -> Callable[..., Any]:
    """A generator function whose every resumption (next, send, throw, close) runs under
    ``no_grad``; between two resumptions the caller's mode is in force."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _NoGrad():
            gen = func(*args, **kwargs)
        try:
            with _NoGrad():
                reply = gen.send(None)
            while True:
                try:
                    request = yield reply
                except GeneratorExit:
                    with _NoGrad():
                        gen.close()
                    raise
                except BaseException as err:  # noqa: BLE001 - handed on to the generator
                    with _NoGrad():
                        reply = gen.throw(err)
                else:
                    with _NoGrad():
                        reply = gen.send(request)
        except StopIteration as stop:  # the generator returned: so do we, with its value
            return stop.value

    return wrapper


def _async_generator(func: Callable[..., Any]) -> Callable[..., Any]:
    """``_generator`` for an ``async def`` with ``yield``."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _NoGrad():
            gen = func(*args, **kwargs)
        try:
            with _NoGrad():
                reply = await gen.__anext__()
            while True:
                try:
                    request = yield reply
                except GeneratorExit:
                    with _NoGrad():
                        await gen.aclose()
                    raise
                except BaseException as err:  # noqa: BLE001 - handed on to the generator
                    with _NoGrad():
                        reply = await gen.athrow(err)
                else:
                    with _NoGrad():
                        reply = await gen.asend(request)
        except StopAsyncIteration:
            return

    return wrapper


def no_grad(func: F | None = None) -> Any:
    """Record no parents inside: ``with no_grad(): ...``, ``@no_grad()`` or ``@no_grad``.

    Values computed inside are plain leaves (``op == ''``, ``parents == ()``), as in
    ``torch.no_grad``. Use it for evaluation and for updating parameters. On a generator
    or ``async def`` the body runs without grad, one resumption at a time.
    """
    if func is None:
        return _NoGrad()
    return _NoGrad()(func)
