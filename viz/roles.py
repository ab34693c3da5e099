"""What part a node plays in a graph: input, parameter, constant, intermediate or root.

A leaf (no parents) without a label is a **constant**: a number that an operation lifted to a
``Value`` (the 1 in ``1 - y * s``, the shift ``m = max z`` that ``cross_entropy`` subtracts from
every logit, the ½ in ``0.5 * e**2``). Nobody named it, nobody trains it, so it is drawn
quietly: small grey type on a near-white box, and (in ``draw_graph``) a thin grey edge
whatever gradient it received, to keep the eye on the values that matter.

A labelled leaf is a **parameter** when either

- it was created inside a module and has a label (``nn`` creates every weight and bias inside
  its neuron's ``name_scope`` and labels it with its full name, ``layers.0.neurons.3.w.1``;
  the unlabelled leaves a module creates are numbers lifted to constants), or
- its label reads like a parameter's name: ``w``, ``b``, ``weight``, ``bias``, optionally
  followed by an index (``w1``, ``b_2``, ``w.0``), possibly after a dotted prefix.

Every other labelled leaf is an **input** (data, targets). Nodes with parents are
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
    "constant": "#fafafa",  # near white, with QUIET's small grey type and a light border
}
QUIET = {"font": "#6b7280", "border": "#d1d5db", "size": "9"}  # how a constant is drawn


def is_parameter(node: Value) -> bool:
    """A leaf that is trained rather than given (see the module docstring)."""
    if node.parents or not node.label:
        return False
    return bool(node.scope) or _PARAMETER_NAME.search(node.label) is not None


def role(node: Value, root: Value) -> str:
    """'root', 'intermediate', 'constant', 'parameter' or 'input'."""
    if node is root:
        return "root"
    if node.parents:
        return "intermediate"
    if not node.label:
        return "constant"
    return "parameter" if is_parameter(node) else "input"
