"""``save_steps_html``: the stepper as one self-contained HTML file.

Inline SVG, a small style sheet and a few lines of JavaScript; no external URL, no kernel.
The page opens at ``#step=N`` when the link says so (else at step 0); the arrow keys, the
buttons and the slider move between steps and keep the link up to date. Without JavaScript
the page is the final step, complete.

For each step the file holds only what changed (a list of ``[element id, class, text]``);
showing step k replays steps 0..k.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from pathlib import Path

from autograd import Value
from autograd.backprop import name
from nn.files import write_atomic

from .frames import PASSES, build_frames, state
from .layout import Layout
from .table import grads_table, table_states

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stepgrad: {title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
        margin: 1.2em; color: #111827; }}
h1 {{ font-size: 1.15em; margin: 0 0 .6em; }}
.bar {{ display: none; align-items: center; gap: .6em; margin-bottom: .4em; }}
.js .bar {{ display: flex; }}
.bar input {{ flex: 1; max-width: 32em; }}
button {{ font: inherit; padding: .15em .7em; }}
#counter {{ font-variant-numeric: tabular-nums; min-width: 11em; }}
.keys {{ color: #6b7280; font-size: .85em; }}
#graph svg {{ max-width: 100%; height: auto; }}
#explain {{ font-family: ui-monospace, Menlo, Consolas, monospace; background: #fff7ed;
           border-left: 4px solid #ea580c; padding: .5em .8em; margin: 1em 0;
           white-space: pre-wrap; }}
#explain div {{ padding-left: 2em; text-indent: -2em; }}
.sg-grads {{ border-collapse: collapse; font-size: .9em; font-variant-numeric: tabular-nums; }}
.sg-grads td, .sg-grads th {{ padding: .1em .8em; border-bottom: 1px solid #e5e7eb;
                             text-align: left; }}
.sg-row-current {{ background: #fed7aa; }}
</style>
</head>
<body>
<script>document.documentElement.className = "js";</script>
<h1>stepgrad: {title}</h1>
<div class="bar">
<button id="prev" title="previous step (left arrow)">&#9664; prev</button>
<input id="slider" type="range" min="0" max="{last}" value="{last}" aria-label="step">
<button id="next" title="next step (right arrow)">next &#9654;</button>
<button id="play">play</button>
<span id="counter">step {last} of {last}: {phase}</span>
</div>
<p class="keys">&#8592; &#8594; keys move one step; link to a step with #step=N.
<noscript>JavaScript is off: this is the last step.</noscript></p>
<div id="graph">{svg}</div>
<div id="explain">{explanation}</div>
{table}
<script>
const P = {patches}, F = {frames}, $ = (id) => document.getElementById(id);
let k = 0, timer = null;
function show(to) {{
  k = Math.max(0, Math.min(F.length - 1, to));
  for (let i = 0; i <= k; i++) for (const [id, c, t] of P[i]) {{
    const e = $(id); if (c !== null) e.setAttribute("class", c); if (t !== null) e.textContent = t;
  }}
  $("explain").replaceChildren(...F[k][1].map((line) => {{
    const div = document.createElement("div"); div.textContent = line; return div;
  }}));
  $("counter").textContent = `step ${{k}} of ${{F.length - 1}}: ${{F[k][0]}}`;
  $("slider").value = k;
  try {{ history.replaceState(null, "", "#step=" + k); }} catch (e) {{}}
}}
function fromHash() {{ const m = /step=(\\d+)/.exec(location.hash); show(m ? +m[1] : 0); }}
function play() {{
  if (timer) {{ clearInterval(timer); timer = null; $("play").textContent = "play"; return; }}
  if (k === F.length - 1) show(0);
  $("play").textContent = "pause";
  timer = setInterval(() => {{ if (k === F.length - 1) play(); else show(k + 1); }}, 900);
}}
$("prev").onclick = () => show(k - 1);
$("next").onclick = () => show(k + 1);
$("play").onclick = play;
$("slider").oninput = (e) => show(+e.target.value);
addEventListener("hashchange", () => {{ if (location.hash !== "#step=" + k) fromHash(); }});
addEventListener("keydown", (e) => {{
  if (e.target.id === "slider") return;
  if (e.key === "ArrowRight") show(k + 1); else if (e.key === "ArrowLeft") show(k - 1);
}});
fromHash();
</script>
</body>
</html>
"""


def explanation_html(lines: Sequence[str]) -> str:
    """One ``<div>`` per line of a step's explanation (one per parent going backward)."""
    return "".join(f"<div>{html.escape(line)}</div>" for line in lines)


def steps_page(
    root: Value,
    passes: Sequence[str] = PASSES,
    precision: int = 4,
    rankdir: str = "LR",
    title: str | None = None,
) -> str:
    """The HTML text of the stepper page (``save_steps_html`` writes it)."""
    order, frames = build_frames(root, passes)
    layout = Layout(order, root, frames, precision, rankdir)
    patches: list[list[tuple[str, str | None, str | None]]] = []
    before: dict[str, tuple[str | None, str | None]] = {}
    for k in range(len(frames)):
        st = state(order, frames, k)
        now = {**layout.element_states(st), **table_states(order, st, precision)}
        patches.append(
            [(eid, cls, text) for eid, (cls, text) in now.items() if before.get(eid) != (cls, text)]
        )
        before = now
    final = state(order, frames, len(frames) - 1)
    layout.apply(final)  # the page as served (and without JavaScript): the last step
    import xml.etree.ElementTree as ET

    svg = ET.tostring(layout.svg, encoding="unicode")
    compact = (",", ":")
    return PAGE.format(
        title=html.escape(title or f"the forward and backward pass of {name(root)}"),
        last=len(frames) - 1,
        phase=final.phase,
        svg=svg,
        explanation=explanation_html(final.lines),
        table=grads_table(order, final, precision),
        patches=_script_json(patches, compact),
        frames=_script_json([(f.phase, f.lines) for f in frames], compact),
    )


def _script_json(value: object, separators: tuple[str, str]) -> str:
    """JSON safe inside <script>: no ``</`` can end the script early."""
    return json.dumps(value, separators=separators).replace("</", "<\\/")


def save_steps_html(
    root: Value,
    path: str | os.PathLike[str],
    passes: Sequence[str] = PASSES,
    precision: int = 4,
    rankdir: str = "LR",
    title: str | None = None,
) -> Path:
    """Write the step-through of ``root`` to ``path`` (atomically) and return the path.
    ``title`` heads the page (default: "the forward and backward pass of <root>")."""
    return write_atomic(path, steps_page(root, passes, precision, rankdir, title))
