#!/usr/bin/env python3
"""Prints scripts/bench's tables from its results file (lines "LABEL<tab>round=R key=value ...",
LABEL "engine,threads") and the outputs of bench_tensor_engine and bench_scalar_engine.

  bench/bench_table.py RESULTS TENSOR_OUTPUT SCALAR_OUTPUT

Every configuration ran once per round, the rounds one after the other: a figure is the median
over the rounds (with the smallest and largest), and a ratio the median of the ratios between
runs of the same round, so that a slow minute of the machine weighs on both sides of it. The
ratio to the sgemm bound, which each backprop run measures between its own batches, is the
median of the runs' own ratios.
"""
import os
import re
import statistics
import sys

WORKLOADS = {
    "A": "A: 784-128-10 tanh, SGD, b64",
    "B": "B: 784-800-10 tanh, SGD, b128",
    "C": "C: the default recipe, 784-256-10 relu, Adam, b64",
}
ENGINES = ["backprop", "backprop-distorted", "numpy", "PyTorch", "sgemm bound"]


def own_kernels():
    """OpenBLAS's kernels for this processor's vector unit, from /proc/cpuinfo: SkylakeX with
    AVX-512, Haswell with AVX2 and FMA, else None."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"} <= set(flags):
        return "SkylakeX"
    if {"avx2", "fma"} <= set(flags):
        return "Haswell"
    return None


def read_results(path):
    """{(engine, threads, workload): {round: {key: value}}}; the sgemm bound is its own engine."""
    runs = {}
    with open(path) as f:
        for line in f:
            label, _, fields = line.rstrip("\n").partition("\t")
            values = dict(field.split("=", 1) for field in fields.split())
            engine, threads = label.split(",")
            if values["engine"] == "sgemm-bound":
                if engine != "backprop":
                    continue  # the bound of a distorted run: the plain runs' is the one compared
                engine = "sgemm bound"
            runs.setdefault((engine, threads, values["workload"]), {})[values["round"]] = values
    return runs


def seconds(runs, key):
    return [float(v["epoch_s"]) for v in runs.get(key, {}).values()]


def ratios(runs, ours, theirs):
    """Per-round ratios of our epoch to theirs, for the rounds both ran. Against the sgemm bound,
    measured within the same run, each run's own ratio (the median of its epochs' ratios)."""
    mine, other = runs.get(ours, {}), runs.get(theirs, {})
    if theirs[0] == "sgemm bound":
        return [float(other[r]["ratio"]) for r in mine if r in other]
    return [float(mine[r]["epoch_s"]) / float(other[r]["epoch_s"]) for r in mine if r in other]


def spread(values, digits=3):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def print_workload(runs, workload):
    keys = [k for k in runs if k[2] == workload]
    keys.sort(key=lambda k: (ENGINES.index(k[0]), int(k[1])))
    if not keys:
        return
    rounds = max(len(runs[k]) for k in keys)
    print(f"\n{WORKLOADS[workload]}")
    print(f"  {'engine, threads':26}{'s/epoch: median (min-max)':>28}{'samples/s':>11}{'peak RSS':>10}{'accuracy':>10}")
    for key in keys:
        values = list(runs[key].values())
        epoch = seconds(runs, key)
        rate = 60000 / statistics.median(epoch)
        rss = f"{max(int(v['peak_rss_mb']) for v in values)} MB" if "peak_rss_mb" in values[0] else "-"
        accuracy = values[-1].get("accuracy", "-")
        name = f"{key[0]}, {key[1]} thread{'s' if key[1] != '1' else ''}"
        print(f"  {name:26}{spread(epoch):>28}{rate:11.0f}{rss:>10}{accuracy:>10}")
    print(f"  ({rounds} round{'s' if rounds > 1 else ''}; the sgemm bound is measured inside backprop's epochs)")


def print_ratio(runs, workload, threads, other, target=None):
    found = ratios(runs, ("backprop", threads, workload), (other, threads, workload))
    what = f"{workload}, {threads} thread{'s' if threads != '1' else ''}: backprop / {other}"
    if not found:
        print(f"  {what:42} (not run)")
        return
    line = f"  {what:42} {spread(found, 2):>18}"
    if target is not None:
        line += f"   target <= {target:<5} {'met' if statistics.median(found) <= target else 'NOT met'}"
    print(line)


def main():
    runs = read_results(sys.argv[1])
    print("MNIST training, seconds per epoch (training only, data in memory), median of each run's timed epochs")
    kernels = sorted({v["kernels"] for k, r in runs.items() if k[0] == "backprop" for v in r.values() if "kernels" in v})
    if kernels:
        print(f"OpenBLAS kernels: {', '.join(kernels)} (the same environment for every program)")
        asked = os.environ.get("OPENBLAS_CORETYPE")
        if asked and [k.lower() for k in kernels] != [asked.lower()]:
            print(f"  (OPENBLAS_CORETYPE={asked} was asked for, and OpenBLAS ran other kernels: is the name right?)")
        if [k.lower() for k in kernels] == ["prescott"] and "OPENBLAS_CORETYPE" not in os.environ and own_kernels():
            print(f"  (OpenBLAS did not recognise this processor and fell back to its SSE3 kernels; "
                  f"--openblas-kernels {own_kernels()} runs every program on kernels for its vector unit)")
    for workload in WORKLOADS:
        print_workload(runs, workload)

    print("\nTargets, one thread each (ratios: median of the rounds' ratios, with the smallest and largest):")
    print_ratio(runs, "A", "1", "sgemm bound", 1.12)
    print_ratio(runs, "A", "1", "numpy", 0.75)
    print_ratio(runs, "B", "1", "sgemm bound", 1.12)
    print_ratio(runs, "B", "1", "numpy", 0.9)
    print_ratio(runs, "C", "1", "PyTorch", 0.6)
    rss = [int(v["peak_rss_mb"]) for k, r in runs.items() if k[0] == "backprop" and k[2] == "A" for v in r.values()]
    if rss:
        print(f"  {'A: peak RSS of backprop':42} {max(rss):>15} MB   target <= 120   {'met' if max(rss) <= 120 else 'NOT met'}")

    print("\nTwo threads each:")
    for workload, other in (("A", "sgemm bound"), ("A", "numpy"), ("A", "PyTorch"), ("B", "sgemm bound"),
                            ("B", "numpy"), ("B", "PyTorch"), ("C", "sgemm bound"), ("C", "PyTorch")):
        if runs.get((other, "2", workload)):
            print_ratio(runs, workload, "2", other)

    print("\nDistorted training digits (B, affine + elastic, made afresh each epoch) against plain B of the same round:")
    for threads in ("1", "2"):
        found = ratios(runs, ("backprop-distorted", threads, "B"), ("backprop", threads, "B"))
        if found:
            print(f"  B, {threads} thread{'s' if threads != '1' else ' '}  {found[0]:5.2f}   target <= 1.5   "
                  f"{'met' if found[0] <= 1.5 else 'NOT met'}")

    with open(sys.argv[2]) as f:
        print("\n" + f.read().rstrip())
    with open(sys.argv[3]) as f:
        scalar = f.read().rstrip()
    print("\n" + scalar)
    print_scalar_ratio(runs, scalar)


def print_scalar_ratio(runs, scalar):
    """micrograd's step over the scalar engine's: measured in this run when scripts/bench had
    --micrograd, else the bench's own figure against the recorded reference."""
    for workload, prefix in (("moons", "2-16-16-1"), ("784", "784-16-10")):
        ours = re.search(rf"^{prefix}.*?\s(\d+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+(?:\s+(\d+)x)?\s*$", scalar, re.M)
        if not ours:
            continue
        micrograd = runs.get(("micrograd", "1", workload))
        if micrograd:
            measured = next(iter(micrograd.values()))
            times = float(measured["step_s"]) / (float(ours.group(2)) / 1e3)
            source = f"micrograd measured in this run, {float(measured['step_s']):.3f} s/step, {measured['nodes']} nodes"
        elif ours.group(3):
            times = float(ours.group(3))
            source = "against the figure recorded on the first machine"
        else:
            continue
        print(f"  {prefix}: scalar engine / micrograd per training step: {times:.0f}x   target >= 100x   "
              f"{'met' if times >= 100 else 'NOT met'}   ({source})")


if __name__ == "__main__":
    main()
