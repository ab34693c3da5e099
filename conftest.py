"""Repo-wide pytest setup.

1. Guard: `autograd` must be *this* repository's engine. The PyPI package
   `autograd` (HIPS) uses the same import name; if it is installed and wins
   the import, every test would silently exercise the wrong library.
2. Hypothesis profiles: "ci" (reproducible) when $CI is set, else "dev".
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent
EXPECTED_INIT = REPO_ROOT / "autograd" / "__init__.py"


def _foreign_autograd_hint() -> str:
    try:
        dist = importlib.metadata.distribution("autograd")
    except importlib.metadata.PackageNotFoundError:
        return ""
    return f" (installed distribution: autograd {dist.version})"


def _check_autograd_is_ours() -> None:
    try:
        mod = importlib.import_module("autograd")
    except ModuleNotFoundError as exc:
        if exc.name != "autograd":
            raise  # a dependency of the engine is missing: show the real error
        raise pytest.UsageError(
            f"stepgrad: cannot import 'autograd'; expected the package at {EXPECTED_INIT}.\n"
            "Run tests from the repo root via `make test`, or `pip install -e .` first."
        ) from exc

    found = getattr(mod, "__file__", None)
    if found is not None and Path(found).resolve() == EXPECTED_INIT.resolve():
        return

    where = found or f"namespace package at {list(getattr(mod, '__path__', []))}"
    raise pytest.UsageError(
        "stepgrad: `import autograd` resolved to the wrong package!\n"
        f"  expected: {EXPECTED_INIT}\n"
        f"  got:      {where}{_foreign_autograd_hint()}\n"
        "The PyPI package 'autograd' (HIPS/autograd) shares the import name 'autograd' with\n"
        "stepgrad's engine and shadows it. Uninstall it from this environment:\n"
        "    pip uninstall autograd\n"
        "(or use the repo's own venv: `make clean test`)."
    )


def pytest_configure(config: pytest.Config) -> None:
    _check_autograd_is_ours()


# --- hypothesis profiles ------------------------------------------------------

try:
    from hypothesis import settings
except ImportError:  # hypothesis comes with the dev extra; tolerate its absence
    settings = None

if settings is not None:
    # derandomize=True: same examples on every run (also disables the example
    # database), so a CI failure reproduces locally with HYPOTHESIS_PROFILE=ci.
    settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
    settings.register_profile("dev", deadline=None)
    settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    )
