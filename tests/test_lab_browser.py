"""Notebook 02 in JupyterLab, driven by headless Chromium as a learner would use it.

One run of JupyterLab (this venv's, on 127.0.0.1, a free port, a token, settings and data in a
temporary directory) over a temporary copy of notebooks/:

1. the committed notebook, opened before running (untrusted: Lab refuses SVG and widgets),
   shows a picture for every stepper and every still, not text;
2. Run All: (a) the first stepper shows frame 0; (b) after 12 clicks on next, the ``w`` shown
   is the ``w`` that ``w * x`` was computed with (later cells change ``w.data``: snapshots);
   (d) the collapsed stepper over a 4-example ``MLP(3, [4, 4, 1])`` loss draws no text smaller
   than 11 px, and after 20 clicks its current node is inside the viewport;
3. (c) save, shut the kernel down, reload: every stepper shows a picture (restored from the
   widget state Lab saved with the notebook) and no "Error displaying widget".

Screenshots go to $STEPGRAD_SCREENSHOTS (default: a temporary directory, printed). The server
is stopped by its PID, chromedriver by selenium. Skipped without chromium, chromedriver or
selenium, unless STEPGRAD_REQUIRE_BROWSER=1 (CI): then it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from needs import CHROMIUM_FLAGS, missing

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "02_step_through_backprop.ipynb"
FLAGS = [*CHROMIUM_FLAGS, "--window-size=1400,900"]
WAIT = 120  # seconds for anything Lab or the kernel does


def _missing(message: str) -> None:
    missing("STEPGRAD_REQUIRE_BROWSER", message)


@pytest.fixture(scope="module")
def tools() -> tuple[str, str]:
    chromium = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        _missing("chromium or chromedriver is missing (apt-get install chromium chromium-driver)")
    try:
        import jupyterlab  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as error:
        _missing(f"{error.name} is not installed (pip install -e '.[dev]')")
    return chromium, driver


@pytest.fixture(scope="module")
def shots() -> Path:
    where = os.environ.get("STEPGRAD_SCREENSHOTS")
    path = Path(where) if where else Path(tempfile.mkdtemp(prefix="stepgrad-lab-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nJupyterLab screenshots: {path}")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tools, tmp_path_factory):
    """(base url, token, notebooks dir) of a running JupyterLab; stopped by its PID."""
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    shutil.copytree(
        ROOT / "notebooks",
        notebooks,
        ignore=shutil.ignore_patterns("*_steps.html", ".ipynb_checkpoints", "__pycache__"),
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),  # notebook signatures: nothing is trusted beforehand
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
    ):
        (home / sub).mkdir()
        env[var] = str(home / sub)
    # every cell in the DOM (no virtual scrolling), so that the test sees all outputs
    tracker = (
        home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    news = (
        home
        / "settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")  # no news pop-up
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(
        command, cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited:\n{(home / 'lab.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer")
                time.sleep(0.3)
        yield base, token, notebooks
    finally:
        os.kill(server.pid, signal.SIGTERM)  # the server, by its PID (it stops its kernels)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(tools, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = tools
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("unhandledPromptBehavior", "accept")  # "leave the page?" on reload
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(WAIT)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()  # stops chromedriver too


# ---- talking to the page ------------------------------------------------------------------

PANEL = "const nb = [...window.jupyterapp.shell.widgets('main')].find(w => w.sessionContext);"

STEPPERS = """
return [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => o.querySelector('.sg-view'));
"""

COUNTER = r"""
const out = arguments[0];
for (const el of out.querySelectorAll('.widget-html-content')) {
    const m = el.textContent.match(/(\d+) of (\d+)/);
    if (m) return [Number(m[1]), Number(m[2])];
}
return null;
"""


def until(driver, script: str, *args, timeout: float = WAIT, what: str = ""):
    """Poll ``script`` until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or script[:80]}")
        time.sleep(0.2)


def open_notebook(driver, base: str, token: str) -> None:
    driver.get(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
    until(driver, "return !!window.jupyterapp", what="JupyterLab")
    until(driver, PANEL + "return nb && nb.context.isReady && nb.content.widgets.length > 0")
    kernel_idle(driver)


def kernel_idle(driver) -> None:
    until(
        driver,
        PANEL + "const k = nb.sessionContext.session && nb.sessionContext.session.kernel;"
        "return k && k.status === 'idle' && nb.sessionContext.session.kernel.connectionStatus"
        " === 'connected';",
        what="an idle kernel",
    )


def command(driver, name: str) -> None:
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.jupyterapp.commands.execute(arguments[0]).then(() => done('ok'), e => done(String(e)));",
        name,
    )
    assert result == "ok", f"{name}: {result}"


def outputs(driver) -> list[dict]:
    """Every output area: what it rendered (class, mime type), its text, and its pictures."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('.jp-OutputArea-output')].map(o => ({
            mime: o.getAttribute('data-mime-type') || '',
            cls: o.className,
            text: o.textContent.slice(0, 200),
            images: [...o.querySelectorAll('img')].filter(i => i.naturalWidth > 0).length,
            svgs: o.querySelectorAll('svg g.node, svg g[id^=v]').length,
        }));
        """
    )


def stepper_state(driver, k: int) -> tuple[int, int]:
    steppers = driver.execute_script(STEPPERS)
    return tuple(driver.execute_script(COUNTER, steppers[k]) or (-1, -1))


def click_next(driver, k: int, times: int) -> None:
    """Click stepper k's next button ``times`` times, each time until the counter moved."""
    steppers = driver.execute_script(STEPPERS)
    button = next(
        b for b in steppers[k].find_elements("css selector", "button") if b.text.strip() == "next"
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", steppers[k])
    for _ in range(times):
        before = stepper_state(driver, k)[0]
        button.click()
        until(
            driver, COUNTER.replace("return [", "return Number(m[1]) > arguments[1] && ["),
            steppers[k], before, timeout=30, what="the counter",
        )  # fmt: skip


# What a stepper shows in words and numbers: its table of gradients, name -> data; and the
# data text of each value node in its picture (ids from viz.graph: v{i} is value i).
TABLE = r"""
const rows = {};
for (const tr of arguments[0].querySelectorAll('table.sg-grads tbody tr')) {
    const cells = [...tr.querySelectorAll('td')].map(td => td.textContent.trim());
    rows[cells[0]] = cells[2];
}
return rows;
"""
PICTURE_DATA = r"""
const data = {};
for (const t of arguments[0].querySelectorAll('.sg-view svg text[id$="-data"]')) {
    const g = t.closest('g[id^="v"]');
    const label = [...g.querySelectorAll('text')].map(x => x.textContent.trim())[0];
    data[label] = t.textContent.replace(/^data\s*/, '').trim();
}
return data;
"""


def shot(driver, path: Path, element=None) -> None:
    if element is not None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
        time.sleep(0.3)
        element.screenshot(str(path))
    else:
        driver.save_screenshot(str(path))


# ---- the test -------------------------------------------------------------------------------


def test_notebook_02_in_jupyterlab(lab, browser, shots) -> None:
    base, token, notebooks = lab
    driver = browser

    # 1. the committed notebook before running: untrusted, so no SVG and no widget; each
    #    stepper and each still must still be a picture (their PNG), never a repr as text
    open_notebook(driver, base, token)
    until(driver, "return document.querySelectorAll('.jp-OutputArea-output img').length >= 8")
    time.sleep(1)
    before = outputs(driver)
    shot(driver, shots / "1-committed-before-running.png")
    first_pictures = driver.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".filter(o => o.querySelector('img'))"
    )
    shot(driver, shots / "1a-committed-first-stepper.png", first_pictures[0])
    shot(driver, shots / "1b-committed-first-still.png", first_pictures[1])
    texts = " ".join(o["text"] for o in before)
    assert "SVG object" not in texts and "Digraph at" not in texts
    assert not [o for o in before if o["text"].startswith("Stepper(")], "a stepper as text"
    pictures = [o for o in before if o["mime"] == "image/png" and o["images"]]
    assert len(pictures) >= 3 + 5 + 1  # three steppers, five stills, one matplotlib figure
    sizes = driver.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output img[width]')]"
        ".map(i => [i.getBoundingClientRect().width, Number(i.getAttribute('width'))])"
    )
    assert len(sizes) >= 3 + 5
    for shown, natural in sizes:  # at their own size: a wide graph is not shrunk unreadable
        assert shown == pytest.approx(natural, abs=1)

    # 2. Run All in a fresh kernel
    command(driver, "notebook:run-all-cells")
    until(
        driver,
        "return document.querySelectorAll('.jp-OutputArea-output .sg-view').length >= 3",
        what="three live steppers",
    )
    kernel_idle(driver)
    until(
        driver,
        "return ![...document.querySelectorAll('.jp-InputPrompt')]"
        ".some(p => p.textContent.includes('*'))",
        what="every cell to finish",
    )
    after = outputs(driver)
    assert not [o for o in after if "Traceback" in o["text"] or "Error" in o["text"][:40]]
    steppers = driver.execute_script(STEPPERS)
    assert len(steppers) == 3

    # (a) the first stepper shows frame 0, though stills of later frames were drawn below it
    assert stepper_state(driver, 0) == (0, 16)
    current = driver.execute_script(
        "return [...arguments[0].querySelectorAll('.sg-view .sg-current')].map(e => e.id)",
        steppers[0],
    )
    assert len(current) >= 1
    shot(driver, shots / "2-first-stepper-after-run-all.png", steppers[0])

    # (b) 12 clicks on next: the w shown is the w that w * x was computed with (later cells
    #     set w.data to 1.695; the stepper keeps the numbers of the moment it was made)
    click_next(driver, 0, 12)
    assert stepper_state(driver, 0) == (12, 16)
    rows = driver.execute_script(TABLE, steppers[0])
    w_shown = float(rows["w"])
    w_used = float(rows["w * x"]) / float(rows["x"])
    assert w_shown == pytest.approx(0.8)  # the notebook's w before the updates
    assert any(o["text"].startswith("w = 0.9104") for o in after)  # ... which did happen
    assert w_shown == pytest.approx(w_used, rel=1e-3)
    in_picture = driver.execute_script(PICTURE_DATA, steppers[0])
    for name in ("w", "x"):
        if name in in_picture:  # when the window around the current node holds it
            assert float(in_picture[name]) == float(rows[name])
    shot(driver, shots / "3-first-stepper-after-12-next.png", steppers[0])

    # (d) the collapsed MLP(3, [4, 4, 1]) stepper over 4 examples: readable text, and after
    #     20 steps the current node is in the viewport
    mlp = steppers[2]
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", mlp)
    time.sleep(0.5)
    assert "MLP" in driver.execute_script(
        "return arguments[0].closest('.jp-Cell').querySelector('.jp-InputArea').textContent", mlp
    )
    heights = driver.execute_script(
        "return [...arguments[0].querySelectorAll('.sg-view svg text')]"
        ".filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height)",
        mlp,
    )
    assert heights and min(heights) >= 11, f"text {min(heights):.1f} px high"
    shot(driver, shots / "4-mlp-stepper.png", mlp)
    click_next(driver, 2, 20)
    assert stepper_state(driver, 2)[0] == 20
    inside = driver.execute_script(
        """
        const out = arguments[0];
        const view = out.querySelector('.sg-view').getBoundingClientRect();
        const cur = out.querySelector('.sg-view .sg-current');
        if (!cur) return 'no current node';
        const r = cur.getBoundingClientRect();
        return [r.left >= view.left - 1, r.right <= view.right + 1,
                r.top >= view.top - 1, r.bottom <= view.bottom + 1, r.width > 0];
        """,
        mlp,
    )
    assert inside == [True, True, True, True, True], inside
    heights = driver.execute_script(
        "return [...arguments[0].querySelectorAll('.sg-view svg text')]"
        ".filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height)",
        mlp,
    )
    assert min(heights) >= 11
    shot(driver, shots / "5-mlp-stepper-after-20-next.png", mlp)

    # the standalone pages were written next to the notebook, and Lab serves them
    for page in ("neuron_steps.html", "network_steps.html"):
        assert (notebooks / page).is_file()
        with urllib.request.urlopen(f"{base}/files/{page}?token={token}", timeout=10) as reply:
            assert reply.status == 200 and b"<svg" in reply.read()

    # (c) save, shut the kernel down, reload: the steppers come back from the saved widget
    #     state, each with its picture, and nothing says "Error displaying widget"
    saved = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        + PANEL
        + "nb.context.save().then(() => nb.sessionContext.shutdown())"
        ".then(() => done('ok'), e => done(String(e)));"
    )
    assert saved == "ok", saved
    state = json.loads((notebooks / NOTEBOOK).read_text(encoding="utf-8"))["metadata"]
    assert "application/vnd.jupyter.widget-state+json" in state.get("widgets", {}), (
        "Lab saved no widget state: is notebooks/lab-settings/stepgrad.json installed (make venv)?"
    )
    driver.execute_script(PANEL + "nb.context.model.dirty = false;")  # nothing left to save
    open_notebook(driver, base, token)
    until(
        driver,
        "return document.querySelectorAll('.jp-OutputArea-output .sg-view svg').length >= 3"
        " || document.body.textContent.includes('Error displaying widget')",
        what="the steppers after reopening",
    )
    time.sleep(2)  # give any late "model not found" a chance to appear
    reopened = driver.execute_script(STEPPERS)
    shot(driver, shots / "6-first-stepper-reopened.png", reopened[0])
    shot(driver, shots / "7-mlp-stepper-reopened.png", reopened[2])
    assert "Error displaying widget" not in driver.execute_script(
        "return document.body.textContent"
    )
    assert len(reopened) == 3
    for out in reopened:
        assert (
            driver.execute_script(
                "return arguments[0].querySelectorAll('.sg-view svg g[id^=v]').length", out
            )
            > 0
        )
    assert stepper_state(driver, 0) == (12, 16)  # where it was when saved
    assert stepper_state(driver, 2)[0] == 20
    stills = [o for o in outputs(driver) if o["mime"] == "image/svg+xml" and o["images"]]
    assert len(stills) >= 5
