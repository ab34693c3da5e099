"""viz.render: system dot, else graphviz-pure (on PATH or beside sys.executable), else one
clear error; Digraph.pipe/render/Jupyter display all go through render.run."""

import os
import sys
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd import Value
from viz import render as backend
from viz.graph import draw_graph


def fake_exe(directory: Path, name: str) -> Path:
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_system_dot_comes_first(tmp_path):
    fake_exe(tmp_path, "dot")
    fake_exe(tmp_path, "graphviz-pure")
    assert backend.find_renderer(path=str(tmp_path), beside=[]) == ("dot", tmp_path / "dot")


def test_graphviz_pure_on_path(tmp_path):
    fake_exe(tmp_path, "graphviz-pure")
    found = backend.find_renderer(path=str(tmp_path), beside=[])
    assert found == ("graphviz-pure", tmp_path / "graphviz-pure")


def test_graphviz_pure_beside_the_interpreter(tmp_path):
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    exe = fake_exe(bindir, "graphviz-pure")
    assert backend.find_renderer(path="", beside=[bindir]) == ("graphviz-pure", exe)


def test_the_venv_scripts_dir_is_searched():
    assert Path(sys.executable).parent in backend._script_dirs()


def test_not_executable_is_not_a_renderer(tmp_path):
    (tmp_path / "graphviz-pure").write_text("not a program")
    assert backend.find_renderer(path="", beside=[tmp_path]) is None


def test_nothing_found_names_both_ways_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(backend, "_script_dirs", lambda: [tmp_path])
    assert backend.find_renderer() is None
    with pytest.raises(backend.RendererNotFound) as info:
        backend.renderer()
    message = str(info.value)
    assert "apt-get install graphviz" in message
    assert "pip install 'stepgrad[viz]'" in message
    assert "graphviz-pure" in message


def test_without_renderer_jupyter_shows_hint_and_source(monkeypatch, tmp_path):
    a = Value(2.0, label="a")
    g = draw_graph(a * a)
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(backend, "_script_dirs", lambda: [tmp_path])
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "pip install 'stepgrad[viz]'" in bundle["text/plain"]
    assert g.source in bundle["text/plain"]
    assert "digraph stepgrad" in bundle["text/html"]
    with pytest.raises(backend.RendererNotFound):
        g.pipe(format="svg")
    assert "digraph" in g.source  # the DOT source needs no binary


def test_graphviz_package_renders_with_the_found_binary():
    found = backend.find_renderer()
    assert found is not None, "CI installs graphviz-pure with the viz extra"
    g = draw_graph(Value(1.0, label="x") + 1)
    svg = g.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    if found[0] == "graphviz-pure":
        assert "graphviz-pure" in svg  # the generator comment
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_jupyter_svg_shrinks_to_fit_but_pipe_and_render_are_graphviz_own(tmp_path):
    """In Jupyter a wide graph is scaled down to the output's width (style on the root
    <svg>); .pipe() and .render() give Graphviz's SVG untouched, and both parse."""
    import xml.etree.ElementTree as ET

    g = draw_graph(Value(1.0, label="x").tanh() * 2)
    shown = g._repr_mimebundle_()["image/svg+xml"]
    piped = g.pipe(format="svg", encoding="utf-8")
    assert ET.fromstring(shown.encode()).get("style") == "max-width:100%;height:auto"
    assert ET.fromstring(piped.encode()).get("style") is None
    assert shown.replace(' style="max-width:100%;height:auto"', "", 1) == piped
    rendered = Path(g.render(tmp_path / "g.gv")).read_text()
    assert "max-width" not in rendered and ET.fromstring(rendered.encode()) is not None


def test_fit_width_adds_to_the_root_only():
    from viz.render import fit_width

    svg = '<?xml version="1.0"?>\n<!-- <svg x> --><svg width="3pt"><svg id="inner"/></svg>'
    assert fit_width(svg) == (
        '<?xml version="1.0"?>\n<!-- <svg x> -->'
        '<svg style="max-width:100%;height:auto" width="3pt"><svg id="inner"/></svg>'
    )
    # a style already there is kept, after ours (so it still wins)
    assert (
        fit_width("<svg style='fill:red'/>") == "<svg style='max-width:100%;height:auto;fill:red'/>"
    )
    assert fit_width("<svgx/>") == "<svgx/>" and fit_width("plain text") == "plain text"


def test_render_writes_svg_by_default(tmp_path):
    g = draw_graph(Value(1.0, label="x").tanh())
    out = g.render(tmp_path / "g.gv")
    assert out.endswith(".svg")
    assert "<svg" in Path(out).read_text()


def test_run_reports_dot_errors():
    with pytest.raises(RuntimeError, match="failed"):
        backend.run("digraph { this is not dot ", "svg")


def test_one_render_path_and_path_is_never_edited(monkeypatch, tmp_path):
    """pipe(), render() and the Jupyter display all call render.run; PATH stays as it was."""
    calls = []
    real_run = backend.run

    def spy(source, fmt="svg", **kwargs):
        calls.append(fmt)
        return real_run(source, fmt, **kwargs)

    monkeypatch.setattr(backend, "run", spy)
    path_before = os.environ.get("PATH")
    g = draw_graph(Value(1.0, label="x").tanh())
    g.pipe(format="svg")
    g.render(tmp_path / "g.gv")
    g._repr_mimebundle_()
    g._repr_mimebundle_(include=["image/png"])
    assert calls == ["svg", "svg", "svg", "png"]
    assert os.environ.get("PATH") == path_before
    assert not hasattr(backend, "use_renderer_for_graphviz")


def test_pipe_encoding_and_png(tmp_path):
    g = draw_graph(Value(1.0, label="x") * 3)
    assert g.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert g.pipe(encoding="utf-8").lstrip().startswith("<?xml")
    out = g.render(tmp_path / "g.gv", format="png", cleanup=True)
    assert out.endswith(".png") and not (tmp_path / "g.gv").exists()
