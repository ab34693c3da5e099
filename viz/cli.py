"""The ``stepgrad`` command: ``stepgrad demo`` trains a small MLP on a 2-D dataset.

    stepgrad demo [--dataset moons|circles|xor|spirals] [--hidden 16,16] [--epochs N]
                  [--batch-size K|full] [--lr F] [--seed S] [--out DIR] [--compile]

It trains with mini-batch SGD (momentum 0.9) and a progress bar, prints the final loss and
accuracy, saves the model to DIR/model.json and draws the pictures (``viz.demo``) when the
optional libraries they need are installed. ``--compile`` trains with ``fit(compile=True)``
(one example's loss compiled once to straight-line code, replayed over each batch with numpy;
the same numbers to rounding) and also writes that code to DIR/backprop.py.
``python -m viz demo ...`` does the same.

Errors never end in a traceback: a bad flag prints the usage and exits 2 (argparse); a
problem found afterwards (DIR not writable, checked before training; training that diverged;
pictures that could not be written) is one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple


class DemoData(NamedTuple):
    make: str  # the function in nn.datasets
    n: int
    noise: float
    classes: int
    epochs: int  # with lr, enough to pass 95% training accuracy with the other defaults
    lr: float


DATASETS = {
    "moons": DemoData("make_moons", 100, 0.1, 2, 20, 0.1),
    "circles": DemoData("make_circles", 100, 0.05, 2, 30, 0.1),
    "xor": DemoData("make_xor", 100, 0.25, 2, 20, 0.1),
    "spirals": DemoData("make_spirals", 150, 0.05, 3, 40, 0.05),
}
MOMENTUM = 0.9
MAX_LAYER = 1024  # neurons in one hidden layer: the demo trains in pure Python
MAX_SEED = 2**32 - 1


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {MAX_SEED}, got {text!r}")
    return n


def _batch_size(text: str) -> int | None:
    return None if text == "full" else _positive_int(text)


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0.0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return x


def _hidden_sizes(text: str) -> list[int]:
    """ "16,16" -> [16, 16]; "" -> [] (no hidden layer)."""
    if not text.strip():
        return []
    try:
        sizes = [_positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive layer sizes like 16,16, got {text[:100]!r}"
        ) from None
    if max(sizes) > MAX_LAYER:
        raise argparse.ArgumentTypeError(
            f"a hidden layer of at most {MAX_LAYER} neurons, got {max(sizes)}"
        )
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepgrad", description="stepgrad: a scalar autodiff engine you can step through."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo",
        help="train a small MLP on a 2-D dataset and save it",
        description="Train an MLP with mini-batch SGD (momentum 0.9) on a 2-D toy dataset, "
        "print the final loss and accuracy, and save the model (and pictures) into --out.",
    )
    demo.add_argument(
        "--dataset",
        choices=list(DATASETS),
        default="moons",
        help="the training data (default: moons, 100 points)",
    )
    demo.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=[16, 16],
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="passes over the data (default: 20 for moons and xor, 30 for circles, 40 for spirals)",
    )
    demo.add_argument(
        "--batch-size",
        type=_batch_size,
        default=10,
        metavar="K",
        help="examples per step, or 'full' for the whole set (default: 10)",
    )
    demo.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        metavar="F",
        help="learning rate (default: 0.1; 0.05 for spirals)",
    )
    demo.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="S",
        help="seed for the data, the initial weights and the shuffling (default: 0)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("stepgrad-out"),
        metavar="DIR",
        help="where to write model.json and the pictures (default: stepgrad-out)",
    )
    demo.add_argument(
        "--compile",
        action="store_true",
        help="train with fit(compile=True): one example's loss is compiled once to "
        "straight-line Python and replayed over each batch with numpy instead of building a "
        "graph per example (the same training to rounding; needs numpy); the code is saved "
        "as DIR/backprop.py",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 on success, 1 on an error (one line on stderr), 130 when
    interrupted. Bad flags exit 2 with the usage (``SystemExit`` from argparse)."""
    args = build_parser().parse_args(argv)  # bad flags: usage on stderr, exit 2
    try:
        return demo(args)
    except KeyboardInterrupt:
        print("\nstepgrad: interrupted", file=sys.stderr)
        return 130


def fail(message: str) -> int:
    """``message`` as one line on stderr (at most about 300 characters); returns 1."""
    line = " ".join(message.split())
    print(f"stepgrad demo: {line[:300]}{'...' * (len(line) > 300)}", file=sys.stderr)
    return 1


def warn_line(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    """``warnings.showwarning`` for the command: one line on stderr, without Python's file
    name, line number and source line."""
    line = " ".join(str(message).split())
    text = f"stepgrad demo: warning: {line[:300]}{'...' * (len(line) > 300)}"
    try:
        from tqdm import tqdm
    except ImportError:
        print(text, file=sys.stderr)
    else:
        tqdm.write(text, file=sys.stderr)  # on its own line, above fit's progress bar


def writable_dir(out: Path) -> str:
    """'' when ``out`` is (made) a directory we can write into, else why not. Creates it
    (and its parents) when missing, and tries a file in it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        return f"cannot write into {str(out)[:100]!r}: {reason}"
    return ""


def demo(args: argparse.Namespace) -> int:
    from nn import MLP, SGD, TrainingDiverged, accuracy, datasets, fit

    problem = writable_dir(args.out)  # before training, not after it
    if problem:
        return fail(problem)
    data = DATASETS[args.dataset]
    X, y = getattr(datasets, data.make)(data.n, noise=data.noise, seed=args.seed)
    binary = data.classes == 2
    model = MLP(2, [*args.hidden, 1 if binary else data.classes], seed=args.seed)
    loss = "hinge" if binary else "cross_entropy"
    epochs = args.epochs or data.epochs
    lr = args.lr or data.lr
    batch = "full batch" if args.batch_size is None else f"batches of {args.batch_size}"
    print(f"{args.dataset}: {len(X)} points, {data.classes} classes")
    print(f"model: {model}")
    compiled = ", compiled (fit(compile=True))" if args.compile else ""
    print(
        f"training: {loss} loss, SGD lr {lr:g} momentum {MOMENTUM:g}, {epochs} epochs, "
        f"{batch}{compiled}"
    )
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():  # puts showwarning back afterwards
            warnings.showwarning = warn_line
            history = fit(
                model,
                X,
                y,
                loss=loss,
                optimizer=SGD(model.parameters(), lr=lr, momentum=MOMENTUM),
                epochs=epochs,
                batch_size=args.batch_size,
                seed=args.seed,
                compile=args.compile,
            )
    except TrainingDiverged as exc:
        return fail(f"training diverged with --lr {lr:g} ({exc}); try a smaller --lr")
    seconds = time.perf_counter() - start
    final_accuracy = accuracy(model, X, y)
    print(
        f"final loss {history.epoch_loss[-1]:.4f}, training accuracy {final_accuracy:.3f} "
        f"({round(final_accuracy * len(X))}/{len(X)}) after {seconds:.2f} s"
    )
    try:
        model.save(args.out / "model.json")
    except (OSError, ValueError) as exc:
        return fail(f"cannot write into {str(args.out)[:100]!r}: {exc}")
    print(f"saved {args.out / 'model.json'}")
    if args.compile:
        from .demo import write_backprop_code

        try:
            print(f"saved {write_backprop_code(model, args.out)} (the compiled code)")
        except (OSError, ValueError) as exc:
            return fail(f"cannot write the compiled code into {str(args.out)[:100]!r}: {exc}")
    return write_pictures(model, X, y, history, args.out)


# ---- pictures ------------------------------------------------------------------------------
# graph.svg, steps.html, network.svg, loss.png and boundary.png (viz.demo). Without the
# optional libraries they need (graphviz or its renderer, matplotlib), the demo says so and
# skips them: the model is saved either way.


def write_pictures(model: Any, X: Any, y: Any, history: Any, out: Path) -> int:
    """Draw the pictures; 0 when written or skipped for want of an optional extra, 1 on
    failure (one line on stderr)."""
    from .demo import write_demo_pictures
    from .render import RendererNotFound

    try:
        paths = write_demo_pictures(model, X, y, history, out)
    except (ImportError, RendererNotFound) as exc:  # an optional extra is not installed
        print(f"pictures skipped: {exc}")
        return 0
    except Exception as exc:  # noqa: BLE001 (the model is saved; report, do not hide it)
        return fail(f"could not write the pictures: {type(exc).__name__}: {exc}")
    print(f"pictures: {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
