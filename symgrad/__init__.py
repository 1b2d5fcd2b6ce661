"""symgrad: derivatives explained the way backpropagation computes them.

Type a composite expression; symgrad parses it safely into SymPy, builds its
computation graph of named intermediate values, lists every path from the
output back to a variable with its chain-rule product, sums them, gets the
same result by backpropagation, and checks it against SymPy's ``diff``.

Examples
--------
>>> import symgrad
>>> e = symgrad.explain("x*sin(x)", wrt="x")
>>> e.path_count, e.derivative
(2, x*cos(x) + sin(x))
>>> e.check.status
'symbolic'
"""

from . import nn
from .chain import AdjointStep, ChainPath, adjoint_steps, chain_paths, gradients, reverse_accumulate
from .errors import (
    EXIT_MISMATCH, EXIT_OK, EXIT_USAGE, GraphError, OptionError, ParseError, PointError,
    SymgradError, TimeLimitExceeded, VariableError,
)
from .explain import DEFAULT_MAX_PATHS, Explanation, SymgradWarning, explain
from .graph import build_graph, input_nodes, operation_nodes
from .isolate import explain_in_subprocess
from .parse import Limits, Reading, parse, parse_with_notes
from .paths import count_paths, iter_paths
from .point import ExactValues, PointValues, evaluate_at, parse_point
from .verify import Check, Complexity, check_derivative
from .vocabulary import relu, sigmoid, softplus, sympify_namespace

__all__ = [
    "explain", "explain_in_subprocess", "Explanation", "parse", "parse_with_notes", "Reading", "Limits", "build_graph", "operation_nodes", "input_nodes",
    "count_paths", "iter_paths", "chain_paths", "ChainPath", "adjoint_steps", "AdjointStep",
    "reverse_accumulate", "gradients", "nn", "check_derivative", "Check", "Complexity", "sigmoid", "relu",
    "softplus", "sympify_namespace", "SymgradError", "ParseError", "VariableError",
    "OptionError", "GraphError", "PointError", "TimeLimitExceeded", "evaluate_at", "parse_point",
    "PointValues", "ExactValues", "SymgradWarning", "DEFAULT_MAX_PATHS",
    "EXIT_OK", "EXIT_MISMATCH", "EXIT_USAGE",
]

__version__ = "0.1.0"
