"""Switching gradient recording off: ``no_grad`` and ``is_grad_enabled``.

The switch lives in a :mod:`contextvars` variable, so it is private to each thread
(and each asyncio task): one thread's ``no_grad`` never affects another's.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_recording: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "stepgrad_recording", default=True
)


def is_grad_enabled() -> bool:
    """True when new operations record their parents (the default)."""
    return _recording.get()


class _NoGrad:
    """Context manager (and decorator) that stops operations from recording parents."""

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> None:
        self._tokens.append(_recording.set(False))

    def __exit__(self, *exc_info: object) -> None:
        _recording.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def without_grad(*args: Any, **kwargs: Any) -> Any:
            with _NoGrad():
                return func(*args, **kwargs)

        return without_grad  # type: ignore[return-value]


def no_grad(func: F | None = None) -> Any:
    """Record no parents inside: ``with no_grad(): ...``, ``@no_grad()`` or ``@no_grad``.

    Values computed inside are plain leaves (``op == ''``, ``parents == ()``), as in
    ``torch.no_grad``. Use it for evaluation and for updating parameters.
    """
    if func is None:
        return _NoGrad()
    return _NoGrad()(func)
