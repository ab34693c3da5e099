"""Name scopes: which module created a node (``layers.1.neurons.3``), for drawing graphs.

``nn`` enters a scope while a module runs; every ``Value`` created inside records it in
``value.scope``. Like ``no_grad``, the scope is a context variable, private to a thread.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_scope: contextvars.ContextVar[str] = contextvars.ContextVar("stepgrad_scope", default="")


def current_scope() -> str:
    """The scope new values record ('' outside any module)."""
    return _scope.get()


@contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Record ``name`` on every value created inside (nested scopes are not joined:
    the caller passes the full dotted name)."""
    token = _scope.set(name)
    try:
        yield name
    finally:
        _scope.reset(token)
