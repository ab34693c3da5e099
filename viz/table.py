"""The running table of gradients shown under the stepper's picture."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value
from autograd.backprop import name

from .frames import State
from .style import html_text, number


def row_name(node: Value) -> str:
    """The engine's short name, without the value it would give away (``[dot = 1.7]``)."""
    short = name(node)
    return f"{node.op} output" if short.startswith("[") else short


def table_states(
    order: Sequence[Value], st: State, precision: int = 4
) -> dict[str, tuple[str | None, str | None]]:
    """``{element id: (class, text)}`` for the table: row ``t{i}``, cells ``t{i}-data``,
    ``t{i}-grad``; the current node's row has class ``sg-row-current``."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for i in range(len(order)):
        out[f"t{i}"] = ("sg-row-current" if i == st.current else "", None)
        out[f"t{i}-data"] = (None, number(st.data[i], precision) if i in st.data else "?")
        out[f"t{i}-grad"] = (None, number(st.grads[i], precision) if i in st.grads else "?")
    return out


def grads_table(order: Sequence[Value], st: State, precision: int = 4) -> str:
    """An HTML table, one row per node in topological order: name, op, data, grad."""
    cells = table_states(order, st, precision)
    rows = []
    for i, node in enumerate(order):
        row_class = cells[f"t{i}"][0]
        rows.append(
            f'<tr id="t{i}" class="{row_class}"><td>{html_text(row_name(node))}</td>'
            f"<td>{html_text(node.op or 'leaf')}</td>"
            f'<td id="t{i}-data">{cells[f"t{i}-data"][1]}</td>'
            f'<td id="t{i}-grad">{cells[f"t{i}-grad"][1]}</td></tr>'
        )
    return (
        '<table class="sg-grads"><thead><tr><th>node</th><th>op</th><th>data</th>'
        f"<th>grad</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
