"""The numeric engine: expressions and graphs compiled once into a tape of instructions.

Every number symgrad computes comes from here: the values and gradients of
``--at`` (:mod:`symgrad.point`), the numeric check against SymPy
(:func:`symgrad.numeric.evaluate`), and the network's loss and training step
(:mod:`symgrad.nn`).

:func:`compile_tape` turns every node's definition and every edge's local
derivative (the SymPy expressions that :func:`symgrad.build_graph` stored) into
flat instruction lists over a register file, in topological order;
:func:`compile_expression` does the same for one SymPy expression, visiting
each distinct subexpression once. Running a tape is plain float (or mpmath)
arithmetic: no SymPy, no ``eval``, ``exec`` or ``lambdify``, and nothing is
derived again, so a training loop can call it thousands of times.

The backward pass is the one of :func:`symgrad.chain.backward_walk` (the
symbolic backward pass walks the same way): the output's adjoint is 1; walking
the nodes in reverse order, a node's adjoint is the sum over its consumers of
(consumer's adjoint) x (local derivative). Gradients add up at forks.

Backends and their semantics
----------------------------
``"float"``
    Python floats, real only (``log`` of a number <= 0 and a negative number to
    a fractional power are undefined). Fast; no overflow check beyond Python's.
``"mpmath"``
    mpmath numbers at a chosen precision (`digits`). Every intermediate must be
    finite and below ``2**MAX_MAGNITUDE_BITS``. A graph's tape is *real*: a
    value that is not real (``sqrt`` of a negative number, ``log`` of one) makes
    the point undefined, since symgrad's chain rule is the real one. An
    expression's tape may be complex (``real=False``), as SymPy's derivatives
    sometimes are; :func:`symgrad.numeric.is_real_at` runs it real.

Both backends read one function table each (:data:`FLOAT_FUNCTIONS`,
:data:`MPMATH_FUNCTIONS`); adding a function to the vocabulary is one entry in
each. On the real numbers both define ``relu(x) = x`` for ``x > 0`` else 0,
``Heaviside(x, h0)`` = 1, 0 or ``h0`` (default 1/2) for ``x`` > 0, < 0, = 0, and
``sign(x)`` = 1, -1 or 0; ``relu`` and ``Heaviside`` of a complex number are
undefined, ``sign(z) = z/|z|`` (as in SymPy). Functions outside the tables
(for example from ``sympy.diff``) are evaluated by SymPy, one level at a time.

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
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import mpmath
import networkx as nx
import sympy
from sympy.core.function import AppliedUndef

from .chain import backward_walk
from .errors import GraphError, OptionError, PointError
from .exprtools import postorder
from .graph import input_nodes, is_constant, node, order, output_node
from .i18n import gettext as _
from .vocabulary import relu, sigmoid, softplus

__all__ = [
    "Tape", "ExpressionTape", "compile_tape", "compile_expression", "NotANumber", "BACKENDS",
    "FLOAT_FUNCTIONS", "MPMATH_FUNCTIONS", "MAX_MAGNITUDE_BITS",
]

BACKENDS = ("float", "mpmath")

#: Values beyond 2**MAX_MAGNITUDE_BITS count as overflow: mpmath would otherwise
#: spend unbounded time and memory on towers such as x**x**x**x at x = 2.
MAX_MAGNITUDE_BITS = 4096


class NotANumber(ArithmeticError):
    """The expression has no finite (or, where asked, real) value at this point.

    Raised by the engine for a pole, a log of 0, an overflow, a value that is
    not real on a real tape, ...; :attr:`where` says which instruction (a node
    name, or ``(source, target)`` for a local derivative) when known.
    """

    def __init__(self, message: str, where: object = None):
        super().__init__(message)
        self.where = where


# --- one function table per backend ------------------------------------------------


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


def _float_sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


#: SymPy function -> its value on Python floats.
FLOAT_FUNCTIONS: dict[object, Callable] = {
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
    sympy.sign: _float_sign,
    sympy.Heaviside: lambda x, h0=0.5: 1.0 if x > 0 else (0.0 if x < 0 else float(h0)),
    sigmoid: _float_sigmoid,
    relu: lambda x: x if x > 0 else 0.0,
    softplus: _float_softplus,
}


def _mp_sum(*terms):
    return terms[0] + terms[1] if len(terms) == 2 else mpmath.fsum(terms)


def _mp_product(*factors):
    return factors[0] * factors[1] if len(factors) == 2 else mpmath.fprod(factors)


#: The last real argument of sin or cos, the precision, and both values: mpmath computes
#: cos and sin together, and expressions tend to ask for both of one argument in a row
#: (sin(u)*cos(u); the local derivatives cos(u) of sin(u), -sin(u) of cos(u)).
_last_cos_sin: tuple = (None, 0, None, None)


def _mp_cos_sin(x):
    global _last_cos_sin
    argument, precision, cos, sin = _last_cos_sin  # one read: safe across threads
    if argument is x and precision == mpmath.mp.prec:
        return cos, sin
    cos, sin = mpmath.cos_sin(x)
    _last_cos_sin = (x, mpmath.mp.prec, cos, sin)
    return cos, sin


def _mp_sin(x):
    return _mp_cos_sin(x)[1] if isinstance(x, mpmath.mpf) else mpmath.sin(x)


def _mp_cos(x):
    return _mp_cos_sin(x)[0] if isinstance(x, mpmath.mpf) else mpmath.cos(x)


def _mp_square(base, _two):
    return base * base


def _mp_pow(base, exponent):
    if base == 0 and mpmath.re(exponent) < 0:
        raise ZeroDivisionError("division by zero")
    return mpmath.power(base, exponent)


def _mp_log(x):
    if x == 0:
        raise ZeroDivisionError("log(0)")
    return mpmath.log(x)


def _mp_heaviside(x, h0=mpmath.mpf("0.5")):
    if isinstance(x, mpmath.mpc):
        raise ValueError("Heaviside of a complex number")
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else h0)


def _mp_relu(x):
    if isinstance(x, mpmath.mpc):
        raise ValueError("relu of a complex number")
    return x if x > 0 else mpmath.mpf(0)


def _mp_sign(x):
    if isinstance(x, mpmath.mpc):
        return x / abs(x) if x != 0 else mpmath.mpf(0)
    return mpmath.sign(x)


#: SymPy function -> its value on mpmath numbers (at the current precision; complex allowed).
MPMATH_FUNCTIONS: dict[object, Callable] = {
    sympy.Add: _mp_sum,
    sympy.Mul: _mp_product,
    sympy.Pow: _mp_pow,
    sympy.exp: mpmath.exp,
    sympy.log: _mp_log,
    sympy.sin: _mp_sin,
    sympy.cos: _mp_cos,
    sympy.tan: mpmath.tan,
    sympy.tanh: mpmath.tanh,
    sympy.asin: mpmath.asin, sympy.acos: mpmath.acos, sympy.atan: mpmath.atan, sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh, sympy.sec: mpmath.sec, sympy.csc: mpmath.csc, sympy.cot: mpmath.cot,
    sympy.Max: max, sympy.Min: min,
    sympy.Abs: abs,
    sympy.sign: _mp_sign,
    sympy.Heaviside: _mp_heaviside,
    sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    relu: _mp_relu,
    softplus: lambda x: mpmath.log(1 + mpmath.exp(x)),
}


def _by_sympy(func: Callable, convert: Callable) -> Callable:
    """Evaluate a function outside the tables by SymPy, one level, at the current precision."""

    def value(*args):
        dps = mpmath.mp.dps
        numbers = [sympy.Float(a, dps) if not isinstance(a, (complex, mpmath.mpc))
                   else sympy.Float(a.real, dps) + sympy.I * sympy.Float(a.imag, dps) for a in args]
        try:
            result = func(*numbers)
        except TypeError as err:  # SymPy refuses the arguments (e.g. a comparison of a complex)
            raise ValueError(f"cannot evaluate {func}: {err}") from None
        if not isinstance(result, sympy.Expr):  # e.g. a comparison answered BooleanTrue
            raise ValueError(f"{func} gives no number")
        result = result.evalf(dps)
        if not result.is_number or result.has(sympy.zoo, sympy.nan, sympy.oo):
            raise ValueError(f"cannot evaluate {func}")
        return convert(mpmath.mpmathify(complex(result) if not result.is_real else result))

    return value


# --- backends ------------------------------------------------------------------------


def _float_number(value) -> float:
    if isinstance(value, (complex, mpmath.mpc)):
        raise ValueError("not a real number")
    return float(value)


def _mp_finite(value):
    parts = getattr(value, "_mpf_", None)
    if parts is not None:  # a real number: (sign, mantissa, exponent, bits); fast path
        _, mantissa, exponent, bits = parts
        if mantissa:
            if exponent + bits > MAX_MAGNITUDE_BITS:
                raise OverflowError("value too large")
            return value
        if exponent == 0:  # zero; the special values (nan, ±inf) have a nonzero exponent
            return value
        raise ValueError("not finite")
    if not mpmath.isfinite(value):
        raise ValueError("not finite")
    if value != 0 and mpmath.mag(value) > MAX_MAGNITUDE_BITS:
        raise OverflowError("value too large")
    return value


def _mp_real(value):
    _mp_finite(value)
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise ValueError("not a real number")
        return value.real
    return value


@dataclass(frozen=True)
class _Backend:
    """What a tape needs to know about its numbers."""

    name: str
    functions: Mapping[object, Callable]
    number: Callable  # a given value (input) -> the backend's number
    check: Callable | None  # applied to every result; raises if it is not acceptable

    def constant(self, number: sympy.Expr, digits: int):
        if number.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
            raise NotANumber(f"the constant {number} is not a finite number")
        if self.name == "float":
            if not number.is_real:
                raise NotANumber(f"the constant {number} is not a real number")
            return float(number.evalf(30))
        with mpmath.workdps(digits):
            return mpmath.mpmathify(number.evalf(digits + 5))

    def function(self, sub: sympy.Basic) -> Callable:
        if self.name == "mpmath":  # the commonest operations without a call of their own
            if isinstance(sub, sympy.Pow) and sub.exp == 2:
                return _mp_square
            if isinstance(sub, (sympy.Add, sympy.Mul)) and len(sub.args) == 2:
                return operator.add if isinstance(sub, sympy.Add) else operator.mul
        for kind in (sympy.Add, sympy.Mul, sympy.Pow):
            if isinstance(sub, kind):
                return self.functions[kind]
        return self.functions.get(sub.func) or _by_sympy(sub.func, _float_number if self.name == "float"
                                                         else mpmath.mpmathify)


_FLOAT = _Backend("float", FLOAT_FUNCTIONS, float, None)
_MPMATH = _Backend("mpmath", MPMATH_FUNCTIONS, mpmath.mpmathify, _mp_finite)
_MPMATH_REAL = _Backend("mpmath", MPMATH_FUNCTIONS, mpmath.mpmathify, _mp_real)


def _backend(name: str, real: bool) -> _Backend:
    if name not in BACKENDS:
        raise OptionError(_("backend must be one of {backends}, got {name!r}").format(backends=", ".join(BACKENDS), name=name))
    if name == "float":
        return _FLOAT
    return _MPMATH_REAL if real else _MPMATH


# --- compilation -----------------------------------------------------------------------

#: One instruction: (function, output register, argument registers, where it belongs).
Instruction = tuple[Callable, int, tuple[int, ...], object]


class _Compiler:
    """Turns SymPy expressions over named leaves into instructions over registers."""

    def __init__(self, backend: _Backend, digits: int, open_leaves: bool = False, share: bool = False):
        self.backend = backend
        self.digits = digits
        self.open_leaves = open_leaves  # whether a new symbol becomes an input (expressions)
        self.initial: list = []
        self.leaf_register: dict[sympy.Basic, int] = {}
        self.constants: dict[sympy.Expr, int] = {}
        # With `share`, a subexpression equal to one compiled before reads its register instead
        # of being computed again (a graph's small definitions and local derivatives: the local
        # derivative cos(u1) of sin(u1) is the value of the node cos(u1)). Later programs must
        # run after earlier ones, as a graph tape's forward pass, locals and pulls do.
        self.share = share
        self.known: dict[sympy.Basic, int] = {}

    def new_register(self, value=None) -> int:
        self.initial.append(value)
        return len(self.initial) - 1

    def constant(self, number: sympy.Expr) -> int:
        if number not in self.constants:
            self.constants[number] = self.new_register(self.backend.constant(number, self.digits))
        return self.constants[number]

    def compile(self, expr: sympy.Expr, where: object, out: int | None = None) -> tuple[list[Instruction], int]:
        """Instructions computing `expr`; the result lands in `out` (or a new register)."""
        program: list[Instruction] = []
        register: dict[int, int] = {}
        if not expr.args and expr in self.leaf_register:  # a bare node symbol (u2 in d(u1*u2)/du1)
            result = self.leaf_register[expr]
            if out is not None:
                program.append((_copy, out, (result,), where))
            return program, result if out is None else out
        for sub in postorder(expr):
            if sub in self.leaf_register:
                register[id(sub)] = self.leaf_register[sub]
            elif isinstance(sub, sympy.Symbol) and self.open_leaves:
                register[id(sub)] = self.leaf_register[sub] = self.new_register()
            elif isinstance(sub, sympy.Symbol):
                raise GraphError(f"{sub} in the definition of {where} is not a node of the graph")
            elif isinstance(sub, (sympy.Number, sympy.NumberSymbol)) or sub is sympy.I:
                register[id(sub)] = self.constant(sub)
            elif self.share and sub in self.known:
                register[id(sub)] = self.known[sub]
            else:
                target = out if sub is expr and out is not None else self.new_register()
                function = self.backend.function(sub)
                program.append((function, target, tuple(register[id(a)] for a in sub.args), where))
                register[id(sub)] = target
                if self.share:
                    self.known[sub] = target
        result = register[id(expr)]
        if out is not None and result != out:  # the expression is a bare leaf
            program.append((_copy, out, (result,), where))
            result = out
        return program, result


def _copy(value):
    return value


def _run(program: Sequence[Instruction], registers: list, check: Callable | None) -> None:
    """Run `program` on `registers`; an arithmetic failure becomes :class:`NotANumber`."""
    instruction = None
    try:
        if check is None:
            for instruction in program:
                function, out, args, _ = instruction
                registers[out] = function(*[registers[a] for a in args])
        else:
            for instruction in program:
                function, out, args, _ = instruction
                if len(args) == 2:
                    value = function(registers[args[0]], registers[args[1]])
                elif len(args) == 1:
                    value = function(registers[args[0]])
                else:
                    value = function(*[registers[a] for a in args])
                registers[out] = check(value)
    except (ArithmeticError, ValueError) as err:  # ZeroDivisionError, OverflowError, domain errors
        raise NotANumber(str(err), instruction[3] if instruction else None) from None


# --- an expression's tape -------------------------------------------------------------------


@dataclass
class ExpressionTape:
    """One SymPy expression compiled for a backend; made by :func:`compile_expression`."""

    symbols: tuple[sympy.Symbol, ...]
    backend: str
    digits: int
    _backend: _Backend
    _initial: list
    _program: list[Instruction]
    _inputs: tuple[int, ...]
    _result: int

    def evaluate(self, point: Mapping[sympy.Symbol, object]):
        """The value at `point` (symbol -> number).

        Raises
        ------
        NotANumber
            If a symbol has no value, or the expression has no finite (real,
            for a real tape) value there.
        """
        registers = list(self._initial)
        with mpmath.workdps(self.digits):
            for symbol, r in zip(self.symbols, self._inputs):
                if symbol not in point:
                    raise NotANumber(f"no value for {symbol}")
                registers[r] = self._backend.number(point[symbol])
            _run(self._program, registers, self._backend.check)
            result = registers[self._result]
            if self._backend.check is not None:
                result = self._backend.check(result)
            return +result if self.backend == "mpmath" else result


def compile_expression(expr: sympy.Expr, backend: str = "mpmath", digits: int = 50,
                       real: bool = False) -> ExpressionTape:
    """Compile a SymPy expression, each distinct subexpression once, into an :class:`ExpressionTape`.

    Parameters
    ----------
    expr : sympy.Expr
        Any expression; functions outside the tables are evaluated by SymPy.
    backend : {"mpmath", "float"}
    digits : int
        Working precision of the mpmath backend, in decimal digits.
    real : bool
        Whether every intermediate value must be real (mpmath backend; floats always are).

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> tape = compile_expression(sympy.sin(x)**2 + sympy.cos(x)**2, digits=30)
    >>> mpmath.nstr(tape.evaluate({x: 2}), 25)
    '1.0'
    """
    engine = _backend(backend, real)
    compiler = _Compiler(engine, digits, open_leaves=True)
    program, result = compiler.compile(expr, "the expression")
    # every symbol, bound ones too (in a Subs): a point without a value for one has no value
    symbols = tuple(compiler.leaf_register)
    return ExpressionTape(symbols, backend, digits, engine, compiler.initial, program,
                          tuple(compiler.leaf_register[s] for s in symbols), result)


# --- a graph's tape ------------------------------------------------------------------------


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
        ``"float"`` (Python floats) or ``"mpmath"``.
    digits : int
        Working precision of the mpmath backend.
    """

    inputs: tuple[str, ...]
    output: str
    backend: str
    digits: int
    _graph: nx.MultiDiGraph
    _backend: _Backend
    _names: tuple[str, ...]
    _initial: list
    _forward: list[Instruction]
    _locals: list[Instruction]
    _pulls: list[tuple[int, int, int]]

    @property
    def instructions(self) -> int:
        """Instructions of one forward pass plus one backward pass."""
        return len(self._forward) + len(self._locals) + len(self._pulls)

    def __post_init__(self):
        position = {name: r for r, name in enumerate(self._names)}
        self._input_registers = tuple(position[name] for name in self.inputs)
        self._output_register = position[self.output]

    def values(self, point: Mapping[str, object]) -> dict[str, object]:
        """Every node's value at `point` (the forward pass)."""
        with mpmath.workdps(self.digits):
            registers = self._run_forward(point)
        return {name: registers[r] for r, name in enumerate(self._names)}

    def forward(self, point: Mapping[str, object]):
        """The output's value at `point`.

        Raises
        ------
        PointError
            If an input has no value, or a node is undefined at `point`.
        """
        with mpmath.workdps(self.digits):
            return self._run_forward(point)[self._output_register]

    def gradient(self, point: Mapping[str, object]) -> tuple[object, dict[str, object]]:
        """The output's value and d output / d input for every input, in one backward pass."""
        registers, grad = self._run_backward(point)
        return registers[self._output_register], {
            name: grad[r] for name, r in zip(self.inputs, self._input_registers)}

    def adjoints(self, point: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
        """Every node's value and every node's adjoint (d output / d node) at `point`."""
        registers, grad = self._run_backward(point)
        values = {name: registers[r] for r, name in enumerate(self._names)}
        return values, {name: grad[r] for r, name in enumerate(self._names)}

    def _run_backward(self, point: Mapping[str, object]) -> tuple[list, list]:
        with mpmath.workdps(self.digits):
            registers = self._run_forward(point)
            try:
                _run(self._locals, registers, self._backend.check)
            except NotANumber as err:
                source, target = err.where
                raise PointError(_("the local derivative {derivative} is undefined at this point").format(
                    derivative=f"d{target}/d{source}")) \
                    from None
            zero = self._backend.number(0)
            grad = [zero] * len(self._names)
            grad[self._output_register] = zero + 1
            for node_register, target, factor in self._pulls:  # node by node, as backward_walk
                grad[node_register] += grad[target] * registers[factor]
        return registers, grad

    def _run_forward(self, point: Mapping[str, object]) -> list:
        registers = list(self._initial)
        for name, r in zip(self.inputs, self._input_registers):
            if name not in point:
                raise PointError(_("no value for {name}").format(name=name))
            registers[r] = self._backend.number(point[name])
        try:
            _run(self._forward, registers, self._backend.check)
        except NotANumber as err:
            raise PointError(self._undefined(err.where, registers)) from None
        return registers

    def _undefined(self, name: str, registers: list) -> str:
        position = {n: r for r, n in enumerate(self._names)}
        record = node(self._graph, name)
        operands = ", ".join(
            f"{o} = {mpmath.nstr(registers[position[o]], 6)}" for o in dict.fromkeys(record.operands)
            if not is_constant(self._graph, o)
        )
        definition = sympy.sstr(record.definition, order="none")
        return _("{definition} is undefined at this point ({operands})").format(
            definition=f"{name} = {definition}", operands=operands)


def compile_tape(graph: nx.MultiDiGraph, backend: str = "float", digits: int | None = None) -> Tape:
    """Compile `graph` once into a :class:`Tape`.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`symgrad.build_graph`.
    backend : {"float", "mpmath"}
        Python floats (fast), or real mpmath numbers.
    digits : int, optional
        Precision of the mpmath backend in decimal digits; default mpmath's
        current precision.

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
    engine = _backend(backend, real=True)
    digits = mpmath.mp.dps if digits is None else digits
    compiler = _Compiler(engine, digits, share=True)
    names = tuple(order(graph))
    register = {}
    for name in names:
        record = node(graph, name)
        if record.is_constant:
            register[name] = compiler.new_register(engine.constant(record.symbol, digits))
        else:
            register[name] = compiler.leaf_register[record.symbol] = compiler.new_register()
    forward: list[Instruction] = []
    for name in names:
        record = node(graph, name)
        if record.is_operation:
            if record.op == "function" or isinstance(record.definition, AppliedUndef):
                raise GraphError(_("{name} is an abstract function: it has no values").format(name=record.params.__name__))
            forward += compiler.compile(record.definition, name, out=register[name])[0]
    locals_: list[Instruction] = []
    pulls = []  # (node, consumer, local derivative): adjoint(node) += adjoint(consumer) * local
    for name, edges in backward_walk(graph):
        for info in edges:
            program, factor = compiler.compile(info.local_derivative, (info.source, info.target))
            locals_ += program
            pulls.append((register[name], register[info.target], factor))
    return Tape(
        inputs=tuple(input_nodes(graph)), output=output_node(graph), backend=backend, digits=digits,
        _graph=graph, _backend=engine, _names=names, _initial=compiler.initial, _forward=forward,
        _locals=locals_, _pulls=pulls,
    )
