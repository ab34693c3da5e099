"""stepgrad's scalar reverse-mode autodiff engine (standard library only).

>>> from autograd import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> e = a * b
>>> e.backward()
>>> a.grad, b.grad
(-3.0, 2.0)
"""

from .backprop import BackwardStep, Edge
from .compile import CompiledGraph, compile_graph
from .functional import custom_op, grad, gradients, hessian, jvp, value_and_grad
from .grad_mode import is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import topological_order
from .reductions import dot, sum_values
from .scope import current_scope, name_scope
from .value import Value

__all__ = [
    "BackwardStep",
    "CompiledGraph",
    "Edge",
    "GradcheckError",
    "Value",
    "compile_graph",
    "current_scope",
    "custom_op",
    "dot",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "jvp",
    "name_scope",
    "no_grad",
    "sum_values",
    "topological_order",
    "value_and_grad",
]
