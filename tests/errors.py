"""Helpers for the bad-input tests: the message an error carries, and how many Values live."""

from __future__ import annotations

import gc
from collections.abc import Callable

from autograd import Value


def error_of(kind: type[BaseException], call: Callable[[], object]) -> str:
    """The message of the ``kind`` error ``call()`` raises (the traceback is dropped, so the
    values it held are freed)."""
    try:
        call()
    except kind as err:
        return str(err)
    raise AssertionError(f"{call} did not raise {kind.__name__}")


def live_values() -> int:
    """How many ``Value`` objects are alive (after a collection)."""
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)
