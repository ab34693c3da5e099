# %% [markdown]
# # 1. The chain rule, on one neuron
#
# A neural network learns by turning thousands of knobs, its **weights** and **biases**, a
# little at a time, each in the direction that makes its mistakes smaller. To do that it needs,
# for every knob, the answer to one question:
#
# > *If I turn this knob up a tiny bit, does the error go up or down, and how fast?*
#
# That number is the knob's **gradient**, and **backpropagation** is the bookkeeping that
# computes all of them in one sweep, using nothing but the chain rule from school calculus.
#
# This notebook does it for the smallest possible case: **one neuron, one example**. We will
#
# 1. compute the neuron's output and its error (the *forward pass*);
# 2. work out by hand how the error depends on the weight, one link of the chain at a time;
# 3. see that `backward()` gets exactly the same numbers, and check them a third way (`gradcheck`);
# 4. swap the sigmoid for a ReLU;
# 5. see why a weight learns in proportion to the input it listens to;
# 6. see what happens when one value feeds the error along two paths.
#
# **How to use it.** Run the cells from top to bottom (Shift+Enter). The *Check yourself*
# cells ask you to compute a number with pencil and paper; `check(...)` tells you whether it is
# right without giving the answer away, and `reveal(...)` shows it when you want to see it.

# %% checks
def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


_a = sigmoid(0.8 * 1.5 - 0.5)
answer(
    "dC/db",
    2 * (_a - 1.0) * _a * (1 - _a) * 1.0,
    "dC/db = dC/da * da/dz * dz/db = 2(a - y) * a(1 - a) * 1 = -0.6636 * 0.2217 * 1",
)
answer(
    "relu dC/dw",
    2 * (0.8 - 1.5) * 1.0 * 2.0,
    "z = 0.6*2 - 0.4 = 0.8 > 0, so a = 0.8 and relu'(z) = 1; dC/dw = 2(0.8 - 1.5) * 1 * 2 = -2.8",
)
answer(
    "relu off dC/dw",
    0.0,
    "z = -0.6*2 - 0.4 = -1.6 < 0: relu'(z) = 0, so the whole product is 0, whatever the error",
)
answer(
    "dC/dh",
    2 * (2.0 * 0.5 - 2.0) * 2.0 + 2 * (-1.0 * 0.5 - 0.0) * (-1.0),
    "path 1: 2(o1 - y1) * w1 = 2(1 - 2) * 2 = -4; path 2: 2(o2 - y2) * w2 = 2(-0.5) * (-1) = 1;"
    " the sum is -3",
)

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).
# The next one imports what this notebook uses.*

# %%
# %matplotlib inline
from IPython.display import display
from matplotlib.figure import Figure

from autograd import Value, gradcheck
from autograd.backprop import name
from viz import draw_graph

# %% [markdown]
# ## 1. One neuron, forward
#
# Our neuron has one input `x`, one weight `w` and one bias `b`. It computes a weighted input
# `z`, squashes it with the sigmoid function into an *activation* `a` between 0 and 1, and we
# measure how far `a` is from the target `y` with the squared error `C` (the *cost*):
#
# $$z = w x + b \qquad a = \sigma(z) = \frac{1}{1 + e^{-z}} \qquad C = (a - y)^2$$
#
# Every number is a `Value`: a number that remembers how it was computed.

# %%
x = Value(1.5, label="x")  # the input (given)
w = Value(0.8, label="w")  # the weight (to be learned)
b = Value(-0.5, label="b")  # the bias (to be learned)
y = 1.0  # the target: we want the neuron to output 1

z = w * x + b
z.label = "z"
a = z.sigmoid()
a.label = "a"
C = (a - y) ** 2
C.label = "C"
print(f"z = {z.data:.4f}   a = {a.data:.4f}   C = {C.data:.4f}")

# %% [markdown]
# The neuron outputs 0.668 where we wanted 1, so the cost is $(0.668 - 1)^2 \approx 0.110$.
# Here is the computation as a graph: the boxes are values (blue: inputs, yellow: parameters,
# grey: intermediate results, green: the cost, small and pale: plain numbers such as the
# target 1), the circles are the operations between them.
# No gradient has been computed yet, so every `grad` is 0.

# %%
draw_graph(C)

# %% [markdown]
# ## 2. The chain rule, by hand
#
# The weight does not touch the cost directly. It moves `z`, which moves `a`, which moves `C`:
#
# $$w \;\longrightarrow\; z \;\longrightarrow\; a \;\longrightarrow\; C$$
#
# The chain rule says that the sensitivity of `C` to `w` is the product of the sensitivities of
# each link:
#
# $$\frac{\partial C}{\partial w} = \frac{\partial C}{\partial a}\cdot\frac{\partial a}{\partial z}\cdot\frac{\partial z}{\partial w}$$
#
# Each link is a derivative you know:
#
# - the cost $C = (a - y)^2$ gives $\dfrac{\partial C}{\partial a} = 2(a - y)$: the bigger
#   the miss, the harder the push;
# - the activation $a = \sigma(z)$ gives $\dfrac{\partial a}{\partial z} = \sigma'(z) = a(1 - a)$:
#   how steep the sigmoid is at `z`;
# - the weighted input $z = wx + b$ gives $\dfrac{\partial z}{\partial w} = x$: how active the
#   input is.
#
# Let us put in the numbers, as plain floats:

# %%
dC_da = 2 * (a.data - y)
da_dz = a.data * (1 - a.data)  # sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))
dz_dw = x.data
dC_dw = dC_da * da_dz * dz_dw
print(f"dC/da = 2(a - y)  = {dC_da:.6f}")
print(f"da/dz = a(1 - a)  = {da_dz:.6f}")
print(f"dz/dw = x         = {dz_dw:.6f}")
print(f"dC/dw = product   = {dC_dw:.6f}")

# %% [markdown]
# The gradient is **negative**: turning `w` *up* makes the cost go *down*. That makes sense:
# the output is too low, `x` is positive, so a bigger `w` gives a bigger `z` and a bigger `a`.
# Its size, about 0.22, says how fast: nudge `w` up by 0.01 and the cost drops by about 0.0022.
#
# ## 3. `backward()` does the same
#
# `C.backward()` walks the graph from `C` back to the leaves and applies the same rule at every
# node: *my gradient times my local derivative goes to each of my inputs*. Afterwards every
# value's `grad` holds $\partial C / \partial(\text{that value})$.

# %%
C.backward()
print(f"w.grad = {w.grad:.6f}   (by hand: {dC_dw:.6f})")
print(f"b.grad = {b.grad:.6f}")
print(f"x.grad = {x.grad:.6f}   (how the cost would change with the input; not something we train)")

# %% [markdown]
# The same number. Now the graph shows every gradient, and the edges are drawn thicker and
# redder where a larger share of the gradient flowed back.

# %%
draw_graph(C)

# %% [markdown]
# ### Check yourself: the bias
#
# The bias enters as $z = wx + b$, so $\partial z / \partial b = 1$. What is
# $\partial C / \partial b$ for this neuron? Work it out from the three numbers printed above,
# then put your number in place of `b.grad` below and run the cell.
# (The engine's answer is pre-filled so the notebook runs top to bottom: **change it to your
# own number and re-run**. `check` never prints the expected value; `reveal("dC/db")` does.)

# %%
your_dC_db = b.grad  # <- replace with your own number, e.g. -0.1234
check("dC/db", your_dC_db)

# %% [markdown]
# ## 4. A third opinion: `gradcheck`
#
# A derivative is a limit of differences, so we can also *measure* it: nudge the weight by a
# tiny amount `eps` up and down, run the neuron forward each time, and divide the change in the cost by
# the change in the weight. This is slow (two forward passes per parameter) but needs no
# calculus at all, which makes it a good referee.

# %%
def cost(w, b):
    """The neuron's cost for a given weight and bias (x and y fixed as above)."""
    a = (w * 1.5 + b).sigmoid()
    return (a - 1.0) ** 2


eps = 1e-6
up, down = cost(Value(0.8 + eps), Value(-0.5)), cost(Value(0.8 - eps), Value(-0.5))
numeric = (up.data - down.data) / (2 * eps)
print(f"measured dC/dw = {numeric:.6f}   backward: {w.grad:.6f}")

# %% [markdown]
# `gradcheck` does this for every input of a function and raises an error naming the input if
# the two disagree. It passes:

# %%
gradcheck(cost, [0.8, -0.5])

# %% [markdown]
# ## 5. Swapping the sigmoid for a ReLU
#
# Only the middle link of the chain depends on the activation function. The ReLU,
# $\mathrm{relu}(z) = \max(0, z)$, is the most common one in modern networks. Its slope is 1
# where the neuron is *on* ($z > 0$) and 0 where it is *off*. Look at both functions and their
# slopes:

# %%
def slope(f, z):
    """f'(z), measured by backward() on a fresh Value."""
    v = Value(z)
    f(v).backward()
    return v.grad


zs = [i / 20 for i in range(-100, 101)]
fig = Figure(figsize=(10, 3.2), layout="constrained")
for ax, title, f in zip(
    fig.subplots(1, 2), ["sigmoid", "relu"], [lambda v: v.sigmoid(), lambda v: v.relu()]
):
    ax.plot(zs, [f(Value(z)).data for z in zs], lw=2.5, label=f"{title}(z)")
    ax.plot(zs, [slope(f, z) for z in zs], lw=2, ls="--", label=f"{title}'(z), the slope")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("z")
    ax.set_title(title)
    ax.legend(loc="upper left", frameon=False)
display(fig)

# %% [markdown]
# Two things to notice. The sigmoid's slope is never more than **0.25** (at $z = 0$) and
# almost 0 far from it: a sigmoid neuron that is very sure of itself barely learns (notebook 3
# shows what this does to deep networks). The ReLU's slope is exactly 1 or exactly 0: an active
# ReLU passes the gradient through unchanged, an inactive one blocks it completely.
#
# With a ReLU the chain becomes
# $\frac{\partial C}{\partial w} = 2(a - y)\cdot \mathrm{relu}'(z) \cdot x$:

# %%
def relu_neuron(x, w, b, y):
    """One ReLU neuron and its squared error; returns (C, w) so that w.grad can be read."""
    w = Value(w, label="w")
    z = w * x + Value(b, label="b")
    C = (z.relu() - y) ** 2
    C.backward()
    return C, w


C_relu, w_relu = relu_neuron(x=2.0, w=0.6, b=-0.4, y=1.5)
draw_graph(C_relu)

# %% [markdown]
# ### Check yourself: a ReLU neuron
#
# For the ReLU neuron above ($x = 2$, $w = 0.6$, $b = -0.4$, $y = 1.5$) compute
# $\partial C / \partial w$ by hand, without looking at the graph. Then do it again with
# $w = -0.6$ (everything else the same).

# %%
your_relu_dC_dw = w_relu.grad  # <- replace with your own number, then re-run
check("relu dC/dw", your_relu_dC_dw)

your_relu_off_dC_dw = relu_neuron(x=2.0, w=-0.6, b=-0.4, y=1.5)[1].grad  # <- and this one
check("relu off dC/dw", your_relu_off_dC_dw)

# %% [markdown]
# With $w = -0.6$ the neuron is off, its output is 0, it misses the target by 1.5, and yet the
# gradient is exactly 0: **an inactive ReLU does not learn from this example.** If a ReLU
# neuron is off for *every* example it never learns again (a "dead" ReLU); notebook 4 shows one
# way that happens.
#
# ## 6. Neurons that fire together wire together
#
# Look again at the last link, $\partial z / \partial w = x$. A neuron usually has many inputs,
# $z = w_1 x_1 + w_2 x_2 + \dots + b$, and all its weights share the first two links of the
# chain, $\partial C / \partial z$. So
#
# $$\frac{\partial C}{\partial w_i} = \frac{\partial C}{\partial z}\cdot x_i$$
#
# **each weight's gradient is proportional to the activation of the input it listens to.** A
# weight from a silent input ($x_i = 0$) does not change at all; a weight from a strongly active
# input changes the most. This is the old slogan from neuroscience, *neurons that fire together
# wire together*, falling out of the chain rule. Here is a neuron with five inputs:

# %%
inputs = [0.0, 0.25, 0.5, 1.0, 2.0]
weights = [Value(0.3, label=f"w{i}") for i in range(len(inputs))]
z5 = sum((wi * xi for wi, xi in zip(weights, inputs)), Value(0.1, label="b"))
C5 = (z5.sigmoid() - 0.0) ** 2  # target 0: the neuron should be quiet
C5.backward()
dC_dz = z5.grad  # after backward(), every value's grad is dC/d(that value)
print(f"dC/dz = {dC_dz:.5f}")
for xi, wi in zip(inputs, weights):
    print(f"x = {xi:4}   dC/dw = {wi.grad:+.5f}   dC/dz * x = {dC_dz * xi:+.5f}")

fig = Figure(figsize=(5.5, 3.2), layout="constrained")
ax = fig.add_subplot()
ax.plot([0, 2.1], [0, 2.1 * dC_dz], color="grey", lw=1, ls="--", label="slope dC/dz")
ax.scatter(inputs, [wi.grad for wi in weights], s=60, zorder=3, label="dC/dw for each input")
ax.set_xlabel("input activation x")
ax.set_ylabel("gradient dC/dw")
ax.set_title("each weight's gradient is proportional to its input")
ax.legend(frameon=False)
display(fig)

# %% [markdown]
# All five gradients lie on one straight line through the origin. (Here they are positive:
# the neuron should be quiet, so every weight should go *down*, the busiest input's weight
# most of all.)
#
# ## 7. One value, two paths: the contributions add up
#
# In a network, a hidden neuron's activation `h` feeds *several* neurons of the next layer, and
# through each of them it affects the cost. Nudge `h` and the cost changes along every path at
# once, so its gradient is the **sum** of the contributions from all paths. A small example:
# `h` feeds two output neurons, $o_1 = w_1 h$ and $o_2 = w_2 h$, and the cost adds both errors.

# %%
h = Value(0.5, label="h")
w1, w2 = Value(2.0, label="w1"), Value(-1.0, label="w2")  # the two output neurons' weights
o1 = w1 * h
o1.label = "o1"
o2 = w2 * h
o2.label = "o2"
C2 = (o1 - 2.0) ** 2 + (o2 - 0.0) ** 2
C2.label = "C"

# %% [markdown]
# This time, instead of `backward()`, we call `backward_steps()`: the same backward pass, one
# node at a time, reporting what each node sent to its inputs. Two of the steps send
# something to `h`, one from each path:

# %%
for step in C2.backward_steps():
    for edge in step.edges:
        if edge.parent is h:
            print(
                f"from {name(step.node)}: dC/d{name(step.node)} * d{name(step.node)}/dh"
                f" = {step.grad:g} * {edge.local:g} = {edge.contribution:g}"
            )
print(f"h.grad = {h.grad:g}  (the sum of both)")

# %% [markdown]
# In the graph, `h` has two outgoing edges, and its `grad` is the sum of what came back along
# them:

# %%
draw_graph(C2)

# %% [markdown]
# ### Check yourself: two paths
#
# With $h = 0.5$, $w_1 = 2$, $w_2 = -1$ and targets $y_1 = 2$, $y_2 = 0$, compute
# $\partial C / \partial h$ by hand: one contribution per path, then add.

# %%
your_dC_dh = h.grad  # <- replace with your own number, then re-run
check("dC/dh", your_dC_dh)

# %% [markdown]
# ## What you have seen
#
# - The gradient of the cost with respect to a weight is a product of local derivatives along
#   the path from the weight to the cost: $2(a - y)$, then the activation's slope, then the input.
# - `backward()` computes exactly that, for every value at once; `gradcheck` confirms it by
#   measurement.
# - A ReLU passes gradient through when it is on and blocks it when it is off; a sigmoid always
#   shrinks it, by at least a factor of 4.
# - A weight's gradient is proportional to its input's activation.
# - A value used along several paths collects the sum of their contributions.
#
# **Next:** [notebook 2](02_step_through_backprop.ipynb) watches `backward()` do this node by
# node, on this neuron and on a small network, and then uses the gradients to improve the weights.
