"""Train a 2-2-1 sigmoid network on XOR with gradients produced by symgrad.

The network and its loss L = (y - t1)^2 are built once by ``symgrad.nn.mlp``;
symgrad's computation graph is compiled once into a numeric tape (forward and
backward pass as flat float operations, see ``symgrad.tape``). Every epoch
then runs that tape on the four XOR examples, adds up dL/dv for every weight
and bias from one backward pass each, and takes one gradient-descent step
v <- v - eta * dL/dv. Nothing is derived again during training, and nothing is
evaluated as code.

The script prints the loss as it goes down and saves the loss curve to
``xor_loss.png`` in ``--out DIR`` (if matplotlib is installed).

Run::

    python examples/xor_training.py
    python examples/xor_training.py --epochs 500 --lr 2 --seed 3 --out /tmp
"""

import argparse
import random
import sys
from pathlib import Path

try:
    import symgrad
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import symgrad

from symgrad import nn

XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def initial_weights(net: nn.Network, seed: int) -> dict[str, float]:
    """Weights and biases uniform in [-1, 1] from random.Random(seed)."""
    rng = random.Random(seed)
    return {name: rng.uniform(-1.0, 1.0) for name in net.parameter_names}


def train(epochs: int = 2000, learning_rate: float = 2.0, seed: int = 1, report_every: int = 0):
    """Full-batch gradient descent on XOR; returns (network, parameters, losses per epoch)."""
    net = nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse", bias=True)
    tape = net.tape  # compiled once, here
    parameters = initial_weights(net, seed)
    losses = []
    for epoch in range(epochs):
        total, gradient = 0.0, dict.fromkeys(parameters, 0.0)
        for (x1, x2), target in XOR:
            loss, grads = tape.gradient({**parameters, "x1": x1, "x2": x2, "t1": target})
            total += loss
            for name in parameters:
                gradient[name] += grads[name]
        for name in parameters:
            parameters[name] -= learning_rate * gradient[name] / len(XOR)
        losses.append(total / len(XOR))
        if report_every and (epoch % report_every == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:5d}   mean loss {losses[-1]:.6f}")
    return net, parameters, losses


def save_curve(losses, path: Path) -> bool:
    """Save the loss curve as a PNG; False if matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(len(losses)), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("XOR, 2-2-1 sigmoid network, gradients by symgrad")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate (default: 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("."), help="directory of xor_loss.png")
    args = parser.parse_args()
    net, parameters, losses = train(args.epochs, args.lr, args.seed,
                                    report_every=max(1, args.epochs // 10))
    print(f"{net!r}: graph of {net.graph.number_of_nodes()} nodes, compiled once into "
          f"{net.tape.instructions} instructions")
    for (x1, x2), target in XOR:
        y = net.tape.values({**parameters, "x1": x1, "x2": x2, "t1": target})
        output = [n for n, (kind, layer, _) in net.neuron_nodes().items() if kind == "h" and layer == 2][0]
        print(f"x = ({x1:.0f}, {x2:.0f})   target {target:.0f}   output {y[output]:.3f}")
    print(f"loss: {losses[0]:.6f} at the start, {losses[-1]:.6f} after {len(losses)} epochs")
    path = args.out / "xor_loss.png"
    if save_curve(losses, path):
        print(f"wrote {path}")
    else:
        print("matplotlib is not installed: no loss curve saved")


if __name__ == "__main__":
    main()
