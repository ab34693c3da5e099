"""``stepgrad demo`` (viz.cli): the default run reaches 95%, the flags work, bad flags exit 2
with the usage and no traceback, later errors are one line on stderr and exit 1 (--out is
checked before training), the model is saved, and the pictures are skipped or reported
cleanly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, accuracy, datasets
from viz import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_progress_bar(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture
def no_pictures(monkeypatch):
    monkeypatch.setattr(cli, "write_pictures", lambda *args: 0)


def reported_accuracy(text: str) -> float:
    return float(re.search(r"training accuracy ([0-9.]+)", text).group(1))


@pytest.mark.slow  # the moons training (shared with test_nn_train and the README: cached_fit)
def test_default_demo_reaches_95_percent_and_saves_the_model(tmp_path, capsys, cached_fit):
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "moons: 100 points, 2 classes" in out
    assert "MLP(2 -> 16 -> 16 -> 1, relu, output linear; 337 parameters)" in out
    assert re.search(r"final loss [0-9.]+, training accuracy", out)
    assert reported_accuracy(out) >= 0.95
    model = MLP.load(tmp_path / "model.json")
    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    assert accuracy(model, X, y) == reported_accuracy(out)
    assert "pictures" in out  # written, or skipped with a note


def test_flags_choose_data_model_and_training(tmp_path, capsys, no_pictures):
    argv = ["demo", "--dataset", "xor", "--hidden", "8", "--epochs", "3", "--batch-size", "full"]
    argv += ["--lr", "0.2", "--seed", "3", "--out", str(tmp_path / "new" / "dir")]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "xor: 100 points" in out and "MLP(2 -> 8 -> 1, relu" in out
    assert "hinge loss, SGD lr 0.2 momentum 0.9, 3 epochs, full batch" in out
    assert MLP.load(tmp_path / "new" / "dir" / "model.json").nouts == [8, 1]


def test_spirals_use_three_outputs_and_cross_entropy(tmp_path, capsys, no_pictures):
    assert (
        cli.main(
            [
                "demo",
                "--dataset",
                "spirals",
                "--epochs",
                "1",
                "--hidden",
                "",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "spirals: 150 points, 3 classes" in out and "MLP(2 -> 3, relu, output linear" in out
    assert "cross_entropy loss, SGD lr 0.05" in out


def test_compile_trains_the_same_model_and_saves_the_compiled_code(tmp_path, capsys, no_pictures):
    """--compile: fit(compile=True), the same weights to rounding, and DIR/backprop.py."""
    argv = ["demo", "--epochs", "2", "--hidden", "8,8"]
    assert cli.main([*argv, "--out", str(tmp_path / "plain")]) == 0
    assert "compiled" not in capsys.readouterr().out
    assert not (tmp_path / "plain" / "backprop.py").exists()
    assert cli.main([*argv, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    out = capsys.readouterr().out
    assert "batches of 10, compiled (fit(compile=True))" in out
    assert f"saved {tmp_path / 'compiled' / 'backprop.py'} (the compiled code)" in out
    plain = MLP.load(tmp_path / "plain" / "model.json").state_dict()
    compiled = MLP.load(tmp_path / "compiled" / "model.json").state_dict()
    assert max(abs(plain[k] - compiled[k]) for k in plain) < 1e-9
    code = (tmp_path / "compiled" / "backprop.py").read_text()
    assert "def compiled(x0, x1, y):" in code and "# backward" in code
    compile(code, "backprop.py", "exec")


def test_compile_with_cross_entropy(tmp_path, capsys, no_pictures):
    argv = ["demo", "--dataset", "spirals", "--epochs", "1", "--hidden", "4", "--compile"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    assert "cross_entropy loss" in capsys.readouterr().out
    assert "def compiled(x0, x1, y0, y1, y2):" in (tmp_path / "backprop.py").read_text()


def test_help_says_what_compile_does(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--compile" in text and "fit(compile=True)" in text
    assert "compiled once to straight-line Python" in text and "backprop.py" in text


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["train"],
        ["demo", "--dataset", "mnist"],
        ["demo", "--hidden", "16,x"],
        ["demo", "--hidden", "16,0"],
        ["demo", "--epochs", "0"],
        ["demo", "--epochs", "2.5"],
        ["demo", "--batch-size", "-3"],
        ["demo", "--lr", "nan"],
        ["demo", "--lr", "0"],
        ["demo", "--seed", "x"],
        ["demo", "--seed", "-1"],
        ["demo", "--seed", str(2**32)],
        ["demo", "--hidden", "-1"],
        ["demo", "--hidden", "16,,16"],
        ["demo", "--hidden", "1e3"],
        ["demo", "--hidden", "100000"],
        ["demo", "--bogus"],
    ],
)
def test_bad_flags_print_usage_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: stepgrad" in err and "error:" in err


def test_bad_flag_from_the_shell_exits_2_without_a_traceback():
    run = subprocess.run(
        [sys.executable, "-m", "viz", "demo", "--lr", "abc"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert (
        "usage: stepgrad demo" in run.stderr
        and "expected a positive number, got 'abc'" in run.stderr
    )
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_the_installed_stepgrad_command_runs_viz_cli():
    """The console script the installed package declares (its metadata, not a regex over
    pyproject.toml) loads viz.cli.main."""
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="stepgrad")
    assert script.value == "viz.cli:main"
    assert script.load() is cli.main


INSTALLED = Path(sys.executable).with_name("stepgrad")


@pytest.mark.skipif(not INSTALLED.exists(), reason="the stepgrad script is not installed here")
@pytest.mark.parametrize("how", ["stepgrad", "python -m viz"])
@pytest.mark.parametrize(
    ("flags", "code", "says"),
    [
        (["--lr", "1e20"], 1, "stepgrad demo: training diverged with --lr 1e+20"),
        (["--seed", "-1"], 2, "argument --seed: expected a seed from 0 to 4294967295, got '-1'"),
        (["--out", "{file}/sub"], 1, "stepgrad demo: cannot write into '{file}/sub'"),
    ],
)
def test_the_reports_commands_from_the_shell_end_in_one_line_and_the_exit_code(
    how, flags, code, says, tmp_path
):
    """Issue 9 item 20 as reported, run as a user would: the installed console script and
    ``python -m viz``; stderr ends in one line saying what is wrong, no traceback, and an
    unusable --out is reported before any training (nothing printed on stdout)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    command = [str(INSTALLED)] if how == "stepgrad" else [sys.executable, "-m", "viz"]
    flags = [f.format(file=blocker) for f in flags]
    if "--out" not in flags:
        flags += ["--out", str(tmp_path)]
    run = subprocess.run(
        [*command, "demo", "--epochs", "2", *flags],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert says.format(file=blocker) in last, run.stderr
    if code == 1:
        assert run.stderr.strip() == last  # exactly one line
    if "/sub" in flags[-1]:
        assert run.stdout == ""  # checked before loading data or training


def test_python_m_viz_runs_the_demo(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "viz", "demo", "--epochs", "1", "--hidden", "2"]
        + ["--out", str(tmp_path)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "model.json").exists()


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("stepgrad demo: ")
    return lines[0]


@pytest.fixture
def no_training(monkeypatch):
    """fit raises if it is called: for checks that must come before training."""

    def fit(*args, **kwargs):
        raise AssertionError("trained although --out is unusable")

    monkeypatch.setattr(nn, "fit", fit)


@pytest.mark.parametrize("where", ["under a file", "the file itself", "NUL", "in /proc"])
def test_unusable_out_dir_exits_1_with_one_line_before_training(
    where, tmp_path, capsys, no_pictures, no_training
):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = {
        "under a file": str(blocker / "sub"),
        "the file itself": str(blocker),
        "NUL": str(tmp_path / "a\x00b"),
        "in /proc": "/proc/stepgrad-cannot-be-here",
    }[where]
    assert cli.main(["demo", "--epochs", "1", "--out", out]) == 1
    captured = capsys.readouterr()
    assert "cannot write into" in one_error_line(captured.err)
    assert "training:" not in captured.out
    assert blocker.read_text() == "not a directory"


def test_out_dir_is_created_before_training(tmp_path, capsys, no_pictures, no_training):
    with pytest.raises(AssertionError, match="trained although"):
        cli.main(["demo", "--out", str(tmp_path / "a" / "b")])
    assert (tmp_path / "a" / "b").is_dir()


def test_divergence_is_one_line_and_exit_1(tmp_path, capsys, no_pictures):
    assert cli.main(["demo", "--lr", "1e20", "--epochs", "2", "--out", str(tmp_path)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "training diverged with --lr 1e+20" in line and "smaller --lr" in line
    assert not (tmp_path / "model.json").exists()


def test_a_warning_during_training_is_one_line_naming_the_command(tmp_path, capsys, no_pictures):
    """--lr 1e20 on one hidden layer of 4 switches every ReLU off in the first epoch: fit's
    DeadLayerWarning is shown as one line, not Python's "file.py:209: ..." and source line."""
    argv = ["demo", "--lr", "1e20", "--hidden", "4", "--epochs", "2", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stepgrad demo: warning: fit: after epoch 0, every unit of hidden")
    assert ".py:" not in err and "history = fit(" not in err


def test_pictures_are_skipped_with_a_note_without_an_optional_extra(tmp_path, capsys, monkeypatch):
    import viz.demo

    def missing(*args):
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(viz.demo, "write_demo_pictures", missing)
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert "pictures skipped: No module named 'matplotlib'" in capsys.readouterr().out
    assert (tmp_path / "model.json").exists()


def test_pictures_are_skipped_without_a_renderer(tmp_path, capsys, monkeypatch):
    from viz import render

    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(render, "_script_dirs", lambda: [tmp_path])
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "pictures skipped: viz: cannot render the graph" in out
    assert "apt-get install graphviz" in out


def test_pictures_get_model_data_history_and_dir_and_failures_are_one_line(
    tmp_path, capsys, monkeypatch
):
    import viz.demo

    calls = []

    def write_demo_pictures(model, X, y, history, out):
        calls.append((model, len(X), len(y), len(history.epoch_loss), out))
        return [out / "graph.svg"]

    monkeypatch.setattr(viz.demo, "write_demo_pictures", write_demo_pictures)
    assert cli.main(["demo", "--epochs", "2", "--out", str(tmp_path)]) == 0
    ((model, n_x, n_y, epochs, out),) = calls
    assert isinstance(model, MLP) and (n_x, n_y, epochs, out) == (100, 100, 2, tmp_path)
    assert f"pictures: {tmp_path / 'graph.svg'}" in capsys.readouterr().out

    def broken(*args):
        raise RuntimeError("the pen ran dry\non two lines")

    monkeypatch.setattr(viz.demo, "write_demo_pictures", broken)
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "could not write the pictures: RuntimeError: the pen ran dry on two lines" in line
    assert (tmp_path / "model.json").exists()


# ---- fuzzing the flags: exit 0, 1 or 2, never a traceback ---------------------------------

JUNK = st.text(max_size=12)
FLAGS = {
    "--dataset": st.one_of(st.sampled_from(["moons", "circles", "xor", "spirals"]), JUNK),
    "--hidden": st.one_of(
        st.lists(st.integers(-2, 4), max_size=3).map(lambda xs: ",".join(map(str, xs))), JUNK
    ),
    "--epochs": st.one_of(st.integers(-1, 2).map(str), JUNK),
    "--batch-size": st.one_of(st.sampled_from(["full", "1", "7", "0", "-3"]), JUNK),
    "--lr": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["1e20", "1e300", "0.1", "-1"]),
        JUNK,
    ),
    "--seed": st.one_of(st.integers(-(2**40), 2**40).map(str), JUNK),
    "--out": st.sampled_from(["ok", "file", "under-file", "nul"]),
}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chosen=st.dictionaries(st.sampled_from(sorted(FLAGS)), st.just(None), max_size=7),
    data=st.data(),
)
def test_fuzz_flags_exit_0_1_or_2_never_a_traceback(chosen, data, tmp_path, capsys, no_pictures):
    here = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: tmp_path is shared
    blocker = here / "file"
    blocker.write_text("x")
    out = here / "out"
    argv = ["demo"]
    for flag in chosen:
        value = data.draw(FLAGS[flag], label=flag)
        if flag == "--out":
            value = {
                "ok": str(out),
                "file": str(blocker),
                "under-file": str(blocker / "x"),
                "nul": str(here / "a\x00b"),
            }[value]
        argv += [flag, value]
    if "--epochs" not in chosen:
        argv += ["--epochs", "1"]
    if "--hidden" not in chosen:
        argv += ["--hidden", "2"]
    if "--out" not in chosen:
        argv += ["--out", str(out)]
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
        assert code == 2, argv
        assert "usage: stepgrad" in capsys.readouterr().err
        assert sorted(p.name for p in here.iterdir()) == ["file"]  # nothing made
        return
    finally:
        assert blocker.read_text() == "x"  # never written over, whatever happened
    err = capsys.readouterr().err
    assert code in (0, 1), argv
    if code == 1:
        one_error_line(err)
        assert not (out / "model.json").exists()  # a failed run saves no model
    else:  # at most warnings (a dead layer), each one line naming the command
        assert all(line.startswith("stepgrad demo: warning: ") for line in err.splitlines()), err
        assert (out / "model.json").exists() or str(out) not in argv
