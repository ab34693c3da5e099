# %% [markdown]
# # 2. Backpropagation, one step at a time
#
# Learning from one example is a loop of four steps:
#
# 1. **Forward pass.** Feed the input through the network and get a prediction $y$.
# 2. **Error.** Compare the prediction with the target $t$: one number, the error $E$.
# 3. **Backward pass.** For every weight, compute $\partial E / \partial w$: how much the error
#    would change if that weight were nudged. This is backpropagation, the chain rule of
#    notebook 1 applied node by node, from the error back to the inputs.
# 4. **Update.** Move every weight a small step against its gradient:
#    $$w_\text{new} = w_\text{old} - \eta \,\frac{\partial E}{\partial w}$$
#    where $\eta$ (eta), the **learning rate**, sets the step size.
#
# Then repeat with the next example. Think of tuning a shower: feel the water (forward), notice
# it is too cold (error), work out which tap does what (backward), turn the hot tap a little
# (update), feel again.
#
# In this notebook you watch step 3 happen **node by node**, first on the neuron of notebook 1,
# then on a small network with two inputs, two hidden neurons and one output (a "2-2-1"
# network). Then we take step 4 and check that the error really goes down.

# %% checks
def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# the neuron: x = 1.5, w = 0.8, b = -0.5, target t = 1
_y = sigmoid(0.8 * 1.5 - 0.5)
_dE_dw = (_y - 1.0) * _y * (1 - _y) * 1.5
answer("dE/dy", _y - 1.0, "E = 1/2 (t - y)^2, so dE/dy = -(t - y) = y - t = 0.6682 - 1")
answer(
    "w_new",
    0.8 - 1.0 * _dE_dw,
    f"w_new = w_old - eta * dE/dw = 0.8 - 1.0 * ({_dE_dw:.6f})",
)
# the 2-2-1 network with the weights set by hand below; x = (1, 2), t = 1
_h0 = sigmoid(0.5 * 1.0 - 0.3 * 2.0 + 0.4)
_h1 = sigmoid(-0.4 * 1.0 + 0.8 * 2.0 + 0.0)
_out = sigmoid(1.2 * _h0 - 0.7 * _h1 + 0.2)
_dE_dz = (_out - 1.0) * _out * (1 - _out)
answer(
    "dE/dh0",
    _dE_dz * 1.2,
    f"dE/dh0 = dE/dy * dy/dz * dz/dh0 = (y - t) * y(1 - y) * 1.2 = {_dE_dz:.6f} * 1.2",
)
answer(
    "dE/dh1",
    _dE_dz * -0.7,
    f"dE/dh1 = (y - t) * y(1 - y) * (-0.7) = {_dE_dz:.6f} * (-0.7)",
)

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

# %%
# %matplotlib inline
import re
from pathlib import Path

from IPython.display import HTML, display
from matplotlib.figure import Figure

from autograd import Value
from nn import MLP, SGD
from viz import draw_graph, save_steps_html, step_through
from viz.display import Picture

# %% [markdown]
# ## 1. Forward pass and error
#
# The same neuron as in notebook 1, with the names this notebook uses: the prediction is now
# $y$ and the target $t$. The error is the squared error with a factor one half in front,
#
# $$E = \tfrac{1}{2}\,(t - y)^2 .$$
#
# **Why the ½?** Only to make the derivative tidy:
# $\frac{\partial E}{\partial y} = \tfrac{1}{2}\cdot 2\,(t - y)\cdot(-1) = y - t$. The 2 from the
# square cancels the ½. Nothing else changes: halving the error halves every gradient, which is
# the same as halving the learning rate, and the weights that make the error smallest are the
# same ones.

# %%
x = Value(1.5, label="x")
w = Value(0.8, label="w")
b = Value(-0.5, label="b")
t = Value(1.0, label="t")  # the target

z = w * x + b
z.label = "z"
y = z.sigmoid()
y.label = "y"
E = 0.5 * (t - y) ** 2
E.label = "E"
print(f"y = {y.data:.4f}   E = 1/2 (t - y)^2 = {E.data:.5f}")

# %% [markdown]
# ## 2. The backward pass, node by node
#
# `step_through(E)` builds a stepper: first the forward pass, one value at a time in the order
# they were computed, then the backward pass, one node at a time from `E` back to the leaves.
# At each backward step the highlighted node takes its own gradient $\partial E/\partial(\text{node})$,
# multiplies it by its local derivative for each input, and **adds** the product to that
# input's gradient. The sentence under the picture is that arithmetic; the table below it keeps
# the running gradients.
#
# Press **next** (or **play**, or drag the slider). *This needs a running notebook: on GitHub
# or in a static HTML page the widget cannot move (they show a still picture of its first
# frame instead), so a few more of its frames are shown as pictures after it. JupyterLab here
# saves the widget's state with the notebook, so a saved notebook reopens with each stepper
# showing the frame it was on.*

# %%
stepper = step_through(E)
stepper

# %% [markdown]
# A few frames of the same stepper as still pictures. In the forward pass the numbers appear
# node by node; grey nodes are not computed yet. `stepper.still(k)` is frame `k`'s picture
# (SVG text); the stepper above stays where it is. `Picture` shows it as a picture wherever
# the notebook is read.

# %%
def frame(stepper, node, phase):
    """Print the arithmetic of the frame where ``node`` is handled in ``phase``, and return
    that frame's picture (the live stepper does not move)."""
    k = next(
        i
        for i, f in enumerate(stepper.frames)
        if f.phase == phase and stepper.order[f.node] is node
    )
    print(f"frame {k} ({phase}):")
    for line in stepper.frames[k].lines:  # one line per parent going backward
        print("   " + line)
    return Picture(stepper.still(k), f"frame {k} of {len(stepper) - 1} ({phase})")


frame(stepper, y, "forward")

# %% [markdown]
# The first backward step: $E = 0.5 \cdot (t - y)^2$ hands its gradient, 1, to its two inputs.
# The orange node is the one being processed, the blue-ringed ones receive a contribution, and
# each edge is labelled with what it carried.

# %%
frame(stepper, E, "backward")

# %% [markdown]
# The sigmoid's step: the gradient arriving at $y$, $y - t$, times the sigmoid's local slope
# $y(1 - y)$, goes to $z$.

# %%
frame(stepper, y, "backward")

# %% [markdown]
# The last step, at the multiplication $w \cdot x$: each input receives the gradient times
# *the other* input (the local derivative of $w x$ with respect to $w$ is $x$). That is how
# `w.grad` gets its value.

# %%
w_times_x = next(n for n in stepper.order if n.op == "*" and w in n.parents)
frame(stepper, w_times_x, "backward")

# %% [markdown]
# The whole backward pass as text, one line per node (this is `E.backward_steps()`, the
# generator the stepper is built on; every derivative is of `E`, the value we differentiate):

# %%
for step in E.backward_steps():
    print(f"{step.index}: {step.explain()}")

# %% [markdown]
# ### Check yourself: the first link
#
# What is $\partial E / \partial y$ for this neuron? (You have $y$ and $t$ above.)
# The engine's answer is pre-filled so the notebook runs: **replace it with your own number and
# re-run**; `reveal("dE/dy")` shows the answer.

# %%
your_dE_dy = y.grad  # <- replace with your own number
check("dE/dy", your_dE_dy)

# %% [markdown]
# ## 3. The stepper as a standalone page
#
# `save_steps_html(E, path)` writes the same stepper into one HTML file that needs no Python
# and no internet: the picture is inline SVG and a few lines of JavaScript move between the
# steps. Open it in any browser, use the ← → keys (Home and End: first and last step), and
# share a link to one step by adding `#step=N` to the address. Without JavaScript it shows the
# finished backward pass.
#
# We write it next to this notebook, so the link below is relative and JupyterLab can open it
# (a browser page may not open `file://` addresses). In JupyterLab's viewer, press **Trust
# HTML** to let its buttons work, or open it in a new browser tab.

# %%
page = save_steps_html(E, Path("neuron_steps.html"))
text = page.read_text(encoding="utf-8")
print(f"wrote {page} ({len(text) // 1024} KB)")
print("external addresses in it:", re.findall(r'(?:src|href)="(https?://[^"]+)"', text) or "none")
HTML(f'open it: <a href="{page}#step=12" target="_blank">{page}#step=12</a>')

# %% [markdown]
# ## 4. The update
#
# Now step 4. With learning rate $\eta = 1$, every parameter moves by minus its gradient:

# %%
lr = 1.0
print(f"dE/dw = {w.grad:.6f}   dE/db = {b.grad:.6f}")

# %% [markdown]
# ### Check yourself: the new weight
#
# Compute $w_\text{new} = w_\text{old} - \eta\,\partial E / \partial w$ with the numbers above.

# %%
your_w_new = w.data - lr * w.grad  # <- replace with your own number
check("w_new", your_w_new)

# %% [markdown]
# Apply the update to both parameters, run the forward pass again, and compare the errors:

# %%
E_before = E.data
w.data -= lr * w.grad
b.data -= lr * b.grad
y_after = (w * x + b).sigmoid()
E_after = 0.5 * (t - y_after) ** 2
print(f"w = {w.data:.4f}  b = {b.data:.4f}")
print(f"y: {y.data:.4f} -> {y_after.data:.4f}   E: {E_before:.5f} -> {E_after.data:.5f}")

# %% [markdown]
# The prediction moved towards the target and the error went down. Repeat the four steps a
# few dozen times and watch the error fall. (Each pass starts with `zero_grad`: leaf gradients
# *accumulate* across backward passes, so we reset them first.)

# %%
history = []
for step in range(40):
    w.grad = b.grad = 0.0  # zero_grad
    y_now = (w * x + b).sigmoid()  # 1. forward
    E_now = 0.5 * (t - y_now) ** 2  # 2. error
    E_now.backward()  # 3. backward
    history.append((E_now.data, y_now.data, w.data, b.data))
    w.data -= lr * w.grad  # 4. update
    b.data -= lr * b.grad

fig = Figure(figsize=(10, 3), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
ax1.plot([h[0] for h in history], marker=".", color="#dc2626")
ax1.set_title("error E = 1/2 (t - y)^2")
ax1.set_xlabel("update step")
ax2.plot([h[1] for h in history], marker=".", label="prediction y")
ax2.axhline(1.0, color="grey", ls="--", lw=1, label="target t")
ax2.set_title("prediction")
ax2.set_xlabel("update step")
ax2.legend(frameon=False)
display(fig)

# %% [markdown]
# It slows down as it goes: near the target, $y - t$ is small, and the sigmoid flattens out
# ($y(1 - y)$ shrinks), so each gradient, and with it each step, gets smaller.
#
# ### Bigger gradient, bigger step
#
# You may read that a weight with a large effect on the error should get a *small*
# adjustment. In gradient descent it is the other way round: the step is $\eta$ times the
# gradient, so **the weight whose nudge changes the error most moves most**, and a weight that
# barely matters hardly moves. (The grain of truth: a large gradient times a large learning
# rate can overshoot the minimum. The cure is a smaller $\eta$ for every weight, not a smaller
# step for the important ones; notebook 4 shows what overshooting looks like.)
#
# A neuron with a weak input (0.1) and a strong one (2.0):

# %%
x1, x2 = Value(0.1, label="x1"), Value(2.0, label="x2")
w1, w2 = Value(0.5, label="w1"), Value(0.5, label="w2")
y2 = (w1 * x1 + w2 * x2).sigmoid()
E2 = 0.5 * (1.0 - y2) ** 2
E2.backward()
for wi, xi in ((w1, x1), (w2, x2)):
    print(
        f"input {xi.data:3}: dE/dw = {wi.grad:+.5f}   step = -lr * dE/dw = {-lr * wi.grad:+.5f}"
    )

# %% [markdown]
# The weight on the strong input has a gradient 20 times larger, and takes a step 20 times
# larger.
#
# ## 5. A 2-2-1 network
#
# Now two inputs, a hidden layer of two sigmoid neurons, and one sigmoid output neuron.
# `MLP(2, [2, 1])` builds it (notebook 3 looks at `nn` in detail); we set its weights by hand
# so that the numbers are easy to follow.

# %%
model = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid")
model.load_state_dict(
    {
        "layers.0.neurons.0.w.0": 0.5, "layers.0.neurons.0.w.1": -0.3, "layers.0.neurons.0.b": 0.4,
        "layers.0.neurons.1.w.0": -0.4, "layers.0.neurons.1.w.1": 0.8, "layers.0.neurons.1.b": 0.0,
        "layers.1.neurons.0.w.0": 1.2, "layers.1.neurons.0.w.1": -0.7, "layers.1.neurons.0.b": 0.2,
    }
)  # fmt: skip
model

# %% [markdown]
# We run the two layers one after the other, so that we can name the hidden activations
# $h_0, h_1$ and look at their gradients:

# %%
xs = [Value(1.0, label="x0"), Value(2.0, label="x1")]
t = Value(1.0, label="t")
hidden = model.layers[0](xs)  # two hidden activations
for i, h in enumerate(hidden):
    h.label = f"h{i}"
y = model.layers[1](hidden)[0]  # the output layer has one neuron
y.label = "y"
E = 0.5 * (t - y) ** 2
E.label = "E"
E.backward()
print(f"h0 = {hidden[0].data:.4f}  h1 = {hidden[1].data:.4f}  y = {y.data:.4f}  E = {E.data:.5f}")

# %% [markdown]
# The graph, with each neuron's nodes in a box labelled by its name in the model
# (`layers.0.neurons.1` is the second neuron of the first layer). A neuron computes its
# weighted sum with one `dot` node, $w_0 x_0 + w_1 x_1$, then adds the bias and applies the
# sigmoid.

# %%
graph = draw_graph(E, group="module", rankdir="TB")  # TB: top to bottom
graph.attr(size="10,12")  # at most 10 x 12 inches, so that it fits on the page
graph

# %% [markdown]
# Step through it (frames as pictures below again, for readers without a kernel):

# %%
net_stepper = step_through(E, rankdir="TB")
net_stepper

# %% [markdown]
# The key moment: the output neuron's `dot` node, $w_0 h_0 + w_1 h_1$, sends the gradient on
# to its **weights** (each gets the gradient times its hidden activation) and to the **hidden
# activations** (each gets the gradient times its weight). The second half is what makes it
# *back*propagation: the error signal moves into the hidden layer, and from there into the
# hidden neurons' own weights.

# %%
output_dot = next(n for n in net_stepper.order if n.op == "dot" and "layers.1" in n.scope)
frame(net_stepper, output_dot, "backward")

# %% [markdown]
# ### Check yourself: the gradient reaching the hidden layer
#
# The output neuron computes $y = \sigma(z)$ with $z = 1.2\,h_0 - 0.7\,h_1 + 0.2$. Using
# $y$ and the hidden activations printed above, compute $\partial E/\partial h_0$ and
# $\partial E/\partial h_1$: the chain is $\frac{\partial E}{\partial y}\cdot
# \frac{\partial y}{\partial z}\cdot\frac{\partial z}{\partial h_i}$.

# %%
your_dE_dh0 = hidden[0].grad  # <- replace with your own numbers
your_dE_dh1 = hidden[1].grad
check("dE/dh0", your_dE_dh0)
check("dE/dh1", your_dE_dh1)

# %% [markdown]
# The network's stepper as a standalone page too:

# %%
net_page = save_steps_html(E, Path("network_steps.html"), rankdir="TB")
print(f"wrote {net_page}: {len(net_stepper)} steps")
HTML(f'open it: <a href="{net_page}" target="_blank">{net_page}</a>')

# %% [markdown]
# ## 6. One update for the whole network
#
# `nn.SGD` performs step 4 for every parameter at once:
# `p.data -= lr * p.grad`. One step, and the error of this example goes down:

# %%
optimizer = SGD(model.parameters(), lr=1.0)
optimizer.step()
y_new = model(xs)
E_new = 0.5 * (t - y_new) ** 2
print(f"E: {E.data:.5f} -> {E_new.data:.5f}   y: {y.data:.4f} -> {y_new.data:.4f}")

# %% [markdown]
# ## 7. A bigger network, a neuron at a time
#
# A network with three inputs, two hidden layers of four neurons and one output,
# `MLP(3, [4, 4, 1])`, and four examples with their targets: the loss is the sum of the four
# squared errors. Its graph has a few hundred nodes, too many to follow one by one.
# `collapse=True` makes each **neuron** one box and one step (once per example): going
# forward the box shows the neuron's output; going backward, the gradient arriving at the
# neuron and, in one line each, what reaches its weights, its bias and its inputs (the chain
# rule of its dot product). The picture keeps its text readable and scrolls to follow the
# current neuron.

# %%
xs4 = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys4 = [1.0, -1.0, -1.0, 1.0]  # the targets
mlp = MLP(3, [4, 4, 1], seed=0)
loss = sum((mlp(x) - t4) ** 2 for x, t4 in zip(xs4, ys4))
loss.label = "loss"
mlp_stepper = step_through(loss, collapse=True)
print(f"{len(mlp_stepper)} steps for {len(mlp.parameters())} parameters and 4 examples")
mlp_stepper

# %% [markdown]
# ## What you have seen
#
# - Training is a loop: forward pass, error, backward pass, update.
# - The backward pass visits every node once, from the error back to the inputs; each node
#   passes *its gradient times its local derivative* to each input, and the inputs add up what
#   they receive.
# - With $E = \frac12 (t - y)^2$, the gradient at the output is simply $y - t$.
# - The update $w \leftarrow w - \eta\,\partial E/\partial w$ moves each weight in proportion to
#   its gradient: the more a weight matters, the more it moves.
# - In a network, the gradient at a hidden activation is the sum over the neurons it feeds of
#   *their gradient times the connecting weight*, and it flows on into the hidden weights.
#
# **Next:** [notebook 3](03_from_neuron_to_mlp.ipynb) builds bigger networks, follows the
# "desired nudges" from the outputs back through a layer, and shows why deep sigmoid networks
# learn so slowly.
