# %% [markdown]
# # 3. From one neuron to a network
#
# A real network is many neurons like the one in notebooks 1 and 2, arranged in **layers**:
# every neuron of a layer reads all the outputs of the layer before it. Backpropagation does
# not change at all, there are just more paths for the gradient to travel back along.
#
# In this notebook we
#
# 1. build neurons, layers and a multi-layer perceptron (MLP) with `nn`, and draw them;
# 2. follow one example's **desired nudges**: which outputs it wants raised, which lowered, and
#    how those wishes travel back to the hidden layer;
# 3. see that averaging the nudges of all examples *is* the gradient of the average loss;
# 4. see why deep networks of sigmoid neurons learn so slowly (**vanishing gradients**), and
#    why ReLU networks do not.

# %% checks
answer("parameters", 3 * 5 + 5 + 5 * 2 + 2, "layer 1: 5 neurons x (3 weights + 1 bias) = 20; layer 2: 2 x (5 + 1) = 12")
answer("dL/dz2", 0.3 - 1.0, "dL/dz_k = p_k - 1 for the target class: 0.3 - 1 = -0.7 (raise it)")
answer("dL/dz1", 0.5, "dL/dz_k = p_k for a wrong class: 0.5 (lower it)")
answer("0.25 ** 10", 0.25**10, "sigmoid' is at most 0.25, so ten of them multiply to at most 0.25^10")

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

# %%
# %matplotlib inline
import math

from IPython.display import display
from matplotlib.figure import Figure

from autograd import Value, topological_order
from nn import MLP, Layer, Neuron, cross_entropy, datasets, mse_loss, softmax
from viz import draw_graph, draw_network

# %% [markdown]
# ## 1. Neurons, layers, networks
#
# A `Neuron(nin)` holds `nin` weights and a bias and computes
# $\mathrm{act}(w \cdot x + b)$. Its weights start as small random numbers (the `seed` makes
# them the same on every machine), scaled to the number of inputs so that the weighted sum
# neither explodes nor vanishes as layers get wider. Its bias starts at 0.

# %%
neuron = Neuron(3, activation="relu", seed=0)
print(neuron)
print("weights:", [round(w.data, 3) for w in neuron.w], " bias:", neuron.b.data)
out = neuron([1.0, 2.0, 0.5])
print("output for x = (1, 2, 0.5):", round(out.data, 4))

# %% [markdown]
# A `Layer(nin, nout)` is `nout` neurons reading the same inputs; it returns one output per
# neuron. An `MLP(nin, [n1, n2, ...])` is a stack of layers, each reading the previous layer's
# outputs. The hidden layers use the `activation` (ReLU by default); the last layer is linear
# by default, so that it can output any number (a score).

# %%
layer = Layer(3, 4, seed=0)
print(layer, "->", [round(v.data, 3) for v in layer([1.0, 2.0, 0.5])])

model = MLP(2, [4, 4, 3], seed=0)
print(model)
for name, p in model.named_parameters()[:4]:
    print(f"  {name:24} {p.data:+.4f}")
print("  ...")

# %% [markdown]
# A picture of the same network: one circle per neuron, one line per weight, blue for positive
# weights and red for negative ones, thicker for larger ones.

# %%
draw_network(model)

# %% [markdown]
# ### Check yourself: counting parameters
#
# How many parameters (weights and biases) does `MLP(3, [5, 2])` have? Each neuron has one
# weight per input and one bias.

# %%
your_count = MLP(3, [5, 2]).num_parameters()  # <- replace with your own count
check("parameters", your_count)

# %% [markdown]
# One example through `model` is already a big graph: every weight is a node, every neuron
# adds a `dot`, a `+` and an activation. With `group="module"` each neuron's nodes sit in a box
# named after it, and `collapse=True` draws each neuron as a single box showing its output's
# value and gradient (in an SVG file opened in a browser, its weights appear when you hover
# over it: `graph.render("graph")` writes one).

# %%
x = [Value(1.0, label="x0"), Value(-0.5, label="x1")]
loss = cross_entropy(model(x), 0)
loss.label = "loss"
loss.backward()
print(f"{len(topological_order(loss))} values in the graph of one example")
graph = draw_graph(loss, group="module", collapse=True)
graph.attr(size="10,8")  # at most 10 x 8 inches, so that it fits on the page
graph

# %% [markdown]
# ## 2. Desired nudges
#
# Take a tiny problem with three classes of points, and a network with two inputs, one hidden
# layer of four ReLU neurons and **one output per class**. The outputs are scores $z_k$;
# `softmax` turns them into probabilities $p_k$, and the loss of an example of class $c$ is the
# cross-entropy $L = -\log p_c$: zero when the network is sure of the right answer, large when
# it is sure of a wrong one.

# %%
X, y = datasets.make_blobs(30, noise=0.6, seed=0, centers=3)
net = MLP(2, [4, 3], seed=1)

fig = Figure(figsize=(4.2, 3.6), layout="constrained")
ax = fig.add_subplot()
colours = ["#dc2626", "#2563eb", "#16a34a"]
for c in range(3):
    ax.scatter(*X[y == c].T, color=colours[c], label=f"class {c}", s=25)
ax.scatter(*X[3], s=250, facecolor="none", edgecolor="black", lw=2, label="example 3")
ax.set_title("three classes")
ax.legend(fontsize="small", frameon=False)
display(fig)

# %% [markdown]
# Example 3 belongs to class 0. We run the two layers separately to keep hold of the hidden
# activations $h_j$, then backpropagate its loss:

# %%
x3, target = X[3].tolist(), int(y[3])
hidden = net.layers[0](x3)
scores = net.layers[1](hidden)
probs = softmax(scores)
loss3 = cross_entropy(scores, target)
loss3.backward()
print("class:", target)
print("probabilities:", [round(p.data, 3) for p in probs])
print("dL/dz (score gradients):", [round(z.grad, 3) for z in scores])

# %% [markdown]
# The network is 96% sure this is class 1, and only 3% sure of the right answer. The gradient
# of the cross-entropy with respect to each score has a famously simple form:
#
# $$\frac{\partial L}{\partial z_k} = p_k - [k = c]$$
#
# Gradient descent moves each score *against* its gradient, so the **desired nudge** of each
# output is $-\partial L / \partial z_k$: raise the right class's score by a lot (its
# probability is far from 1), lower class 1's by almost as much (it is far from 0), and
# barely touch class 2 (already near 0). **The size of each nudge is proportional to how wrong
# that output is.**

# %%
fig = Figure(figsize=(9.5, 3.0), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
ks = range(3)
ax1.bar([k - 0.2 for k in ks], [p.data for p in probs], width=0.4, label="network's p_k")
ax1.bar([k + 0.2 for k in ks], [float(k == target) for k in ks], width=0.4, label="target")
ax1.set_xticks(list(ks), [f"class {k}" for k in ks])
ax1.set_title("what the network says vs the truth")
ax1.legend(frameon=False, fontsize="small")
nudges = [-z.grad for z in scores]
ax2.bar(list(ks), nudges, color=["#16a34a" if n > 0 else "#dc2626" for n in nudges])
ax2.axhline(0, color="black", lw=0.8)
ax2.set_xticks(list(ks), [f"score {k}" for k in ks])
ax2.set_title("desired nudge = -dL/dz  (up: raise, down: lower)")
display(fig)

# %% [markdown]
# ### Check yourself: nudges from probabilities
#
# Another example, of class 2, gets probabilities $p = (0.2, 0.5, 0.3)$. What are
# $\partial L/\partial z_2$ and $\partial L/\partial z_1$? (The cell builds scores whose
# softmax is exactly that and asks the engine; replace the engine's numbers with yours.)

# %%
zs = [Value(math.log(p)) for p in (0.2, 0.5, 0.3)]  # softmax(log p) = p
cross_entropy(zs, 2).backward()
your_dL_dz2 = zs[2].grad  # <- replace with your own numbers
your_dL_dz1 = zs[1].grad
check("dL/dz2", your_dL_dz2)
check("dL/dz1", your_dL_dz1)

# %% [markdown]
# ### The nudges travel back to the hidden layer
#
# An output score can only change through its weights, its bias, and the hidden activations it
# reads. Each hidden neuron $h_j$ feeds **all three** scores, so it receives a wish from each,
# weighted by the connecting weight $w_{kj}$, and (notebook 1, section 7) they add up:
#
# $$\frac{\partial L}{\partial h_j} = \sum_k \frac{\partial L}{\partial z_k}\, w_{kj}$$
#
# Here are the three contributions to each hidden neuron, and their sum, which is exactly what
# `backward()` put into `h.grad`:

# %%
out_layer = net.layers[1]
contrib = [[scores[k].grad * out_layer.neurons[k].w[j].data for k in ks] for j in range(4)]
fig = Figure(figsize=(7.5, 3.2), layout="constrained")
ax = fig.add_subplot()
for k in ks:
    ax.bar(
        [j + (k - 1) * 0.22 for j in range(4)],
        [-contrib[j][k] for j in range(4)],
        width=0.22,
        color=colours[k],
        alpha=0.75,
        label=f"via score {k}",
    )
ax.scatter(range(4), [-h.grad for h in hidden], marker="D", color="black", zorder=3, label="sum")
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(range(4), [f"h{j} = {hidden[j].data:.2f}" for j in range(4)])
ax.set_ylabel("desired nudge  -dL/dh")
ax.set_title("each output's wish for each hidden neuron, and the total")
ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
display(fig)
for j, h in enumerate(hidden):
    print(f"h{j}: sum of contributions {sum(contrib[j]):+.5f}   h{j}.grad {h.grad:+.5f}")

# %% [markdown]
# The hidden layer now has its own desired nudges, and the same rule carries them one layer
# further back, into the hidden neurons' weights. With one catch: two of the hidden ReLUs
# output exactly 0 for this example (they are *off*), so their slope is 0 and their nudge
# stops there: their weights get no gradient from this example.

# %%
for j, n in enumerate(net.layers[0].neurons):
    print(f"hidden neuron {j}: output {hidden[j].data:.3f}  weight grads", [round(w.grad, 4) for w in n.w])

# %% [markdown]
# ## 3. Averaging the nudges is the gradient
#
# One example only cares about itself: following its nudges alone would bend the network
# towards calling *everything* class 0. So we collect the nudges of **every** example and
# average them. That average is exactly the gradient of the average loss: a derivative of a
# mean is the mean of the derivatives. Let us check it on all 30 examples.

# %%
params = net.parameters()
per_example = []
for xi, yi in zip(X.tolist(), y.tolist()):
    net.zero_grad()
    cross_entropy(net(xi), yi).backward()
    per_example.append([p.grad for p in params])
average = [sum(g[i] for g in per_example) / len(per_example) for i in range(len(params))]

net.zero_grad()
mean_loss = cross_entropy([net(xi) for xi in X.tolist()], y.tolist())  # the mean over the batch
mean_loss.backward()
gap = max(abs(a - p.grad) for a, p in zip(average, params))
print(f"largest difference between the averaged nudges and the gradient: {gap:.1e}")

# %% [markdown]
# The same numbers, up to rounding. The picture shows what the averaging does for the three
# output biases ($\partial L/\partial b_k = \partial L/\partial z_k$): every dot is one
# example's wish, most of them pulling in different directions; the bar is their average, the
# step gradient descent will actually take (against it).

# %%
bias_index = [params.index(n.b) for n in net.layers[1].neurons]
fig = Figure(figsize=(6.5, 3.2), layout="constrained")
ax = fig.add_subplot()
for k, i in enumerate(bias_index):
    wishes = [-g[i] for g in per_example]
    ax.bar(k, -average[i], width=0.6, color=colours[k], alpha=0.35)
    ax.scatter([k + 0.25 * (j / 29 - 0.5) for j in range(30)], wishes, s=14, color=colours[k])
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(list(ks), [f"bias of score {k}" for k in ks])
ax.set_ylabel("desired nudge  -dL/db")
ax.set_title("30 examples' wishes (dots) and their average (bar)")
display(fig)

# %% [markdown]
# And the whole network, coloured by gradient instead of weight: the thick lines are the
# weights that the next step of gradient descent will move most.

# %%
draw_network(net, show="grads")

# %% [markdown]
# ## 4. Vanishing gradients
#
# Every layer the gradient passes through multiplies it by that layer's activation slope and
# weights. A sigmoid's slope is at most 0.25 (notebook 1), so through ten sigmoid layers the
# gradient can shrink by a factor of $0.25^{10} \approx 10^{-6}$ before it reaches the first
# layer. A tanh's slope is up to 1, and a ReLU's is exactly 1 where it is on.
#
# Let us measure it. Three networks with **ten hidden layers of 8 neurons**, identical except
# for the activation, see the same 32 points; we backpropagate their error once and average
# $|\partial L / \partial w|$ over the weights of each layer.

# %%
Xm, ym = datasets.make_moons(32, noise=0.1, seed=0)
targets = [2.0 * v - 1.0 for v in ym.tolist()]  # classes 0/1 as targets -1/+1
per_layer = {}
for activation in ("sigmoid", "tanh", "relu"):
    deep = MLP(2, [8] * 10 + [1], activation=activation, seed=0)
    mse_loss([deep(xi) for xi in Xm.tolist()], targets).backward()
    per_layer[activation] = [
        sum(abs(w.grad) for n in layer.neurons for w in n.w) / sum(len(n.w) for n in layer.neurons)
        for layer in deep.layers
    ]

fig = Figure(figsize=(7.5, 3.8), layout="constrained")
ax = fig.add_subplot()
styles = {"sigmoid": "#dc2626", "tanh": "#d97706", "relu": "#2563eb"}
for activation, grads in per_layer.items():
    ax.plot(range(1, 12), grads, marker="o", color=styles[activation], lw=2, label=activation)
ax.set_yscale("log")
ax.set_xticks(range(1, 12), [str(i) for i in range(1, 11)] + ["out"])
ax.set_xlabel("layer (1 = next to the input)")
ax.set_ylabel("mean |dL/dw| in the layer (log scale)")
ax.set_title("how much gradient reaches each layer of a 10-hidden-layer network")
ax.legend(frameon=False)
display(fig)
for activation, grads in per_layer.items():
    print(f"{activation:8} first layer / last layer: {grads[0] / grads[-1]:.1e}")

# %% [markdown]
# The sigmoid network's first layer gets about ten million times less gradient than its last
# layer: with the same learning rate, its early layers practically do not learn. (Even less
# than $0.25^{10}$ suggests: 0.25 is the slope at $z = 0$ only, it is smaller everywhere
# else, and the weights scale the signal too.) The tanh network keeps its gradients within a small factor
# here, because its slope is 1 near 0 and the initialisation keeps the weighted sums near 0;
# push the sums into tanh's flat tails (large weights or inputs) and it vanishes too. The ReLU
# network passes the gradient through every active neuron unchanged, which is a large part of
# why ReLU became the default for deep networks.
#
# ### Check yourself: the sigmoid's ceiling
#
# At most, by what factor do the slopes of ten sigmoid layers multiply a gradient?

# %%
your_factor = 0.25**10  # <- replace with your own number (scientific notation: 9.5e-7)
check("0.25 ** 10", your_factor)

# %% [markdown]
# ## What you have seen
#
# - An MLP is layers of neurons; `nn` builds them from the same `Value`s as before.
# - For one example, the loss's gradients at the outputs are its *desired nudges*: raise the
#   right class, lower the wrong ones, each in proportion to how wrong it is.
# - A hidden neuron's nudge is the sum of the output nudges, weighted by the connecting
#   weights; an inactive ReLU stops it.
# - Averaging the nudges over all examples gives exactly the gradient of the average loss.
# - Through many sigmoid layers the gradient shrinks layer after layer (it *vanishes*); ReLU
#   keeps it alive.
#
# **Next:** [notebook 4](04_training_with_sgd.ipynb) uses these gradients to train a network:
# full batches, mini-batches and single examples, and what the learning rate does.
