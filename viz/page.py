"""``save_steps_html``: the stepper as one self-contained HTML file.

Inline SVG, a small style sheet and a few lines of JavaScript; no external URL, no kernel.
The page opens at ``#step=N`` when the link says so (else at step 0); the arrow keys, Home and
End, the buttons and the slider move between steps and keep the link up to date. Without
JavaScript the page is the final step, complete.

The file holds the picture once and, per step, only what changed (``[element id, class,
text]``, from ``viz.layout.Patches``, each class string written once in ``C`` and referred
to by number; step 0 sets everything). The script applies the
patches one step at a time and remembers how to undo each, so a step costs what it changes.
The picture keeps its natural size in a scrolling viewport that follows the current node.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from autograd import Value
from nn.files import write_atomic

from .frames import PASSES, Frames
from .graph import check_graph_options
from .layout import Patches, Picture, Track, explanation_html, root_words, table_html

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stepgrad: {title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
        margin: .8em 1.2em; color: #111827; }}
h1 {{ font-size: 1.15em; margin: 0 0 .3em; }}
.what, .keys {{ color: #4b5563; font-size: .85em; margin: .2em 0; }}
.bar {{ display: none; align-items: center; gap: .6em; margin: .3em 0; }}
.js .bar {{ display: flex; }}
.bar input {{ flex: 1; max-width: 32em; }}
button {{ font: inherit; padding: .15em .7em; }}
#counter {{ font-variant-numeric: tabular-nums; min-width: 11em; }}
#graph {{ max-height: 55vh; overflow: auto; border: 1px solid #e5e7eb; }}
#explain {{ font-family: ui-monospace, Menlo, Consolas, monospace; background: #fff7ed;
           border-left: 4px solid #ea580c; padding: .4em .8em; margin: .4em 0;
           white-space: pre-wrap; max-height: 9em; overflow: auto; }}
#explain div {{ padding-left: 2em; text-indent: -2em; }}
#table {{ max-height: 30vh; overflow: auto; margin-top: .6em; }}
.sg-grads {{ border-collapse: collapse; font-size: .9em; font-variant-numeric: tabular-nums; }}
.sg-grads td, .sg-grads th {{ padding: .1em .8em; border-bottom: 1px solid #e5e7eb;
                             text-align: left; }}
.sg-row-current {{ background: #fed7aa; }}
</style>
</head>
<body>
<script>document.documentElement.className = "js";</script>
<h1>stepgrad: {title}</h1>
<p class="what">{what}</p>
<div class="bar">
<button id="prev" title="previous step (left arrow)">&#9664; prev</button>
<input id="slider" type="range" min="0" max="{last}" value="{last}" aria-label="step">
<button id="next" title="next step (right arrow)">next &#9654;</button>
<button id="play">play</button>
<span id="counter">step {last} of {last}: {phase}</span>
</div>
<p class="keys">&#8592; &#8594; keys move one step, Home and End go to the first and last;
link to a step with #step=N.
<noscript>JavaScript is off: this is the last step.</noscript></p>
<div id="explain">{explanation}</div>
<div id="graph">{svg}</div>
<div id="table">{table}</div>
<script>
const C = {classes}, P = {patches}, F = {frames}, $ = (id) => document.getElementById(id);
let k = -1, timer = null;
const U = [];
function apply(patch, undo) {{
  for (const [id, c, t] of patch) {{
    const e = $(id); if (!e) continue;
    if (undo) undo.push([id, c === null ? null : e.getAttribute("class"),
                         t === null ? null : e.textContent]);
    if (c !== null) e.setAttribute("class", typeof c === "number" ? C[c] : c);
    if (t !== null) e.textContent = t;
  }}
}}
function reveal(box, e) {{
  if (!box || !e) return;
  const b = box.getBoundingClientRect(), r = e.getBoundingClientRect();
  if (r.left < b.left || r.right > b.right) box.scrollLeft += (r.left + r.right - b.left - b.right) / 2;
  if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += (r.top + r.bottom - b.top - b.bottom) / 2;
}}
function show(to) {{
  to = Math.max(0, Math.min(F.length - 1, to));
  while (k < to) {{ const undo = []; k++; apply(P[k], undo); U[k] = undo.reverse(); }}
  while (k > to) {{ apply(U[k], null); k--; }}
  $("explain").replaceChildren(...F[k][1].map((line) => {{
    const div = document.createElement("div"); div.textContent = line; return div;
  }}));
  $("counter").textContent = `step ${{k}} of ${{F.length - 1}}: ${{F[k][0]}}`;
  $("slider").value = k;
  reveal($("graph"), $(F[k][2]));
  reveal($("table"), $("t" + F[k][3]));
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
  const to = {{ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: F.length - 1}}[e.key];
  if (to !== undefined) {{ e.preventDefault(); show(to); }}
}});
fromHash();
</script>
</body>
</html>
"""


def steps_page(
    root: Value,
    passes: Sequence[str] = PASSES,
    precision: int = 4,
    rankdir: str = "LR",
    title: str | None = None,
    collapse: bool = False,
    group: str | None = None,
    max_nodes: int | None = 500,
    timings: dict[str, float] | None = None,
) -> str:
    """The HTML text of the stepper page (``save_steps_html`` writes it). ``timings``, when
    given, receives the seconds spent on frames, layout (``dot``), patches and writing."""
    check_graph_options(
        "save_steps_html",
        root,
        rankdir,
        precision,
        group,
        collapse,
        max_nodes,
        "" if title is None else title,
    )
    clock = time.perf_counter()
    spent = timings if timings is not None else {}
    frames = Frames(root, passes, bool(collapse), precision, "save_steps_html", max_nodes)
    spent["frames_s"], clock = time.perf_counter() - clock, time.perf_counter()
    picture = Picture(frames, rankdir, group)
    spent["layout_s"], clock = time.perf_counter() - clock, time.perf_counter()
    patches = Patches(frames, picture.labels)
    track = Track(patches, picture)
    last = len(frames) - 1
    track.goto(last)  # the page as served (and without JavaScript): the last step
    spent["patches_s"], clock = time.perf_counter() - clock, time.perf_counter()
    final = frames.frames[last]
    compact = (",", ":")
    classes: list[str] = []  # each class string once; patches refer to it by number
    number: dict[str, int] = {}
    compact_patches = [
        [
            (eid, None if cls is None else number.setdefault(cls, len(number)), text)
            for eid, cls, text in patch
        ]
        for patch in patches.forward
    ]
    classes.extend(number)
    page = PAGE.format(
        title=html.escape(title or f"the forward and backward pass of {frames.names(root)}"),
        what=html.escape(root_words(frames)),
        last=last,
        phase=final.phase,
        svg=picture.text(),
        explanation=explanation_html(final.lines),
        table=table_html(frames, track),
        classes=script_json(classes, compact),
        patches=script_json(compact_patches, compact),
        frames=script_json(
            [(f.phase, f.lines, frames.units[f.node].id, f.node) for f in frames.frames], compact
        ),
    )
    spent["page_s"] = time.perf_counter() - clock
    return page


def script_json(value: object, separators: tuple[str, str] = (",", ":")) -> str:
    """JSON safe inside ``<script>``: every ``<``, ``>`` and ``&`` written as ``\\u003c``,
    ``\\u003e``, ``\\u0026``, so no label can end or comment out the script."""
    text = json.dumps(value, separators=separators, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def save_steps_html(
    root: Value,
    path: str | os.PathLike[str],
    passes: Sequence[str] = PASSES,
    precision: int = 4,
    rankdir: str = "LR",
    title: str | None = None,
    collapse: bool = False,
    group: str | None = None,
    max_nodes: int | None = 500,
) -> Path:
    """Write the step-through of ``root`` to ``path`` (atomically) and return the path.
    ``title`` heads the page (default: "the forward and backward pass of <root>"); the other
    options are ``draw_graph``'s (``collapse=True``: one box and one step per neuron)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"save_steps_html: path must be a str or os.PathLike, got {type(path).__name__} "
            f"{path!r:.100}"
        )
    text = steps_page(root, passes, precision, rankdir, title, collapse, group, max_nodes)
    return write_atomic(path, text)
