#!/usr/bin/env python3
"""Prints scripts/bench's table from its results file (lines "LABEL<tab>key=value ...", LABEL
"engine,configuration") and the outputs of bench_tensor_engine and bench_scalar_engine.

  bench/bench_table.py RESULTS TENSOR_OUTPUT SCALAR_OUTPUT
"""
import re
import sys

WORKLOADS = {"A": "A: 784-128-10 tanh, b64", "B": "B: 784-800-10 tanh, b128"}


def read_results(path):
    rows = {}  # (label, workload) -> {key: value}
    with open(path) as f:
        for line in f:
            label, _, fields = line.rstrip("\n").partition("\t")
            values = dict(field.split("=", 1) for field in fields.split())
            if values["engine"] == "sgemm-bound":
                label = f"sgemm bound,{values['threads']} thread{'s' if values['threads'] != '1' else ''}"
            elif values["engine"] in ("backprop", "backprop-distorted"):
                label = f"{values['engine']},{values['threads']} thread{'s' if values['threads'] != '1' else ''}"
            rows[(label, values["workload"])] = values
    return rows


def fastest(rows, engine, workload):
    """(seconds, label) of the engine's fastest configuration on the workload, or None."""
    timed = [(float(v["epoch_s"]), label) for (label, w), v in rows.items()
             if w == workload and label.split(",")[0] == engine]
    return min(timed) if timed else None


def main():
    rows = read_results(sys.argv[1])
    labels = [label for label in dict.fromkeys(label for label, _ in rows) if not label.startswith("backprop-distorted")]
    order = ["backprop", "numpy", "PyTorch", "sgemm bound"]
    labels.sort(key=lambda label: order.index(label.split(",")[0]))

    print("MNIST training, seconds per epoch (training only, data in memory), median of the timed epochs")
    header = f"{'':42}" + "".join(f"{WORKLOADS[w]:^42}" for w in "AB")
    print(header)
    print(f"{'engine, threads':42}" + f"{'s/epoch':>9}{'samples/s':>11}{'peak RSS':>11}{'accuracy':>11}" * 2)
    for label in labels:
        engine, config = label.split(",", 1)
        line = f"{engine + ', ' + config:42}"
        for w in "AB":
            v = rows.get((label, w))
            if v is None:
                line += " " * 42
                continue
            rss = f"{v['peak_rss_mb']} MB" if "peak_rss_mb" in v else "-"
            line += f"{float(v['epoch_s']):9.3f}{int(v['samples_per_s']):11d}{rss:>11}{v.get('accuracy', '-'):>11}"
        print(line)

    print("\nTargets (backprop's fastest thread count against each reference's fastest configuration):")
    def ratio(workload, other, target, what):
        ours, theirs = fastest(rows, "backprop", workload), fastest(rows, other, workload)
        if other == "sgemm bound" and ours:  # the bound at the same thread count as ours
            label = ours[1].replace("backprop", "sgemm bound")
            theirs = (float(rows[(label, workload)]["epoch_s"]), label)
        if not ours or not theirs:
            print(f"  {workload}: backprop / {what:<28} (not run)")
            return
        value = ours[0] / theirs[0]
        verdict = "met" if value <= target else "NOT met"
        print(f"  {workload}: backprop / {what:<28} {ours[0]:.3f} / {theirs[0]:.3f} s = {value:5.2f}"
              f"   target <= {target:<5} {verdict}   ({theirs[1].split(',', 1)[1]})")
    ratio("A", "PyTorch", 0.35, "fastest PyTorch")
    ratio("A", "numpy", 0.5, "numpy by hand")
    ratio("A", "sgemm bound", 1.25, "sgemm bound")
    ratio("B", "sgemm bound", 1.2, "sgemm bound")
    ratio("B", "PyTorch", 0.7, "fastest PyTorch")

    best_a = fastest(rows, "backprop", "A")
    if best_a:
        rss = int(rows[(best_a[1], "A")]["peak_rss_mb"])
        print(f"  A: peak RSS of backprop ({best_a[1].split(',')[1]})        {rss} MB"
              f"                   target <= 400   {'met' if rss <= 400 else 'NOT met'}")

    print("\nOne thread each (on a shared VM, runs on one core vary least):")
    for workload in "AB":
        ours = rows.get(("backprop,1 thread", workload))
        if not ours:
            continue
        for label in ("PyTorch,1 thread", "numpy,OpenBLAS 1", "sgemm bound,1 thread"):
            theirs = rows.get((label, workload))
            if theirs:
                value = float(ours["epoch_s"]) / float(theirs["epoch_s"])
                print(f"  {workload}: backprop / {label.replace(',', ', '):<26} {float(ours['epoch_s']):.3f} / "
                      f"{float(theirs['epoch_s']):.3f} s = {value:5.2f}")

    print("\nDistorted training digits (B, affine + elastic, made afresh each epoch) against plain B:")
    for threads in ("1 thread", "2 threads"):
        distorted, plain = rows.get((f"backprop-distorted,{threads}", "B")), rows.get((f"backprop,{threads}", "B"))
        if distorted and plain:
            value = float(distorted["epoch_s"]) / float(plain["epoch_s"])
            print(f"  B, {threads:<9} {float(distorted['epoch_s']):.3f} / {float(plain['epoch_s']):.3f} s = {value:5.2f}"
                  f"   target <= 1.5   {'met' if value <= 1.5 else 'NOT met'}")

    with open(sys.argv[2]) as f:
        print("\n" + f.read().rstrip())
    with open(sys.argv[3]) as f:
        scalar = f.read().rstrip()
    print("\n" + scalar)
    match = re.search(r"2-16-16-1.*?(\d+)x\s*$", scalar, re.M)
    if match:
        times = int(match.group(1))
        print(f"  scalar engine / micrograd per training step: {times}x   target >= 100x   {'met' if times >= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
