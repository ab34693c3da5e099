# %% [markdown]
# # 6. Backprop as code
#
# Every training step so far built a fresh graph: one `Value` per number, hundreds of
# them per example, thrown away after `backward()`. Yet the graph is the same every time.
# The network's architecture does not change from one example to the next, only the numbers
# flowing through it do.
#
# So record the graph **once** and write down what it computes: the forward pass as one line
# of Python per node, then the backward pass as one line per chain-rule step. That is what
# `compile_graph` does. The result is a plain Python function with no `Value` objects in
# it; calling it replays the graph on new numbers. Reading that function is also the
# clearest answer to "what does backprop actually do?": it is this code.
#
# This notebook reads the code of one neuron against the chain rule, times the scalar engine
# against the compiled code (one example at a time, and a whole batch at once with numpy),
# trains a 3-class spiral with `fit(compile=True)`, says what cannot be compiled, and
# finally hands a trained model to PyTorch.

# %% checks
answer("dL/db", 2 * (math.tanh(-1.5 * 0.5 + 0.8) - 1.0) * (1 - math.tanh(-1.5 * 0.5 + 0.8) ** 2),
       "d_b = d_z = (1 - a^2) * d_a and d_a = d_e = 2e, with a = tanh(w x + b), e = a - t")

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

# %%
# %matplotlib inline
import statistics
import time

import numpy as np

from autograd import Value, compile_graph
from nn import MLP, Adam, accuracy, datasets, fit, hinge_loss
from viz import plot_decision_boundary

# %% [markdown]
# ## 1. One neuron, compiled
#
# A neuron with one input `x`, a weight `w`, a bias `b` and a tanh, and the squared error
# against a target `t`: $L = (\tanh(w x + b) - t)^2$. The interior nodes get labels so
# that the generated code can use them as variable names.
#
# `compile_graph(L, inputs=[x, t])` needs to know which leaves change from call to call: the
# **inputs** (here the example `x` and its target `t`). Every other leaf (`w`, `b`) is a
# **parameter**: the compiled code reads its current `.data` on every call and adds its
# gradient into its `.grad`, exactly as `L.backward()` would.

# %%
x, t = Value(0.5, label="x"), Value(1.0, label="t")
w, b = Value(-1.5, label="w"), Value(0.8, label="b")
z = w * x + b
z.label = "z"
a = z.tanh()
a.label = "a"
e = a - t
e.label = "e"
L = e * e
L.label = "L"

cg = compile_graph(L, inputs=[x, t])
print(cg.source)

# %% [markdown]
# Read it top to bottom. The **forward** half fetches the parameters' current values and
# then computes the neuron, one line per node in the order the graph was built. (`w * x + b`
# is two nodes in the graph, a product and a sum, written as one line: the compiler fuses
# sums of products, as `dot` does.)
#
# The **backward** half walks the same nodes in reverse. Each variable `d_name` holds
# $\partial L/\partial\,\text{name}$, and each line is one application of the chain rule:
# *gradient of a parent = local derivative × gradient of the node*, added up over every use
# of the parent.
#
# | generated line | the chain rule it applies |
# | --- | --- |
# | `d_L = 1.0` | $\partial L / \partial L = 1$: where every backward pass starts |
# | `d_e = e * d_L` then `d_e += e * d_L` | $L = e \cdot e$: the derivative with respect to either factor is the other factor, $e$. `e` is used **twice**, so both contributions add up: $2e$ |
# | `d_a = d_e` | $e = a - t$, so $\partial e / \partial a = 1$: the gradient passes through unchanged |
# | `d_z = ((1.0 - a) * (1.0 + a)) * d_a` | $a = \tanh z$ and $\tanh'(z) = 1 - a^2 = (1 - a)(1 + a)$, written with the output `a` the forward pass already computed |
# | `params[1].grad += d_z  # d_b` | $z = wx + b$, so $\partial z/\partial b = 1$: the bias gets the gradient of the sum unchanged, **added** into `b.grad` (`params[1]` is `b`; gradients accumulate, as with `backward()`) |
# | `params[0].grad += x * d_z  # d_w` | $\partial z/\partial w = x$: a weight's gradient is its input times the gradient arriving at the neuron |
#
# There is no gradient line for `x` or `t`: they are inputs, and nothing asked for their
# gradients. And the local derivatives are not written a second time inside the compiler:
# the text `(1.0 - a) * (1.0 + a)` comes from tanh's own derivative rule (the one
# `backward()` uses), evaluated on symbols instead of numbers.
#
# The compiled function gives the same numbers as the graph, bit for bit:

# %%
w.grad = b.grad = 0.0
L.backward()
print("backward():      L =", L.data, "  dL/dw =", w.grad, "  dL/db =", b.grad)
from_graph = (L.data, w.grad, b.grad)

w.grad = b.grad = 0.0
value = cg(0.5, 1.0)
print("compiled cg(...): L =", value, "  dL/dw =", w.grad, "  dL/db =", b.grad)
print("identical:", (value, w.grad, b.grad) == from_graph)

# %% [markdown]
# **Check yourself.** With $w = -1.5$, $b = 0.8$, $x = 0.5$ and $t = 1$, work out
# $\partial L/\partial b$ by hand, following the backward lines from `d_L = 1.0` down to
# `d_b += d_z` (you need $a = \tanh(wx + b)$ and $e = a - t$ first). The compiled code's answer is
# pre-filled so the notebook runs top to bottom: **replace it with your own number and re-run**.
# `check` never prints the expected value; `reveal("dL/db")` does.

# %%
your_dL_db = b.grad  # <- replace with your own number, e.g. -0.1234
check("dL/db", your_dL_db)

# %% [markdown]
# Parameters are read **live**: change `w.data` (as an optimizer does) and the next call uses
# the new value, with no recompiling. And like `backward()`, calls add into `.grad` until you
# zero it:

# %%
w.data = 2.0
w.grad = b.grad = 0.0
print("L with w = 2:", cg(0.5, 1.0), "  dL/dw =", w.grad)
cg(0.5, 1.0)
print("after a second call, dL/dw has doubled:", w.grad)
w.data = -1.5

# %% [markdown]
# ## 2. A whole batch at once: `cg.batch`
#
# The same code runs on numpy arrays as happily as on floats: `w * x` multiplies a number by
# an array, `tanh` works element by element. `cg.batch(X, T)` takes one array per input (a
# row per example) and replays the graph on all rows at once. It returns the **mean** of `L`
# over the rows and adds the **mean** gradient into `.grad`: what one step of mini-batch
# gradient descent needs.

# %%
xs = np.array([0.5, -1.0, 2.0, 0.1])
ts = np.array([1.0, -1.0, 1.0, 0.0])

w.grad = b.grad = 0.0
mean_loss = cg.batch(xs, ts)
print("batch:       mean L =", mean_loss, "  mean dL/dw =", w.grad)

w.grad = b.grad = 0.0
losses = [cg(xi, ti) for xi, ti in zip(xs, ts)]
print("one by one:  mean L =", sum(losses) / len(losses), "  mean dL/dw =", w.grad / len(xs))

# %% [markdown]
# (The two may differ in the last digit or so: the mean is summed in a different order, and
# numpy's `tanh` may round differently from `math.tanh`. The compiler promises agreement to
# a relative 1e-12.)
#
# ## 3. How much faster? An MLP on the moons
#
# Now a real network: micrograd's demo problem, 100 moons points through an
# `MLP(2, [16, 16, 1])` with the hinge loss. Three ways to compute the loss and the gradient
# of all 337 parameters:
#
# - **scalar**: build the graph of all 100 examples with `Value`s, then `backward()` (what
#   `fit` does by default);
# - **compiled, per example**: compile the graph of *one* example (inputs `x0`, `x1` and the
#   label `y`) and call it 100 times: pure Python, no numpy, no `Value`s made;
# - **compiled, batch**: the graph of one example again (without the division by n, since
#   `cg.batch` takes the mean itself), replayed over all 100 rows at once.

# %%
X, y = datasets.make_moons(100, noise=0.1, seed=0)
labels = [1.0 if k == 1 else -1.0 for k in y]
model = MLP(2, [16, 16, 1], seed=0)
params = model.parameters()


def scalar_step() -> float:
    model.zero_grad()
    loss = hinge_loss([model(row) for row in X], labels)
    loss.backward()
    return loss.data


# one example's graph, its loss divided by n so that 100 calls add up to the mean
x0, x1, y_leaf = Value(0.0, label="x0"), Value(0.0, label="x1"), Value(1.0, label="y")
example_loss = (1.0 - y_leaf * model([x0, x1])).relu()
per_example = compile_graph(example_loss / len(X), inputs=[x0, x1, y_leaf])
batch = compile_graph(example_loss, inputs=[x0, x1, y_leaf])
rows = [(float(p), float(q), t) for (p, q), t in zip(X, labels)]
columns = [np.array(col) for col in zip(*rows)]


def per_example_step() -> float:
    model.zero_grad()
    return sum(per_example(*row) for row in rows)


def batch_step() -> float:
    model.zero_grad()
    return batch.batch(*columns)


results = {}
for name, step in [("scalar", scalar_step), ("per example", per_example_step),
                   ("batch", batch_step)]:
    loss_value = step()
    results[name] = (loss_value, [p.grad for p in params])
scalar_loss, scalar_grads = results["scalar"]
for name, (loss_value, grads) in results.items():
    worst = max(abs(g - s) for g, s in zip(grads, scalar_grads))
    print(f"{name:12s} loss {loss_value:.15f}   largest gradient difference to scalar {worst:.1e}")

# %% [markdown]
# The same loss and gradients three ways. Now the time each takes (medians of a few runs):

# %%
def median_time(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


timings = {"scalar": median_time(scalar_step, 5),
           "per example": median_time(per_example_step, 15),
           "batch": median_time(batch_step, 15)}
for name, seconds in timings.items():
    print(f"{name:12s} {seconds * 1e3:8.2f} ms   {timings['scalar'] / seconds:6.1f}x the scalar engine")
print(f"\nthe compiled code of one example: {per_example.source.count(chr(10))} lines")

# %% [markdown]
# Where does the time go in the scalar engine? Into making objects: every node is a Python
# object with its parents, its local-derivative rule and its gradient, allocated, linked,
# walked in topological order and finally freed, for each of the 100 examples and each step.
# The compiled code does only the arithmetic, in local variables. Called once per example it
# is pure Python (no numpy needed). Over a batch it works on columns of 100 numbers at once
# with numpy, and the neurons of a layer, which all read the same inputs, become one matrix
# operation: Python's cost per line is paid once per batch instead of once per example.
# `batch.batch_source` is that code; here is how it starts, with the first layer's 16
# neurons as one matrix `W1`:

# %%
print("\n".join(batch.batch_source.splitlines()[:12]), "\n    ...")

# %% [markdown]
# `bench/run.py --only compiled` measures all of this side by side with micrograd, a
# hand-written pure-Python version, a hand-vectorised numpy version and PyTorch.
#
# ## 4. What cannot be compiled: structure that depends on the data
#
# The compiler replays the graph it **recorded**. If the Python code that built the graph
# made a decision by looking at a number (`if v.data > 0: ...`), the recording contains only
# the branch taken for that number, and the replay takes it for every input. Here is a
# function that squares positive numbers and negates the others, recorded at $x = 2$:

# %%
def f(v: Value) -> Value:
    return v * v if v.data > 0 else -v


x_rec = Value(2.0, label="x")
cf = compile_graph(f(x_rec), inputs=[x_rec])
print("f(-3) built fresh:", f(Value(-3.0)).data)
print("f(-3) replayed:   ", cf(-3.0), "  <- wrong: the replay squares, the branch was fixed at x = 2")

# %% [markdown]
# `torch.jit.trace` and `jax.jit` have the same limitation, for the same reason. What *does*
# work is a branch **inside an op**: `relu` and `abs` decide per number, and their generated
# code contains the decision (`r = z if not z <= 0.0 else 0.0`, and `step(z)` for the slope).
# So write models whose choices are made by ops, not by Python `if`s on `.data`: every
# model of `nn` is like that, and `nn`'s losses have a compile-friendly form (what
# `fit(compile=True)` uses).
#
# ## 5. A bigger experiment: three spirals with `fit(compile=True)`
#
# `fit(..., compile=True)` compiles the model's per-example loss once and trains with
# `cg.batch` on every mini-batch: the same training as the scalar `fit`, faster. Three
# interleaved spirals of 100 points each are hard for a linear model and need a few hundred
# steps for a network: `MLP(2, [32, 32, 3])` (1,251 parameters), cross-entropy, Adam,
# 200 full-batch epochs.

# %%
Xs, ys = datasets.make_spirals(300, classes=3, seed=0)
spiral_model = MLP(2, [32, 32, 3], seed=0)
start = time.perf_counter()
history = fit(spiral_model, Xs, ys, loss="cross_entropy", epochs=200, compile=True,
              optimizer=Adam(spiral_model.parameters(), lr=0.05), seed=0, progress=False)
print(f"200 epochs in {time.perf_counter() - start:.1f} s: {history}")
print("training accuracy:", accuracy(spiral_model, Xs, ys))

# %%
plot_decision_boundary(spiral_model, Xs, ys, resolution=40)

# %% [markdown]
# ## 6. Graduating to PyTorch
#
# A scalar engine is for understanding; for real work you move to a library like PyTorch,
# where a layer is one matrix operation instead of many scalar nodes. `model.to_torch()`
# returns a `torch.nn.Sequential` with the same weights (in float64), so the spiral model
# carries on training there; `MLP.from_torch(seq)` brings the weights back. PyTorch is an
# optional extra (`.venv/bin/pip install -e '.[ref]'`); without it this section says so and
# stops.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("torch not installed: the rest of this notebook needs it "
          "(.venv/bin/pip install -e '.[ref]'); everything above works without it.")

# %%
if torch is not None:
    torch.set_num_threads(1)  # a network this small gains nothing from more threads
    seq = spiral_model.to_torch()
    print(seq)
    inputs = torch.tensor(np.asarray(Xs), dtype=torch.float64)
    targets = torch.tensor(np.asarray(ys), dtype=torch.long)
    ours = np.array([[o.data for o in spiral_model(row)] for row in Xs])
    theirs = seq(inputs).detach().numpy()
    print("largest difference between the two models' outputs:", np.abs(ours - theirs).max())

# %% [markdown]
# The same numbers, to rounding. The training loop in PyTorch has the same four beats as
# ours: clear the gradients, compute the loss, `backward()`, let the optimizer step. It carries
# on from where `fit` stopped (its first loss is our model's loss), with the whole batch as
# one tensor and each layer as one matrix product.

# %%
if torch is not None:
    optimizer = torch.optim.Adam(seq.parameters(), lr=0.01)
    for step in range(51):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(seq(inputs), targets)
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            print(f"torch step {step:2d}: loss {loss.item():.5f}")
    back = MLP.from_torch(seq)
    print("back in stepgrad:", back, "  accuracy", accuracy(back, Xs, ys))

# %% [markdown]
# ## Summary
#
# - Backprop is a program: the forward pass, then one line per chain-rule step in reverse,
#   `d_parent += local * d_node`. `compile_graph` writes that program out (`cg.source`) from
#   a recorded graph, with each op's own derivative rule.
# - Calling it replays the graph without building `Value`s: per example in pure Python, or
#   over a whole batch with numpy (`cg.batch`), with the same numbers as `backward()`.
#   Parameters are read live, gradients accumulate.
# - Only the recorded structure is replayed: a Python `if` on `.data` while building is
#   frozen into the recording (as with `torch.jit.trace` and `jax.jit`); branches inside ops
#   (`relu`, `abs`) are fine.
# - `fit(..., compile=True)` does it for you; `to_torch()` and `from_torch()` move a model
#   to PyTorch and back.
