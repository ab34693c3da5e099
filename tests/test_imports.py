"""Imports run one way: viz -> nn -> autograd. autograd imports neither nn nor viz, nn never
imports viz (checked on the source, every import statement, also those inside functions),
and importing a package pulls in none of the heavy optional libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("graphviz", "matplotlib", "ipywidgets", "numpy", "tqdm", "IPython")


def imported_packages(path: Path) -> set[str]:
    """The top-level packages an import statement in ``path`` names (relative imports are
    the package itself)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            found.add("<dynamic>")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value).split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("autograd", {"nn", "viz", "<dynamic>"}), ("nn", {"viz", "<dynamic>"})],
)
def test_imports_run_one_way(package, forbidden):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & forbidden) for path in files
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    import viz.graph\n    from nn import MLP\n")
    assert imported_packages(source) == {"viz", "nn"}


def test_the_command_line_lives_in_viz():
    assert not (ROOT / "nn" / "cli.py").exists()
    assert not (ROOT / "nn" / "__main__.py").exists()
    assert (ROOT / "viz" / "cli.py").exists() and (ROOT / "viz" / "__main__.py").exists()


@pytest.mark.parametrize("package", ["autograd", "nn", "viz"])
def test_importing_a_package_imports_nothing_heavy(package):
    code = f"import sys, {package}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == []
