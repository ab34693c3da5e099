"""Regenerate ``tests/golden/ops.json``: every op of ``tests/engine_ops.py`` at every point,
its value, the gradient of every input, the matrix of second derivatives ("hessian", by
differentiating the gradient with ``create_graph=True``) and, for ops of one input, the
third derivative ("third"), computed by PyTorch in float64.

    make golden        (installs the ``ref`` extra, torch, into .venv and runs this script)

Needs torch and this repository: the op table ``tests/engine_ops.py`` and ``nn.files`` (to
write the file atomically; ``import nn`` loads ``autograd`` too). The numbers are all
PyTorch's: no ``Value`` computes any of them.
Floats are written so they read back bit for bit (``repr``); inf and nan, which JSON lacks,
are written as the strings "inf", "-inf" and "nan".
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for engine_ops
sys.path.insert(0, str(HERE.parent.parent))  # the repository, for nn.files

from engine_ops import CASES, FUNCTIONS, OPS, Lib

from nn.files import write_atomic

OUT = HERE / "ops.json"
SCRIPT = "tests/golden/make_golden.py"

TORCH_LIB = Lib(
    sum=lambda xs: torch.stack(xs).sum(),
    dot=lambda ws, xs: torch.dot(torch.stack(ws), torch.stack(xs)),
)


def encode(x: float) -> float | str:
    """A float JSON can hold exactly: finite floats as themselves, the rest as strings."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def run_case(op_name: str, inputs: tuple[float, ...], consts: tuple[float, ...]) -> dict:
    op = OPS[op_name]
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = op.apply(TORCH_LIB, xs, consts)
    assert out.dtype == torch.float64, (op_name, out.dtype)
    out.backward()
    grads = []
    for i, x in enumerate(xs):
        if x.grad is None:
            raise RuntimeError(f"{op_name}{inputs}: torch gave no gradient for input {i}")
        grads.append(x.grad.item())
    hessian, third = higher_order(op_name, inputs, consts)
    case = {
        "op": op_name,
        "inputs": [encode(x) for x in inputs],
        "consts": [encode(c) for c in consts],
        "value": encode(out.item()),
        "grads": [encode(g) for g in grads],
        "hessian": [[encode(h) for h in row] for row in hessian],
    }
    if third is not None:
        case["third"] = encode(third)
    return case


def _grads(out, xs, create_graph: bool):
    """d out / d x for each x, zeros where torch finds no path (a constant derivative)."""
    if not out.requires_grad:
        return [torch.zeros((), dtype=torch.float64) for _ in xs]
    found = torch.autograd.grad(out, xs, create_graph=create_graph, allow_unused=True)
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in found]


def higher_order(op_name: str, inputs, consts) -> tuple[list[list[float]], float | None]:
    """The second derivatives d2 out / dx_i dx_j, and d3 out / dx3 for one input."""
    op = OPS[op_name]
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = op.apply(TORCH_LIB, xs, consts)
    first = _grads(out, xs, create_graph=True)
    hessian, rows = [], []
    for g in first:
        row = _grads(g, xs, create_graph=True)
        rows.append(row)
        hessian.append([h.item() for h in row])
    third = _grads(rows[0][0], xs, create_graph=False)[0].item() if len(xs) == 1 else None
    return hessian, third


def run_function(fn) -> dict:
    """torch.autograd.functional.hessian and torch.func.jvp of one of ``FUNCTIONS``."""
    point = tuple(torch.tensor(x, dtype=torch.float64) for x in fn.point)
    tangent = tuple(torch.tensor(t, dtype=torch.float64) for t in fn.tangent)
    hessian = torch.autograd.functional.hessian(fn.apply, point)
    value, jvp = torch.func.jvp(fn.apply, point, tangent)
    n = len(point)
    return {
        "function": fn.name,
        "hessian": [[encode(hessian[i][j].item()) for j in range(n)] for i in range(n)],
        "value": encode(value.item()),
        "jvp": encode(jvp.item()),
    }


def main() -> None:
    torch.set_flush_denormal(False)  # keep subnormals (the default, stated for the record)
    cases = [run_case(c.op, c.inputs, c.consts) for c in CASES]
    functions = [run_function(fn) for fn in FUNCTIONS]
    header = {
        "generator": SCRIPT,
        "regenerate": f"python {SCRIPT}  (in an environment with torch)",
        "torch": torch.__version__,
        "dtype": "float64",
        "encoding": "floats as JSON numbers that round-trip exactly; inf/nan as strings",
    }
    lines = ["{"]
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "cases": [')
    lines.append(",\n".join("    " + json.dumps(case, allow_nan=False) for case in cases))
    lines.append("  ],")
    lines.append('  "functions": [')
    lines.append(",\n".join("    " + json.dumps(f, allow_nan=False) for f in functions))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # well-formed before it replaces anything
    write_atomic(OUT, text)
    print(f"wrote {len(cases)} cases ({len(OPS)} ops) to {OUT} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
