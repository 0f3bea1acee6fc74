#!/usr/bin/env python3
"""Seconds per training step of Python micrograd on this machine, on the two networks
bench_scalar_engine builds node for node as micrograd does, for scripts/bench --micrograd DIR:

  moons: 2-16-16-1, 100 points, mean SVM max-margin loss + 1e-4 L2 (micrograd's demo)
  784:   784-16-10, one image, sum of squared errors

  bench/micrograd_step.py DIR [--steps N]

DIR holds micrograd's package (a clone of https://github.com/karpathy/micrograd); nothing of it
is part of this project. A step is what bench_scalar_engine times: the forward pass building the
graph, zero_grad, backward, the SGD update, and the previous graph's teardown. The garbage
collector is off, micrograd's best case (with it on, a step here takes ~15 times longer). The
median of N steps after one warm-up step; lines RESULT engine=micrograd workload=... step_s=...
nodes=...
"""
import argparse
import gc
import random
import statistics
import sys
import time


def count_nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node._prev)
    return len(seen)


def time_steps(make_loss, parameters, steps):
    seconds = []
    loss = None
    for _ in range(steps + 1):
        start = time.perf_counter()
        loss = make_loss()  # the previous step's graph is freed here, as in a training loop
        for p in parameters:
            p.grad = 0
        loss.backward()
        for p in parameters:
            p.data -= 1e-3 * p.grad
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds[1:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("micrograd_dir")
    parser.add_argument("--steps", type=int, default=11)
    args = parser.parse_args()
    sys.path.insert(0, args.micrograd_dir)
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(1)
    moons = MLP(2, [16, 16, 1])
    points = [[random.uniform(-1.5, 2.5), random.uniform(-1, 1.5)] for _ in range(100)]
    labels = [random.choice([-1.0, 1.0]) for _ in range(100)]

    def moons_loss():
        scores = [moons([Value(x) for x in point]) for point in points]
        margins = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
        return sum(margins) * (1.0 / len(margins)) + 1e-4 * sum(p * p for p in moons.parameters())

    mnist = MLP(784, [16, 10])
    pixels = [random.random() for _ in range(784)]
    target = [1.0 if k == 3 else 0.0 for k in range(10)]

    def squared_error():
        outputs = mnist([Value(p) for p in pixels])
        return sum((out - t) ** 2 for out, t in zip(outputs, target))

    gc.disable()
    for name, make_loss, parameters in (("moons", moons_loss, moons.parameters()),
                                        ("784", squared_error, mnist.parameters())):
        nodes = count_nodes(make_loss())
        step = time_steps(make_loss, parameters, args.steps)
        print(f"RESULT engine=micrograd workload={name} step_s={step:.4f} nodes={nodes}", flush=True)


if __name__ == "__main__":
    main()
