"""Ctrl-C during ``optimizer.step()``: a step is all or nothing. A thread sends SIGINT to the
main thread at random moments while it steps a long parameter list; after every
KeyboardInterrupt each parameter and each piece of optimizer state must be where a whole
number of steps puts it (the steps before the interrupt, or one more), and all agree."""

from __future__ import annotations

import random
import signal
import sys
import threading
import time

import pytest

from autograd import Value
from nn import SGD, Adam

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill (POSIX)"
)

N_PARAMS = 1000
INTERRUPTS = 200


def state(opt, i: int) -> tuple:
    """Parameter i's value and its optimizer state, and the optimizer's step count."""
    p = opt.params[i].data
    if isinstance(opt, SGD):
        return (p, opt.velocity[i])
    return (p, opt.m[i], opt.v[i], opt.t)


def trajectory(make, steps: int) -> list[tuple]:
    """The state of one parameter (value 0, gradient 1) after 0, 1, ..., steps steps."""
    p = Value(0.0)
    p.grad = 1.0
    opt = make([p])
    states = [state(opt, 0)]
    for _ in range(steps):
        opt.step()
        states.append(state(opt, 0))
    return states


MAKERS = {
    "SGD": lambda ps: SGD(ps, lr=0.01, momentum=0.9, weight_decay=0.1),
    "Adam": lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("name", MAKERS)
def test_ctrl_c_never_splits_a_step(name):
    make = MAKERS[name]
    params = [Value(0.0) for _ in range(N_PARAMS)]
    for p in params:
        p.grad = 1.0
    opt = make(params)
    start = time.perf_counter()
    opt.step()
    step_time = time.perf_counter() - start
    expected = trajectory(make, 4000)
    rng = random.Random(0)
    main = threading.get_ident()
    go = threading.Event()
    stop = threading.Event()

    def send_interrupts() -> None:
        while not stop.is_set():
            if go.wait(0.1):
                go.clear()
                time.sleep(rng.uniform(0.0, 2.0 * step_time))
                signal.pthread_kill(main, signal.SIGINT)

    sender = threading.Thread(target=send_interrupts, daemon=True)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # let the sender run soon after it wakes (default: 5 ms)
    sender.start()
    done, split, finished = 1, [], 0
    try:
        for _ in range(INTERRUPTS):
            steps_before = done
            try:
                go.set()
                while done < steps_before + 1000:
                    opt.step()
                    done += 1
                raise AssertionError("no KeyboardInterrupt arrived: a held-back Ctrl-C was lost")
            except KeyboardInterrupt:
                pass
            # the interrupted step either finished (before `done += 1`) or never started
            first = state(opt, 0)
            assert first in (expected[done], expected[done + 1]), (done, first)
            finished += first == expected[done + 1]
            done += first == expected[done + 1]
            bad = [i for i in range(N_PARAMS) if state(opt, i) != first]
            if bad:
                split.append(f"{len(bad)} of {N_PARAMS} parameters differ from the first")
    finally:
        stop.set()
        sender.join()
        sys.setswitchinterval(switch)
    assert split == [], split
    assert finished > 0  # some interrupts arrived in a commit (held back) or just after it
    assert all(p.grad == 1.0 for p in params)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_step_puts_the_previous_sigint_handler_back():
    seen = []

    def handler(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        p = Value(1.0)
        p.grad = 1.0
        SGD([p], lr=0.5).step()
        assert signal.getsignal(signal.SIGINT) is handler
        signal.raise_signal(signal.SIGINT)  # still the user's handler
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_step_in_another_thread_works():
    p = Value(1.0)
    p.grad = 1.0
    errors = []

    def run() -> None:
        try:
            SGD([p], lr=0.5).step()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == [] and p.data == 0.5
