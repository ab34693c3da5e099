"""Name scopes: which module created a node (``layers.1.neurons.3``), for drawing graphs.

``nn`` enters a scope while a module runs; every ``Value`` created inside records it in
``value.scope``. Like ``no_grad``, the scope is a context variable, private to a thread.
"""

from __future__ import annotations

import contextvars

_scope: contextvars.ContextVar[str] = contextvars.ContextVar("stepgrad_scope", default="")


def current_scope() -> str:
    """The scope new values record ('' outside any module)."""
    return _scope.get()


class name_scope:  # lower case: used like a function, `with name_scope("layers.0"):`
    """Record ``name`` on every value created inside.

    Nested scopes are not joined: the caller passes the full dotted name. (A small class
    rather than ``@contextmanager``: a network enters one scope per neuron per example.)
    """

    __slots__ = ("_token", "name")

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> str:
        self._token = _scope.set(self.name)
        return self.name

    def __exit__(self, *exc_info: object) -> None:
        _scope.reset(self._token)
