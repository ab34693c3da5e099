"""The model behind the training playground, without any widget: data, network, optimizer,
history, and snapshots of everything the views draw.

>>> from viz.playground_state import PlaygroundState
>>> pg = PlaygroundState(data="moons", hidden=(8, 8))
>>> pg.step(50)
>>> pg.history.train_loss[-1] < pg.history.train_loss[0]
True

A step is one optimizer step on one mini-batch of the training points: clear the gradients,
``loss = mean over the batch of loss(model(x), y) + l2 * sum(p^2)``, backpropagate, step. With
``compile=True`` the loss and its gradient come from ``nn.compile_loss`` (the recorded graph
replayed with numpy over the batch), with ``compile=False`` from the scalar engine, one
``Value`` per number. After each step the history records the loss (without the l2 term) and
the accuracy on the training and the test points, evaluated with numpy from the weights
(``viz.plots.layer_outputs``); entry 0 is before the first step.

Points are indexed in one list (``points()``): the dataset's points, then added ones (which
are training points). Removing a point shifts the indexes after it down by one.
"""

from __future__ import annotations

import math
import operator
import random
from dataclasses import dataclass, field, fields
from typing import Any

import nn
from autograd import Value, dot
from autograd.real import is_real
from nn import MLP
from nn.serialize import quote as _quote

from .plots import grid_outputs, layer_outputs, layer_weights, plane_bounds

DATASETS = ("moons", "circles", "xor", "spirals", "blobs")
TWO_CLASS = ("moons", "circles", "xor")  # the others have ``classes`` classes (default 3)
ACTIVATIONS = tuple(nn.ACTIVATIONS)  # relu, tanh, sigmoid, linear: what nn has
LOSSES = ("hinge", "bce", "mse", "cross_entropy")
ONE_OUTPUT = ("hinge", "bce", "mse")  # two classes, one output: class 1 when output > 0
OPTIMIZERS = ("sgd", "momentum", "adam")
MOMENTUM = 0.9
MAX_POINTS = 1000
MAX_LAYERS = 6
MAX_WIDTH = 32
MAX_CLASSES = 6
MAX_NOISE = 10.0

DEFAULTS: dict[str, Any] = {
    "data": "moons",
    "points": 100,
    "noise": 0.1,
    "test_fraction": 0.3,
    "classes": None,
    "hidden": (8, 8),
    "activation": "relu",
    "loss": None,
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": None,
    "l2": 0.0,
    "seed": 0,
    "compile": True,
}
DATA_KEYS = frozenset({"data", "points", "noise", "test_fraction", "classes", "seed"})


# ---- checking settings: every one before anything changes ---------------------------------


def _is_int(x: object) -> bool:
    kind = type(x)
    if kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool")):
        return False
    try:
        operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


def _int(name: str, x: object, low: int, high: int | None = None) -> int:
    """``x`` as an int in [low, high]: TypeError for a non-integer (a bool is not a count),
    ValueError out of range; both name the argument and the value."""
    what = f"an int >= {low}" if high is None else f"an int from {low} to {high}"
    if not _is_int(x):
        raise TypeError(f"playground: {name} must be {what}, got {type(x).__name__} {_quote(x)}")
    n = operator.index(x)  # type: ignore[arg-type]
    if n < low or (high is not None and n > high):
        raise ValueError(f"playground: {name} must be {what}, got {_quote(x)}")
    return n


def _real(name: str, x: object, low: float, high: float = math.inf, open_low: bool = False,
          open_high: bool = False) -> float:
    """``x`` as a finite float in the interval (its ends open or closed as said)."""
    lo, hi = ("(" if open_low else "["), (")" if open_high or high == math.inf else "]")
    what = f"a number in {lo}{low:g}, {high:g}{hi}"
    if isinstance(x, bool) or type(x).__name__ == "bool_" or not is_real(x):
        raise TypeError(f"playground: {name} must be {what}, got {type(x).__name__} {_quote(x)}")
    try:
        value = float(x)  # type: ignore[arg-type]
    except OverflowError:
        value = math.inf
    ok = math.isfinite(value) and (value > low if open_low else value >= low)
    ok = ok and (value < high if open_high else value <= high)
    if not ok:
        raise ValueError(f"playground: {name} must be {what}, got {_quote(x)}")
    return value


def _choice(name: str, x: object, choices: tuple[str, ...]) -> str:
    listed = ", ".join(map(repr, choices))
    if not isinstance(x, str):
        raise TypeError(
            f"playground: {name} must be one of {listed}, got {type(x).__name__} {_quote(x)}"
        )
    if x not in choices:
        raise ValueError(f"playground: {name} must be one of {listed}, got {_quote(x)}")
    return x


def _hidden(x: object) -> tuple[int, ...]:
    what = f"a list of at most {MAX_LAYERS} layer widths from 1 to {MAX_WIDTH}"
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"playground: hidden must be {what}, got {type(x).__name__} {_quote(x)}")
    if len(x) > MAX_LAYERS:
        raise ValueError(f"playground: hidden must be {what}, got {_quote(x)}")
    widths = []
    for k, width in enumerate(x):
        if not _is_int(width):
            raise TypeError(
                f"playground: hidden[{k}] must be an int from 1 to {MAX_WIDTH}, got "
                f"{type(width).__name__} {_quote(width)} (hidden={_quote(x)})"
            )
        if not 1 <= operator.index(width) <= MAX_WIDTH:
            raise ValueError(
                f"playground: hidden[{k}] must be an int from 1 to {MAX_WIDTH}, got "
                f"{_quote(width)} (hidden={_quote(x)})"
            )
        widths.append(operator.index(width))
    return tuple(widths)


def _class_count(data: str, classes: int | None) -> int:
    return 2 if data in TWO_CLASS else 3 if classes is None else classes


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Every setting checked and normalised (``hidden`` a tuple of ints, numbers floats), or a
    TypeError/ValueError naming the first bad one and its value."""
    s = dict(settings)
    s["data"] = _choice("data", s["data"], DATASETS)
    if s["classes"] is not None:
        s["classes"] = _int("classes", s["classes"], 2, MAX_CLASSES)
    k = _class_count(s["data"], s["classes"])
    s["points"] = _int("points", s["points"], max(4, k), MAX_POINTS)
    s["noise"] = _real("noise", s["noise"], 0.0, MAX_NOISE)
    s["test_fraction"] = _real("test_fraction", s["test_fraction"], 0.0, 1.0, open_high=True)
    if s["points"] - _test_count(s["points"], s["test_fraction"]) < 1:
        raise ValueError(
            f"playground: test_fraction={s['test_fraction']!r} leaves no training points out "
            f"of points={s['points']}"
        )
    s["hidden"] = _hidden(s["hidden"])
    s["activation"] = _choice("activation", s["activation"], ACTIVATIONS)
    if s["loss"] is not None:
        s["loss"] = _choice("loss", s["loss"], LOSSES)
        if s["loss"] in ONE_OUTPUT and k != 2:
            raise ValueError(
                f"playground: loss={s['loss']!r} is for two classes; data={s['data']!r} has {k} "
                "(use 'cross_entropy')"
            )
    s["optimizer"] = _choice("optimizer", s["optimizer"], OPTIMIZERS)
    s["lr"] = _real("lr", s["lr"], 0.0, 100.0, open_low=True)
    if s["batch_size"] is not None:
        s["batch_size"] = _int("batch_size", s["batch_size"], 1)
    s["l2"] = _real("l2", s["l2"], 0.0, 100.0)
    s["seed"] = _int("seed", s["seed"], 0, 2**32 - 1)
    if type(s["compile"]) is not bool and type(s["compile"]).__name__ != "bool_":
        raise TypeError(
            f"playground: compile must be True or False, got {type(s['compile']).__name__} "
            f"{_quote(s['compile'])}"
        )
    s["compile"] = bool(s["compile"])
    return s


def _test_count(points: int, fraction: float) -> int:
    return round(points * fraction)


def _default_loss(classes: int, outputs: int) -> str:
    """hinge for two classes and one output, cross_entropy for one output per class."""
    return "hinge" if outputs == 1 and classes == 2 else "cross_entropy"


def _outputs_for(loss: str, classes: int) -> int:
    return 1 if loss in ONE_OUTPUT else classes


def _check_model(model: object, loss: str | None, classes: int) -> str:
    """The loss a user's model is trained with, after checking it fits the data: 2 inputs,
    and 1 output (hinge, bce, mse; two classes) or one per class (cross_entropy)."""
    if not isinstance(model, MLP):
        raise TypeError(f"playground: model must be an nn.MLP or None, got {type(model).__name__}")
    if model.nin != 2:
        raise ValueError(f"playground: model takes {model.nin} inputs; the points have 2 (x0, x1)")
    outputs = model.nouts[-1]
    if loss is None:
        if outputs not in (1, classes) or (outputs == 1 and classes != 2):
            raise ValueError(
                f"playground: model has {outputs} output{'s' * (outputs != 1)}; the data has "
                f"{classes} classes: it needs {'1 output (hinge) or ' * (classes == 2)}"
                f"{classes} (cross_entropy)"
            )
        return _default_loss(classes, outputs)
    if outputs != _outputs_for(loss, classes):
        raise ValueError(
            f"playground: model has {outputs} output{'s' * (outputs != 1)}; loss={loss!r} on "
            f"{classes} classes needs {_outputs_for(loss, classes)}"
        )
    return loss


# ---- data -----------------------------------------------------------------------------------


def make_data(settings: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(X, y, is_test): the dataset's points, labels, and which are test points (the last
    ``round(points * test_fraction)`` of the shuffled set)."""
    import numpy as np

    from nn import datasets

    n, noise, seed = settings["points"], settings["noise"], settings["seed"]
    k = _class_count(settings["data"], settings["classes"])
    data = settings["data"]
    if data == "moons":
        X, y = datasets.make_moons(n, noise=noise, seed=seed)
    elif data == "circles":
        X, y = datasets.make_circles(n, noise=noise, seed=seed)
    elif data == "xor":
        X, y = datasets.make_xor(n, noise=noise, seed=seed)
    elif data == "spirals":
        X, y = datasets.make_spirals(n, classes=k, noise=noise, seed=seed)
    else:
        X, y = datasets.make_blobs(n, noise=noise, seed=seed, centers=k)
    is_test = np.zeros(n, dtype=bool)
    is_test[n - _test_count(n, settings["test_fraction"]) :] = True
    return X.astype(np.float64), y.astype(np.int64), is_test


# ---- evaluating losses on arrays (the history) --------------------------------------------


def example_losses(loss: str, scores: Any, labels: Any) -> Any:
    """Each example's loss from the model's outputs ``scores`` (shape (n, outputs)), as
    ``nn``'s losses compute it for one example (y = -1/+1 for class 0/1):

        hinge  max(0, 1 - y s)      mse  (s - y)^2
        bce    log(1 + e^s) - t s (t = 0/1; stably, for s > 0: (1 - t) s + log(1 + e^-s))
        cross_entropy  log(sum_j e^(z_j - m)) - (z_label - m),  m = max z
    """
    import numpy as np

    labels = np.asarray(labels)
    with np.errstate(all="ignore"):
        if loss == "cross_entropy":
            m = scores.max(axis=1, keepdims=True)
            shifted = scores - m
            picked = shifted[np.arange(len(labels)), labels]
            return np.log(np.exp(shifted).sum(axis=1)) - picked
        s = scores[:, 0]
        sign = np.where(labels > 0, 1.0, -1.0)
        if loss == "hinge":
            return _relu(1.0 - sign * s)
        if loss == "mse":
            return (s - sign) ** 2
        t = (labels > 0).astype(np.float64)
        positive = (1.0 - t) * s + np.log(1.0 + np.exp(-s))
        return np.where(s > 0.0, positive, np.log(1.0 + np.exp(s)) - t * s)


def _relu(z: Any) -> Any:
    import numpy as np

    return np.where(z <= 0.0, 0.0, z)


def predictions(scores: Any, threshold: float) -> Any:
    """The predicted class of each row of ``scores``: one output: 1 when it is above the
    threshold; several: the highest (the first of equal ones); -1 where a score is nan."""
    import numpy as np

    if scores.shape[1] == 1:
        predicted = (scores[:, 0] > threshold).astype(np.int64)
    else:
        predicted = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=1)
    return np.where(np.isnan(scores).any(axis=1), -1, predicted)


@dataclass
class PlaygroundHistory:
    """Per step (entry 0: before the first step): ``step``, the mean loss (without the l2
    term) and accuracy over the training points and over the test points (None without
    test points), and ``batch_loss``, the loss the step minimised (its batch, with l2; None
    for entry 0). Plain lists of numbers: ``to_dict()`` is JSON-able."""

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    batch_loss: list[float | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)

    def to_dict(self, start: int = 0) -> dict[str, list[Any]]:
        """The lists from entry ``start`` on (non-finite numbers as None)."""
        return {f.name: [_json_number(v) for v in getattr(self, f.name)[start:]] for f in fields(self)}

    def __repr__(self) -> str:
        if not self.step:
            return "PlaygroundHistory(empty)"
        return (
            f"PlaygroundHistory({len(self.step)} entries, step {self.step[-1]}: train loss "
            f"{self.train_loss[-1]:.4g}, accuracy {self.train_accuracy[-1]:.3f})"
        )


def _json_number(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _json_grid(a: Any) -> list[Any]:
    """A numpy array as nested lists of floats, non-finite numbers as None (JSON has none)."""
    import numpy as np

    if np.isfinite(a).all():
        return a.tolist()
    return np.where(np.isfinite(a), a, None).tolist()


# ---- the state ------------------------------------------------------------------------------


class PlaygroundState:
    """Data, model, optimizer and history of the training playground (see the module
    docstring). Every setting is a keyword here and in ``update``:

    - ``data``: "moons", "circles", "xor" (two classes), "spirals", "blobs" (``classes``
      classes, default 3); ``points`` how many, ``noise`` their noise, ``test_fraction`` the
      share held out as test points (the last of the shuffled set), ``seed`` for data,
      weights and batch order.
    - ``hidden``: the hidden layers' widths (``()``: none), ``activation`` theirs (the output
      is linear); ``model``: a user's ``nn.MLP`` instead (2 inputs, outputs to suit the loss).
    - ``loss``: "hinge", "bce", "mse" (two classes, one output, labels as -1/+1 for mse) or
      "cross_entropy" (one output per class); None: hinge for two classes, else
      cross_entropy (with a user's model: what its outputs suit, kept as the setting).
    - ``optimizer``: "sgd", "momentum" (SGD, momentum 0.9) or "adam"; ``lr``; ``batch_size``
      (None: all training points each step); ``l2``: adds l2 * sum(p^2) to the loss.
    - ``compile``: train with ``nn.compile_loss`` (numpy over the batch) or, False, with
      the scalar engine.

    Not thread-safe: use it from one thread (the widget trains in the kernel's event loop).
    """

    def __init__(
        self,
        model: MLP | None = None,
        data: str = "moons",
        *,
        points: int = 100,
        noise: float = 0.1,
        test_fraction: float = 0.3,
        classes: int | None = None,
        hidden: tuple[int, ...] | list[int] = (8, 8),
        activation: str = "relu",
        loss: str | None = None,
        optimizer: str = "sgd",
        lr: float = 0.1,
        batch_size: int | None = None,
        l2: float = 0.0,
        seed: int = 0,
        compile: bool = True,
    ) -> None:
        given = {
            "data": data, "points": points, "noise": noise, "test_fraction": test_fraction,
            "classes": classes, "hidden": hidden, "activation": activation, "loss": loss,
            "optimizer": optimizer, "lr": lr, "batch_size": batch_size, "l2": l2, "seed": seed,
            "compile": compile,
        }
        settings = check_settings(given)
        k = _class_count(settings["data"], settings["classes"])
        if model is not None:
            self.loss = settings["loss"] = _check_model(model, settings["loss"], k)
            settings["hidden"] = tuple(model.nouts[:-1])
            settings["activation"] = model.activation
        else:
            self.loss = settings["loss"] or _default_loss(k, 1 if k == 2 else k)
            model = self._new_model(settings, _outputs_for(self.loss, k))
        self.settings: dict[str, Any] = settings
        self.classes = k
        self.model: MLP = model
        self._loss_fn = self._new_loss_fn(model, self.loss, settings)
        self._X, self._y, self._is_test = make_data(settings)
        self._bounds = plane_bounds(self._X)
        self.reset()

    # ---- settings ------------------------------------------------------------------------

    @staticmethod
    def _new_model(settings: dict[str, Any], outputs: int, output_activation: str = "linear") -> MLP:
        return MLP(
            2,
            [*settings["hidden"], outputs],
            activation=settings["activation"],
            output_activation=output_activation,
            seed=settings["seed"],
        )

    def update(self, **settings: Any) -> None:
        """Change settings (the constructor's keywords but ``model``). All are checked first
        (a TypeError/ValueError naming the argument and its value; nothing changes). New
        data, layers, activation, loss or seed: new data and/or model and ``reset()``; a new
        optimizer: fresh optimizer state, same weights; lr, batch_size, l2, compile: training
        goes on from where it is. New data drops the points added by hand."""
        unknown = sorted(set(settings) - set(DEFAULTS))
        if unknown:
            raise TypeError(
                f"playground: update() got an unknown setting {unknown[0]!r}; the settings are "
                + ", ".join(DEFAULTS)
            )
        new = check_settings({**self.settings, **settings})
        changed = {key for key in settings if new[key] != self.settings[key]}
        if not changed:
            return
        k = _class_count(new["data"], new["classes"])
        loss = new["loss"] or _default_loss(k, 1 if k == 2 else k)
        wanted = [*new["hidden"], _outputs_for(loss, k)]
        model = self.model
        if wanted != model.nouts or new["activation"] != model.activation:
            model = self._new_model(new, wanted[-1], self.model.output_activation)
        data = make_data(new) if changed & DATA_KEYS else None
        fresh = model is not self.model or loss != self.loss
        loss_fn = self._loss_fn
        if fresh or changed & {"l2", "compile"}:
            loss_fn = self._new_loss_fn(model, loss, new)
        # nothing above changed the state; from here on nothing can fail
        self.settings = new
        self.loss, self.classes, self.model, self._loss_fn = loss, k, model, loss_fn
        if data is not None:
            self._X, self._y, self._is_test = data
            self._bounds = plane_bounds(self._X)
        if fresh or changed & (DATA_KEYS | {"hidden", "activation"}):
            self.reset()
            return
        if "optimizer" in changed:
            self._optimizer = self._new_optimizer()
        self._optimizer.lr = new["lr"]
        if "batch_size" in changed:
            self._order = []

    def reset(self) -> None:
        """Fresh weights (the seed's), fresh optimizer state, the same data, history cleared
        (entry 0 recorded), step count 0."""
        fresh = MLP(**self.model.architecture(), seed=self.settings["seed"])
        self.model.load_state_dict(fresh.state_dict())
        self.model.zero_grad()
        self._optimizer = self._new_optimizer()
        self._rng = random.Random(self.settings["seed"])
        self._order: list[int] = []
        self.steps = 0
        self.history = PlaygroundHistory()
        self._record(None)

    def _new_optimizer(self) -> Any:
        params, lr = self.model.parameters(), self.settings["lr"]
        kind = self.settings["optimizer"]
        if kind == "adam":
            return nn.Adam(params, lr=lr)
        return nn.SGD(params, lr=lr, momentum=MOMENTUM if kind == "momentum" else 0.0)

    @staticmethod
    def _new_loss_fn(model: MLP, loss: str, settings: dict[str, Any]) -> Any:
        """``nn.compile_loss(model, loss, l2)`` when compiling, else None (the scalar engine).
        It reads the weights live: reset() keeps it."""
        if not settings["compile"]:
            return None
        return nn.compile_loss(model, loss, settings["l2"])

    @property
    def compiled(self) -> bool:
        """Whether steps run compiled (``nn.compile_loss``) or on the scalar engine."""
        return self._loss_fn is not None

    @property
    def optimizer(self) -> Any:
        return self._optimizer

    # ---- training ------------------------------------------------------------------------

    def _targets(self, labels: Any) -> list[Any]:
        """Labels as the loss takes them (and as ``fit`` checks them for it): -1.0/+1.0 for
        hinge and mse, else the class indices."""
        if self.loss in ("hinge", "mse"):
            return [1.0 if t > 0 else -1.0 for t in labels.tolist()]
        return labels.tolist()

    def _next_batch(self) -> Any:
        """The next mini-batch of training indexes: as ``nn.fit`` walks them, the training
        points in an order shuffled by the seeded rng, batch by batch (the last of an epoch
        may be smaller), reshuffled when used up. Adding or removing a point, or a new
        batch size, starts a new epoch."""
        import numpy as np

        train = np.flatnonzero(~self._is_test)
        size = self.settings["batch_size"]
        if size is None or size >= len(train):
            return train
        if not self._order:
            order = train.tolist()
            self._rng.shuffle(order)
            self._order = order
        batch, self._order = self._order[:size], self._order[size:]
        return np.array(batch)

    def _batch_loss(self, batch: Any) -> float:
        """The batch's mean loss (+ l2 sum p^2); its gradient accumulated into the parameters."""
        rows, targets = self._X[batch], self._targets(self._y[batch])
        if self._loss_fn is not None:  # the points are checked already: run on the arrays
            return float(self._loss_fn.run(rows, self._loss_fn.targets_array(targets)))
        params = self.model.parameters()
        outputs = [self.model(row) for row in rows.tolist()]
        total = nn.train.LOSSES[self.loss](outputs, targets)
        if self.settings["l2"]:
            total = total + self.settings["l2"] * dot(params, params)
        total.backward()
        return total.data

    def step(self, n: int = 1) -> None:
        """``n`` optimizer steps. A loss, gradient or new weight that is not finite raises
        ``nn.TrainingDiverged`` before that step changes a weight (reset, or lower lr)."""
        n = _int("n", n, 0)
        params = self.model.parameters()
        for _ in range(n):
            batch = self._next_batch()
            self._optimizer.zero_grad()
            try:
                value = self._batch_loss(batch)
            except OverflowError as exc:
                raise self._diverged(str(exc)) from exc
            bad = next((p for p in params if not math.isfinite(p.grad)), None)
            if not math.isfinite(value) or bad is not None:
                what = f"the loss is {value!r}" if not math.isfinite(value) else (
                    f"the gradient of {bad.label} is {bad.grad!r}"  # type: ignore[union-attr]
                )
                raise self._diverged(what)
            try:
                self._optimizer.step()
            except OverflowError as exc:
                raise self._diverged(str(exc)) from exc
            self.steps += 1
            self._record(value)

    def _diverged(self, problem: str) -> nn.TrainingDiverged:
        return nn.TrainingDiverged(
            f"playground: training diverged at step {self.steps}: {problem}; no weight was "
            "changed by this step (reset, or try a smaller lr)",
            nn.History(step_loss=[v for v in self.history.batch_loss if v is not None]),
            0,
            self.steps,
        )

    # ---- evaluation ----------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Where one output splits the classes: 0.5 after a sigmoid, else 0."""
        return 0.5 if self.model.output_activation == "sigmoid" else 0.0

    def _metrics(self, scores: Any, labels: Any) -> tuple[float | None, float | None]:
        if len(labels) == 0:
            return None, None
        losses = example_losses(self.loss, scores, labels)
        accuracy = float((predictions(scores, self.threshold) == labels).mean())
        return float(losses.mean()), accuracy

    def _record(self, batch_loss: float | None) -> None:
        scores = layer_outputs(self.model, self._X)[-1]
        train, test = ~self._is_test, self._is_test
        train_loss, train_accuracy = self._metrics(scores[train], self._y[train])
        test_loss, test_accuracy = self._metrics(scores[test], self._y[test])
        h = self.history
        h.step.append(self.steps)
        h.train_loss.append(train_loss)  # type: ignore[arg-type]
        h.train_accuracy.append(train_accuracy)  # type: ignore[arg-type]
        h.test_loss.append(test_loss)
        h.test_accuracy.append(test_accuracy)
        h.batch_loss.append(batch_loss)

    # ---- points --------------------------------------------------------------------------

    def points(self) -> list[tuple[float, float, int, str]]:
        """Every point as (x0, x1, label, "train" or "test"); its position is its index."""
        return [
            (x0, x1, label, "test" if test else "train")
            for (x0, x1), label, test in zip(
                self._X.tolist(), self._y.tolist(), self._is_test.tolist()
            )
        ]

    def _index(self, index: object) -> int:
        n = len(self._X)
        if not _is_int(index):
            raise TypeError(
                f"playground: index must be an int (a point's index), got "
                f"{type(index).__name__} {_quote(index)}"
            )
        i = operator.index(index)  # type: ignore[arg-type]
        if not 0 <= i < n:
            raise IndexError(f"playground: no point {i}; there are {n} (0 to {n - 1})")
        return i

    def add_point(self, x0: float, x1: float, label: int) -> int:
        """Add a training point of class ``label``; returns its index (the last)."""
        import numpy as np

        x0 = _real("x0", x0, -math.inf)
        x1 = _real("x1", x1, -math.inf)
        label = _int("label", label, 0, self.classes - 1)
        self._X = np.concatenate([self._X, [[x0, x1]]])
        self._y = np.concatenate([self._y, np.array([label], dtype=np.int64)])
        self._is_test = np.concatenate([self._is_test, [False]])
        self._bounds = plane_bounds(self._X)
        self._order = []
        return len(self._X) - 1

    def remove_point(self, index: int) -> None:
        """Remove point ``index`` (the later ones move down by one). The last training point
        cannot go."""
        import numpy as np

        i = self._index(index)
        if not self._is_test[i] and int((~self._is_test).sum()) == 1:
            raise ValueError(f"playground: point {i} is the last training point; it cannot go")
        keep = np.arange(len(self._X)) != i
        self._X, self._y, self._is_test = self._X[keep], self._y[keep], self._is_test[keep]
        self._bounds = plane_bounds(self._X)
        self._order = []

    def nearest_point(self, x0: float, x1: float) -> int | None:
        """The index of the point nearest (x0, x1) (the first of equally near ones), None
        when there are no points."""
        import numpy as np

        x0 = _real("x0", x0, -math.inf)
        x1 = _real("x1", x1, -math.inf)
        if len(self._X) == 0:
            return None
        d = (self._X[:, 0] - x0) ** 2 + (self._X[:, 1] - x1) ** 2
        return int(np.argmin(d))

    # ---- views ---------------------------------------------------------------------------

    def example_loss(self, index: int) -> Value:
        """Point ``index``'s loss at the current weights as a graph, inputs labelled x0, x1
        and the result "loss" (without the l2 term: one example's share of the data loss)."""
        i = self._index(index)
        inputs = [Value(float(v), label=f"x{k}") for k, v in enumerate(self._X[i].tolist())]
        output = self.model(inputs)
        target = self._targets(self._y[i : i + 1])
        loss = nn.train.LOSSES[self.loss]([output], target)
        loss.label = "loss"
        return loss

    def stepper(self, index: int) -> Any:
        """The collapsed stepper (one box per neuron) of point ``index``'s loss at the
        current weights: ``viz.step_through(loss, collapse=True)``."""
        from .stepper import step_through

        i = self._index(index)
        loss = self.example_loss(i)
        (x0, x1), label = self._X[i].tolist(), int(self._y[i])
        split = "test" if self._is_test[i] else "train"
        title = (
            f"point #{i} ({split}): x0 = {x0:.4g}, x1 = {x1:.4g}, class {label}; "
            f"{self.loss} loss {loss.data:.4g} at step {self.steps}"
        )
        return step_through(loss, collapse=True, group="module", title=title)

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0 low, x0 high), (x1 low, x1 high)): the plane the maps cover."""
        return self._bounds

    def grid(self, resolution: int = 40) -> tuple[Any, Any, list[Any]]:
        """(xs, ys, layer outputs): every layer's outputs at the grid points, each an array
        of shape (resolution, resolution, width); [i, j] is the point (xs[j], ys[i])."""
        r = _int("resolution", resolution, 2, 400)
        return grid_outputs(self.model, self._bounds, r)

    def snapshot(
        self,
        resolution: int = 40,
        history_from: int = 0,
        *,
        neuron_resolution: int | None = None,
        decimals: int | None = None,
    ) -> dict[str, Any]:
        """Everything the views draw, JSON-able (lists, numbers, strings; None for a missing
        or non-finite number):

        ``step``, ``settings``, ``loss``, ``classes``, ``compiled``, ``threshold``;
        ``bounds`` [[x0 low, high], [x1 low, high]], ``x0``/``x1`` the grid's coordinates;
        ``points`` [[x0, x1, label, "train"|"test"], ...]; ``output``: per output neuron a
        resolution x resolution grid (``output[o][i][j]`` at (x0[j], x1[i])), ``predicted``
        the class grid; ``neurons``: per hidden layer, per neuron, its output grid (on a
        ``neuron_resolution`` grid with coordinates ``neuron_x0``/``neuron_x1``; by default
        the same grid); ``layers``: per layer its name, activation, weights [neuron][input],
        biases and their gradients (of the last step); ``history`` (from entry
        ``history_from``); ``metrics`` the last history entry. ``decimals``: the grids'
        numbers rounded to so many decimals (a smaller JSON text)."""
        import numpy as np

        start = _int("history_from", history_from, 0)
        if decimals is not None:
            decimals = _int("decimals", decimals, 0, 17)
        xs, ys, outs = self.grid(resolution)
        nxs, nys, neuron_outs = (
            (xs, ys, outs) if neuron_resolution is None else self.grid(neuron_resolution)
        )

        def maps(h: Any) -> list[Any]:  # (rows, columns, neurons) -> [neuron][row][column]
            h = np.moveaxis(h, 2, 0)
            return _json_grid(h if decimals is None else np.round(h, decimals))

        out = outs[-1]
        flat = out.reshape(-1, out.shape[2])
        predicted = predictions(flat, self.threshold).reshape(out.shape[:2])
        layers = []
        for layer, (W, b, activation) in zip(self.model.layers, layer_weights(self.model)):
            layers.append({
                "name": layer.name,
                "activation": activation,
                "weights": _json_grid(W),
                "biases": _json_grid(b),
                "weight_grads": _json_grid(
                    np.array([[w.grad for w in n.w] for n in layer.neurons], dtype=np.float64)
                ),
                "bias_grads": _json_grid(np.array([n.b.grad for n in layer.neurons])),
            })
        history = self.history.to_dict(start)
        settings = {**self.settings, "hidden": list(self.settings["hidden"])}
        return {
            "step": self.steps,
            "settings": settings,
            "loss": self.loss,
            "classes": self.classes,
            "compiled": self.compiled,
            "threshold": self.threshold,
            "bounds": [list(self._bounds[0]), list(self._bounds[1])],
            "resolution": len(xs),
            "x0": xs.tolist(),
            "x1": ys.tolist(),
            "points": [list(p) for p in self.points()],
            "output": maps(out),
            "predicted": predicted.tolist(),
            "neurons": [maps(h) for h in neuron_outs[:-1]],
            "neuron_x0": nxs.tolist(),
            "neuron_x1": nys.tolist(),
            "layers": layers,
            "history": history,
            "metrics": {key: values[-1] if values else None for key, values in
                        self.history.to_dict(len(self.history) - 1).items()},
        }

    def __repr__(self) -> str:
        sizes = " -> ".join(str(n) for n in [2, *self.model.nouts])
        return (
            f"PlaygroundState({self.settings['data']}, {len(self._X)} points, {sizes} "
            f"{self.settings['activation']}, {self.loss}, {self.settings['optimizer']} lr "
            f"{self.settings['lr']:g}; step {self.steps}, train loss "
            f"{self.history.train_loss[-1]:.4g})"
        )
