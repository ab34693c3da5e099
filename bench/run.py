"""stepgrad's benchmark: ``python bench/run.py [--repeats N] [--only SECTION]``.

Prints one table per section and writes everything to bench/results/latest.json.
See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # `autograd`, `nn` and `bench` from this checkout

SECTIONS = ("engine", "chain", "training", "render", "stepper", "compiled")
TARGET_MICROGRAD_OVER_OURS = 10.0
TARGET_OURS_OVER_FLOOR = 40.0
TARGET_TRAINING_RATIO = 12.0
TARGET_TRAJECTORY = 1e-9


def meta() -> dict[str, Any]:
    """Where and when the numbers were measured."""
    try:
        micrograd = importlib.metadata.version("micrograd")
    except importlib.metadata.PackageNotFoundError:
        micrograd = None
    try:
        torch = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "autograd",
                "nn",
                "bench",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, changed = None, ""
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "uncommitted_changes": bool(changed),  # in autograd/, nn/ or bench/ (git status)
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "gc_thresholds": list(gc.get_threshold()),
        "micrograd": micrograd,
        "torch": torch,
    }


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def engine_section(repeats: int) -> dict[str, Any]:
    from bench import engine_graph
    from bench.problem import SIZES, default_problem
    from bench.report import table
    from bench.timing import fmt_time

    problem = default_problem()
    print(
        f"\n== Engine: one training-sized graph, build + backward ==\n"
        f"{len(problem.X)} points, MLP {'-'.join(map(str, SIZES))} ReLU, "
        f"loss mean(relu(1 - y*s)) + {problem.alpha:g} * sum(p*p); "
        f"medians of {repeats} timed steps per implementation and protocol"
    )
    results = engine_graph.run(problem, repeats)
    print(
        f"loop: {results['loop_blocks']} blocks x {results['loop_steps_per_block']} consecutive "
        f"steps (+{results['loop_warmup_steps_per_block']} warm-up) per implementation, GC on, "
        "no gc.collect() between steps; collected: gc.collect() before each step (untimed)"
    )
    impls = results["implementations"]
    floor_loop = impls["floor"]["median_s"]["loop"]
    rows = []
    for name, r in impls.items():
        med = r["median_s"]
        nodes = results["nodes"].get(name)
        rows.append(
            [
                name,
                fmt_time(med["loop"]),
                fmt_time(med["collected_gc_on"]),
                fmt_time(med["collected_gc_off"]),
                f"{med['loop'] / floor_loop:.1f}x",
                f"{nodes:,}" if nodes else "",
            ]
        )
    headers = [
        "implementation",
        "loop (GC on)",
        "collected, GC on",
        "collected, GC off",
        "vs floor (loop)",
        "graph nodes",
    ]
    print(table(headers, rows))
    agree = results["agreement"]
    worst_loss = max(a["max_loss_diff"] for a in agree.values())
    worst_grad = max(a["max_grad_diff"] for a in agree.values())
    print(
        f"agreement (asserted before timing): loss {agree['floor']['loss']:.15g}, "
        f"max |loss diff| {worst_loss:.2g} (<= 1e-12), max |grad diff| {worst_grad:.2g} (<= 1e-9)"
    )
    print(
        "ratios; the headline is the loop protocol (as users run it); "
        "the collected columns are shown for comparison:"
    )
    print(f"  {'':<36} {'LOOP':>7}  {'coll. on':>8}  {'coll. off':>9}")
    by_protocol = results["ratios"]
    for name, ratio in by_protocol["loop"].items():
        if name.startswith("micrograd"):
            target = f"target >= {TARGET_MICROGRAD_OVER_OURS:g}x"
            ok = ratio >= TARGET_MICROGRAD_OVER_OURS
        else:
            target = f"target <= {TARGET_OURS_OVER_FLOOR:g}x"
            ok = ratio <= TARGET_OURS_OVER_FLOOR
        others = [by_protocol[p][name] for p in ("collected_gc_on", "collected_gc_off")]
        print(
            f"  {name:<36} {ratio:6.1f}x  {others[0]:7.1f}x  {others[1]:8.1f}x"
            f"   (loop, {target}: {verdict(ok)})"
        )
    return results


def chain_section(repeats: int) -> dict[str, Any]:
    from bench import chain
    from bench.report import table
    from bench.timing import fmt_time

    sizes = (10**4, 10**5, 10**6)
    rounds = min(3, repeats)
    per_round = {10**4: -(-repeats // rounds), 10**5: -(-min(5, repeats) // rounds), 10**6: 1}
    repeats_for = {n: rounds * k for n, k in per_round.items()}
    print(
        "\n== Chain: x = x * 1.0000001, x = x + 0.5, alternating, N operations ==\n"
        "medians of "
        + ", ".join(f"{repeats_for[n]} runs at N={n:,}" for n in sizes)
        + f", sizes and GC modes taking turns over {rounds} rounds"
    )
    results = chain.run(sizes, per_round, rounds)
    rows = []
    for n in sizes:
        row = results["sizes"][str(n)]
        for mode in ("gc_on", "gc_off"):
            r = row[mode]
            rows.append(
                [
                    f"N={n:,}, {mode.replace('_', ' ').upper()}",
                    fmt_time(r["build_s"]),
                    fmt_time(r["backward_s"]),
                    fmt_time(r["free_s"]),
                    fmt_time(r["per_op_build_s"]),
                    fmt_time(r["per_op_backward_s"]),
                    fmt_time(r["per_op_build_backward_s"]),
                    f"{r['graph_mb']:.1f} MB",
                ]
            )
    headers = [
        "",
        "build",
        "backward",
        "free",
        "per op: build",
        "backward",
        "build+bwd",
        "RSS growth",
    ]
    print(table(headers, rows))
    print(f"  per-op time at N={sizes[-1]:,} / at N=... (linear: ~1)")
    for small in sizes[:-1]:
        for mode in ("gc_on", "gc_off"):
            key = f"per_op_ratio_{sizes[-1]}_over_{small}_{mode}"
            print(
                f"    / N={small:,}, {mode.replace('_', ' ').upper():<6}: "
                f"build {results[key + '_build']:.2f}, backward {results[key + '_backward']:.2f}, "
                f"build+backward {results[key]:.2f}"
            )
    if results["peak_rss_mb"] is not None:
        print(f"  peak resident memory of this process so far: {results['peak_rss_mb']:.0f} MB")
    return results


def training_section(micrograd_steps: int, demo: bool) -> dict[str, Any]:
    from bench import training
    from bench.timing import fmt_time

    print(
        "\n== Training: micrograd's demo recipe (100 moons, 2-16-16-1 ReLU, hinge + 1e-4 L2, "
        "100 full-batch SGD steps, lr = 1 - 0.9k/100) =="
    )
    results = training.run(micrograd_steps, demo=demo)
    if "skipped" in results:
        print(f"skipped: {results['skipped']}")
        return results
    ours = results["ours"]
    print(f"data: {results['data']}; both start from our MLP(seed=0)'s weights; GC on")
    print(
        f"  ours (nn)        {ours['steps_run']:>3} steps: median {fmt_time(ours['median_step_s'])}"
        f"/step, total {fmt_time(ours['total_s'])}; loss {ours['losses'][0]:.6f} -> "
        f"{ours['losses'][-1]:.6f}"
    )
    mg = results["micrograd"]
    if "skipped" in mg:
        print(f"  micrograd: skipped ({mg['skipped']})")
    else:
        note = (
            f"100-step total EXTRAPOLATED from {mg['steps_run']} steps: "
            f"{fmt_time(mg['total_100_s_estimate'])} (use --full to run all 100)"
            if mg["extrapolated"]
            else f"total {fmt_time(mg['total_s'])}"
        )
        print(
            f"  micrograd 0.1.0  {mg['steps_run']:>3} steps: median {fmt_time(mg['median_step_s'])}"
            f"/step; {note}"
        )
        ratio = results["ratio_micrograd_over_ours_per_step"]
        if "ratio_micrograd_over_ours_total" in results:
            print(
                f"  micrograd / ours, 100-step totals: {results['ratio_micrograd_over_ours_total']:.1f}x"
            )
        traj = results["trajectory"]
        print(
            f"  micrograd / ours per step: {ratio:.1f}x "
            f"(target >= {TARGET_TRAINING_RATIO:g}x: {verdict(ratio >= TARGET_TRAINING_RATIO)})"
        )
        print(
            f"  loss trajectories over {traj['steps_compared']} steps: max |diff| "
            f"{traj['max_abs_diff']:.2g} "
            f"(target < {TARGET_TRAJECTORY:g}: {verdict(traj['max_abs_diff'] < TARGET_TRAJECTORY)})"
        )
    d = results.get("demo")
    if d is not None:
        if "skipped" in d:
            print(f"  stepgrad demo: skipped ({d['skipped']})")
        else:
            status = "ok" if d["returncode"] == 0 else f"FAILED (exit {d['returncode']})"
            print(f"  `stepgrad demo` (defaults) wall time: {fmt_time(d['wall_s'])}, {status}")
            for line in d["output_tail"]:
                print(f"    | {line}")
    return results


def render_section() -> dict[str, Any]:
    from bench import render
    from bench.timing import fmt_time

    print("\n== Rendering: one example through MLP(2, [16, 16, 1]) with viz.draw_graph ==")
    results = render.run()
    if "skipped" in results:
        print(f"skipped: {results['skipped']}")
        return results
    for style, r in results.items():
        print(
            f"  {style:<9}  draw_graph {fmt_time(r['build_s'])}, render to SVG "
            f"{fmt_time(r['render_s'])} ({r['svg_bytes'] / 1e3:.0f} kB; medians of 5)"
        )
    return results


def stepper_section() -> dict[str, Any]:
    from bench import stepper
    from bench.timing import fmt_time

    print("\n== Stepper: save_steps_html and step_through on chains of 500, 1,000, 5,000 values ==")
    results = stepper.run()
    if "skipped" in results:
        print(f"skipped: {results['skipped']}")
        return results
    for values, r in results.items():
        page = r["page"]
        print(
            f"  {int(values):>5,} values, {r['frames']:,} frames: save_steps_html "
            f"{fmt_time(page['total_s'])} = dot layout {fmt_time(page['layout_s'])} + the rest "
            f"{fmt_time(page['total_s'] - page['layout_s'])}; page {r['page_bytes'] / 1e6:.2f} MB "
            f"(SVG {r['page_svg_bytes'] / 1e6:.2f} MB)"
        )
        print(
            f"  {'':>5}         step_through {fmt_time(r['step_through_build_s'])} (same layout), "
            f"a move {fmt_time(r['step_through_move_s'])} sending at most "
            f"{r['step_through_largest_move_bytes'] / 1e3:.0f} kB; medians of {r['runs']}"
        )
    return results


def compiled_section(repeats: int, scalar_spiral_epochs: int) -> dict[str, Any]:
    from bench import compiled
    from bench.problem import SIZES, default_problem
    from bench.report import table
    from bench.timing import fmt_time

    problem = default_problem()
    print(
        "\n== Compiled: micrograd's demo step with the graph compiled once and replayed ==\n"
        f"{len(problem.X)} points, MLP {'-'.join(map(str, SIZES))} ReLU, hinge + "
        f"{problem.alpha:g} L2, full batch, build (or replay) + backward; loop protocol, GC on, "
        "medians"
    )
    results = compiled.run(problem, repeats, scalar_spiral_epochs)
    for name, why in results["left_out"].items():
        print(f"  {name}: left out ({why})")
    r = results["ratios"]

    def x(name: str, key: str) -> str:
        v = r[name].get(key)
        return "" if v is None else f"{v:,.1f}x" if v >= 10 else f"{v:.2f}x"

    rows = [
        [
            name,
            fmt_time(impl["median_s"]),
            str(len(impl["times_s"])),
            x(name, "micrograd_over_this"),
            x(name, "this_over_floor"),
            x(name, "this_over_numpy"),
            x(name, "this_over_torch"),
        ]
        for name, impl in results["implementations"].items()
    ]
    headers = [
        "implementation",
        "median",
        "steps",
        "micrograd / it",
        "it / floor",
        "it / numpy",
        "it / torch",
    ]
    print(table(headers, rows))
    agree = results["agreement"]
    worst_loss = max(a["max_loss_diff"] for a in agree.values())
    worst_grad = max(a["max_grad_diff"] for a in agree.values())
    print(
        f"agreement (asserted before timing): every row's loss within {worst_loss:.2g} of the "
        f"floor's (<= 1e-12), gradients within {worst_grad:.2g} (<= 1e-9)"
    )
    for name, c in results["compile"].items():
        print(
            f"compile_graph, per-example graph, {name}: {c['graph_nodes']:,} nodes -> "
            f"{c['source_lines']:,} lines in {fmt_time(c['median_compile_s'])} "
            f"(CPU {fmt_time(c['median_compile_cpu_s'])}); batch code "
            f"generated on the first cg.batch in {fmt_time(c['median_batch_codegen_s'])} (medians)"
        )
    sp = results["spirals"]
    setup = sp["setup"]
    c = sp["compiled"]
    print(
        f"spirals: {setup['n']} points, {setup['classes']} classes, MLP(2, {setup['sizes']}), "
        f"cross_entropy, Adam lr {setup['lr']:g}, batches of {setup['batch_size']}, "
        f"{c['epochs']} epochs, {sp['how']}: {fmt_time(c['wall_s'])} (CPU "
        f"{fmt_time(c['cpu_s'])}), final loss "
        f"{c['final_loss']:.4f}, accuracy {c['accuracy']:.3f}"
    )
    if "scalar" in sp:
        s = sp["scalar"]
        print(
            f"  scalar fit: {s['epochs']} epoch{'s' * (s['epochs'] != 1)} in "
            f"{fmt_time(s['wall_s'])}, "
            f"{setup['epochs']} EXTRAPOLATED: {fmt_time(s['total_s_estimate'])} "
            f"({sp['ratio_scalar_over_compiled']:.0f}x the compiled run)"
        )
        if "max_epoch_loss_diff" in sp:
            print(
                f"  epoch losses, scalar vs compiled, over the {s['epochs']} epochs both ran: "
                f"max |diff| {sp['max_epoch_loss_diff']:.2g}"
            )
    print("targets (issue 11):")
    for t in results["targets"]:
        v = t["measured"]
        shown = (
            "n/a (row left out)"
            if v is None
            else (f"{v:.3g} s" if t["target"].endswith("(s)") else f"{v:,.2f}x")
        )
        met = "n/a" if t["met"] is None else verdict(t["met"])
        print(f"  {t['target']:<48} {shown:>14}   (target {t['goal']}: {met})")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="stepgrad benchmark (see bench/README.md)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=15,
        help="timed runs per implementation in the engine benchmark (default 15)",
    )
    parser.add_argument("--only", choices=SECTIONS, help="run one section")
    parser.add_argument(
        "--full",
        action="store_true",
        help="train micrograd for all 100 steps instead of extrapolating from 10 (~2-3 min)",
    )
    parser.add_argument(
        "--micrograd-steps",
        type=int,
        default=10,
        help="micrograd training steps when not --full (default 10)",
    )
    parser.add_argument("--no-demo", action="store_true", help="do not time `stepgrad demo`")
    parser.add_argument(
        "--spiral-scalar-epochs",
        type=int,
        default=2,
        help="epochs of scalar fit on the spirals, extrapolated to 200 (0: skip; default 2)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "bench" / "results" / "latest.json",
        help="JSON results file (default bench/results/latest.json)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.micrograd_steps < 1:
        parser.error("--micrograd-steps must be at least 1")
    if args.spiral_scalar_epochs < 0:
        parser.error("--spiral-scalar-epochs must be at least 0")

    import autograd

    if Path(autograd.__file__).resolve().parent != REPO_ROOT / "autograd":
        print(
            f"error: `import autograd` is {autograd.__file__}, not this checkout's", file=sys.stderr
        )
        return 1

    from bench.report import write_json

    sections = [args.only] if args.only else list(SECTIONS)
    results: dict[str, Any] = {"meta": meta(), "sections_run": sections}
    print(
        f"stepgrad benchmark, Python {results['meta']['python']} on {results['meta']['machine']}, "
        f"commit {results['meta']['commit']}"
    )
    if "engine" in sections:
        results["engine"] = engine_section(args.repeats)
    if "chain" in sections:
        results["chain"] = chain_section(args.repeats)
    if "training" in sections:
        steps = 100 if args.full else args.micrograd_steps
        results["training"] = training_section(steps, demo=not args.no_demo)
    if "render" in sections:
        results["render"] = render_section()
    if "stepper" in sections:
        results["stepper"] = stepper_section()
    if "compiled" in sections:
        results["compiled"] = compiled_section(args.repeats, args.spiral_scalar_epochs)
    write_json(args.out, results)
    print(f"\nresults written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
