"""The committed teaching notebooks: executed, free of errors, graphs as inline SVG.

These tests read the .ipynb files as committed (with their outputs), so that what a reader sees
on GitHub is checked too; running them is the job of ``pytest --nbmake notebooks/`` (``make
test``) and re-executing them in place the job of ``make notebooks``.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import io
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "01_chain_rule.ipynb",
    "02_step_through_backprop.ipynb",
    "03_from_neuron_to_mlp.ipynb",
    "04_training_with_sgd.ipynb",
    "05_derivatives_of_derivatives.ipynb",
    "06_backprop_as_code.ipynb",
    "07_playground.ipynb",
]
# draw_graph and the stepper's stills: at least this many inline SVG pictures per notebook
MIN_SVG = {
    "01_chain_rule.ipynb": 4,
    "02_step_through_backprop.ipynb": 6,
    "03_from_neuron_to_mlp.ipynb": 1,
    "04_training_with_sgd.ipynb": 0,
    "05_derivatives_of_derivatives.ipynb": 1,
    "06_backprop_as_code.ipynb": 0,
    "07_playground.ipynb": 0,
}
SVG_NS = "{http://www.w3.org/2000/svg}"


def _load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS_DIR / name, as_version=4)


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for cell in _code_cells(nb) for output in cell.outputs]


def _text(output: nbformat.NotebookNode) -> str:
    """Everything an output shows as text (stream text, text/plain, text/html)."""
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    return "\n".join(str(data.get(kind, "")) for kind in ("text/plain", "text/html"))


def test_the_notebooks_are_there() -> None:
    found = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert found == EXPECTED


@pytest.fixture(params=EXPECTED)
def name(request: pytest.FixtureRequest) -> str:
    return request.param


def test_valid_with_kernel_python3(name: str) -> None:
    nb = _load(name)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"


def test_executed_top_to_bottom(name: str) -> None:
    """Every code cell ran, in order, in one session (counts 1, 2, 3, ...)."""
    cells = _code_cells(_load(name))
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{name}: run `make notebooks`"
    assert sum(len(cell.outputs) for cell in cells) >= len(cells) // 2


def test_no_errors_or_warnings(name: str) -> None:
    for output in _outputs(_load(name)):
        assert output.output_type != "error", f"{name}: {output.ename}: {output.evalue}"
        if output.output_type == "stream":
            assert output.name == "stdout", f"{name} wrote to stderr:\n{output.text}"
        assert "Traceback (most recent call last)" not in _text(output)


def test_graphs_are_inline_svg(name: str) -> None:
    """Each Graphviz picture is an image/svg+xml output holding a parseable <svg>; no graph
    fell back to text (no renderer) and none was rendered as a bitmap."""
    svgs = 0
    for output in _outputs(_load(name)):
        data = output.get("data", {})
        plain = str(data.get("text/plain", ""))
        assert "cannot render the graph" not in _text(output), f"{name}: no renderer"
        if "graphviz" in plain or "Digraph" in plain or "SVG object" in plain:
            assert "image/svg+xml" in data, f"{name}: a graph without SVG: {plain[:80]}"
        if "image/svg+xml" in data:
            svg = data["image/svg+xml"]
            root = ET.fromstring(re.sub(r"^<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>)?\s*", "", svg))
            assert root.tag == f"{SVG_NS}svg"
            assert root.find(f".//{SVG_NS}g") is not None  # something is drawn
            svgs += 1
    assert svgs >= MIN_SVG[name]


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_every_stepper_and_still_is_a_picture_for_every_viewer(name: str) -> None:
    """A stepper's output (widget first) and every still carry their frame as SVG (GitHub,
    nbconvert, trusted JupyterLab) and as PNG (JupyterLab refuses SVG in an untrusted
    notebook: before this, a cloned notebook showed '<IPython.core.display.SVG object>'), and
    no picture is only an object's repr."""
    nb = _load(name)
    pictures = 0
    for output in _outputs(nb):
        data = output.get("data", {})
        plain = str(data.get("text/plain", ""))
        assert "SVG object" not in plain, f"{name}: a picture shows as {plain!r} in Lab"
        is_stepper = WIDGET_MIME in data and plain.startswith("Stepper(")
        is_still = plain.startswith("frame ") and "image/svg+xml" in data
        if is_stepper or is_still:
            pictures += 1
            assert "image/svg+xml" in data and "image/png" in data, f"{name}: {plain[:60]}"
            png = base64.b64decode(data["image/png"])
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", png[16:24])
            shown = output.get("metadata", {}).get("image/png", {})
            assert shown.get("width") == width and shown.get("height") == height
        if "Digraph" in plain and "image/svg+xml" in data:  # draw_graph: a PNG for Lab too
            assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    if name == "02_step_through_backprop.ipynb":
        assert pictures == 3 + 5  # three steppers, five stills


def test_no_widget_state_in_the_committed_notebooks(name: str) -> None:
    """Without stored widget state, nbconvert's HTML and GitHub show each stepper's picture
    (with it, nbconvert picks the widget and loads its code from the internet)."""
    assert "widgets" not in _load(name).metadata


def test_the_steppers_start_at_frame_0_and_stills_leave_them_there() -> None:
    """Each stepper shows 'at step 0' after the whole notebook ran: the stills below it are
    drawn with still(k), not by moving it (before: the first one sat on '16 of 16')."""
    nb = _load("02_step_through_backprop.ipynb")
    steppers = [o for o in _outputs(nb) if "Stepper(" in o.get("data", {}).get("text/plain", "")]
    assert len(steppers) == 3
    for output in steppers:
        assert "; at step 0, forward)" in output.data["text/plain"]
    sources = "\n".join(cell.source for cell in _code_cells(nb))
    assert ".still(" in sources and ".show(" not in sources
    assert "collapse=True" in sources and "MLP(3, [4, 4, 1]" in sources


def test_pages_are_written_next_to_the_notebook_and_linked_relatively(name: str) -> None:
    """No output points into a temporary directory or at a file:// address (JupyterLab
    refuses to open those); the standalone pages of notebook 02 are linked relatively."""
    links = []
    for output in _outputs(_load(name)):
        text = _text(output)
        assert "file://" not in text, f"{name}: {text[:120]}"
        assert not re.search(r"/tmp/|stepgrad-[a-z0-9_]{8}", text), f"{name}: {text[:120]}"
        links += re.findall(r'href="([^"]+)"', str(output.get("data", {}).get("text/html", "")))
    if name == "02_step_through_backprop.ipynb":
        assert links == ["neuron_steps.html#step=12", "network_steps.html"]
    ignored = (NOTEBOOKS_DIR.parent / ".gitignore").read_text(encoding="utf-8")
    assert "notebooks/*_steps.html" in ignored.splitlines()


def test_nbconvert_html_shows_every_stepper_and_still_as_a_picture() -> None:
    """``jupyter nbconvert --to html`` of the committed notebook 02: each stepper and each
    still is an SVG picture (no widget that would need code from the internet)."""
    exporters = pytest.importorskip("nbconvert.exporters")
    nb = _load("02_step_through_backprop.ipynb")
    body, _ = exporters.HTMLExporter().from_notebook_node(nb)
    assert "application/vnd.jupyter.widget-view+json" not in body
    pictures = re.findall(
        r'<div class="[^"]*jp-OutputArea-output[^"]*" data-mime-type="image/svg\+xml"[^>]*>\s*'
        r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"',
        body,
    )
    assert len(pictures) >= 3 + 5 + 1  # three steppers, five stills, one draw_graph
    svgs = [base64.b64decode(p).decode("utf-8") for p in pictures]
    assert sum('id="sg-' in svg for svg in svgs) >= 3 + 5  # the stepper's own pictures
    for summary in ("Stepper(E: 17 steps", "Stepper(E: 37 steps", "Stepper(loss: "):
        assert summary not in body  # shown as a picture, not as its words


def test_check_yourself_cells_pass_and_answers_stay_hidden(name: str) -> None:
    """The pre-filled answers are right (the engine agrees with the worked solutions the
    notebook encodes), and no committed output reveals an answer."""
    nb = _load(name)
    printed = "".join(o.text for o in _outputs(nb) if o.output_type == "stream")
    verdicts = re.findall(r"^([✔✘~]) ", printed, re.MULTILINE)
    assert verdicts, f"{name} has no check-yourself cell"
    assert set(verdicts) == {"✔"}, f"{name}: a pre-filled answer is not right"
    for cell in _code_cells(nb):
        if "helpers" in cell.metadata.get("tags", []):
            continue
        live = [line for line in cell.source.splitlines() if not line.lstrip().startswith("#")]
        assert not any("reveal(" in line for line in live), f"{name} calls reveal()"


def test_the_helper_cell_is_first_and_folded(name: str) -> None:
    first = _code_cells(_load(name))[0]
    assert first.metadata["jupyter"]["source_hidden"] is True
    assert "def check(" in first.source and "def reveal(" in first.source


def test_links_between_notebooks_resolve(name: str) -> None:
    for cell in _load(name).cells:
        if cell.cell_type == "markdown":
            for target in re.findall(r"\]\(([^)#]+\.ipynb)\)", cell.source):
                assert (NOTEBOOKS_DIR / target).is_file(), f"{name} links to missing {target}"


def _builder():  # notebooks/ is not a package: load build.py by path
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_notebooks_match_their_sources(name: str) -> None:
    """The .ipynb cells are what notebooks/src/*.py says (run `make notebooks` after editing)."""
    build = _builder()
    built = build.notebook(NOTEBOOKS_DIR / "src" / name.replace(".ipynb", ".py"))
    committed = _load(name)
    assert [c.cell_type for c in committed.cells] == [c.cell_type for c in built.cells]
    for ours, theirs in zip(committed.cells, built.cells):
        assert ours.source == theirs.source, f"{name}: cell {ours.get('id')} is stale"


def test_the_checker_says_right_wrong_and_close() -> None:
    """check() itself: right within 1%, 'close' within 5%, wrong otherwise, sign hint."""
    build = _builder()
    namespace: dict[str, object] = {}
    exec(build.checks_cell('answer("x", 2.0, "two")'), namespace)  # noqa: S102
    check = namespace["check"]
    results = {}
    for given in (2.0, 2.01, 2.06, 1.9, 3.0, -2.0, "two"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            check("x", given)
        results[given] = out.getvalue()
    assert results[2.0].startswith("✔") and results[2.01].startswith("✔")
    assert results[1.9].startswith("~")
    assert results[2.06].startswith("~")
    assert results[3.0].startswith("✘") and "2" not in results[3.0]  # the answer stays hidden
    assert "check the sign" in results[-2.0]
    assert "put a number in" in results["two"]
