"""Training: the mini-batch SGD loop (``fit``), its record (``History``), ``accuracy``, and
``compile_loss`` (a model's per-example loss compiled once and replayed over whole batches).

One step: clear the gradients, run the batch forward, average the loss over the batch,
backpropagate, let the optimizer nudge every parameter. One epoch: a pass over the whole
(shuffled) training set in mini-batches. ``batch_size=None`` uses every example in each step
(full-batch gradient descent), ``batch_size=1`` one example per step (pure SGD).

When training blows up (a loss or a gradient that is nan or infinite, or a float overflow on
the way), ``fit`` raises ``TrainingDiverged`` before that step changes any parameter; the
error carries the ``History`` recorded so far and where it happened.

``fit(..., compile=True)`` builds one example's loss graph once, compiles it to straight-line
Python (``autograd.compile_graph``) and runs every step as that code over the batch with
numpy: the same steps as the scalar loop to rounding (about 1e-15 on the demo), much faster.
"""

from __future__ import annotations

import math
import operator
import os
import random
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autograd import (
    CompiledGraph,
    Value,
    compile_graph,
    dot,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
)
from autograd.real import as_float, is_real, short_int

from .losses import bce_with_logits, cross_entropy, hinge_loss, mse_loss, sign_labels
from .module import Module
from .optim import SGD, Optimizer

LossFn = Callable[[list[Any], list[Any]], Value]

LOSSES: dict[str, LossFn] = {
    "hinge": hinge_loss,
    "mse": mse_loss,
    "bce": bce_with_logits,
    "cross_entropy": cross_entropy,
}
CLASSIFICATION = ("hinge", "bce", "cross_entropy")


class EpochRecord(NamedTuple):
    epoch: int
    loss: float
    accuracy: float | None  # None for losses that are not classification losses


@dataclass
class History:
    """What ``fit`` saw, as plain lists.

    ``epoch_loss[e]`` is the mean training loss over epoch e (each step's loss weighted by its
    batch size; with ``l2`` it includes the penalty), ``epoch_accuracy[e]`` the fraction of
    the epoch's examples classified correctly when their step ran (before its update).
    ``step_loss``, ``step_accuracy`` and ``step_lr`` hold the same per optimizer step.
    The accuracy lists stay empty for ``mse`` and custom losses.
    """

    epoch_loss: list[float] = field(default_factory=list)
    epoch_accuracy: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_accuracy: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)

    def __repr__(self) -> str:
        final = self.final
        if final is None:
            return "History(no epochs yet)"
        acc = "" if final.accuracy is None else f", accuracy {final.accuracy:.3f}"
        epochs, steps = len(self.epoch_loss), len(self.step_loss)
        return (
            f"History({epochs} epoch{'s' * (epochs != 1)}, {steps} step{'s' * (steps != 1)}; "
            f"final loss {final.loss:.4g}{acc})"
        )

    def _record(self, epoch: int) -> EpochRecord:
        acc = self.epoch_accuracy[epoch] if self.epoch_accuracy else None
        return EpochRecord(epoch, self.epoch_loss[epoch], acc)

    @property
    def final(self) -> EpochRecord | None:
        """The last epoch's (epoch, loss, accuracy); None before any epoch."""
        return self._record(len(self.epoch_loss) - 1) if self.epoch_loss else None

    @property
    def best(self) -> EpochRecord | None:
        """The epoch with the lowest loss (the first, on ties); None before any epoch."""
        if not self.epoch_loss:
            return None
        return self._record(min(range(len(self.epoch_loss)), key=self.epoch_loss.__getitem__))


class TrainingDiverged(ValueError):
    """A step of ``fit`` met a loss or gradient that is nan or infinite, or overflowed.

    Raised before that step's update, so the parameters are those after the last good step.
    ``history`` holds every step and epoch completed before it (the interrupted epoch's
    steps are in ``step_loss``, not in ``epoch_loss``); ``epoch`` and ``step`` say where it
    happened, counted from 0 like ``callback`` and ``lr_schedule`` count them.
    """

    def __init__(self, message: str, history: History, epoch: int, step: int) -> None:
        super().__init__(message)
        self.history = history
        self.epoch = epoch
        self.step = step


class DeadLayerWarning(UserWarning):
    """``fit`` found a hidden layer whose every unit outputs 0 on every training example:
    no gradient flows back through it, so the layers before it stop learning."""


def _dead_layer(model: Any, rows: list[list[float]]) -> int | None:
    """The index of the first hidden layer (of ``model.layers``) in which every unit outputs
    exactly 0 on every example, or None. Stops as soon as each layer has shown a non-zero."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or len(layers) < 2:
        return None
    hidden = layers[:-1]
    alive = [False] * len(hidden)
    with no_grad():
        try:
            for row in rows:
                h: Any = row
                for k, layer in enumerate(hidden):
                    h = layer(h)
                    h = [h] if isinstance(h, Value) else h
                    alive[k] = alive[k] or any(v.data != 0.0 for v in h)
                if all(alive):
                    return None
        except (OverflowError, TypeError, ValueError):
            return None  # not a plain stack of layers, or diverging: not this check's business
    return alive.index(False)


def _warn_dead(model: Any, k: int, epoch: int) -> None:
    activation = getattr(model.layers[k], "activation", "?")
    warnings.warn(
        f"fit: after epoch {epoch}, every unit of hidden layer {k + 1} (layers.{k}, "
        f"{activation}) outputs 0 for every training example: no gradient flows back through it, so "
        "neither it nor the layers before it can learn. Try a smaller learning rate, "
        'activation="tanh" (the network of micrograd\'s video) or a different seed.',
        DeadLayerWarning,
        stacklevel=3,
    )


def _diverged(problem: str, history: History, epoch: int, step: int) -> TrainingDiverged:
    done = len(history.step_loss)
    return TrainingDiverged(
        f"fit: training diverged in epoch {epoch}, step {step} (counting from 0): {problem}; "
        f"no parameter was changed by this step. The error's .history holds the {done} "
        f"step{'s' * (done != 1)} before it (a smaller learning rate may help)",
        history,
        epoch,
        step,
    )


def _bad_gradient(params: Sequence[Value]) -> str:
    """'' when every gradient is finite, else which parameter's is not."""
    if math.isfinite(sum([p.grad for p in params])):  # a nan or an infinity makes the sum one
        return ""
    for i, p in enumerate(params):  # (or the sum overflowed: look at each)
        if not math.isfinite(p.grad):
            return f"the gradient of parameter {p.label or f'#{i}'!r} is {p.grad!r}"
    return ""


# ---- accuracy ----------------------------------------------------------------------------


def _threshold(model: Any) -> float:
    """Where a single output splits the two classes: 0.5 after a sigmoid, else 0."""
    return 0.5 if getattr(model, "output_activation", "linear") == "sigmoid" else 0.0


def _correct(output: Value | list[Value], target: Any, threshold: float) -> bool:
    """One output (binary: positive class when output > threshold, labels 0/1 or -1/+1) or a
    list of class scores (the predicted class is the highest score). A nan score is wrong."""
    if isinstance(output, Value):
        score = output.data
        return not math.isnan(score) and (score > threshold) == (target > 0)
    scores = [o.data for o in output]
    if any(map(math.isnan, scores)):  # nan: no class is predicted
        return False
    return scores.index(max(scores)) == target


def accuracy(model: Callable[[Any], Any], X: Sequence[Any], y: Sequence[Any]) -> float:
    """The fraction of examples the model classifies correctly (evaluated under no_grad)."""
    rows, targets = _rows(X), list(y)
    if len(rows) != len(targets) or not rows:
        raise ValueError(f"accuracy: {len(rows)} examples but {len(targets)} labels")
    threshold = _threshold(model)
    with no_grad():
        hits = sum(_correct(model(x), t, threshold) for x, t in zip(rows, targets))
    return hits / len(rows)


# ---- fit ---------------------------------------------------------------------------------


def _rows(X: Sequence[Any], who: str = "accuracy") -> list[list[float]]:
    """A 2-D array or list of examples as lists of Python floats."""
    try:
        return [[as_float(v, "an input") for v in row] for row in X]
    except TypeError as exc:
        raise TypeError(f"{who}: X must be a list of examples of numbers: {exc}") from None
    except OverflowError:  # an int beyond the float range: find it again to name it
        for i, row in enumerate(X):
            for j, v in enumerate(row):
                as_float(v, f"{who}: X[{i}][{j}]")
        raise


def _count(name: str, x: object, least: int, none: bool = False) -> int:
    """``x`` as an int >= least; Python and numpy integers are accepted, bools are not."""
    what = f"{'None or ' * none}an int >= {least}"
    if isinstance(x, bool) or type(x).__name__ == "bool_" or not hasattr(x, "__index__"):
        raise TypeError(f"fit: {name} must be {what}, got {type(x).__name__}: {x!r:.100}")
    n = operator.index(x)  # type: ignore[arg-type]
    if n < least:
        raise ValueError(f"fit: {name} must be {what}, got {x!r:.100}")
    return n


def _function(name: str, f: object, what: str) -> None:
    if f is not None and not callable(f):
        raise TypeError(f"fit: {name} must be a function {what} or None, got {type(f).__name__}")


def _checked_rows(X: Sequence[Any], model: Any, who: str = "fit") -> list[list[float]]:
    """Every example a list of finite floats, all as long as the model's input (or the first
    example, for a model without ``nin``)."""
    rows = _rows(X, who)
    nin = getattr(model, "nin", None)
    known = isinstance(nin, int) and not isinstance(nin, bool)  # the model says its width
    width = nin if known else len(rows[0]) if rows else 0
    for i, row in enumerate(rows):
        if len(row) != width:
            s = "s" * (len(row) != 1)
            if known:
                raise ValueError(f"{who}: X[{i}] has {len(row)} number{s}; the model takes {width}")
            raise ValueError(f"{who}: X[{i}] has {len(row)} number{s}; X[0] has {width}")
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise ValueError(f"{who}: X[{i}][{j}] is {v!r}; inputs must be finite numbers")
    return rows


def _targets(loss: str | LossFn, y: Sequence[Any], who: str = "fit") -> list[Any]:
    """Labels checked and converted for the loss: hinge -1/+1, bce 0..1, class indices."""
    if isinstance(y, (str, bytes)) or not isinstance(y, Iterable):
        raise TypeError(f"{who}: y must be a list of labels or targets, got {type(y).__name__}")
    if loss == "hinge":
        return sign_labels(list(y), who)
    if loss not in ("mse", "bce", "cross_entropy"):
        return list(y)  # a custom loss gets them as they are
    targets = []
    for i, t in enumerate(y):
        if loss == "cross_entropy" and _is_row(t):
            targets.append(_one_hot(t, i, who))
            continue
        value = as_float(t, f"{who}: y[{i}]")
        if loss == "mse" and not math.isfinite(value):
            raise ValueError(f"{who}: y[{i}] = {t!r:.100}; mse targets must be finite numbers")
        if loss == "bce" and not 0.0 <= value <= 1.0:
            raise ValueError(f"{who}: y[{i}] = {t!r:.100}; bce targets must be in [0, 1]")
        if loss == "cross_entropy":
            if (
                isinstance(t, bool)
                or not math.isfinite(value)
                or not value.is_integer()
                or value < 0
            ):
                raise ValueError(
                    f"{who}: y[{i}] = {t!r:.100} is not a class index; cross_entropy needs "
                    "class indices 0, 1, ... (or one-hot rows)"
                )
            value = int(value)
        targets.append(value)
    return targets


class _OneHot(int):
    """A class index read from a one-hot row; ``width`` is the row's length."""

    width: int


def _is_row(t: object) -> bool:
    return not isinstance(t, (str, bytes)) and not is_real(t) and hasattr(t, "__len__")


def _one_hot(row: Any, i: int, who: str) -> _OneHot:
    """The class index of a one-hot row (entries 0 and 1, exactly one 1)."""
    try:
        values = [as_float(v, f"{who}: y[{i}]") for v in row]
    except (TypeError, OverflowError):
        values = []
    if sorted(values) != [0.0] * (len(values) - 1) + [1.0] or any(isinstance(v, bool) for v in row):
        raise ValueError(
            f"{who}: y[{i}] = {row!r:.100} is not a one-hot row (zeros and a single 1); "
            "cross_entropy needs class indices 0, 1, ... or one-hot rows"
        )
    index = _OneHot(values.index(1.0))
    index.width = len(values)
    return index


def _check_output(loss: str | LossFn, output: Any, targets: list[Any], who: str = "fit") -> None:
    """hinge, bce and mse need one output per example; cross_entropy a list of class scores
    with one per class in the labels (one-hot rows exactly as long as the list)."""
    if loss in ("hinge", "bce", "mse") and not isinstance(output, Value):
        raise ValueError(f"{who}: loss {loss!r} needs a model with one output, got {len(output)}")
    if loss == "cross_entropy":
        if isinstance(output, Value):
            raise ValueError(
                f"{who}: loss 'cross_entropy' needs one output per class; the model has one output"
            )
        for i, t in enumerate(targets):
            if isinstance(t, _OneHot) and t.width != len(output):
                raise ValueError(
                    f"{who}: y[{i}] is a one-hot row of {t.width} numbers; the model has "
                    f"{len(output)} outputs"
                )
            if t >= len(output):
                raise ValueError(
                    f"{who}: y[{i}] = {short_int(t)} is not a class index for a model with "
                    f"{len(output)} outputs (0 to {len(output) - 1})"
                )


def _bad_output(outputs: list[Any], batch: list[int]) -> str:
    """'' when every model output is finite, else which one is not."""
    for output, i in zip(outputs, batch):
        for o in [output] if isinstance(output, Value) else output:
            if isinstance(o, Value) and not math.isfinite(o.data):
                return f"the model's output for X[{i}] is {o.data!r}"
    return ""


def _progress_bar(epochs: int, enabled: bool) -> tuple[Any, Any]:
    """A ``tqdm.auto`` bar (a widget in Jupyter, text in a terminal) and, in Jupyter, the
    handle of its display; ``(None, None)`` when switched off by ``progress=False`` or the
    environment variable TQDM_DISABLE, or without tqdm.

    A notebook saves, beside the widget, a text copy of the bar as it was when first shown,
    "0%", and that copy is all GitHub or nbconvert shows. So in Jupyter the bar is shown
    here under a display id (tqdm's ``display=False``, IPython's ``display_id``), and
    ``_close_bar`` re-displays it when training ends: the saved text is the final state."""
    disabled = os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")
    if not enabled or disabled:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, None
    notebook = sys.modules.get("tqdm.notebook")  # imported by tqdm.auto only in Jupyter
    if notebook is None or not issubclass(tqdm, notebook.tqdm):
        return tqdm(total=epochs, desc="fit", unit="epoch"), None
    from IPython.display import display

    bar = tqdm(total=epochs, desc="fit", unit="epoch", display=False)
    return bar, display(bar.container, display_id=True)


def _close_bar(bar: Any, shown: Any) -> None:
    """Close the bar; in Jupyter, update its display so its text copy shows the end."""
    bar.close()
    if shown is not None:
        shown.update(bar.container)


def _scheduled_lr(lr_schedule: Callable[[int], float], step: int) -> float:
    """lr_schedule(step), checked to be a finite number >= 0 before it is used."""
    lr = lr_schedule(step)
    if isinstance(lr, bool) or not is_real(lr):
        raise TypeError(
            f"fit: lr_schedule({step}) returned {type(lr).__name__}: {lr!r:.100}; "
            "it must return a learning rate (a finite number >= 0)"
        )
    if not 0.0 <= float(lr) < math.inf:
        raise ValueError(
            f"fit: lr_schedule({step}) returned {lr!r}; a learning rate must be finite and >= 0"
        )
    return lr


# ---- compiled losses ---------------------------------------------------------------------


def _checked_l2(l2: object, who: str) -> float:
    if isinstance(l2, bool) or not is_real(l2):
        raise TypeError(
            f"{who}: l2 must be a finite number >= 0, got {type(l2).__name__}: {l2!r:.100}"
        )
    value = float(l2)  # type: ignore[arg-type]
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{who}: l2 must be a finite number >= 0, got {value!r}")
    return value


def example_loss(loss: str, output: Any, targets: list[Value]) -> Value:
    """One example's loss as a graph whose shape does not depend on the numbers, so that it
    can be compiled once and replayed on every example: the targets are leaves, and no op
    is chosen by an ``if`` on ``.data`` (the built-in losses' stable forms do branch):

        hinge          relu(1 - t s)
        mse            (s - t)^2
        bce            z/2 + |z|/2 + log(1 + e^-|z|) - t z       (= log(1 + e^z) - t z)
        cross_entropy  log(sum_j e^(z_j - m)) - sum_j t_j (z_j - m),   t one-hot,
                       m = max_j z_j as a chain m <- m + relu(z_j - m)

    The values are those of ``hinge_loss``, ``mse_loss``, ``bce_with_logits`` and
    ``cross_entropy`` on one example (to rounding), and so are the gradients: at z = 0 the
    bce slope is 1/2 - t, and the gradient through m is 0 up to rounding.
    """
    if loss == "hinge":
        return (1.0 - targets[0] * output).relu()
    if loss == "mse":
        return (output - targets[0]) ** 2
    if loss == "bce":
        a = abs(output)
        return 0.5 * output + 0.5 * a + (1.0 + (-a).exp()).log() - targets[0] * output
    m = output[0]
    for z in output[1:]:
        m = m + (z - m).relu()
    shifted = [z - m for z in output]
    return sum_values([s.exp() for s in shifted]).log() - dot(targets, shifted)


class CompiledLoss:
    """A model's per-example loss compiled once (see ``compile_loss``).

    ``closs(X, y)`` -> the mean loss over the rows plus ``l2 * sum(p^2)``; adds the mean
    gradient (and ``2 l2 p``) into every parameter's ``.grad``. ``closs.source`` is the
    generated code of one example's forward and backward pass.
    """

    def __init__(self, model: Any, loss: str, l2: float) -> None:
        self.model, self.loss, self.l2 = model, loss, l2
        self.params: list[Value] = list(model.parameters())
        self.graph: CompiledGraph | None = None
        self.classes: int | None = None  # the model's outputs (cross_entropy)
        self._used: list[int] = []  # the inputs the loss depends on
        nin = getattr(model, "nin", None)
        if isinstance(nin, int) and not isinstance(nin, bool) and nin > 0:
            self._build([0.0] * nin)  # otherwise on the first call, from its first row

    @property
    def source(self) -> str:
        """The compiled code of one example's loss, forward then backward."""
        if self.graph is None:
            raise ValueError("compile_loss: not compiled yet (the model has no nin): call it once")
        return self.graph.source

    def _build(self, row: list[float]) -> None:
        who = "compile_loss"
        if not is_grad_enabled():
            raise RuntimeError(f"{who}: called inside no_grad(), where no graph is recorded")
        xs = [Value(v, label=f"x{k}") for k, v in enumerate(row)]
        try:
            output = self.model(xs)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{who}: the model failed on an example of {len(row)} inputs "
                f"({type(exc).__name__}: {exc}); it cannot be compiled"
            ) from exc
        outputs = [output] if isinstance(output, Value) else output
        if not isinstance(outputs, list) or not all(isinstance(o, Value) for o in outputs):
            raise ValueError(
                f"{who}: the model must return a Value or a list of Values to be compiled, "
                f"got {type(output).__name__}: {output!r:.100}"
            )
        _check_output(self.loss, output, [], who)
        n_targets = len(outputs) if self.loss == "cross_entropy" else 1
        ts = [Value(0.0, label=f"y{j}" if n_targets > 1 else "y") for j in range(n_targets)]
        root = example_loss(self.loss, output, ts)
        root.label = "loss"
        leaves = {id(n) for n in topological_order(root) if not n.parents}
        self._used = [k for k, x in enumerate(xs) if id(x) in leaves]
        try:
            self.graph = compile_graph(root, [*(xs[k] for k in self._used), *ts])
        except ValueError as exc:
            raise ValueError(f"{who}: the model's graph cannot be compiled: {exc}") from exc
        self.classes = len(outputs)

    def targets_array(self, targets: list[Any]) -> Any:
        """Targets as checked by ``_targets`` -> an array of the target leaves' columns."""
        import numpy as np

        if self.loss != "cross_entropy":
            return np.asarray(targets, dtype=np.float64)[:, None]
        return np.eye(self.classes or 1)[np.asarray(targets, dtype=np.intp)]

    def run(self, X: Any, T: Any) -> float:
        """The loss on checked arrays: ``X`` (rows x inputs) and ``T`` from ``targets_array``.
        The mean loss plus the l2 term; gradients added into ``.grad``."""
        assert self.graph is not None
        value = self.graph.batch(
            *(X[:, k] for k in self._used), *(T[:, j] for j in range(T.shape[1]))
        )
        if self.l2:
            squares = 0.0
            for p in self.params:  # l2 * (p0 p0 + p1 p1 + ...) and d/dp = 2 l2 p, as in fit
                squares += p.data * p.data
                g = p.data * self.l2
                p.grad += g
                p.grad += g
            value += self.l2 * squares
        return value

    def __call__(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """mean_i loss(model(X[i]), y[i]) + l2 * sum(p^2), its gradient added into ``.grad``.
        X and y are checked first as ``fit`` checks them: a bad one changes nothing."""
        import numpy as np

        who = "compile_loss"
        rows = _checked_rows(X, self.model, who)
        targets = _targets(self.loss, y, who)
        if len(rows) != len(targets) or not rows:
            raise ValueError(f"{who}: {len(rows)} examples but {len(targets)} labels")
        if self.graph is None:
            self._build(rows[0])
        if self.loss == "cross_entropy":
            _check_output(self.loss, [None] * (self.classes or 0), targets, who)
        return self.run(np.asarray(rows, dtype=np.float64), self.targets_array(targets))

    def __repr__(self) -> str:
        lines = "not compiled yet" if self.graph is None else f"{self.source.count(chr(10))} lines"
        return f"<CompiledLoss {self.loss!r}, l2={self.l2:g}: {lines}>"


def compile_loss(model: Module, loss: str = "hinge", l2: float = 0.0) -> CompiledLoss:
    """The model's loss on one example compiled to straight-line code once
    (``autograd.compile_graph``; inputs: the example's numbers and its target), replayed
    over a whole batch with numpy.

    ``closs = compile_loss(model, "cross_entropy")``, then ``closs(X, y)`` returns
    ``mean_i loss(model(X[i]), y[i]) + l2 * sum(p^2)`` and adds its gradient into every
    parameter's ``.grad`` (accumulating, like ``backward``; zero them first). It reads the
    parameters' current values at each call, so it stays valid while they are trained.
    ``loss``: "hinge", "bce", "mse" or "cross_entropy" (class indices or one-hot rows),
    with the same targets ``fit`` takes; ``closs.source`` shows the generated code.

    Only the graph's recorded shape is replayed: a model whose graph depends on the numbers
    (a Python ``if`` on ``.data`` in its forward) cannot be compiled correctly (as with
    ``torch.jit.trace``). relu, abs and the built-in layers are fine.
    """
    who = "compile_loss"
    if not isinstance(loss, str):
        if callable(loss):
            raise TypeError(
                f"{who}: a custom loss function ({getattr(loss, '__name__', type(loss).__name__)}) "
                f"cannot be compiled; choose one of {', '.join(map(repr, LOSSES))} (or train "
                "with fit(..., compile=False))"
            )
        raise TypeError(
            f"{who}: loss must be one of {', '.join(map(repr, LOSSES))}, got "
            f"{type(loss).__name__}: {loss!r:.100}"
        )
    if loss not in LOSSES:
        raise ValueError(f"{who}: unknown loss {loss!r:.100}: choose one of {', '.join(LOSSES)}")
    l2 = _checked_l2(l2, who)
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"{who}: model must be a Module (callable, with parameters()), got "
            f"{type(model).__name__}: {model!r:.100}"
        )
    return CompiledLoss(model, loss, l2)


class _CompiledStep:
    """What ``fit(compile=True)`` runs per step: the batch's outputs (for the accuracy and
    the divergence checks) and the compiled loss, on numpy arrays of the whole data set."""

    def __init__(
        self, model: Any, closs: CompiledLoss, rows: list[list[float]], targets: list[Any]
    ):
        import numpy as np

        self.np = np
        self.model, self.closs, self.rows = model, closs, rows
        self.X = np.asarray(rows, dtype=np.float64)
        self.T = closs.targets_array(targets)
        self.targets = np.asarray(targets, dtype=np.float64)
        self.layers = _plain_mlp_layers(model)

    def outputs(self, batch: list[int]) -> Any:
        """The model's outputs for the batch, one row per example: for an ``MLP``, with
        numpy in the scalar engine's order of operations (w0 x0 + w1 x1 + ... left to right,
        a running sum: cumsum; then + b), else from the model itself under ``no_grad``."""
        np = self.np
        if self.layers is None:
            with no_grad():
                outs = [self.model(self.rows[i]) for i in batch]
            return np.array(
                [[o.data] if isinstance(o, Value) else [v.data for v in o] for o in outs]
            )
        h = self.X[batch]
        with np.errstate(all="ignore"):  # inf and nan as Python floats give them, no warnings
            for layer in self.layers:
                w = np.array([[p.data for p in n.w] for n in layer.neurons])  # (out, in)
                products = h[:, :, None] * w.T[None, :, :]  # (rows, in, out)
                z = np.cumsum(products, axis=1)[:, -1, :]
                z = z + np.array([n.b.data for n in layer.neurons])
                h = _NUMPY_ACTIVATIONS[layer.activation](np, z)
        return h

    def loss(self, batch: list[int]) -> float:
        return self.closs.run(self.X[batch], self.T[batch])

    def bad_output(self, outputs: Any, batch: list[int]) -> str:
        """'' when every output is finite, else the first that is not (as ``_bad_output``)."""
        finite = self.np.isfinite(outputs)
        if finite.all():
            return ""
        r, j = (int(k) for k in self.np.argwhere(~finite)[0])
        return f"the model's output for X[{batch[r]}] is {float(outputs[r, j])!r}"

    def hits(self, outputs: Any, batch: list[int], threshold: float) -> int:
        """How many of the batch's outputs are right (as ``_correct``; nan is wrong)."""
        np = self.np
        t = self.targets[batch]
        with np.errstate(invalid="ignore"):
            if outputs.shape[1] == 1 and self.closs.loss != "cross_entropy":
                s = outputs[:, 0]
                right = ~np.isnan(s) & ((s > threshold) == (t > 0))
            else:
                right = ~np.isnan(outputs).any(axis=1) & (np.argmax(outputs, axis=1) == t)
        return int(np.count_nonzero(right))


_NUMPY_ACTIVATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "relu": lambda np, z: np.where(z <= 0.0, 0.0, z),  # nan passes, as Value.relu
    "tanh": lambda np, z: np.tanh(z),
    "sigmoid": lambda np, z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda np, z: z,
}


def _plain_mlp_layers(model: Any) -> list[Any] | None:
    """The layers of an ``MLP`` whose forward is the built-in one (so numpy can compute its
    outputs), else None."""
    from .layers import MLP, Layer, Neuron

    if not isinstance(model, MLP) or type(model).forward is not MLP.forward:
        return None
    for layer in model.layers:
        if type(layer).forward is not Layer.forward or any(
            type(n).forward is not Neuron.forward for n in layer.neurons
        ):
            return None
        if layer.activation not in _NUMPY_ACTIVATIONS:
            return None
    return model.layers


def _compiled_step(
    model: Any, loss: str | LossFn, l2: float, rows: list[list[float]], targets: list[Any]
) -> _CompiledStep:
    """``fit``'s compiled loss, built (and checked) before any step."""
    if not isinstance(loss, str):
        raise TypeError(
            f"fit: compile=True needs one of the built-in losses ({', '.join(map(repr, LOSSES))}); "
            f"a custom loss function ({getattr(loss, '__name__', type(loss).__name__)}) cannot be "
            "compiled: train it with compile=False"
        )
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise ImportError("fit: compile=True needs numpy (pip install numpy)") from None
    closs = compile_loss(model, loss, l2)
    if closs.graph is None:
        closs._build(rows[0])
    return _CompiledStep(model, closs, rows, targets)


def _example_of_row(message: str, batch: list[int]) -> str:
    """A compiled batch's "row r: ..." error as "X[i]: ..." (i: the example of that row)."""
    match = re.match(r"row (\d+): ", message)
    if match and int(match.group(1)) < len(batch):
        return f"X[{batch[int(match.group(1))]}]: {message[match.end() :]}"
    return message


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFn = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    l2: float = 0.0,
    lr_schedule: Callable[[int], float] | None = None,
    progress: bool = True,
    callback: Callable[[int, History], Any] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on (X, y) with mini-batch gradient descent; returns a ``History``.

    - ``loss``: "hinge" (labels -1/+1 or 0/1, one output), "bce" (targets 0/1, one output,
      a logit), "mse", "cross_entropy" (class indices, one output per class), or a function
      ``loss(outputs, targets) -> Value`` taking a batch's outputs and targets.
    - ``optimizer``: default ``SGD(model.parameters(), lr=0.1, momentum=0.9)``.
    - ``batch_size``: None = the whole set per step, 1 = one example per step, k = k.
    - ``shuffle``/``seed``: reorder the examples each epoch (``random.Random(seed)``; a
      fixed seed makes training repeatable, None draws a fresh order every run).
    - ``l2``: adds l2 * sum(p^2) over all parameters to each step's loss.
    - ``lr_schedule(step) -> lr``: sets ``optimizer.lr`` before each step; ``step`` counts
      optimizer steps from 0 across epochs (with full batches, step == epoch).
    - ``callback(epoch, history)`` runs after each epoch; returning True stops training.
    - ``compile=True``: compile the model's per-example loss once (``compile_loss``) and run
      each step as that code over the batch with numpy instead of building a graph per
      example: the same steps to rounding (a built-in loss; needs numpy).

    Every argument and every example is checked before the first step (a ``TypeError`` or
    ``ValueError`` naming it; nothing is changed): X must be rows of finite numbers as long
    as the model's input, y labels that suit the loss and the model's outputs.

    A loss, model output or gradient that is nan or infinite (or a float overflow, also in
    the optimizer's step) raises ``TrainingDiverged`` before the step's update, with
    ``.history`` recorded so far and ``.epoch`` / ``.step`` where it happened.

    After an epoch in which a hidden layer's units all output 0 on every training example
    (dead ReLUs: no gradient passes), ``fit`` warns once with a ``DeadLayerWarning``.
    """
    # every argument and every example checked before anything changes
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}: choose one of {', '.join(LOSSES)}")
    elif not callable(loss):
        raise TypeError(
            f"fit: loss must be one of {', '.join(map(repr, LOSSES))} or a function "
            f"loss(outputs, targets) -> Value, got {type(loss).__name__}: {loss!r:.100}"
        )
    epochs = _count("epochs", epochs, 0)
    if batch_size is not None:
        batch_size = _count("batch_size", batch_size, 1, none=True)
    if seed is not None:
        if isinstance(seed, bool) or not hasattr(seed, "__index__"):
            raise TypeError(f"fit: seed must be None or an int, got {type(seed).__name__}")
        seed = operator.index(seed)
    l2 = _checked_l2(l2, "fit")
    if optimizer is not None and not (
        callable(getattr(optimizer, "step", None))
        and callable(getattr(optimizer, "zero_grad", None))
    ):
        raise TypeError(
            f"fit: optimizer must be an Optimizer (SGD, Adam) or None, got {type(optimizer).__name__}"
        )
    for flag, value in (("shuffle", shuffle), ("progress", progress), ("compile", compile)):
        if not isinstance(value, bool) and type(value).__name__ != "bool_":
            raise TypeError(
                f"fit: {flag} must be True or False, got {type(value).__name__}: {value!r:.100}"
            )
    _function("lr_schedule", lr_schedule, "lr_schedule(step) -> lr")
    _function("callback", callback, "callback(epoch, history)")
    rows = _checked_rows(X, model)
    targets = _targets(loss, y)
    if len(rows) != len(targets) or not rows:
        raise ValueError(f"fit: {len(rows)} examples but {len(targets)} labels")
    with no_grad():  # the model's outputs fit the loss and the labels?
        try:
            first = model(rows[0])
        except OverflowError:
            first = None  # the first step reports it as divergence
    if first is not None:
        _check_output(loss, first, targets)
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    compiled = _compiled_step(model, loss, l2, rows, targets) if compile else None
    classify = loss in CLASSIFICATION
    params = model.parameters()
    if (
        optimizer is not None
        and params
        and not {id(p) for p in params} & {id(p) for p in getattr(optimizer, "params", params)}
    ):
        raise ValueError(
            "fit: the optimizer updates none of the model's parameters (was it built on "
            "another model's?): build it with model.parameters()"
        )
    if optimizer is None:
        optimizer = SGD(params, lr=0.1, momentum=0.9)
    n = len(rows)
    size = n if batch_size is None else batch_size
    threshold = _threshold(model)
    order = list(range(n))
    rng = random.Random(seed)
    history = History()
    step, warned = 0, False
    bar, shown = _progress_bar(epochs, progress)
    try:
        for epoch in range(epochs):
            if shuffle:
                rng.shuffle(order)
            epoch_loss, hits = 0.0, 0
            for start in range(0, n, size):
                batch = order[start : start + size]
                if lr_schedule is not None:
                    optimizer.lr = _scheduled_lr(lr_schedule, step)
                if compiled is None:
                    model.zero_grad()
                else:  # the same, without walking the model's tree of modules every step
                    for p in params:
                        p.grad = 0.0
                optimizer.zero_grad()
                batch_targets = [targets[i] for i in batch]
                try:
                    if compiled is None:
                        outputs = [model(rows[i]) for i in batch]
                        bad = _bad_output(outputs, batch)
                        if bad:
                            raise _diverged(bad, history, epoch, step)
                        total = loss_fn(outputs, batch_targets)
                        if not isinstance(total, Value):
                            raise TypeError(
                                f"fit: the loss function returned {type(total).__name__}: "
                                f"{total!r:.100}; it must return a Value (build it from the "
                                "outputs)"
                            )
                        if l2:
                            total = total + l2 * dot(params, params)  # sum of p*p as one node
                        value = total.data
                        if not math.isfinite(value):
                            raise _diverged(f"the loss is {value!r}", history, epoch, step)
                        total.backward()
                    else:
                        outputs = compiled.outputs(batch)
                        bad = compiled.bad_output(outputs, batch)
                        if bad:
                            raise _diverged(bad, history, epoch, step)
                        value = compiled.loss(batch)  # and its gradient added to .grad
                        if not math.isfinite(value):
                            raise _diverged(f"the loss is {value!r}", history, epoch, step)
                except OverflowError as exc:
                    raise _diverged(_example_of_row(str(exc), batch), history, epoch, step) from exc
                bad = _bad_gradient(getattr(optimizer, "params", params))
                if bad:
                    raise _diverged(bad, history, epoch, step)
                try:
                    optimizer.step()  # all or nothing
                except OverflowError as exc:
                    raise _diverged(str(exc), history, epoch, step) from exc
                history.step_loss.append(value)
                history.step_lr.append(optimizer.lr)
                epoch_loss += value * len(batch)
                if classify:
                    if compiled is None:
                        ok = sum(_correct(o, t, threshold) for o, t in zip(outputs, batch_targets))
                    else:
                        ok = compiled.hits(outputs, batch, threshold)
                    history.step_accuracy.append(ok / len(batch))
                    hits += ok
                step += 1
            history.epoch_loss.append(epoch_loss / n)
            if classify:
                history.epoch_accuracy.append(hits / n)
            if bar is not None:
                postfix = {"loss": f"{history.epoch_loss[-1]:.4f}"}
                if classify:
                    postfix["acc"] = f"{history.epoch_accuracy[-1]:.3f}"
                bar.set_postfix(postfix, refresh=False)
                bar.update(1)
            if not warned:  # a dead hidden layer: say so once
                dead = _dead_layer(model, rows)
                if dead is not None:
                    _warn_dead(model, dead, epoch)
                    warned = True
            if callback is not None and callback(epoch, history) is True:
                break
    finally:
        if bar is not None:
            _close_bar(bar, shown)
    return history
