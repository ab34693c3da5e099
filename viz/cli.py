"""The ``stepgrad`` command: ``stepgrad demo`` trains a small MLP on a 2-D dataset.

    stepgrad demo [--dataset moons|circles|xor|spirals] [--hidden 16,16] [--epochs N]
                  [--batch-size K|full] [--lr F] [--seed S] [--out DIR]

It trains with mini-batch SGD (momentum 0.9) and a progress bar, prints the final loss and
accuracy, saves the model to DIR/model.json and, when ``viz`` is available, draws pictures.
"""

from __future__ import annotations

import argparse
import sys
import time
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


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
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
        return [_positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive layer sizes like 16,16, got {text!r}"
        ) from None


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
        type=int,
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # bad flags: usage on stderr, exit 2
    try:
        return demo(args)
    except KeyboardInterrupt:
        print("\nstepgrad: interrupted", file=sys.stderr)
        return 130


def demo(args: argparse.Namespace) -> int:
    from nn import MLP, SGD, accuracy, datasets, fit

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
    print(f"training: {loss} loss, SGD lr {lr:g} momentum {MOMENTUM:g}, {epochs} epochs, {batch}")
    start = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=SGD(model.parameters(), lr=lr, momentum=MOMENTUM),
        epochs=epochs,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    seconds = time.perf_counter() - start
    final_accuracy = accuracy(model, X, y)
    print(
        f"final loss {history.epoch_loss[-1]:.4f}, training accuracy {final_accuracy:.3f} "
        f"({round(final_accuracy * len(X))}/{len(X)}) after {seconds:.2f} s"
    )
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        model.save(args.out / "model.json")
    except OSError as exc:
        print(f"stepgrad demo: cannot write into {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"saved {args.out / 'model.json'}")
    return write_pictures(model, X, y, history, args.out)


# ---- pictures: the hook for viz ---------------------------------------------------------
# viz (issue 4) draws them: when it can be imported and has write_demo_pictures, the demo
# writes graph.svg, steps.html, network.svg, loss.png and boundary.png into --out; without
# viz (or its optional dependencies) it says so and skips them.


def write_pictures(model: Any, X: Any, y: Any, history: Any, out: Path) -> int:
    """Draw the pictures with viz; 0 when written or skipped for want of viz, 1 on failure."""
    try:
        import viz
    except ImportError as exc:
        print(f"pictures skipped: viz is not available ({exc})")
        return 0
    write = getattr(viz, "write_demo_pictures", None)
    if write is None:
        print("pictures skipped: this viz has no write_demo_pictures")
        return 0
    missing_renderer = getattr(viz, "RendererNotFound", ImportError)
    try:
        paths = write(model, X, y, history, out)
    except (ImportError, missing_renderer) as exc:  # an optional extra is not installed
        print(f"pictures skipped: {exc}")
        return 0
    except Exception as exc:  # noqa: BLE001 (the model is saved; report, do not hide it)
        print(
            f"stepgrad demo: could not write the pictures: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"pictures: {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
