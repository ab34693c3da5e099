"""The practical floor: the same loss and parameter gradients with plain floats and a
backward pass written by hand. No graph, no nodes: just the arithmetic any engine must do.

Per point, forward keeps each layer's pre-activations z and outputs h; backward walks the
layers in reverse:

    dL/ds      = -y / n                 if 1 - y*s > 0, else 0   (hinge, averaged)
    dL/dz_j    = dL/dh_j * [z_j > 0]    (ReLU layers; the output layer is linear)
    dL/dw_jk  += dL/dz_j * h_prev_k,    dL/db_j += dL/dz_j,    dL/dh_prev_k = sum_j dL/dz_j * w_jk

and finally dL/dp += 2 * ALPHA * p for every parameter (the L2 term).
"""

from __future__ import annotations

from bench.problem import Problem, flatten


def loss_and_grads(problem: Problem) -> tuple[float, list[float]]:
    """(L, [dL/dp for p in parameters]) in micrograd's parameter order."""
    layers = problem.weights
    last = len(layers) - 1
    grad_w = [[[0.0] * len(w) for w, _ in layer] for layer in layers]
    grad_b = [[0.0] * len(layer) for layer in layers]
    n = len(problem.X)
    data_loss = 0.0
    for x, y in zip(problem.X, problem.Y):
        # forward: inputs of every layer (hs) and their pre-activations (zs)
        hs = [x]
        zs = []
        h = x
        for i, layer in enumerate(layers):
            z = [b + sum([wk * hk for wk, hk in zip(w, h)]) for w, b in layer]
            zs.append(z)
            h = z if i == last else [zj if zj > 0.0 else 0.0 for zj in z]  # noqa: FURB136 (faster than max)
            hs.append(h)
        margin = 1.0 - y * h[0]
        if margin <= 0.0:
            continue  # relu(margin) = 0: no loss, no gradient from this point
        data_loss += margin
        # backward: dL/dz of the output layer, then layer by layer towards the input
        dz = [-y / n]
        for i in range(last, -1, -1):
            h_prev = hs[i]
            gw, gb = grad_w[i], grad_b[i]
            for j, dzj in enumerate(dz):
                if dzj != 0.0:
                    gb[j] += dzj
                    row = gw[j]
                    for k, hk in enumerate(h_prev):
                        row[k] += dzj * hk
            if i == 0:
                break
            dh = [0.0] * len(h_prev)
            for (w, _), dzj in zip(layers[i], dz):
                if dzj != 0.0:
                    for k, wk in enumerate(w):
                        dh[k] += dzj * wk
            z_prev = zs[i - 1]
            dz = [dhk if zk > 0.0 else 0.0 for dhk, zk in zip(dh, z_prev)]
    params = flatten(layers)
    loss = data_loss / n + problem.alpha * sum([p * p for p in params])
    grads = [
        g
        for gw_layer, gb_layer in zip(grad_w, grad_b)
        for row, gbj in zip(gw_layer, gb_layer)
        for g in (*row, gbj)
    ]
    two_alpha = 2.0 * problem.alpha
    return loss, [g + two_alpha * p for g, p in zip(grads, params)]
