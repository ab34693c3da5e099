"""What part a node plays in a graph: input, parameter, intermediate or root.

A leaf (no parents) is a **parameter** when either

- it was created inside a module and has a label (``nn`` creates every weight and bias inside
  its neuron's ``name_scope`` and labels it with its full name, ``layers.0.neurons.3.w.1``;
  the unlabelled leaves a module creates are numbers lifted to constants), or
- its label reads like a parameter's name: ``w``, ``b``, ``weight``, ``bias``, optionally
  followed by an index (``w1``, ``b_2``, ``w.0``), possibly after a dotted prefix.

Every other leaf is an **input** (data, targets, constants). Nodes with parents are
**intermediates**, except the node the graph was drawn from: the **root**.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd import Value

_PARAMETER_NAME = re.compile(r"(?:^|[._])(?:w|b|weight|bias)(?:[._]?\d+)*$")

# fill colours (Tailwind's 100/200 shades: light enough for black text)
COLOURS = {
    "input": "#dbeafe",  # blue
    "parameter": "#fde68a",  # amber
    "intermediate": "#f3f4f6",  # grey
    "root": "#bbf7d0",  # green
}


def is_parameter(node: Value) -> bool:
    """A leaf that is trained rather than given (see the module docstring)."""
    if node.parents or not node.label:
        return False
    return bool(node.scope) or _PARAMETER_NAME.search(node.label) is not None


def role(node: Value, root: Value) -> str:
    """'root', 'intermediate', 'parameter' or 'input'."""
    if node is root:
        return "root"
    if node.parents:
        return "intermediate"
    return "parameter" if is_parameter(node) else "input"
