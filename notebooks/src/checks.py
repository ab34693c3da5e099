# "Check yourself" helpers: check(name, your_answer) says whether your number is right without
# giving the answer away; reveal(name) shows the answer and how to get it. The answers are
# stored encoded (base64) at the end of this cell, so that they do not catch your eye.
import base64
import json
from math import isclose


def unpack(encoded: str) -> dict[str, list]:
    """{exercise name: [expected value, how to get it]} from its base64-encoded JSON."""
    return json.loads(base64.b64decode(encoded).decode("utf-8"))


def check(name: str, your_answer: object, rel: float = 0.01, abs_tol: float = 1e-4) -> None:
    """Right if within 1% (or 1e-4) of the expected value; the expected value stays hidden."""
    if name not in ANSWERS:
        print(f"There is no exercise {name!r}; the exercises are: {', '.join(ANSWERS)}")
        return
    value = getattr(your_answer, "data", your_answer)  # a Value is fine too
    try:
        value = float(value)
    except (TypeError, ValueError):
        print(f"{name}: put a number in (got {your_answer!r}), then run the cell again.")
        return
    expected = ANSWERS[name][0]
    miss = abs(value - expected)
    if miss <= abs_tol + rel * abs(expected):
        print(f"✔ {name}: right.")
    elif miss <= abs_tol + 0.05 * abs(expected):
        print(f"~ {name}: {value:.6g} is close (within 5%), not within 1%: check your rounding.")
    else:
        sign = " (check the sign)" if isclose(-value, expected, rel_tol=0.05) else ""
        print(f"✘ {name}: {value:.6g} is not it{sign}. Try again, or run reveal({name!r}).")


def reveal(name: str) -> None:
    """Show the expected value and the working."""
    expected, how = ANSWERS[name]
    print(f"{name} = {expected:.6g}\n  {how}")
