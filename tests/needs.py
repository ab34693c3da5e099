"""What the optional tests need, and the rule for when it is missing: skip, unless CI asked for
it (``STEPGRAD_REQUIRE_BROWSER=1`` / ``STEPGRAD_REQUIRE_TORCH=1``), then fail. Also the
Chromium flags every browser test starts with."""

from __future__ import annotations

import os

import pytest

# headless, offline, no first-run work; each test adds its own --user-data-dir
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing(variable: str, message: str) -> None:
    """Skip because ``message`` (what is missing), or fail when ``$variable`` is "1"."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 but {message}", pytrace=False)
    pytest.skip(message)


def need_torch() -> None:
    """Skip (or, with STEPGRAD_REQUIRE_TORCH=1, fail) when torch cannot be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        missing(
            "STEPGRAD_REQUIRE_TORCH",
            "torch is not importable: install the ref extra (pip install -e '.[ref]')",
        )
