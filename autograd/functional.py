"""Derivatives of derivatives: ``gradients``, ``grad``, ``value_and_grad``, ``hessian``,
``jvp`` and ``custom_op``.

``gradients(out, inputs)`` is ``backward`` without touching ``.grad``: the same walk from the
output back to the inputs, the chain rule ``d out/d parent += local * d out/d node``, with
the running gradients kept in a dict. With ``create_graph=True`` the local derivatives are
the ops' rules evaluated on the Values themselves (``value.local_derivatives``), so every
gradient is a Value computed from the graph: an ordinary graph that can be differentiated
again, drawn and stepped through.

``jvp`` is the mirror image, forward mode: a tangent pushed from the inputs towards the
output in topological order, ``tangent(node) = sum(local * tangent(parent))``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .graph import topological_order
from .real import as_float, is_real, not_a_number
from .value import RULES, Value, _result, lift, local_derivatives

Number = float | Value  # a gradient: a float, or a Value with create_graph


def _short(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 100 else text[:97] + "..."


def _check_inputs(inputs: object, where: str) -> tuple[Value, ...]:
    if isinstance(inputs, Value):
        return (inputs,)
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"{where}: inputs must be a Value or a list/tuple of Values, "
            f"got {type(inputs).__name__}: {_short(inputs)}"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(
                f"{where}: inputs[{i}] must be a Value, got {type(x).__name__}: {_short(x)}"
            )
    return tuple(inputs)


def gradients(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> tuple[Value, ...]:
    """d output / d input for each input, as ``torch.autograd.grad``: no ``.grad`` changes.

    Without ``create_graph`` each result is a constant leaf holding the number ``backward``
    would give. With ``create_graph=True`` each result is a Value computed by Value
    operations from the graph, so it can be differentiated again, to any order; it may be a
    node of the graph itself (d(x*y)/dx is ``y``). An input the output does not depend on
    gets 0 (a constant leaf).
    """
    if not isinstance(output, Value):
        raise TypeError(
            f"gradients: output must be a Value, got {type(output).__name__}: {_short(output)}"
        )
    xs = _check_inputs(inputs, "gradients")
    if type(create_graph) is not bool:
        raise TypeError(f"gradients: create_graph must be True or False, got {create_graph!r:.60}")
    grads = _reverse(output, xs, create_graph)
    results = []
    for x in xs:
        g = grads.get(x, 0.0)
        results.append(g if isinstance(g, Value) else lift(g, "gradients"))
    return tuple(results)


def _reverse(output: Value, inputs: tuple[Value, ...], create_graph: bool) -> dict[Value, Any]:
    """d output / d node for every node on a path from an input to ``output``."""
    order = topological_order(output)
    # only nodes that depend on an input matter: the others pass nothing on to an input
    wanted = set(inputs)
    relevant: set[Value] = set()
    for node in order:
        if node in wanted or any(p in relevant for p in node.parents):
            relevant.add(node)
    grads: dict[Value, Any] = {output: 1.0}
    for node in reversed(order):
        if not node.parents or node not in relevant:
            continue
        g = grads.get(node)
        if g is None:
            continue
        locals_ = local_derivatives(node) if create_graph else node.local_grads()  # type: ignore[misc]
        for parent, local in zip(node.parents, locals_):
            if parent not in relevant:
                continue
            # dout/dparent += local * dout/dnode (a factor that is the number 1 is left out)
            share = local if (type(g) is float and g == 1.0) else local * g
            if parent in grads:
                grads[parent] = grads[parent] + share
            elif create_graph:
                grads[parent] = share
            else:
                grads[parent] = 0.0 + share  # as backward: a gradient starts at 0.0
    return grads


# ---- JAX-style function transformations ------------------------------------------------


def _check_argnums(argnums: object, where: str) -> tuple[int, ...]:
    if type(argnums) is int:
        nums: tuple[object, ...] = (argnums,)
    elif type(argnums) is tuple and argnums:
        nums = argnums
    else:
        raise TypeError(
            f"{where}: argnums must be an int or a non-empty tuple of ints, "
            f"got {type(argnums).__name__}: {_short(argnums)}"
        )
    for n in nums:
        if type(n) is not int or n < 0:
            raise ValueError(
                f"{where}: argnums must be ints >= 0, got {_short(argnums)}"
            )
    if len(set(nums)) != len(nums):
        raise ValueError(f"{where}: argnums repeats an argument: {_short(argnums)}")
    return nums  # type: ignore[return-value]


def _call(f: Callable[..., object], args: tuple[object, ...], nums: tuple[int, ...], where: str):
    """Run ``f`` on Values: returns (output, the differentiated Values, connected?)."""
    for n in nums:
        if n >= len(args):
            raise ValueError(
                f"{where}: argnums {n} is out of range: f was called with {len(args)} "
                "positional argument(s)"
            )
        if not (isinstance(args[n], Value) or is_real(args[n])):
            raise not_a_number(f"{where}: argument {n}", args[n])
    connected = any(isinstance(a, Value) for a in args)
    values = [
        Value(as_float(a, f"{where}: argument {i}")) if is_real(a) and not isinstance(a, Value)
        else a
        for i, a in enumerate(args)
    ]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(
            f"{where}: f must return a Value, but it returned {type(out).__name__}: "
            f"{_short(out)}"
        )
    return out, tuple(values[n] for n in nums), connected


def value_and_grad(
    f: Callable[..., Value], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[Number, Number | tuple[Number, ...]]]:
    """``f``'s value and its gradient in the arguments ``argnums``, as ``jax.value_and_grad``.

    Called with numbers: floats, and nothing left behind. Called with a Value among the
    arguments: Values connected to them (``create_graph``), so it can be differentiated
    again. ``argnums`` an int gives one gradient, a tuple a tuple of them.
    """
    if not callable(f):
        raise TypeError(f"value_and_grad: f must be callable, got {type(f).__name__}")
    nums = _check_argnums(argnums, "value_and_grad")
    single = type(argnums) is int

    @functools.wraps(f)
    def value_and_grad_f(*args: object) -> tuple[Number, Number | tuple[Number, ...]]:
        out, xs, connected = _call(f, args, nums, "value_and_grad")
        grads = gradients(out, xs, create_graph=connected)
        results = grads if connected else tuple(g.data for g in grads)
        value = out if connected else out.data
        return value, (results[0] if single else results)

    return value_and_grad_f


def grad(
    f: Callable[..., Value], argnums: int | tuple[int, ...] = 0
) -> Callable[..., Number | tuple[Number, ...]]:
    """The gradient of ``f`` in the arguments ``argnums``, as ``jax.grad``:
    ``grad(f)(x)`` is df/dx at x, a float for numbers in, a connected Value for Values in,
    so ``grad(grad(f))(x)`` is the second derivative."""
    if not callable(f):
        raise TypeError(f"grad: f must be callable, got {type(f).__name__}")
    nums = _check_argnums(argnums, "grad")
    single = type(argnums) is int

    @functools.wraps(f)
    def grad_f(*args: object) -> Number | tuple[Number, ...]:
        out, xs, connected = _call(f, args, nums, "grad")
        grads = gradients(out, xs, create_graph=connected)
        results = grads if connected else tuple(g.data for g in grads)
        return results[0] if single else results

    return grad_f


def hessian(f: Callable[..., Value]) -> Callable[..., list[list[float]]]:
    """The matrix of second derivatives of ``f`` over all its arguments:
    ``hessian(f)(*args)[i][j] = d2 f / dx_i dx_j`` (numbers in, floats out)."""
    if not callable(f):
        raise TypeError(f"hessian: f must be callable, got {type(f).__name__}")

    def hessian_f(*args: object) -> list[list[float]]:
        if not args:
            raise ValueError("hessian: f needs at least one argument")
        point = [
            a.data if isinstance(a, Value) else as_float(a, f"hessian: argument {i}")
            for i, a in enumerate(args)
        ]
        out, xs, _ = _call(f, tuple(point), tuple(range(len(point))), "hessian")
        first = gradients(out, xs, create_graph=True)
        return [[g.data for g in gradients(d, xs)] for d in first]

    return hessian_f


def jvp(
    f: Callable[..., Value], primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """Forward mode: ``(f(*primals), sum_i df/dx_i * tangents[i])``, as ``jax.jvp``.

    Each node's tangent is pushed from its parents', in topological order, through the same
    local derivatives ``backward`` uses: tangent(node) = sum(local * tangent(parent)).
    One jvp gives one directional derivative; a gradient of n inputs costs n jvps, but one
    ``backward``.
    """
    if not callable(f):
        raise TypeError(f"jvp: f must be callable, got {type(f).__name__}")
    for name, seq in (("primals", primals), ("tangents", tangents)):
        if not isinstance(seq, (list, tuple)):
            raise TypeError(
                f"jvp: {name} must be a list or tuple of numbers, "
                f"got {type(seq).__name__}: {_short(seq)}"
            )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: primals and tangents must be equally long, got {len(primals)} and "
            f"{len(tangents)}"
        )
    point = [
        p.data if isinstance(p, Value) else as_float(p, f"jvp: primals[{i}]")
        for i, p in enumerate(primals)
    ]
    dirs = [as_float(t, f"jvp: tangents[{i}]") for i, t in enumerate(tangents)]
    out, xs, _ = _call(f, tuple(point), tuple(range(len(point))), "jvp")
    tangent: dict[Value, float] = {}
    for x, t in zip(xs, dirs):
        tangent[x] = tangent.get(x, 0.0) + t
    for node in topological_order(out):
        if not node.parents or node in tangent:
            continue
        total, reached = 0.0, False
        for parent, local in zip(node.parents, node.local_grads()):  # type: ignore[misc]
            t = tangent.get(parent)
            if t is not None:
                total += local * t
                reached = True
        if reached:
            tangent[node] = total
    return out.data, tangent.get(out, 0.0)


# ---- custom ops ------------------------------------------------------------------------


def _d_custom(out: Any, *args: Any) -> tuple[Any, ...]:
    """A custom op's rule: args are (*inputs, float locals, derivative, name). On numbers it
    gives the locals the user's function returned; on Values, ``derivative(out, *inputs)``."""
    *xs, locals_, derivative, name = args
    if type(out) is float:
        return locals_  # type: ignore[no-any-return]
    if derivative is None:
        raise TypeError(
            f"custom op {name!r} gives its local derivatives as numbers only, so it cannot be "
            f"differentiated twice (create_graph=True): pass custom_op({name!r}, "
            "derivative=lambda out, *inputs: (...)) written with Value operations"
        )
    result = derivative(out, *xs)
    if not isinstance(result, tuple) or len(result) != len(xs):
        raise TypeError(
            f"custom op {name!r}: derivative must return a tuple of {len(xs)} local "
            f"derivative(s), got {type(result).__name__}: {_short(result)}"
        )
    return result


RULES.add(_d_custom)


def custom_op(
    name: str, derivative: Callable[..., tuple[Any, ...]] | None = None
) -> Callable[[Callable[..., tuple[float, tuple[float, ...]]]], Callable[..., Value]]:
    """Make an op from a function of floats returning ``(value, (d value/d arg, ...))``.

    >>> import math
    >>> @custom_op("softplus", derivative=lambda out, x: (x.sigmoid(),))
    ... def softplus(x):
    ...     return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)

    ``softplus(Value(0.5))`` is a node with op "softplus": backward, backward_steps,
    gradcheck, draw_graph and the stepper treat it like a built-in. For higher order
    (``create_graph=True``, nested ``grad``) give ``derivative(out, *inputs)``: the local
    derivatives written with Value operations (``out`` is the op's node); without it,
    differentiating twice raises a TypeError naming the op.
    """
    if type(name) is not str or not name:
        raise TypeError(f"custom_op: name must be a non-empty str, got {_short(name)}")
    if derivative is not None and not callable(derivative):
        raise TypeError(
            f"custom_op {name!r}: derivative must be a function (out, *inputs) -> tuple, "
            f"got {type(derivative).__name__}"
        )

    def decorate(fn: Callable[..., tuple[float, tuple[float, ...]]]) -> Callable[..., Value]:
        if not callable(fn):
            raise TypeError(f"custom_op {name!r}: decorates a function, got {type(fn).__name__}")

        @functools.wraps(fn)
        def op(*args: object) -> Value:
            xs = tuple(lift(a, f"custom op {name!r}: argument {i}") for i, a in enumerate(args))
            data = tuple(x.data for x in xs)
            result = fn(*data)
            if not (isinstance(result, tuple) and len(result) == 2):
                raise TypeError(
                    f"custom op {name!r} must return (value, (local derivative per argument, "
                    f"...)), got {type(result).__name__}: {_short(result)}"
                )
            value, locals_ = result
            if not is_real(value):
                raise TypeError(
                    f"custom op {name!r}: the value must be a real number, got "
                    f"{type(value).__name__}: {_short(value)}"
                )
            if not (isinstance(locals_, tuple) and len(locals_) == len(xs)):
                raise TypeError(
                    f"custom op {name!r}: needs a tuple of {len(xs)} local derivative(s), "
                    f"got {type(locals_).__name__}: {_short(locals_)}"
                )
            floats = tuple(as_float(d, f"custom op {name!r}: local derivative") for d in locals_)
            out = as_float(value, f"custom op {name!r}: value")
            # d(op)/dx_i = the i-th number fn returned (and derivative(out, *xs) on Values)
            rule = partial(_d_custom, out, *data, floats, derivative, name)
            return _result(out, xs, name, rule)

        return op

    return decorate
