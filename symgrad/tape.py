"""A computation graph compiled once into a numeric tape: fast forward and backward passes.

:func:`compile_tape` turns every node's definition and every edge's local
derivative (the SymPy expressions that :func:`symgrad.build_graph` stored) into
flat instruction lists over a register file, in topological order. Running the
tape is then plain float (or mpmath) arithmetic: no SymPy, no ``eval``,
``exec`` or ``lambdify``, and nothing is derived again, so a training loop
can call it thousands of times.

The backward pass is micrograd's: the output's gradient is 1; walking the
nodes in reverse order, each node pushes (its gradient) x (local derivative)
into each of its operands. Gradients add up at forks.

Examples
--------
>>> from symgrad import parse, build_graph
>>> tape = compile_tape(build_graph(parse("sigmoid(w*x + b)")))
>>> tape.forward({"w": 0.5, "x": 2.0, "b": -1.0})
0.5
>>> loss, grads = tape.gradient({"w": 0.5, "x": 2.0, "b": -1.0})
>>> grads
{'w': 0.5, 'x': 0.125, 'b': 0.25}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
import networkx as nx
import sympy

from .errors import GraphError, OptionError, PointError
from .exprtools import postorder
from .vocabulary import relu, sigmoid, softplus

__all__ = ["Tape", "compile_tape", "BACKENDS"]

BACKENDS = ("float", "mpmath")


# --- numeric operations, per backend ------------------------------------------


def _float_pow(base: float, exponent: float) -> float:
    if exponent == -1:
        return 1.0 / base
    if exponent == 2:
        return base * base
    result = base**exponent
    if isinstance(result, complex):
        raise ValueError("a negative number to a fractional power")
    return result


def _float_sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _float_softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _float_log(x: float) -> float:
    if x <= 0:
        raise ValueError("log of a number <= 0")
    return math.log(x)


def _heaviside(x, h0=0.5):
    return 1.0 if x > 0 else (0.0 if x < 0 else h0)


def _sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


_FLOAT: dict[object, Callable] = {
    sympy.Add: lambda *a: sum(a),
    sympy.Mul: lambda *a: math.prod(a),
    sympy.Pow: _float_pow,
    sympy.exp: math.exp,
    sympy.log: _float_log,
    sympy.sin: math.sin,
    sympy.cos: math.cos,
    sympy.tan: math.tan,
    sympy.tanh: math.tanh,
    sympy.asin: math.asin, sympy.acos: math.acos, sympy.atan: math.atan, sympy.sinh: math.sinh,
    sympy.cosh: math.cosh, sympy.sec: lambda x: 1 / math.cos(x), sympy.csc: lambda x: 1 / math.sin(x),
    sympy.cot: lambda x: 1 / math.tan(x), sympy.Max: max, sympy.Min: min,
    sympy.Abs: abs,
    sympy.sign: _sign,
    sympy.Heaviside: _heaviside,
    sigmoid: _float_sigmoid,
    relu: lambda x: x if x > 0 else 0.0,
    softplus: _float_softplus,
}


def _mp_pow(base, exponent):
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("division by zero")
    result = mpmath.power(base, exponent)
    if isinstance(result, mpmath.mpc):
        raise ValueError("a negative number to a fractional power")
    return result


def _mp_log(x):
    if x <= 0:
        raise ValueError("log of a number <= 0")
    return mpmath.log(x)


_MPMATH: dict[object, Callable] = {
    sympy.Add: lambda *a: mpmath.fsum(a),
    sympy.Mul: lambda *a: mpmath.fprod(a),
    sympy.Pow: _mp_pow,
    sympy.exp: mpmath.exp,
    sympy.log: _mp_log,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan,
    sympy.tanh: mpmath.tanh,
    sympy.asin: mpmath.asin, sympy.acos: mpmath.acos, sympy.atan: mpmath.atan, sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh, sympy.sec: mpmath.sec, sympy.csc: mpmath.csc, sympy.cot: mpmath.cot,
    sympy.Max: max, sympy.Min: min,
    sympy.Abs: abs,
    sympy.sign: lambda x: mpmath.sign(x),
    sympy.Heaviside: lambda x, h0=mpmath.mpf("0.5"): mpmath.mpf(_heaviside(x, h0)),
    sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    relu: lambda x: x if x > 0 else mpmath.mpf(0),
    softplus: lambda x: mpmath.log(1 + mpmath.exp(x)),
}


# --- compilation ------------------------------------------------------------------

#: One instruction: (function, output register, argument registers, node it belongs to).
Instruction = tuple[Callable, int, tuple[int, ...], str]
#: One backward step: (source node register, target node register, factor register or
#: None for a local derivative of +1 or -1, sign).
Push = tuple[int, int, int | None, int]


class _Compiler:
    """Turns SymPy expressions over node symbols into instructions over registers."""

    def __init__(self, graph: nx.MultiDiGraph, functions: Mapping[object, Callable], number):
        self.graph = graph
        self.functions = functions
        self.number = number
        self.register = {node: i for i, node in enumerate(graph.graph["order"])}
        self.symbol_register = {graph.nodes[n]["symbol"]: r for n, r in self.register.items()
                                if graph.nodes[n]["kind"] != "constant"}
        self.initial: list = [None] * len(self.register)
        for node, r in self.register.items():
            if graph.nodes[node]["kind"] == "constant":
                self.initial[r] = self.constant_value(graph.nodes[node]["symbol"])
        self.constants: dict[sympy.Expr, int] = {}

    def constant_value(self, number: sympy.Expr):
        value = sympy.Float(number, 30) if self.number is float else sympy.Float(number, 60)
        return float(value) if self.number is float else mpmath.mpf(value)

    def new_register(self, value=None) -> int:
        self.initial.append(value)
        return len(self.initial) - 1

    def constant(self, number: sympy.Expr) -> int:
        if number not in self.constants:
            self.constants[number] = self.new_register(self.constant_value(number))
        return self.constants[number]

    def compile(self, expr: sympy.Expr, node: str, out: int | None = None) -> tuple[list[Instruction], int]:
        """Instructions computing `expr`; the result lands in `out` (or a new register)."""
        program: list[Instruction] = []
        where: dict[int, int] = {}
        for sub in postorder(expr):
            if isinstance(sub, sympy.Symbol):
                if sub not in self.symbol_register:
                    raise GraphError(f"{sub} in the definition of {node} is not a node of the graph")
                where[id(sub)] = self.symbol_register[sub]
            elif isinstance(sub, (sympy.Number, sympy.NumberSymbol)):
                where[id(sub)] = self.constant(sub)
            else:
                function = self.function(sub, node)
                target = out if sub is expr and out is not None else self.new_register()
                program.append((function, target, tuple(where[id(a)] for a in sub.args), node))
                where[id(sub)] = target
        result = where[id(expr)]
        if out is not None and result != out:  # the expression is a bare symbol or number
            program.append((lambda a: a, out, (result,), node))
            result = out
        return program, result

    def function(self, sub: sympy.Basic, node: str) -> Callable:
        for kind in (sympy.Add, sympy.Mul, sympy.Pow):
            if isinstance(sub, kind):
                return self.functions[kind]
        function = self.functions.get(sub.func)
        if function is None:
            what = sub.func.__name__ if hasattr(sub.func, "__name__") else type(sub).__name__
            raise GraphError(f"{what} (in node {node}) has no numeric values; "
                             "abstract functions such as f(x) cannot be run")
        return function


# --- the tape ---------------------------------------------------------------------


@dataclass
class Tape:
    """A computation graph's forward and backward pass as flat instruction lists.

    Made by :func:`compile_tape`; compile once, run many times.

    Attributes
    ----------
    inputs : tuple of str
        The input names a point must give values for.
    output : str
        The output node.
    backend : str
        ``"float"`` (Python floats) or ``"mpmath"`` (current mpmath precision).
    """

    inputs: tuple[str, ...]
    output: str
    backend: str
    _names: tuple[str, ...]
    _initial: list
    _forward: list[Instruction]
    _locals: list[Instruction]
    _pushes: list[Push]
    _zero: object

    @property
    def instructions(self) -> int:
        """Instructions of one forward pass plus one backward pass."""
        return len(self._forward) + len(self._locals) + len(self._pushes)

    def __post_init__(self):
        position = {name: r for r, name in enumerate(self._names)}
        self._input_registers = tuple(position[name] for name in self.inputs)
        self._output_register = position[self.output]

    def values(self, point: Mapping[str, float]) -> dict[str, object]:
        """Every node's value at `point` (the forward pass)."""
        registers = self._run_forward(point)
        return {name: registers[r] for r, name in enumerate(self._names)}

    def forward(self, point: Mapping[str, float]):
        """The output's value at `point`."""
        return self._run_forward(point)[self._output_register]

    def gradient(self, point: Mapping[str, float]) -> tuple[object, dict[str, object]]:
        """The output's value and d output / d input for every input, in one backward pass."""
        registers = self._run_forward(point)
        self._run(self._locals, registers)
        grad = [self._zero] * len(self._names)
        output = self._output_register
        grad[output] = self._zero + 1
        for source, target, factor, sign in self._pushes:
            upstream = grad[target]
            if factor is None:
                grad[source] += upstream if sign > 0 else -upstream
            else:
                grad[source] += upstream * registers[factor]
        return registers[output], {name: grad[r] for name, r in zip(self.inputs, self._input_registers)}

    def _run_forward(self, point: Mapping[str, float]) -> list:
        registers = list(self._initial)
        convert = float if self.backend == "float" else mpmath.mpf
        for name, r in zip(self.inputs, self._input_registers):
            if name not in point:
                raise PointError(f"no value for {name}")
            registers[r] = convert(point[name])
        self._run(self._forward, registers)
        return registers

    def _run(self, program: list[Instruction], registers: list) -> None:
        instruction = None
        try:
            for instruction in program:
                function, out, args, _ = instruction
                registers[out] = function(*[registers[a] for a in args])
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            raise PointError(f"node {instruction[3]} is undefined at this point ({err})") from None


def compile_tape(graph: nx.MultiDiGraph, backend: str = "float") -> Tape:
    """Compile `graph` once into a :class:`Tape`.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`symgrad.build_graph`.
    backend : {"float", "mpmath"}
        Python floats (fast), or mpmath numbers at the current precision.

    Returns
    -------
    Tape

    Raises
    ------
    OptionError
        For an unknown backend.
    GraphError
        If the graph has abstract functions (they have no values).

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> tape = compile_tape(build_graph(parse("x*x + 1")))
    >>> tape.gradient({"x": 3.0})
    (10.0, {'x': 6.0})
    """
    if backend not in BACKENDS:
        raise OptionError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    functions, number = (_FLOAT, float) if backend == "float" else (_MPMATH, mpmath.mpf)
    compiler = _Compiler(graph, functions, number)
    order = graph.graph["order"]
    forward: list[Instruction] = []
    for node in order:
        data = graph.nodes[node]
        if data["kind"] == "operation":
            if data["op"] == "function":
                raise GraphError(f"{data['params'].__name__} is an abstract function: it has no values")
            program, _ = compiler.compile(data["definition"], node, out=compiler.register[node])
            forward += program
    locals_: list[Instruction] = []
    pushes: list[Push] = []
    for node in reversed(order):
        for source, _, key, data in sorted(graph.in_edges(node, keys=True, data=True), key=lambda e: e[2]):
            if graph.nodes[source]["kind"] == "constant":
                continue
            local = data["local_derivative"]
            registers = (compiler.register[source], compiler.register[node])
            if local in (sympy.S.One, sympy.S.NegativeOne):
                pushes.append((*registers, None, 1 if local is sympy.S.One else -1))
                continue
            program, factor = compiler.compile(local, f"d{node}/d{source}")
            locals_ += program
            pushes.append((*registers, factor, 1))
    return Tape(
        inputs=tuple(graph.graph["inputs"]), output=graph.graph["output"], backend=backend,
        _names=tuple(order), _initial=compiler.initial, _forward=forward, _locals=locals_,
        _pushes=pushes, _zero=number(0),
    )
