# %% [markdown]
# # 4. Training with stochastic gradient descent
#
# Training is the loop of notebook 2, run over a whole dataset many times: forward pass,
# error, backward pass, update, again and again, until the error stops going down. Two
# choices decide how that goes:
#
# - **how many examples per update** (the *batch size*): all of them (full-batch gradient
#   descent), a small shuffled handful (*mini-batch* SGD), or one at a time (pure *stochastic*
#   gradient descent);
# - **how big a step** (the *learning rate* $\eta$).
#
# We train a small network to separate two interleaving half-moons, try each batch size, try
# learning rates that are too small, about right and much too large, and watch the decision
# boundary take shape.

# %% checks
answer("steps per epoch", math.ceil(100 / 16), "100 examples in batches of 16: 6 full batches and one of 4, so 7 steps")
answer("steps in 30 epochs of batch_size=1", 30 * 100, "one step per example: 100 steps an epoch, 30 epochs")

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

# %%
# %matplotlib inline
import math
import time

import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from autograd import no_grad
from nn import MLP, SGD, accuracy, datasets, fit, mse_loss
from viz import plot_decision_boundary

# %% [markdown]
# ## 1. The data
#
# 100 points in two classes shaped like interleaving half-moons: no straight line separates
# them, so the network has to learn a curved boundary. The network gives each point one score;
# we train it with the squared error of notebooks 1 and 2 towards **+1 for class 1 and −1 for
# class 0**, and read a positive score as class 1.

# %%
X, y = datasets.make_moons(100, noise=0.1, seed=0)
rows = X.tolist()
targets = [2.0 * label - 1.0 for label in y.tolist()]  # class 0 -> -1, class 1 -> +1

colours = np.array(["#dc2626", "#2563eb"])
fig = Figure(figsize=(4.5, 3.2), layout="constrained")
ax = fig.add_subplot()
ax.scatter(X[:, 0], X[:, 1], c=colours[y], s=20)
ax.set_title("two moons (red: class 0, blue: class 1)")
display(fig)

# %% [markdown]
# ## 2. The training loop, by hand
#
# Full-batch gradient descent: each step uses **all** 100 examples. The loss is the mean of
# their squared errors, so its gradient is the average of their desired nudges (notebook 3).
# Every network starts from the same weights (`seed=0`) so that the runs are comparable.

# %%
def train(lr, steps):
    """Full-batch gradient descent on the moons; returns the model and the loss of each step.
    Stops early, and says why, if the numbers blow up."""
    model = MLP(2, [8, 8, 1], seed=0)  # 2 inputs, two hidden layers of 8 ReLUs, 1 score
    optimizer = SGD(model.parameters(), lr=lr)
    losses = []
    try:
        for step in range(steps):
            optimizer.zero_grad()  # leaf gradients accumulate: start each step from 0
            predictions = [model(x) for x in rows]  # 1. forward pass, every example
            loss = mse_loss(predictions, targets)  # 2. error: the mean squared error
            loss.backward()  # 3. backward pass
            optimizer.step()  # 4. update: p.data -= lr * p.grad, for every parameter
            losses.append(loss.data)
    except (OverflowError, ValueError) as error:
        print(f"lr = {lr}: training stopped at step {step}:\n    {type(error).__name__}: {error}")
    return model, losses


start = time.perf_counter()
model, losses = train(lr=0.1, steps=150)
print(f"150 steps in {time.perf_counter() - start:.1f} s; loss {losses[0]:.3f} -> {losses[-1]:.3f}")
print(f"training accuracy: {accuracy(model, X, y):.0%}")
runs = {0.1: losses}  # kept for the comparison below

# %% [markdown]
# ## 3. The learning rate
#
# The learning rate scales every step. Too small, and training crawls. About right, and the
# loss falls steadily. Too large, and each step overshoots the valley it was aiming for:
# the loss bounces around, and if the overshoot grows with every step, the weights, the
# predictions and the error all **blow up**, growing tenfold or more per step until they no
# longer fit in a floating-point number. Let us try three more learning rates, same start,
# up to 150 steps each.

# %%
for lr in (0.01, 0.5, 10.0):
    runs[lr] = train(lr, steps=150)[1]
runs = dict(sorted(runs.items()))
print(f"lr = 10.0: the last losses recorded were {runs[10.0][-3:]}")

fig = Figure(figsize=(10, 3.6), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
names = {0.01: "too small", 0.1: "about right", 0.5: "too large: bounces", 10.0: "far too large"}
for lr, curve in runs.items():
    finite = [loss for loss in curve if math.isfinite(loss)]  # inf cannot be drawn
    steps = range(1, len(finite) + 1)
    ax1.plot(steps, finite, lw=1.8, label=f"lr = {lr} ({names[lr]})")
    ax2.plot(steps, [math.log10(loss) for loss in finite], lw=1.8)
ax1.set_ylim(0, 2.5)
ax1.set_title("loss per step")
ax1.set_ylabel("mean squared error")
ax1.legend(frameon=False, fontsize="small")
ax2.set_title("the same in powers of ten: the blow-up")
ax2.set_ylabel("log10(mean squared error)")
for ax in (ax1, ax2):
    ax.set_xlabel("step (full batch)")
display(fig)

# %% [markdown]
# Read the curves from the bottom up:
#
# - **lr = 0.1** falls steadily.
# - **lr = 0.01** falls too, ten times more slowly: it would get there, eventually.
# - **lr = 0.5** makes progress but keeps jumping back up: it overshoots, lands on the other
#   side of the valley, and overshoots back. Then, near step 97, one overshoot is so large
#   that every ReLU of the second hidden layer ends up *off* for every example. The network now
#   outputs the same number (0) whatever the input, no gradient gets through the dead layer
#   (an inactive ReLU passes none, notebook 1), and the loss stays at exactly 1 for good: a
#   **dead network**, the fate notebook 1 warned about.
# - **lr = 10** overshoots so far that the error *grows* at every step, by a factor of a few
#   hundred, until it no longer fits in a 64-bit float (about $1.8 \times 10^{308}$) and
#   becomes `inf`.
#   The engine then refuses to go on: squaring such a number raises an `OverflowError` naming
#   the operation and the value, and had a gradient become infinite or NaN ("not a number"),
#   `SGD.step()` would have raised a `ValueError` naming the parameter *before changing
#   anything*. Either way the training stops loudly instead of quietly filling the weights with
#   `inf` and `nan`. The exception is caught in `train` above, which prints it and returns the
#   losses so far.
#
# A good learning rate is found by trying: start with something like 0.1, and divide by 3 or
# 10 while the loss bounces or explodes.
#
# ## 4. Full batch, mini-batches, one example at a time
#
# Full-batch steps are accurate but expensive: each one needs a forward and backward pass over
# *every* example. **Stochastic gradient descent** estimates the gradient from a few examples
# instead:
#
# 1. shuffle the training set at the start of every epoch (one pass over the data);
# 2. cut it into **mini-batches**, here of 16 examples;
# 3. take one step per mini-batch, using that batch's average nudge.
#
# Each step's gradient is now a noisy estimate of the true one, but for the same amount of
# work you get many steps instead of one. `nn.fit` runs this loop (the same four steps as
# `train` above) and shows a progress bar while it works (on GitHub or in HTML each bar shows
# how it ended; run the notebook to see it move). We give all three the same model
# start, learning rate and number of epochs, so each does the same amount of arithmetic.

# %%
histories, models, seconds = {}, {}, {}
for batch_size in (None, 16, 1):  # None: the whole training set in every step
    models[batch_size] = MLP(2, [8, 8, 1], seed=0)
    optimizer = SGD(models[batch_size].parameters(), lr=0.1)
    start = time.perf_counter()
    histories[batch_size] = fit(
        models[batch_size], X, targets, loss="mse", optimizer=optimizer,
        epochs=30, batch_size=batch_size, shuffle=True, seed=0,
    )  # fmt: skip
    seconds[batch_size] = time.perf_counter() - start

# %% [markdown]
# Each panel shows every step's loss (thin line, measured on that step's batch only) and the
# mean over each epoch (thick line):

# %%
titles = {None: "full batch (100)", 16: "mini-batches of 16", 1: "one example at a time"}
fig = Figure(figsize=(12, 3.6), layout="constrained")
axes = fig.subplots(1, 3, sharey=True)
for ax, (batch_size, history) in zip(axes, histories.items()):
    steps = len(history.step_loss)
    per_epoch = steps / len(history.epoch_loss)
    ax.plot(
        [(s + 1) / per_epoch for s in range(steps)], history.step_loss,
        color="#93c5fd", lw=0.5, alpha=0.8, label=f"each step ({steps} steps)",
    )  # fmt: skip
    ax.plot(range(1, 31), history.epoch_loss, color="#1d4ed8", lw=2.2, label="epoch mean")
    ax.set_title(f"{titles[batch_size]}: {seconds[batch_size]:.1f} s")
    ax.set_xlabel("epoch")
    ax.legend(frameon=False, fontsize="small")
axes[0].set_ylabel("mean squared error")
axes[0].set_ylim(0, 2.0)
display(fig)
for batch_size, history in histories.items():
    print(
        f"{titles[batch_size]:22} final epoch loss {history.epoch_loss[-1]:.3f}, "
        f"training accuracy {accuracy(models[batch_size], X, y):.0%}"
    )

# %% [markdown]
# For the same amount of work:
#
# - **Full batch** takes one careful step per epoch: a smooth curve, but after 30 epochs it
#   has taken only 30 steps and is still far from done.
# - **Mini-batches of 16** take 7 steps per epoch. Each step sees only 16 examples, so each
#   step's loss jumps around, but the epoch means fall much faster.
# - **One example at a time** takes 100 steps per epoch. Each step follows one example's
#   wishes, so the path zigzags wildly, like someone stumbling downhill in the dark: every
#   single step is unreliable, yet on average they go down, and there are many of them.
#
# In practice mini-batches are the usual compromise: enough examples per step for a
# reasonable direction, few enough for many steps, and (on real hardware) a batch is computed
# in parallel almost as fast as one example.

# %%
fig = Figure(figsize=(5.5, 3.4), layout="constrained")
ax = fig.add_subplot()
for batch_size, history in histories.items():
    ax.plot(range(1, 31), history.epoch_loss, lw=2, label=titles[batch_size])
ax.set_xlabel("epoch (= the same amount of work)")
ax.set_ylabel("mean squared error")
ax.set_yscale("log")
ax.set_title("epoch means side by side")
ax.legend(frameon=False)
display(fig)

# %% [markdown]
# ### Check yourself: counting steps
#
# With 100 examples and `batch_size=16`, how many update steps make one epoch? And how many
# steps did the one-example-at-a-time run take in its 30 epochs?

# %%
your_steps_per_epoch = len(histories[16].step_loss) // 30  # <- replace with your own numbers
your_total_steps = len(histories[1].step_loss)
check("steps per epoch", your_steps_per_epoch)
check("steps in 30 epochs of batch_size=1", your_total_steps)

# %% [markdown]
# ## 5. The decision boundary
#
# What did the network learn? Colour every point of the plane by the network's score: the
# boundary between the classes is where the score crosses 0. Here is the mini-batch model:

# %%
plot_decision_boundary(models[16], X, y)

# %% [markdown]
# And how it got there: the same training again (mini-batches of 16, same start, same
# shuffles), with a `callback` that `fit` calls after every epoch to take a snapshot of the
# parameters after 1, 3, 10 and 30 epochs. The noisy steps swing the boundary around in the
# first epochs; then it settles into a curve between the moons.

# %%
def boundary(ax, model, title):
    """Shade the plane by the model's score (red < 0 < blue) and draw the points."""
    xs, ys = np.linspace(-1.5, 2.5, 60), np.linspace(-1.0, 1.5, 45)
    with no_grad():  # no graph needed: we only read the scores
        scores = [[model([a, b]).data for a in xs] for b in ys]
    ax.contourf(xs, ys, scores, levels=[-1e9, 0, 1e9], colors=["#fecaca", "#bfdbfe"])
    ax.contour(xs, ys, scores, levels=[0], colors="black", linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=colours[y], s=10)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


snapshots = {}


def take_snapshot(epoch, history):
    """fit calls this after each epoch (counted from 0)."""
    if epoch + 1 in (1, 3, 10, 30):
        snapshots[epoch + 1] = replay.state_dict()


replay = MLP(2, [8, 8, 1], seed=0)
fit(
    replay, X, targets, loss="mse", optimizer=SGD(replay.parameters(), lr=0.1),
    epochs=30, batch_size=16, shuffle=True, seed=0, progress=False, callback=take_snapshot,
)  # fmt: skip

fig = Figure(figsize=(12, 2.9), layout="constrained")
for ax, (epochs, state) in zip(fig.subplots(1, 4), snapshots.items()):
    replay.load_state_dict(state)
    boundary(ax, replay, f"after {epochs} epoch{'s' if epochs > 1 else ''}")
display(fig)

# %% [markdown]
# ## What you have seen
#
# - Training repeats *forward, error, backward, update*; `nn.fit` is that loop plus shuffling,
#   mini-batches and a progress bar.
# - The learning rate sets the step: too small crawls, too large bounces, far too large blows
#   up (and stepgrad stops with an error naming the problem instead of continuing with `nan`).
# - Full batches give exact but few steps; single examples give many noisy steps;
#   mini-batches sit in between, and for the same work they usually win.
# - The loss is the average of the examples' losses, so each step follows the average of their
#   desired nudges: over the epochs the network bends its decision boundary around the data.
#
# That is backpropagation and stochastic gradient descent, from the chain rule on one neuron
# ([notebook 1](01_chain_rule.ipynb)) to a trained network. To go further, open `nn/train.py`:
# `fit` is about a hundred lines of the loop you wrote above.
