# %% [markdown]
# # 5. Derivatives of derivatives
#
# `backward()` gives first derivatives. This notebook differentiates *again*: the gradient of
# a gradient, the second derivative, the Hessian matrix, and what they buy you: Newton's
# method, which uses curvature and converges in a handful of steps where gradient descent
# crawls. Then forward mode (`jvp`), the mirror image of backpropagation, and why training
# uses reverse mode. Finally an op of your own (`custom_op`) and the stepper on a derivative
# graph.
#
# The trick that makes it work: every op states its local derivative **once**, as a formula
# made of arithmetic (tanh's is $(1 - t)(1 + t)$ with $t = \tanh x$). `backward()` evaluates
# it on plain numbers; `gradients(..., create_graph=True)` evaluates the *same* formula on the
# `Value`s, so the gradient is itself a graph of `Value`s, which can be differentiated again.

# %% checks
answer("f''(2) for f(x) = x**3", 6 * 2.0, "f'(x) = 3x^2, f''(x) = 6x, at 2: 12")
answer("tanh''(0)", 0.0, "tanh'' = -2 tanh(x) (1 - tanh(x)^2), and tanh(0) = 0")

# %% [markdown]
# *The cell above defines `check` and `reveal` for the exercises (JupyterLab shows it folded).*

# %%
# %matplotlib inline
import math
import time

from IPython.display import display
from matplotlib.figure import Figure

from autograd import (
    Value,
    custom_op,
    grad,
    gradcheck,
    gradgradcheck,
    gradients,
    hessian,
    jvp,
    sum_values,
)
from viz import draw_graph, step_through

# %% [markdown]
# ## 1. `gradients` with `create_graph=True`
#
# `gradients(z, [x, y])` is `backward()` without touching `.grad`: it returns dz/dx and dz/dy.
# With `create_graph=True` each result is a `Value` computed from the graph, so we can ask for
# its gradient in turn. For $z = x^2 y$: $\partial z/\partial x = 2xy$, and
# $\partial^2 z/\partial x^2 = 2y$, $\partial^2 z / \partial x \partial y = 2x$.

# %%
x, y = Value(2.0, label="x"), Value(3.0, label="y")
z = x * x * y
dz_dx, dz_dy = gradients(z, [x, y], create_graph=True)
print("dz/dx =", dz_dx.data, "  dz/dy =", dz_dy.data)
d2x, dxdy = gradients(dz_dx, [x, y])
print("d2z/dx2 =", d2x.data, "  d2z/dxdy =", dxdy.data)
print("x.grad is still", x.grad)

# %% [markdown]
# The derivative is an ordinary graph: here it is. (`2xy` appears as the sum of the two ways
# `x` reaches `z`: through the left and the right factor of `x * x`.)

# %%
draw_graph(dz_dx)

# %% [markdown]
# ## 2. tanh and its derivatives, by nested `grad`
#
# `grad(f)` is a new function: the derivative of `f`. Given numbers it returns a float; given
# `Value`s it returns a `Value` connected to them, so `grad(grad(f))` is the second derivative
# and `grad(grad(grad(f)))` the third.

# %%
f = lambda v: v.tanh()
df, d2f, d3f = grad(f), grad(grad(f)), grad(grad(grad(f)))
xs = [i / 20 for i in range(-80, 81)]
fig = Figure(figsize=(6, 3.5), layout="constrained")
ax = fig.add_subplot()
ax.plot(xs, [math.tanh(v) for v in xs], label="tanh")
ax.plot(xs, [df(v) for v in xs], label="1st derivative")
ax.plot(xs, [d2f(v) for v in xs], label="2nd derivative")
ax.plot(xs, [d3f(v) for v in xs], label="3rd derivative")
ax.axhline(0, color="#999", linewidth=0.5)
ax.legend()
display(fig)

# %% [markdown]
# They agree with the closed forms: with $t = \tanh x$, $f' = 1 - t^2$, $f'' = -2t(1 - t^2)$,
# $f''' = (1 - t^2)(6t^2 - 2)$.

# %%
t = math.tanh(0.3)
print(df(0.3), 1 - t * t)
print(d2f(0.3), -2 * t * (1 - t * t))
print(d3f(0.3), (1 - t * t) * (6 * t * t - 2))

# %% [markdown]
# **Check yourself.** What is $f''(2)$ for $f(x) = x^3$? Compute it by hand, then with `grad`.

# %%
your_answer = grad(grad(lambda v: v**3))(2.0)
check("f''(2) for f(x) = x**3", your_answer)
check("tanh''(0)", d2f(0.0))

# %% [markdown]
# ## 3. Newton's method: curvature makes big, safe steps
#
# Gradient descent steps against the slope, $x \leftarrow x - \eta f'(x)$, with a step size
# $\eta$ you have to pick. Newton's method divides by the curvature instead,
# $x \leftarrow x - f'(x) / f''(x)$: it jumps to the minimum of the parabola that fits $f$ at
# $x$. In one dimension, on $f(x) = x^4/4 - x + e^{-x}$, from $x = 3$:

# %%
f1 = lambda v: v**4 / 4 - v + (-v).exp()
x_newton, x_gd = 3.0, 3.0
for step in range(1, 7):
    x_newton -= grad(f1)(x_newton) / grad(grad(f1))(x_newton)
    print(f"Newton step {step}: x = {x_newton:.15f}   f'(x) = {grad(f1)(x_newton):.2e}")
steps = 0
while abs(grad(f1)(x_gd)) > 1e-9:  # the same accuracy as Newton's 6th step
    x_gd -= 0.05 * grad(f1)(x_gd)
    steps += 1
print(f"gradient descent (step size 0.05) needs {steps} steps: x = {x_gd:.15f}")

# %% [markdown]
# In two dimensions the curvature is the **Hessian** matrix of second derivatives,
# `hessian(f)(x, y)`, and a Newton step solves $H d = -\nabla f$. The Rosenbrock function has
# a long curved valley where gradient descent zigzags for thousands of steps:

# %%
rosen = lambda a, b: (1 - a) ** 2 + 100 * (b - a * a) ** 2
print("Hessian at (1, 1):", hessian(rosen)(1.0, 1.0))


def newton_step(a: float, b: float) -> tuple[float, float]:
    ga, gb = grad(rosen, argnums=(0, 1))(a, b)
    (h11, h12), (h21, h22) = hessian(rosen)(a, b)
    det = h11 * h22 - h12 * h21
    return a - (h22 * ga - h12 * gb) / det, b - (h11 * gb - h21 * ga) / det


a, b = -1.2, 1.0
for step in range(1, 8):
    a, b = newton_step(a, b)
    print(f"Newton step {step}: ({a:.12f}, {b:.12f})   f = {rosen(Value(a), Value(b)).data:.3e}")

a, b = -1.2, 1.0
for step in range(5000):
    ga, gb = grad(rosen, argnums=(0, 1))(a, b)
    a, b = a - 0.001 * ga, b - 0.001 * gb
print(f"gradient descent, 5000 steps: ({a:.6f}, {b:.6f})   f = {rosen(Value(a), Value(b)).data:.3e}")

# %% [markdown]
# ## 4. Forward mode vs reverse mode
#
# `jvp(f, primals, tangents)` pushes a *tangent* forwards through the graph, from the inputs
# to the output, node by node in topological order, with the same local derivatives
# backward uses: tangent(node) = Σ local × tangent(parent). One pass gives **one** directional
# derivative. The gradient of $n$ inputs therefore costs $n$ forward passes (one per input
# direction), but a single backward pass. For one output and many inputs (every loss
# function) reverse mode wins, and the gap grows with $n$:

# %%
def loss(*ws: Value) -> Value:
    return sum_values([(w * w_next).tanh() for w, w_next in zip(ws, ws[1:] + ws[:1])])


for n in (10, 40, 160):
    point = [math.sin(i) for i in range(n)]
    start = time.perf_counter()
    forward = [jvp(loss, point, [1.0 if j == i else 0.0 for j in range(n)])[1] for i in range(n)]
    t_forward = time.perf_counter() - start
    start = time.perf_counter()
    reverse = grad(loss, argnums=tuple(range(n)))(*point)
    t_reverse = time.perf_counter() - start
    assert max(abs(p - q) for p, q in zip(forward, reverse)) < 1e-12
    print(f"n = {n:3d}: {n} jvps {t_forward * 1e3:8.2f} ms   one backward {t_reverse * 1e3:6.2f} ms"
          f"   ratio {t_forward / t_reverse:5.1f}")

# %% [markdown]
# ## 5. An op of your own: `custom_op`
#
# A function of floats that returns its value and its local derivative becomes an op on
# `Value`s. For second derivatives give the derivative as a formula on `Value`s too
# (`derivative(out, *inputs)`); without it, first derivatives work and differentiating twice
# is an error that names the op. Softplus, $\log(1 + e^x)$, has the derivative $\sigma(x)$:

# %%
@custom_op("softplus", derivative=lambda out, x: (x.sigmoid(),))
def softplus(x: float):
    return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)


print(softplus(Value(0.5)).op, softplus(Value(0.5)).data)
print("gradcheck:", gradcheck(lambda v: softplus(v * v), [0.7]))
print("gradgradcheck:", gradgradcheck(lambda v: softplus(v * v), [0.7]))

# %% [markdown]
# ## 6. Stepping through a derivative graph
#
# The graph `create_graph=True` builds is an ordinary graph, so the stepper walks it like any
# other: first its forward pass (how $dy/dx$ is computed from $x$), then backprop through it,
# which gives the second derivative.

# %%
w = Value(0.5, label="w")
(dy_dw,) = gradients(softplus(w * w), [w], create_graph=True)
dy_dw.label = "dy/dw"
step_through(dy_dw)
