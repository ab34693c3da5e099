"""``stepgrad demo``: the default run reaches 95%, the flags work, bad flags exit 2 with the
usage and no traceback, the model is saved, and the viz hook skips or reports cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from nn import MLP, accuracy, cli, datasets

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_progress_bar(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture
def no_pictures(monkeypatch):
    monkeypatch.setattr(cli, "write_pictures", lambda *args: 0)


def reported_accuracy(text: str) -> float:
    return float(re.search(r"training accuracy ([0-9.]+)", text).group(1))


def test_default_demo_reaches_95_percent_and_saves_the_model(tmp_path, capsys):
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
        [sys.executable, "-m", "nn", "demo", "--lr", "abc"],
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


def test_console_script_is_declared():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'\[project\.scripts\]\s*stepgrad = "nn\.cli:main"', pyproject)


def test_unwritable_out_dir_exits_1_with_a_message(tmp_path, capsys, no_pictures):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cli.main(["demo", "--epochs", "1", "--out", str(blocker)]) == 1
    assert "cannot write into" in capsys.readouterr().err


def test_pictures_are_skipped_with_a_note_without_viz(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "viz", None)  # import viz -> ImportError
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert "pictures skipped: viz is not available" in capsys.readouterr().out
    assert (tmp_path / "model.json").exists()


def test_a_viz_without_the_hook_is_skipped(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "viz", types.ModuleType("viz"))
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert "pictures skipped: this viz has no write_demo_pictures" in capsys.readouterr().out


def test_the_hook_passes_model_data_history_and_dir_and_reports_failures(
    tmp_path, capsys, monkeypatch
):
    fake = types.ModuleType("viz")
    calls = []

    def write_demo_pictures(model, X, y, history, out):
        calls.append((model, len(X), len(y), len(history.epoch_loss), out))
        return [out / "graph.svg"]

    fake.write_demo_pictures = write_demo_pictures
    monkeypatch.setitem(sys.modules, "viz", fake)
    assert cli.main(["demo", "--epochs", "2", "--out", str(tmp_path)]) == 0
    ((model, n_x, n_y, epochs, out),) = calls
    assert isinstance(model, MLP) and (n_x, n_y, epochs, out) == (100, 100, 2, tmp_path)
    assert f"pictures: {tmp_path / 'graph.svg'}" in capsys.readouterr().out

    def broken(*args):
        raise RuntimeError("the pen ran dry")

    fake.write_demo_pictures = broken
    assert cli.main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 1
    assert "could not write the pictures: RuntimeError: the pen ran dry" in capsys.readouterr().err
    assert (tmp_path / "model.json").exists()
