"""The stepper page in a real browser: headless Chromium opens ``steps.html#step=N`` and the
DOM shows step N's node highlighted and its explanation.

Skipped when chromium is missing, unless STEPGRAD_REQUIRE_BROWSER=1 (CI): then it fails.
"""

import html
import re
import shutil
import struct
import subprocess

import pytest
from graphs import tanh_neuron
from needs import CHROMIUM_FLAGS, missing

from viz import save_steps_html
from viz.frames import build_frames

pytestmark = pytest.mark.browser

FLAGS = [*CHROMIUM_FLAGS, "--hide-scrollbars"]


@pytest.fixture(scope="module")
def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    missing("STEPGRAD_REQUIRE_BROWSER", "chromium is not installed (apt-get install chromium)")


def neuron():
    return tanh_neuron()[0]


def run(chromium, tmp_path, *args):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    proc = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("step", [3, 12])
def test_step_link_shows_that_step(chromium, tmp_path, step):
    root = neuron()
    order, frames = build_frames(root)
    path = save_steps_html(root, tmp_path / "steps.html")
    dom = run(chromium, tmp_path, "--dump-dom", f"{path.as_uri()}#step={step}")
    frame = frames[step]
    current = re.findall(r'<g id="(v\d+)" class="[^"]*\bsg-current\b', dom)
    assert current == [f"v{frame.node}"]  # exactly one highlighted node: this step's
    explained = re.search(r'<div id="explain">((?:<div>[^<]*</div>)*)</div>', dom)
    assert explained, "the explanation box"
    lines = [html.unescape(t) for t in re.findall(r"<div>([^<]*)</div>", explained.group(1))]
    assert lines == list(frame.lines)  # this step's words, as the script drew them
    assert "; ".join(lines) == frame.explanation
    node = order[frame.node]
    assert len(lines) == (len(node.parents) if frame.phase == "backward" else 1)
    assert f"step {step} of {len(frames) - 1}: {frame.phase}" in dom
    assert re.search(rf'<tr id="t{frame.node}" class="sg-row-current"', dom)
    if frame.phase == "forward":  # values after this step are not computed yet
        assert f'id="v{len(order) - 1}-data"' in dom
        assert re.search(rf'id="v{len(order) - 1}-data"[^>]*>data \?<', dom)


def test_screenshot(chromium, tmp_path):
    path = save_steps_html(neuron(), tmp_path / "steps.html")
    png = tmp_path / "shot.png"
    run(
        chromium,
        tmp_path,
        f"--screenshot={png}",
        "--window-size=1100,800",
        f"{path.as_uri()}#step=13",
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1100, 800)
    assert len(data) > 20_000  # a picture, not a blank page


def test_arrow_keys_move_between_steps(chromium, tmp_path):
    root = neuron()
    _, frames = build_frames(root)
    page = save_steps_html(root, tmp_path / "steps.html").read_text()
    presses = "".join(
        f'document.body.dispatchEvent(new KeyboardEvent("keydown", {{key: "{key}", bubbles: true}}));'
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft")
    )
    keyed = tmp_path / "keyed.html"
    keyed.write_text(page.replace("</body>", f"<script>{presses}</script></body>"))
    dom = run(chromium, tmp_path, "--dump-dom", f"{keyed.as_uri()}#step=3")
    assert f"step 4 of {len(frames) - 1}: forward" in dom
    assert re.findall(r'<g id="(v\d+)" class="[^"]*\bsg-current\b', dom) == [f"v{frames[4].node}"]


def test_a_label_that_opens_a_comment_does_not_freeze_the_page(chromium, tmp_path):
    """``<!--<script>`` inside the script's data used to swallow the real ``</script>``:
    the script never ran and ``#step=0`` showed the last step."""
    from autograd import Value

    x = Value(2.0, label="<!--<script>")
    root = x * 3.0
    path = save_steps_html(root, tmp_path / "steps.html")
    dom = run(chromium, tmp_path, "--dump-dom", f"{path.as_uri()}#step=0")
    assert "step 0 of 3: forward" in dom
    assert re.findall(r'<g id="(v\d+)" class="[^"]*\bsg-current\b', dom) == ["v0"]
    assert "&lt;!--&lt;script&gt; = 2.0 (input)" in dom  # the explanation, as text


def keyed_page(tmp_path, page, keys):
    presses = "".join(
        f'document.body.dispatchEvent(new KeyboardEvent("keydown", {{key: "{key}", bubbles: true}}));'
        for key in keys
    )
    keyed = tmp_path / "keyed.html"
    keyed.write_text(page.replace("</body>", f"<script>{presses}</script></body>"))
    return keyed


def test_home_and_end_go_to_the_first_and_last_step(chromium, tmp_path):
    root = neuron()
    _, frames = build_frames(root)
    page = save_steps_html(root, tmp_path / "steps.html").read_text()
    last = len(frames) - 1
    dom = run(
        chromium, tmp_path, "--dump-dom", f"{keyed_page(tmp_path, page, ['End']).as_uri()}#step=3"
    )
    assert f"step {last} of {last}: backward" in dom
    dom = run(
        chromium,
        tmp_path,
        "--dump-dom",
        f"{keyed_page(tmp_path, page, ['End', 'ArrowLeft', 'Home', 'ArrowRight']).as_uri()}#step=3",
    )
    assert f"step 1 of {last}: forward" in dom
    assert re.findall(r'<g id="(v\d+)" class="[^"]*\bsg-current\b', dom) == [f"v{frames[1].node}"]
    # stepping back after End undid every patch: step 1 shows no gradient yet
    assert not re.search(r'id="v\d+-grad"[^>]*>grad [-\d]', dom)


MEASURE = """<script>
show(%d);
const view = $("graph").getBoundingClientRect();
const node = $(F[k][2]).getBoundingClientRect();
const texts = [...$("graph").querySelectorAll("text")]
  .map((t) => t.getBoundingClientRect())
  .filter((r) => r.height > 0 && r.bottom > view.top && r.top < view.bottom
                 && r.right > view.left && r.left < view.right);
const result = {
  inside: node.left >= view.left && node.right <= view.right
          && node.top >= view.top && node.bottom <= view.bottom,
  smallest: Math.min(...texts.map((r) => r.height)), count: texts.length,
  explain: $("explain").getBoundingClientRect().bottom, bar: $("next").getBoundingClientRect().bottom,
  node_bottom: node.bottom, innerHeight: innerHeight,
};
const out = document.createElement("pre"); out.id = "result";
out.textContent = JSON.stringify(result); document.body.append(out);
</script></body>"""


def test_a_big_page_keeps_text_readable_and_the_current_node_in_view(chromium, tmp_path):
    """A collapsed MLP(3, [4, 4, 1]) loss over 4 examples in a 1400x900 window: after 20
    steps the current node is inside the scrolling viewport, every text in view is at least
    11 px high, and the controls, the node and its explanation are all on screen."""
    import json

    from nn import MLP, mse_loss

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, 1.0, -2.0]]
    loss = mse_loss([model(x) for x in xs], [1.0, -1.0, 1.0, -1.0])
    page = save_steps_html(loss, tmp_path / "steps.html", collapse=True).read_text()
    for step in (20, 70):
        measured = tmp_path / f"measured{step}.html"
        measured.write_text(page.replace("</body>", MEASURE % step))
        dom = run(chromium, tmp_path, "--window-size=1400,900", "--dump-dom", measured.as_uri())
        found = re.search(r'<pre id="result">([^<]*)</pre>', dom)
        assert found, "the measuring script ran"
        result = json.loads(html.unescape(found.group(1)))
        assert result["inside"], result
        assert result["count"] > 5 and result["smallest"] >= 11, result
        assert result["explain"] <= 900 and result["bar"] <= 900, result
        assert result["node_bottom"] <= 900, result
