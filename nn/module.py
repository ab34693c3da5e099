"""``Module``: the base class of everything with parameters (like ``torch.nn.Module``, minus
the magic: a module lists its own parameters and its children explicitly).

Every module has a ``name``, its dotted path in the model ("" for the top, "layers.1",
"layers.1.neurons.3"). Constructors do not pass names down: a module calls
``self.name_modules()`` at the end of its ``__init__``, and that one walk over its tree gives
every module inside its path, every parameter its full name as ``label``
("layers.1.neurons.3.w.0") and its module's path as ``scope`` (a parent's walk renames what its
children named when they were built on their own). Calling a module runs
``forward`` inside ``autograd.name_scope(name)``, so every Value the module creates records
where it came from (``value.scope``): that is how ``viz`` groups a graph by neuron and layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from autograd import Value, name_scope
from autograd.real import is_real

from .serialize import quote


class Module:
    """A piece of a model: parameters (Values), child modules, and a ``forward``."""

    name: str = ""

    # ---- what a subclass states ---------------------------------------------------------

    def forward(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The parameters this module holds itself (not its children's), with local names."""
        return []

    def children(self) -> list[tuple[str, Module]]:
        """The modules directly inside this one, with local names ("layers.0", "neurons.3")."""
        return []

    # ---- what every module gets -----------------------------------------------------------

    def __call__(self, x: Any) -> Any:
        if not self.name:
            return self.forward(x)
        with name_scope(self.name):
            return self.forward(x)

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, depth first, with dotted paths
        ("", "layers.0", "layers.0.neurons.0", ...) under ``prefix``."""
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:  # a loop, not recursion: the walk order is parent, then children in order
            path, module = stack.pop()
            yield path, module
            children = module.children()
            for name, child in reversed(children):
                stack.append((f"{path}.{name}" if path else name, child))

    def name_modules(self, prefix: str = "") -> Module:
        """Name the whole tree in one pass: each module gets its path (under ``prefix``), each
        parameter the label "<module path>.<local name>" and the scope "<module path>".
        Returns ``self``, so ``MLP(2, [3]).name_modules("encoder")`` reads as one line."""
        for path, module in self.named_modules(prefix):
            module.name = path
            dot = f"{path}." if path else ""
            for local, p in module.own_parameters():
                p.label = dot + local
                p.scope = path
        return self

    def named_parameters(self) -> list[tuple[str, Value]]:
        """[(name, parameter)] with names relative to this module, e.g. "layers.0.neurons.3.w.1"
        for a top-level model (where they equal the parameters' labels)."""
        named = list(self.own_parameters())
        for child_name, child in self.children():
            named.extend((f"{child_name}.{name}", p) for name, p in child.named_parameters())
        return named

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters``."""
        params = [p for _, p in self.own_parameters()]
        for _, child in self.children():
            params.extend(child.parameters())
        return params

    def num_parameters(self) -> int:
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward passes)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{parameter name: value}, in parameter order; plain floats, ready for JSON."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy values from ``state`` (as ``state_dict`` gives) into the parameters.

        Everything is checked first (the same names, each a finite real number); on any
        problem a ``ValueError`` names it and no parameter is changed.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        known = set(expected)
        missing = [name for name in expected if name not in state]
        unexpected = [name for name in state if name not in known]
        if missing or unexpected:
            raise ValueError(
                "load_state_dict: the parameter names do not match this model"
                + (f"; missing {_few(missing)}" if missing else "")
                + (f"; unexpected {_few(unexpected)}" if unexpected else "")
            )
        values = [_finite(name, state[name]) for name in expected]
        for (_, p), value in zip(named, values):
            p.data = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, parameters={self.num_parameters()})"


def _finite(name: str, value: object) -> float:
    """``value`` as a float if it is a finite real number (not a bool), else ValueError."""
    number = None
    if is_real(value) and not isinstance(value, bool):
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond the float range
            number = None
    if number is None or not math.isfinite(number):
        raise ValueError(
            f"load_state_dict: parameter {quote(name, 40)} must be a finite number, "
            f"got {quote(value, 60)}"
        )
    return number


def _few(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(quote(n, 40) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
