#!/usr/bin/env python3
"""The MNIST workloads of bench/mnist_epoch.cpp in numpy (written by hand) and in PyTorch, for
the comparison scripts/bench prints. Same networks, same data (the IDX files, loaded into memory
before timing), same batches, float32: A and B are 784-H-10 tanh, softmax cross-entropy, SGD lr
0.1, pixels in [0, 1]; C (PyTorch only) is `mnist train`'s default recipe, 784-256-10 relu with
torch.optim.Adam lr 1e-3, pixels normalised by MNIST's mean and deviation.

  bench/mnist_reference.py numpy|pytorch --workload A|B|C [--epochs E] [--torch-threads N] [--data DIR]

Threads are set from outside, as each configuration needs them set before the libraries load:
OPENBLAS_NUM_THREADS (numpy, and PyTorch's BLAS), OMP_WAIT_POLICY; --torch-threads calls
torch.set_num_threads. One warm-up epoch, then the median of the timed ones. The last line is
RESULT engine=... workload=... epoch_s=... samples_per_s=... peak_rss_mb=... accuracy=...
"""
import argparse
import os
import resource
import statistics
import time

import numpy as np

WORKLOADS = {"A": (128, 64), "B": (800, 128), "C": (256, 64)}  # hidden neurons, batch size
MNIST_MEAN, MNIST_DEVIATION = 0.1307, 0.3081  # what `mnist train` normalises pixels with


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    with open(os.path.join(data_dir, prefix + "-images-idx3-ubyte"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with open(os.path.join(data_dir, prefix + "-labels-idx1-ubyte"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


class NumpyNetwork:
    """Forward and backward by hand: the products on BLAS sgemm through numpy's @."""

    def __init__(self, hidden, rng):
        self.w1, self.b1 = glorot(rng, 784, hidden), np.zeros(hidden, np.float32)
        self.w2, self.b2 = glorot(rng, hidden, 10), np.zeros(10, np.float32)

    def logits(self, x):
        return np.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2

    def train_epoch(self, x, y, batch, lr, rng):
        order = rng.permutation(len(x))
        for begin in range(0, len(x), batch):
            idx = order[begin:begin + batch]
            xb, yb = x[idx], y[idx]
            h = np.tanh(xb @ self.w1 + self.b1)
            z = h @ self.w2 + self.b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), yb] -= 1.0
            dz = p / np.float32(len(idx))  # d(mean cross-entropy)/d(logits)
            dh = (dz @ self.w2.T) * (1.0 - h * h)
            self.w2 -= lr * (h.T @ dz)
            self.b2 -= lr * dz.sum(axis=0)
            self.w1 -= lr * (xb.T @ dh)
            self.b1 -= lr * dh.sum(axis=0)

    def accuracy(self, x, y):
        return float((self.logits(x).argmax(axis=1) == y).mean())


class TorchNetwork:
    """The usual PyTorch loop, data preloaded as tensors, no DataLoader."""

    def __init__(self, hidden, torch_threads, adam_relu=False):
        import torch
        self.torch = torch
        if torch_threads:
            torch.set_num_threads(torch_threads)
        torch.manual_seed(1)
        activation = torch.nn.ReLU() if adam_relu else torch.nn.Tanh()
        self.model = torch.nn.Sequential(torch.nn.Linear(784, hidden), activation, torch.nn.Linear(hidden, 10))
        self.loss = torch.nn.CrossEntropyLoss()
        if adam_relu:
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        else:
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def train_epoch(self, x, y, batch, lr, rng):
        torch = self.torch
        order = torch.randperm(len(x))
        for begin in range(0, len(x), batch):
            idx = order[begin:begin + batch]
            self.optimizer.zero_grad()
            self.loss(self.model(x[idx]), y[idx]).backward()
            self.optimizer.step()

    def accuracy(self, x, y):
        with self.torch.no_grad():
            return float((self.model(x).argmax(dim=1) == y).float().mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=["numpy", "pytorch"])
    parser.add_argument("--workload", choices=["A", "B", "C"], required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=0)
    parser.add_argument("--config", default="", help="a name for the thread configuration, printed")
    parser.add_argument("--data", default="data/mnist")
    args = parser.parse_args()
    hidden, batch = WORKLOADS[args.workload]
    if args.engine == "numpy" and args.workload == "C":
        parser.error("workload C (Adam) is run on PyTorch only")
    x, y = load(args.data, "train")
    x_test, y_test = load(args.data, "test")
    if args.workload == "C":
        x, x_test = ((a - np.float32(MNIST_MEAN)) / np.float32(MNIST_DEVIATION) for a in (x, x_test))
    rng = np.random.default_rng(1)
    if args.engine == "numpy":
        network = NumpyNetwork(hidden, rng)
    else:
        network = TorchNetwork(hidden, args.torch_threads, adam_relu=args.workload == "C")
        torch = network.torch
        x, y, x_test, y_test = (torch.from_numpy(a) for a in (x, y, x_test, y_test))
    seconds = []
    for epoch in range(args.epochs + 1):  # epoch 0 warms up
        start = time.perf_counter()
        network.train_epoch(x, y, batch, np.float32(0.1), rng)
        elapsed = time.perf_counter() - start
        print(f"epoch {epoch}{' (warm-up)' if epoch == 0 else ''}: {elapsed:.3f} s", flush=True)
        if epoch > 0:
            seconds.append(elapsed)
    median = statistics.median(seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT engine={args.engine} config={args.config or '-'} workload={args.workload} epoch_s={median:.4f} "
          f"samples_per_s={len(x) / median:.0f} peak_rss_mb={peak_mb:.0f} accuracy={network.accuracy(x_test, y_test):.4f}")


if __name__ == "__main__":
    main()
