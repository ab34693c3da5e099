# %% [markdown]
# # 7. A training playground
#
# Notebooks 3 and 4 trained networks and looked at the result afterwards. Here you watch one
# learn. The playground trains a small network to tell two kinds of points in the plane
# apart, and while it trains it redraws three views, many times a second:
#
# - **network**: the inputs $x_0, x_1$ on the left, then every hidden neuron as a small
#   square, and the output on the right. A square is a *map*: the neuron's output at every
#   point of the plane (blue positive, red negative, white zero), so you see what each unit
#   responds to. The lines are the weights: width = size, blue positive, red negative. With
#   **lines: gradients** they show $\partial L/\partial w$ of the last step instead: where the
#   learning is happening right now.
# - **decision boundary**: the network's output over the plane, the black line where it
#   changes its answer, the **training points** (filled) and the **test points** (ringed in
#   black: held out, never trained on: they tell whether the network learned the shape or
#   memorised the points).
# - **training**: the loss and the accuracy on the training points (solid) and on the test
#   points (dashed), step by step.
#
# One **step** is one step of gradient descent on a batch of training points (all of them,
# unless you choose a batch size):
# $$L = \frac{1}{|B|}\sum_{i \in B} \ell(f(x_i), y_i) + \lambda \sum w^2, \qquad
# w \leftarrow w - \eta\,\frac{\partial L}{\partial w}$$
# where $\ell$ is the loss of one example, $\lambda$ the **L2** setting and $\eta$ the
# **learning rate**.
#
# Press **play**, and **pause** whenever you like: the kernel stays free, so you can run
# other cells while it trains. **Click a point** to open the stepper of notebook 2 for that
# example's loss at the current weights (it pauses training, so the numbers hold still).
# **Click anywhere else** on the plane to add a training point of the class chosen at
# "a click adds class"; **shift-click** removes the nearest point.
#
# *This needs a running notebook with ipywidgets. On GitHub or in a static HTML page you see a
# still picture of the views instead.*

# %%
from viz import playground, plot_neuron_maps

pg = playground(data="moons", hidden=(8, 8), seed=0)
pg

# %% [markdown]
# ## Training from code
#
# Every button has a method, so that a notebook (or a teacher) can script a lesson:
# `pg.step(n)` trains `n` steps and the views above follow; `pg.history` holds the loss and
# accuracy of every step, on the training and on the test points; `pg.model` is the network
# (an `nn.MLP`). Entry 0 of the history is before the first step.

# %%
pg.step(300)
h = pg.history
print(f"step {pg.steps}")
print(f"train loss {h.train_loss[0]:.3f} -> {h.train_loss[-1]:.3f}, "
      f"accuracy {h.train_accuracy[-1]:.0%}")
print(f"test loss  {h.test_loss[0]:.3f} -> {h.test_loss[-1]:.3f}, "
      f"accuracy {h.test_accuracy[-1]:.0%}")
pg.model

# %% [markdown]
# ## What each hidden neuron responds to
#
# `plot_neuron_maps(model)` draws the maps of the network view larger. A ReLU neuron is zero
# on one side of a line (white) and grows on the other: each neuron of the first hidden
# layer splits the plane with one straight line. The second layer adds those half-planes up,
# with its weights, into bent regions; the output adds *those*, and its zero line is the
# decision boundary.

# %%
plot_neuron_maps(pg.model)

# %% [markdown]
# ## One point's gradient
#
# `pg.stepper(i)` is the collapsed stepper (notebook 2) of example `i`'s loss at the current
# weights: one box per neuron; forward, the value each neuron passes on; backward, the
# gradient arriving at each neuron and what reaches its weights. Clicking a point in the
# widget opens the same stepper beside the views. Here the test point the network is least
# sure about: the one whose output is closest to the boundary.

# %%
from autograd import no_grad

with no_grad():
    scores = [pg.model([x0, x1]).data for x0, x1, _, _ in pg.points()]
tests = [i for i, p in enumerate(pg.points()) if p[3] == "test"]
unsure = min(tests, key=lambda i: abs(scores[i]))
x0, x1, label, split = pg.points()[unsure]
print(f"example {unsure} ({split}): x = ({x0:.3f}, {x1:.3f}), class {label}, "
      f"output {scores[unsure]:+.3f} (the boundary is at 0)")
pg.stepper(unsure)

# %% [markdown]
# ## Adding a point
#
# A point of class 0 (red) deep inside the lower moon, which is class 1 (blue), then 300 more
# steps. The boundary bends to take it in: with only training points to go by, the network
# cannot know that this point is a mistake in the data. A larger L2 keeps the weights small
# and the boundary smooth, and the point gets ignored: try it with the **L2** control.

# %%
new = pg.add_point(1.0, -0.35, 0)
pg.step(300)
print(f"point {new} added; step {pg.steps}, train loss {pg.history.train_loss[-1]:.3f}, "
      f"test loss {pg.history.test_loss[-1]:.3f}")

# %% [markdown]
# The views as one still picture, `pg.still()` (a matplotlib figure): what the widget above
# shows now, with the new point among the training points.

# %%
pg.still()

# %% [markdown]
# ## Things to try in the widget
#
# - **Noise 0.3** and **test share 0.5**: fewer, noisier training points. Watch the test
#   loss stop falling, or rise, while the training loss keeps falling: *overfitting*. Then
#   set **L2** to 0.01.
# - **xor** with **hidden layers** empty: no hidden layer, so the boundary is a straight
#   line, and no straight line separates xor. One hidden layer of 4 is enough.
# - **spirals** (three classes, one output each, cross-entropy loss) with **tanh** and
#   hidden layers `16, 16`: harder; **adam** helps.
# - **Batch size 1**: each step sees one point; the curves get noisy.
# - **Learning rate 3**: the steps overshoot and training diverges (the playground stops and
#   says so; **reset** starts again).
# - Untick **compiled (numpy)**: every step then runs on the scalar engine, one `Value` per
#   number, as in notebook 4. The status line shows how many updates a second you get.
#
# **Next:** back to [notebook 2](02_step_through_backprop.ipynb) for the chain rule behind
# each step, or [notebook 4](04_training_with_sgd.ipynb) for training from code.
