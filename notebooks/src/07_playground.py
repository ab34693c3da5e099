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

# %% checks
# the network of "Check yourself", at the point x = (1, -0.5) of class 0 (y = -1):
# h0 = relu(1 * 1 + (-1) * (-0.5) + 0) = 1.5, h1 = relu(0.5 * 1 + 1 * (-0.5) - 0.5) = 0
_h0, _h1 = max(0.0, 1.0 * 1.0 + -1.0 * -0.5 + 0.0), max(0.0, 0.5 * 1.0 + 1.0 * -0.5 - 0.5)
_s = 2.0 * _h0 + -1.0 * _h1 + 0.25
answer("output", _s, "h0 = relu(1 + 0.5) = 1.5, h1 = relu(0.5 - 0.5 - 0.5) = 0, s = 2 h0 - h1 + 0.25 = 3.25: above 0, so class 1 is predicted (wrongly)")
answer("loss", max(0.0, 1.0 - (-1.0) * _s), "class 0 means y = -1: L = max(0, 1 - y s) = max(0, 1 + 3.25) = 4.25")
answer("dL/db", 1.0 * 2.0 * (1.0 if _h0 > 0 else 0.0), "dL/ds = -y = 1 (1 - y s > 0), ds/dh0 = 2 (h0's weight in the output), dh0/db = relu'(1.5) = 1: 1 * 2 * 1 = 2")

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

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
# ## Check yourself: one point by hand
#
# The same steps on a network small enough to follow with pencil and paper: two ReLU neurons
# and a linear output. The playground starts from the seed's random weights; here we put
# round numbers in their place (`load_state_dict`), then add the point $x = (1, -0.5)$ of
# class 0 and open its stepper.
#
# | neuron | weights | bias |
# |---|---|---|
# | `layers.0.neurons.0` (ReLU) | $1, -1$ | $0$ |
# | `layers.0.neurons.1` (ReLU) | $0.5, 1$ | $-0.5$ |
# | `layers.1.neurons.0` (output, linear) | $2, -1$ | $0.25$ |
#
# Work out by hand, before stepping through:
#
# 1. the network's **output** $s$ at the point: which class does it predict (class 1 when
#    $s > 0$)?
# 2. its hinge **loss** $L = \max(0, 1 - y s)$, where class 0 means $y = -1$;
# 3. **dL/db**, the gradient of the loss with respect to the bias of `layers.0.neurons.0`.
#
# Then press **next** in the stepper: forward, each box shows a neuron's output; backward,
# the gradient that reaches it.

# %%
tiny = playground(data="moons", points=20, hidden=(2,), seed=0)
tiny.model.load_state_dict({
    "layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": -1.0, "layers.0.neurons.0.b": 0.0,
    "layers.0.neurons.1.w.0": 0.5, "layers.0.neurons.1.w.1": 1.0, "layers.0.neurons.1.b": -0.5,
    "layers.1.neurons.0.w.0": 2.0, "layers.1.neurons.0.w.1": -1.0, "layers.1.neurons.0.b": 0.25,
})
mine = tiny.add_point(1.0, -0.5, 0)
tiny.stepper(mine)

# %% [markdown]
# The engine's answers are pre-filled so that the notebook runs top to bottom: **replace them
# with your own numbers and re-run**. `check` never prints the expected value;
# `reveal("dL/db")` does.

# %%
loss = tiny.state.example_loss(mine)  # the graph the stepper steps through
loss.backward()
your_output = tiny.model([1.0, -0.5]).data  # <- your own numbers here
your_loss = loss.data
your_dL_db = tiny.model.layers[0].neurons[0].b.grad
check("output", your_output)
check("loss", your_loss)
check("dL/db", your_dL_db)
print("dL/dw of layers.0.neurons.1:", [w.grad for w in tiny.model.layers[0].neurons[1].w])

# %% [markdown]
# The last line: `layers.0.neurons.1` gets no gradient at all from this point. Its ReLU is
# off here (its input is $-0.5$, its output 0, its slope 0), so nothing flows back through
# it: in the network view, the point lies in the white half of that neuron's map. A point
# only teaches the neurons that are on where it lies.
#
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
