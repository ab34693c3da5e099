"""How a graph looks, decided in one place: the role each value plays (and its colour),
the numbers and names written in pictures, value boxes, tooltips, edge styles and the legend.

**Roles.** A leaf (no parents) without a label is a **constant**: a number that an operation
lifted to a ``Value`` (the 1 in ``1 - y * s``, the shift ``m = max z`` that ``cross_entropy``
subtracts from every logit, the ½ in ``0.5 * e**2``). Nobody named it, nobody trains it, so it
is drawn quietly: small grey type on a near-white box, and (in ``draw_graph``) a thin grey edge
whatever gradient it received, to keep the eye on the values that matter.

A labelled leaf is a **parameter** when either

- it was created inside a module and has a label (``nn`` creates every weight and bias inside
  its neuron's ``name_scope`` and labels it with its full name, ``layers.0.neurons.3.w.1``;
  the unlabelled leaves a module creates are numbers lifted to constants), or
- its label reads like a parameter's name: ``w``, ``b``, ``weight``, ``bias``, optionally
  followed by an index (``w1``, ``b_2``, ``w.0``), possibly after a dotted prefix.

Every other labelled leaf is an **input** (data, targets). Nodes with parents are
**intermediates**, except the node the graph was drawn from: the **root**.

**Edges.** After a backward pass an edge parent -> operation is as wide and as warm as the
gradient it carried back, |contribution| = |local * dL/dnode|; dashed when nothing flowed
back; thin and light grey out of a constant.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd import Value

# ---- roles ---------------------------------------------------------------------------------

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


# ---- numbers and text ----------------------------------------------------------------------


def number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits, never hiding a small non-zero as 0.

    ``%g`` keeps significant digits (not decimal places) and switches to scientific
    notation below 1e-4, so 1e-10 prints as ``1e-10``, never ``0``; exponents lose
    their padding (``1.5e-07`` -> ``1.5e-7``) and ``-0`` prints as ``0``.
    """
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0.0:
        return "0"
    text = f"{x:.{max(1, precision)}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


# control characters as their control pictures (U+2400 + code; DEL is U+2421): `dot` fails on
# some (NUL ends its input) and mangles others; C1 controls and lone surrogates (which cannot
# even be encoded as UTF-8) become U+FFFD
_VISIBLE = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
_VISIBLE |= {code: 0xFFFD for code in [*range(0x80, 0xA0), *range(0xD800, 0xE000)]}


def visible(text: str) -> str:
    """``text`` with every control character replaced by a visible one: ``"a\\x1b"`` ->
    ``"a\u241b"`` (␛), a lone surrogate -> U+FFFD."""
    return text.translate(_VISIBLE)


def plain_label(text: str) -> str:
    """A plain (not HTML-like) label that shows ``text`` as it is (``\\N`` not expanded)."""
    import graphviz

    return graphviz.escape(visible(text))


def html_text(text: str) -> str:
    """Text for a Graphviz HTML-like label: ``& < > "`` become entities and each backslash
    is doubled.

    Graphviz still expands ``\\N``, ``\\G``, ... (node and graph names) inside HTML-like
    labels and reads ``\\\\`` as one backslash, so a doubled backslash is how a label keeps
    its own. ``| { }`` mean nothing there and stay as they are. Control characters are
    shown as their pictures (``visible``).
    """
    return html.escape(visible(text), quote=True).replace("\\", "\\\\")


# ---- value boxes, edges, tooltips and the legend -------------------------------------------

EDGE_GREY = (0xB8, 0xB8, 0xB8)
EDGE_HOT = (0xC2, 0x41, 0x0C)  # orange-red for the largest contribution


def contributions(
    order: Sequence[Value], root: Value
) -> dict[tuple[int, int], tuple[float, float]]:
    """``{(i, j): (local, contribution)}`` for the edge from parent j into node i, where
    contribution = d(node_i)/d(parent_j) * dL/d(node_i); empty before any backward pass."""
    if root.grad == 0.0 and root.parents:
        return {}
    found = {}
    for i, node in enumerate(order):
        if node.parents:
            for j, local in enumerate(node.local_grads()):  # type: ignore[misc]
                found[(i, j)] = (local, local * node.grad)
    return found


def edge_style(contribution: float, largest: float, crowded: bool = False) -> dict[str, str]:
    """Width 1..5 and grey -> orange-red by t = |contribution| / largest (its square root,
    so that small ones stay visible); dashed when nothing flowed back.

    ``crowded`` (a collapsed MLP, where a layer of 16 feeds a layer of 16 through 256 edges):
    thin and see-through unless strong, so that the strongest stand out of the bundle: width
    0.5..4 by t itself, opacity 20%..100% by t (colour still by its square root)."""
    if contribution == 0.0 or largest == 0.0:
        grey = hex_colour(EDGE_GREY) + ("80" if crowded else "")
        return {"penwidth": "0.5" if crowded else "1", "color": grey, "style": "dashed"}
    t = min(1.0, abs(contribution) / largest)
    colour = hex_colour(tuple(round(a + (b - a) * t**0.5) for a, b in zip(EDGE_GREY, EDGE_HOT)))
    if crowded:
        return {"penwidth": f"{0.5 + 3.5 * t:.2f}", "color": colour + f"{round(51 + 204 * t):02x}"}
    return {"penwidth": f"{1 + 4 * t**0.5:.2f}", "color": colour}


def quiet_edge_style(contribution: float) -> dict[str, str]:
    """An edge out of a constant: thin and light grey whatever it carried (a constant's
    gradient trains nothing), dashed when nothing flowed back."""
    style = {"penwidth": "1", "color": QUIET["border"]}
    return {**style, "style": "dashed"} if contribution == 0.0 else style


def hex_colour(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def value_label(
    title: str,
    rows: Sequence[str],
    fill: str,
    *,
    width: int = 0,
    border: int = 1,
    quiet: bool = False,
) -> str:
    """An HTML-like label: a bold title row (if any) over one row per line of text;
    ``quiet`` (a constant): small grey type and a light grey border (``QUIET``)."""
    size = f' WIDTH="{width}"' if width else ""

    def text(t: str) -> str:
        t = html_text(t)
        return (
            f'<FONT POINT-SIZE="{QUIET["size"]}" COLOR="{QUIET["font"]}">{t}</FONT>' if quiet else t
        )

    cells = [f"<TR><TD{size}><B>{text(title)}</B></TD></TR>"] if title else []
    cells += [f"<TR><TD{size}>{text(row)}</TD></TR>" for row in rows]
    edge = f' COLOR="{QUIET["border"]}"' if quiet else ""
    return (
        f'<<TABLE BORDER="{border}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{fill}"{edge}>{"".join(cells)}</TABLE>>'
    )


def tooltip(text: str) -> str:
    """A tooltip attribute that shows ``text`` as it is. Graphviz expands escapes in tooltips
    twice (``\\\\N`` is still the node's name), so backslashes are doubled before
    ``graphviz.escape`` doubles them again."""
    import graphviz

    lines = (visible(line) for line in text.split("\n"))  # our own line breaks stay
    return graphviz.escape("\n".join(lines).replace("\\", "\\\\"))


def legend(title: str = "", constants: bool = False, largest: float | None = None) -> str:
    """The colour key (input, parameter, intermediate, root, and constant when ``constants``
    are drawn), under ``title`` when given; with ``largest`` (edges styled by a backward
    pass: the largest gradient an edge carried) a second row says what edges mean."""
    names = ["input", "parameter", "intermediate", "root"] + ["constant"] * constants
    swatches = "".join(
        f'<TD BGCOLOR="{COLOURS[name]}" BORDER="1">{name}</TD><TD> </TD>'
        if name != "constant"
        else f'<TD BGCOLOR="{COLOURS[name]}" BORDER="1" COLOR="{QUIET["border"]}">'
        f'<FONT COLOR="{QUIET["font"]}">{name}</FONT></TD><TD> </TD>'
        for name in names
    )
    heading = (
        f'<TR><TD COLSPAN="{2 * len(names)}"><FONT POINT-SIZE="14"><B>{html_text(title)}</B>'
        "</FONT></TD></TR>"
        if title
        else ""
    )
    edges = ""
    if largest is not None:
        hot, grey = hex_colour(EDGE_HOT), hex_colour(EDGE_GREY)
        key = [
            (
                f'<FONT COLOR="{hot}"><B>\u2014\u2014</B></FONT>  edge width and colour: the '
                f"gradient it carried back, |local derivative x grad| (widest {number(largest)})"
            ),
            f'<FONT COLOR="{grey}">- - -</FONT>  dashed: nothing flowed back',
        ]
        if constants:
            key.append(
                f'<FONT COLOR="{QUIET["border"]}">\u2014\u2014</FONT>  pale: from a constant'
            )
        edges = (
            f'<TR><TD COLSPAN="{2 * len(names)}"><FONT POINT-SIZE="10">'
            f"{'    '.join(key)}</FONT></TD></TR>"
        )
    return (
        f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="3">{heading}<TR>{swatches}</TR>'
        f"{edges}</TABLE>>"
    )
