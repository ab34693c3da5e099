"""The README's examples run, and print what their comments say they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def promised_outputs(code: str) -> list[str]:
    """The comment after each `print(...)`, without a trailing '; ...' or '...'."""
    promised = []
    for line in code.splitlines():
        if "print(" in line and "#" in line:
            comment = line.split("#", 1)[1].strip()
            promised.append(re.sub(r"(;\s*)?\.\.\.$", "", comment).strip())
    return promised


@pytest.mark.parametrize(
    "index", [0, pytest.param(1, marks=pytest.mark.slow)], ids=["engine", "nn"]
)
def test_readme_example_prints_what_it_promises(index, tmp_path, monkeypatch, cached_fit):
    """(The nn example's training runs once per session: ``cached_fit``, conftest.py.)"""
    code = python_blocks()[index]
    promised = promised_outputs(code)
    assert promised, "the example promises no output"
    monkeypatch.chdir(tmp_path)  # the nn example saves a model file
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md block {index}", "exec"), {})  # noqa: S102 (our own README)
    printed = out.getvalue().splitlines()
    for expected in promised:
        assert any(line.startswith(expected) for line in printed), (expected, printed)


def test_every_loss_the_readme_says_returns_one_value_does():
    """The README's "Losses ... return one `Value`" sentence names only functions that do."""
    import nn
    from autograd import Value

    text = " ".join(README.read_text(encoding="utf-8").split())
    sentence = re.search(r"Losses (.*?) return one `Value`", text).group(1)
    names = re.findall(r"`(\w+)`", sentence)
    assert names, sentence
    examples = {"cross_entropy": ([[0.5, -1.0], [2.0, 0.1]], [0, 1])}
    for name in names:
        preds, targets = examples.get(name, ([0.5, -1.0], [1, 0]))
        assert isinstance(getattr(nn, name)(preds, targets), Value), name


def test_readme_does_not_promise_bit_exact_torch_optimizers():
    """optim.py: torch fuses a multiply-add, Python cannot, so a step may differ in the last
    bit; the README must say the same, not "exactly"."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    optimizers = re.search(r"optimizers\s+`SGD`.*?\.(?=\s)", text).group(0)
    assert "exactly" not in optimizers and "last bit" in optimizers, optimizers


def test_the_micrograd_table_names_what_exists():
    """Every `v.name` in the "Coming from micrograd" table is an attribute of a Value, and
    every `viz.name` is in viz."""
    import viz
    from autograd import Value

    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Coming from micrograd") :].split("\n\n")[1]
    attributes = re.findall(r"\| `v\._\w+` \| `v\.(\w+)`", table)
    assert attributes == ["parents", "op", "local_grads"]
    node = Value(2.0) * Value(3.0)
    for name in attributes:
        assert getattr(node, name) not in (None, "", ()), name
    for name in re.findall(r"`viz\.(\w+)\(", table):
        assert callable(getattr(viz, name)), name


def test_the_micrograd_table_shows_the_constructor_and_it_works():
    """micrograd's Value(data, _children, _op) has a row; its stepgrad form builds a node that
    backward() goes through, and the micrograd form is refused (issue 9 item 21)."""
    from autograd import Value

    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Coming from micrograd") :].split("\n\n")[1]
    micrograd_form = r"^\| `(Value\(data, \(a, b\), '\+'\))`"
    row = re.search(micrograd_form + r".*?\| `(Value\(data, [^`]+)`", table, re.MULTILINE)
    assert row, table
    theirs, ours = row.groups()
    a, b = Value(2.0), Value(3.0)
    node = eval(ours, {"Value": Value}, {"data": 5.0, "a": a, "b": b})
    assert node.parents == (a, b) and node.op == "+"
    node.backward()
    assert (a.grad, b.grad) == (1.0, 1.0)
    with pytest.raises(TypeError, match="parents=_children"):
        eval(theirs, {"Value": Value}, {"data": 5.0, "a": a, "b": b})


def test_the_readme_places_the_command_where_it_lives():
    """The stepgrad command is viz.cli (also python -m viz), not part of nn."""
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="stepgrad")
    assert script.value == "viz.cli:main"
    text = " ".join(README.read_text(encoding="utf-8").split())
    layout = text[text.index("## Layout") :]
    nn_line = re.search(r"- `nn/`:(.*?)- `viz/`", layout).group(1)
    viz_line = re.search(r"- `viz/`:(.*?)- `notebooks/`", layout).group(1)
    assert "stepgrad" not in nn_line and "`stepgrad` command" in viz_line
    assert "python -m viz demo" in text
