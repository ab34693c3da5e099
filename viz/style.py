"""How a graph looks: value boxes, tooltips, the legend, and edges styled by contribution."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value

from .roles import COLOURS, QUIET
from .text import html_text

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


def edge_style(contribution: float, largest: float) -> dict[str, str]:
    """Width 1..5 and grey -> orange-red by |contribution| / largest (square root, so that
    small ones stay visible); dashed when nothing flowed back."""
    if contribution == 0.0 or largest == 0.0:
        return {"penwidth": "1", "color": hex_colour(EDGE_GREY), "style": "dashed"}
    t = min(1.0, abs(contribution) / largest) ** 0.5
    colour = tuple(round(a + (b - a) * t) for a, b in zip(EDGE_GREY, EDGE_HOT))
    return {"penwidth": f"{1 + 4 * t:.2f}", "color": hex_colour(colour)}


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
    ``quiet`` (a constant): small grey type and a light grey border (``roles.QUIET``)."""
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

    return graphviz.escape(text.replace("\\", "\\\\"))


def legend(title: str = "", constants: bool = False) -> str:
    """The colour key (input, parameter, intermediate, root, and constant when ``constants``
    are drawn), under ``title`` when given."""
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
    return (
        f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="3">{heading}<TR>{swatches}</TR></TABLE>>'
    )
