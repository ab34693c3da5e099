"""Notebook 07 (the training playground) in JupyterLab, driven by headless Chromium.

The JupyterLab server, the browser and the screenshot folder are tests/test_lab_browser.py's
fixtures (its own server for this module, over a temporary copy of notebooks/):

1. the committed notebook, opened before running (untrusted: no widget), shows the
   playground's still picture (PNG), not its repr as text;
2. Run All; reset; play: within 3 s the loss curve and the decision boundary have changed
   (their canvas pixels), and the front-end redraws at least 10 times a second (its own
   counter, data-redraws); while it plays the kernel answers another request at once;
3. pause: nothing changes any more;
4. clicking a training point (a real click at its pixel) opens a stepper beside the views
   whose title and table show that point's input values x0, x1;
5. clicking empty space adds a point where the click was, of the chosen class; shift-click
   removes it again;
6. without "compiled", play again: the rate is measured and printed (not asserted);
7. running the playground's cell again while it plays stops the old one (no longer shown);
8. saved and reopened without a kernel, the views come back from the saved widget state.

Screenshots go to $STEPGRAD_SCREENSHOTS (default: a temporary directory, printed).
"""

from __future__ import annotations

import time

import pytest
from test_lab_browser import (  # noqa: F401 (fixtures)
    PANEL,
    WAIT,
    browser,
    command,
    kernel_idle,
    lab,
    shot,
    shots,
    tools,
    until,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "07_playground.ipynb"
PLAY_SECONDS = 3.0  # the loss curve and the boundary must change within this
RATE_SECONDS = 3.0  # redraws are counted over this long

ROOT = "document.querySelector('.sg-playground .sg-pg')"  # the canvas views' root element
ROOT_JS = f"return {ROOT};"
CANVASES = """
const pg = document.querySelector('.sg-playground');
const grab = (cls) => pg.querySelector('canvas.' + cls).toDataURL();
return {plane: grab('sg-pg-plane'), loss: grab('sg-pg-loss'), net: grab('sg-pg-net')};
"""
DATA = "return Object.assign({}, document.querySelector('.sg-playground .sg-pg').dataset);"


def open_notebook(driver, base: str, token: str) -> None:
    driver.get(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
    until(driver, "return !!window.jupyterapp", what="JupyterLab")
    until(driver, PANEL + "return nb && nb.context.isReady && nb.content.widgets.length > 0")
    kernel_idle(driver)


def button(driver, text: str):
    """The playground's button labelled ``text``."""
    for b in driver.find_elements("css selector", ".sg-playground button"):
        if b.text.strip() == text:
            return b
    raise AssertionError(f"no {text!r} button in the playground")


def data(driver) -> dict:
    return driver.execute_script(DATA)


def wait_still(driver, seconds: float = 0.6) -> dict:
    """Wait until the front-end's step stays the same for ``seconds``; returns its data."""
    deadline = time.monotonic() + 30
    last = data(driver)
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = data(driver)
        if now["step"] == last["step"] and now["redraws"] == last["redraws"]:
            return now
        last = now
    raise AssertionError("the playground does not stand still")


def redraw_rate(driver, seconds: float) -> tuple[float, float]:
    """(redraws per second, steps per second) over ``seconds`` of the page's own clock."""
    t0, r0, s0 = driver.execute_script(
        "const d = document.querySelector('.sg-playground .sg-pg').dataset;"
        "return [performance.now(), Number(d.redraws), Number(d.step)];"
    )
    time.sleep(seconds)
    t1, r1, s1 = driver.execute_script(
        "const d = document.querySelector('.sg-playground .sg-pg').dataset;"
        "return [performance.now(), Number(d.redraws), Number(d.step)];"
    )
    elapsed = (t1 - t0) / 1000
    return (r1 - r0) / elapsed, (s1 - s0) / elapsed


def ask(driver, code: str) -> str | None:
    """Run ``code`` in the notebook's kernel (as another cell would); its result as text."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        + PANEL
        + "const k = nb.sessionContext.session.kernel;"
        "const f = k.requestExecute({code: arguments[0], silent: false});"
        "let out = null;"
        "f.onIOPub = m => { if (m.header.msg_type === 'execute_result')"
        " out = m.content.data['text/plain']; };"
        "f.done.then(() => done(out), e => done('error ' + e));",
        code,
    )


def click_plane(driver, x: float, y: float, shift: bool = False) -> None:
    """A real click at (x, y) CSS pixels of the decision plane's picture."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    plane = driver.find_element("css selector", ".sg-playground canvas.sg-pg-plane")
    width, height = driver.execute_script(
        "return [arguments[0].clientWidth, arguments[0].clientHeight]", plane
    )
    border = driver.execute_script("return arguments[0].clientLeft", plane)
    # offsets are from the element's centre (its border box)
    dx = round(x + border - (width + 2 * border) / 2)
    dy = round(y + border - (height + 2 * border) / 2)
    actions = ActionChains(driver)
    if shift:
        actions.key_down(Keys.SHIFT)
    actions.move_to_element_with_offset(plane, dx, dy).click()
    if shift:
        actions.key_up(Keys.SHIFT)
    actions.perform()


def pixels(driver) -> list[tuple[float, float]]:
    return driver.execute_script(
        "const r = document.querySelector('.sg-playground .sg-pg');"
        "return r.sgPoints().map(p => r.sgToPixel(p[0], p[1]));"
    )


def test_playground_in_jupyterlab(lab, browser, shots) -> None:  # noqa: F811 (fixtures)
    base, token, _notebooks = lab
    driver = browser
    driver.set_window_size(1440, 1300)  # room for the views and the stepper beside them

    # 1. the committed notebook, untrusted: the playground's output is its still picture
    open_notebook(driver, base, token)
    driver.execute_script("window.jupyterapp.shell.collapseLeft()")  # no file browser
    until(driver, "return document.querySelectorAll('.jp-OutputArea-output img').length >= 3")
    time.sleep(1)
    first = driver.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".find(o => o.closest('.jp-Cell').querySelector('.jp-InputArea').textContent"
        ".includes('pg = playground('))"
    )
    assert first is not None
    assert driver.execute_script(
        "return [...arguments[0].querySelectorAll('img')].filter(i => i.naturalWidth > 300).length",
        first,
    )
    assert "Playground(" not in first.text
    shot(driver, shots / "p1-committed-still.png", first)

    # 2. Run All, then reset and play
    command(driver, "notebook:run-all-cells")
    until(driver, ROOT_JS, what="the live playground")
    kernel_idle(driver)
    until(
        driver,
        "return ![...document.querySelectorAll('.jp-InputPrompt')]"
        ".some(p => p.textContent.includes('*'))",
        what="every cell to finish",
    )
    texts = driver.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent)"
    )
    assert not [t for t in texts if "Traceback" in t or "Error" in t[:40]]
    assert data(driver)["step"] == "600"  # the notebook's 300 + 300 scripted steps
    pg = driver.find_element("css selector", ".sg-playground")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", pg)
    shot(driver, shots / "p2-after-run-all.png", pg)
    button(driver, "reset").click()
    until(driver, DATA.replace("return ", "const d = ") + "return d.step === '0';")
    wait_still(driver)
    before = driver.execute_script(CANVASES)

    button(driver, "play").click()
    start = time.monotonic()
    until(
        driver,
        "const b = arguments[0];" + CANVASES.replace("return {", "const now = {")
        + "return now.plane !== b.plane && now.loss !== b.loss && now.net !== b.net;",
        before,
        timeout=PLAY_SECONDS,
        what=f"the loss curve, the boundary and the network to change within {PLAY_SECONDS} s",
    )  # fmt: skip
    changed_after = time.monotonic() - start
    rate, steps_rate = redraw_rate(driver, RATE_SECONDS)
    # the kernel is not blocked: another request is answered while it plays
    asked = time.monotonic()
    reply = ask(driver, "pg.steps")
    answered = time.monotonic() - asked
    shot(driver, shots / "p3-playing.png", pg)
    print(
        f"\nplayground (compiled): changed after {changed_after:.2f} s; {rate:.1f} redraws/s, "
        f"{steps_rate:.0f} steps/s; the kernel answered in {answered:.2f} s (pg.steps = {reply})"
    )
    assert rate >= 10, f"{rate:.1f} redraws per second"
    assert reply is not None and int(reply) > 0
    assert answered < 2.0

    # 3. pause: the views stand still
    button(driver, "pause").click()
    paused = wait_still(driver)
    pictures = driver.execute_script(CANVASES)
    time.sleep(1.5)
    assert data(driver)["step"] == paused["step"]
    assert driver.execute_script(CANVASES) == pictures
    shot(driver, shots / "p4-paused.png", pg)
    button(driver, "gradients").click()  # the lines show each weight's gradient instead
    until(
        driver,
        "return arguments[0] !== document.querySelector('.sg-playground canvas.sg-pg-net')"
        ".toDataURL();",
        pictures["net"],
        what="the network drawn with gradients",
    )
    shot(driver, shots / "p4b-gradients.png", pg)
    button(driver, "weights").click()

    # 4. click a training point: its stepper opens beside the views, with its x0 and x1
    points = driver.execute_script(f"return {ROOT}.sgPoints();")
    at = pixels(driver)

    def alone(k: int) -> bool:
        x, y = at[k]
        return (
            20 < x < 320
            and 20 < y < 320
            and all((x - u) ** 2 + (y - v) ** 2 > 14**2 for j, (u, v) in enumerate(at) if j != k)
        )

    k = next(k for k, p in enumerate(points) if p[3] == 0 and alone(k))
    x0, x1 = points[k][0], points[k][1]
    click_plane(driver, *at[k])
    until(
        driver,
        "return document.querySelector('.sg-playground .sg-view svg') !== null",
        what="the stepper beside the views",
    )
    assert data(driver)["selected"] == str(k)
    side = driver.execute_script(
        "return document.querySelector('.sg-playground .sg-pg-picked').textContent"
    )
    assert f"example {k} (train" in side
    stepper = driver.execute_script(
        "return document.querySelector('.sg-playground .sg-view').closest('.widget-vbox')"
    )
    assert f"point #{k} (train): x0 = {x0:.4g}, x1 = {x1:.4g}" in stepper.text  # its title
    beside = driver.execute_script(
        "const v = document.querySelector('.sg-playground canvas.sg-pg-plane')"
        ".getBoundingClientRect();"
        "const s = arguments[0].getBoundingClientRect();"
        "return s.left >= v.right && s.top < v.bottom;",
        stepper,
    )
    assert beside, "the stepper is not beside the decision plane"
    nexts = [b for b in stepper.find_elements("css selector", "button") if b.text == "next"]
    for _ in range(6):  # the forward pass reaches the inputs x0 and x1
        nexts[0].click()
        time.sleep(0.3)
    rows = driver.execute_script(
        """
        const rows = {};
        for (const tr of arguments[0].querySelectorAll('table.sg-grads tbody tr')) {
            const cells = [...tr.querySelectorAll('td')].map(td => td.textContent.trim());
            rows[cells[0]] = cells[2];
        }
        return rows;
        """,
        stepper,
    )
    assert float(rows["x0"]) == pytest.approx(x0, rel=1e-3, abs=1e-4), rows
    assert float(rows["x1"]) == pytest.approx(x1, rel=1e-3, abs=1e-4), rows
    shot(driver, shots / "p5-stepper-of-a-point.png", pg)

    # 5. click empty space: a point of the chosen class appears where the click was
    box = driver.execute_script(
        "const r = document.querySelector('.sg-playground .sg-pg');"
        "const ps = r.sgPoints();"
        "const xs = ps.map(p => r.sgToPixel(p[0], p[1]));"
        "return [Math.min(...xs.map(p => p[0])), Math.max(...xs.map(p => p[0])),"
        " Math.min(...xs.map(p => p[1])), Math.max(...xs.map(p => p[1]))];"
    )
    candidates = [
        (x, y) for x in range(int(box[0]) + 5, int(box[1]) - 5, 6)
        for y in range(int(box[2]) + 5, int(box[3]) - 5, 6)
    ]  # fmt: skip
    empty = max(candidates, key=lambda c: min((c[0] - u) ** 2 + (c[1] - v) ** 2 for u, v in at))
    n = len(points)
    click_plane(driver, *empty)
    until(driver, DATA.replace("return ", "const d = ") + f"return d.points === '{n + 1}';")
    added = driver.execute_script(f"return {ROOT}.sgPoints();")[-1]
    where = driver.execute_script(
        f"return {ROOT}.sgToPixel(arguments[0], arguments[1]);", *added[:2]
    )
    assert abs(where[0] - empty[0]) <= 1.5 and abs(where[1] - empty[1]) <= 1.5, (where, empty)
    chosen = driver.execute_script(
        "return document.querySelector('.sg-playground .sg-pg-label .mod-active')"
        ".textContent.trim()"
    )
    assert added[2] == int(chosen) and added[3] == 0  # the chosen class, a training point
    shot(driver, shots / "p6-point-added.png", pg)
    click_plane(driver, *where, shift=True)
    until(driver, DATA.replace("return ", "const d = ") + f"return d.points === '{n}';")
    left = driver.execute_script(f"return {ROOT}.sgPoints();")
    assert added[:2] not in [p[:2] for p in left]

    # 6. the scalar engine (compiled off): the rate, for the record
    button(driver, "close").click()
    driver.find_element(
        "xpath", "//div[contains(@class,'sg-playground')]//label[contains(., 'compiled')]//input"
    ).click()
    until(
        driver,
        "return [...document.querySelectorAll('.sg-playground .sg-pg-status')]"
        ".some(s => s.textContent.includes('scalar engine'))",
        what="the scalar engine",
    )
    button(driver, "play").click()
    until(driver, DATA.replace("return ", "const d = ") + f"return d.step !== '{paused['step']}';")
    scalar_rate, scalar_steps = redraw_rate(driver, RATE_SECONDS)
    button(driver, "pause").click()
    wait_still(driver)
    shot(driver, shots / "p7-scalar-engine.png", pg)
    print(f"playground (scalar engine): {scalar_rate:.1f} redraws/s, {scalar_steps:.0f} steps/s")
    assert scalar_rate > 1

    # 7. run the playground's cell again while it plays: the old one, no longer shown, stops
    button(driver, "play").click()
    assert ask(driver, "_old = pg; _old.playing") == "True"
    cell = driver.execute_script(
        PANEL + "return nb.content.widgets.findIndex("
        "c => c.model.sharedModel.getSource().includes('pg = playground('));"
    )
    driver.execute_script(PANEL + "nb.content.activeCellIndex = arguments[0];", cell)
    command(driver, "notebook:run-cell")
    until(driver, DATA.replace("return ", "const d = ") + "return d.step === '0';")
    kernel_idle(driver)
    time.sleep(1)
    assert ask(driver, "_old.playing, pg.playing") == "(False, False)"

    # 8. save, shut the kernel down, reopen: the views come back from the saved widget state
    button(driver, "step").click()
    until(driver, DATA.replace("return ", "const d = ") + "return d.step === '1';")
    saved = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        + PANEL
        + "nb.context.save().then(() => nb.sessionContext.shutdown())"
        ".then(() => done('ok'), e => done(String(e)));"
    )
    assert saved == "ok", saved
    driver.execute_script(PANEL + "nb.context.model.dirty = false;")
    open_notebook(driver, base, token)
    until(
        driver,
        "const r = document.querySelector('.sg-playground .sg-pg');"
        "return (r && Number(r.dataset.redraws) > 0)"
        " || document.body.textContent.includes('Error displaying widget');",
        what="the playground after reopening",
    )
    assert "Error displaying widget" not in driver.execute_script(
        "return document.body.textContent"
    )
    assert data(driver)["step"] == "1"
    pg = driver.find_element("css selector", ".sg-playground")
    shot(driver, shots / "p8-reopened-without-kernel.png", pg)
