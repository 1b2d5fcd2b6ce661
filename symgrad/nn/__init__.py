"""The lecture's neural network as one shared SymPy expression.

A multilayer perceptron ŷ = f_{n-1}(V_{n-1} ⋯ f_1(V_1 f_0(V_0 x))) and its loss L,
one graph node per neuron. The package's modules, one job each:

``builder``
    :func:`mlp`, :class:`Network`, the activations and the weight names.
``losses``
    :func:`softmax`, :func:`log_softmax`, :func:`cross_entropy`, :func:`mse`.
``analysis``
    :func:`path_formula` (why dL/dv has as many paths as it has) and
    :func:`operation_counts` (the cost of one forward and one backward pass).
``training``
    :func:`random_point`, :func:`complete_point`, :func:`numbers` (checked values
    and gradients) and :func:`train_step`.
``matrix``
    The backward pass in matrix form (δ vectors, outer products).
``report``
    The ``symgrad mlp`` report as document blocks (printed by :mod:`symgrad.render`).
``figure``
    :func:`~symgrad.nn.figure.plot_network`, the network diagram (imports matplotlib;
    not imported with the package).
``cli``
    The ``symgrad mlp`` command.

Examples
--------
>>> from symgrad import nn
>>> net = nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> [w.name for w in net.weights[1][0]]
['v1_1_1', 'v1_1_2']
>>> nn.path_formula(net, "v0_1_1").total
1
"""

from .analysis import OperationCounts, PathFormula, operation_counts, path_formula
from .builder import (
    HIDDEN, LOSSES, MAX_NEURONS, MAX_WEIGHTS, OUTPUTS, Network, activate, mlp, parse_weight_name,
    weight_name,
)
from .losses import cross_entropy, log_softmax, mse, softmax
from .training import Numbers, TrainStep, complete_point, numbers, random_point, train_step

__all__ = [
    "mlp", "Network", "softmax", "log_softmax", "cross_entropy", "mse", "activate",
    "HIDDEN", "OUTPUTS", "LOSSES", "weight_name", "parse_weight_name", "PathFormula",
    "path_formula", "OperationCounts", "operation_counts", "random_point", "complete_point",
    "Numbers", "numbers", "TrainStep", "train_step", "MAX_NEURONS", "MAX_WEIGHTS",
]
