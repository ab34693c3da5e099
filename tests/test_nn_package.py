"""The ``nn`` package itself: every name in ``__all__`` is there, and ``import nn`` stays
light (numpy comes only with ``nn.datasets``)."""

from __future__ import annotations

import subprocess
import sys

import nn


def test_every_name_in_all_is_an_attribute():
    missing = [name for name in nn.__all__ if not hasattr(nn, name)]
    assert missing == []


def test_nn_datasets_is_reachable_as_an_attribute_and_numpy_stays_lazy():
    code = (
        "import sys, nn\n"
        "assert 'numpy' not in sys.modules, 'import nn imported numpy'\n"
        "X, y = nn.datasets.make_moons(10, seed=0)\n"
        "assert X.shape == (10, 2)\n"
        "assert 'numpy' in sys.modules\n"
        "from nn import datasets\n"
        "assert datasets is nn.datasets\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_unknown_attribute_is_still_an_attribute_error():
    try:
        nn.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("nn.no_such_thing did not raise")
