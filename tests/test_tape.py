"""The numeric engine: one function table per backend, checked against SymPy and itself."""

import json
import math

import mpmath
import pytest
import sympy

from symgrad import GraphError, PointError, build_graph, evaluate_at, parse, parse_point
from symgrad import nn
from symgrad.chain import adjoint_steps, backward_walk
from symgrad.cli import main
from symgrad.numeric import NotANumber, evaluate, is_real_at
from symgrad.paths import count_paths, iter_paths, path_totals
from symgrad.tape import FLOAT_FUNCTIONS, MPMATH_FUNCTIONS, compile_expression, compile_tape
from symgrad.verify import backward_operations, complexity
from symgrad.vocabulary import FUNCTIONS, relu, sigmoid, softplus

x = sympy.Symbol("x", real=True)
y = sympy.Symbol("y", real=True)
POINTS = ("-2.5", "-0.7", "0", "0.3", "1.9")


def _unary_functions():
    """Every one-argument function of the tables (Add, Mul, Pow are operators)."""
    return [f for f in FLOAT_FUNCTIONS if f not in (sympy.Add, sympy.Mul, sympy.Pow)]


def _defined(function, value: str) -> bool:
    """Whether SymPy gives `function` a finite real value at `value` (log of 0, asin of 2.5: no)."""
    exact = function(sympy.Float(value, 40)).evalf(40)
    return bool(exact.is_real and exact.is_finite)


def test_both_backends_have_one_entry_for_every_function():
    assert set(FLOAT_FUNCTIONS) == set(MPMATH_FUNCTIONS)
    for name, function in FUNCTIONS.items():
        if name != "sqrt":  # sqrt builds a power
            assert function in FLOAT_FUNCTIONS, name
    assert {sympy.Heaviside, sympy.sign, relu, sigmoid, softplus} <= set(FLOAT_FUNCTIONS)


@pytest.mark.parametrize("function", _unary_functions(), ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", POINTS)
def test_float_and_mpmath_agree_with_each_other_and_with_sympy(function, value):
    if not _defined(function, value):
        for backend in ("float", "mpmath"):
            with pytest.raises(NotANumber):
                compile_expression(function(x), backend, real=True).evaluate({x: value})
        return
    expected = function(sympy.Float(value, 40)).evalf(40)
    precise = compile_expression(function(x), "mpmath", digits=40).evaluate({x: value})
    fast = compile_expression(function(x), "float").evaluate({x: float(value)})
    assert isinstance(fast, float)
    with mpmath.workdps(40):
        assert abs(precise - mpmath.mpf(expected)) <= mpmath.mpf(10) ** -35 * max(1, abs(precise))
    assert fast == pytest.approx(float(expected), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("expr", [
    sympy.Heaviside(x), sympy.Heaviside(x, 0), sympy.Heaviside(x, 1), sympy.sign(x), relu(x), sympy.Abs(x),
], ids=str)
@pytest.mark.parametrize("value", ["-1", "0", "1"])
def test_step_functions_are_the_same_in_both_backends_and_in_sympy(expr, value):
    fast = compile_expression(expr, "float").evaluate({x: float(value)})
    precise = compile_expression(expr, "mpmath").evaluate({x: mpmath.mpf(value)})
    exact = expr.subs(x, sympy.Integer(value))
    assert fast == float(precise) == float(exact)


def test_relu_and_heaviside_of_a_complex_number_have_no_value():
    for expr in (relu(sympy.sqrt(x)), sympy.Heaviside(sympy.sqrt(x))):
        with pytest.raises(NotANumber):
            evaluate(expr, {x: -1})
        assert not is_real_at(expr, {x: -1})
        assert is_real_at(expr, {x: 4})
    # sign of a complex number is z/|z|, as in SymPy
    assert evaluate(sympy.sign(sympy.sqrt(x)), {x: -4}) == mpmath.mpc(0, 1)


def test_evaluate_does_not_turn_a_programming_error_into_not_a_number():
    with pytest.raises(TypeError):
        evaluate(sympy.sin(x), {x: object()})


def test_evaluate_refuses_poles_and_missing_values():
    for expr, point in [(1 / x, {x: 0}), (sympy.log(x), {x: 0}), (x + y, {x: 1}), (sympy.zoo * x, {x: 1})]:
        with pytest.raises(NotANumber):
            evaluate(expr, point)


@pytest.mark.parametrize("text, at", [
    ("sigmoid(w*x + b)", "w=0.5,x=2,b=-1"),
    ("x*sin(x)*exp(x/3) + relu(x - 1)", "x=1.3"),
    ("softplus(x*y) / (1 + x**2) + tanh(abs(y - x))", "x=-0.4,y=1.7"),
    ("log(x + 3)**2 * sqrt(x + 5)", "x=0.25"),
])
def test_at_gradients_are_the_tapes_and_sympys(text, at):
    graph = build_graph(parse(text))
    point = parse_point(at, graph.graph["inputs"])
    values = evaluate_at(graph, point).exact
    loss, gradients = compile_tape(graph, "mpmath", digits=50).gradient(point)
    fast_loss, fast = compile_tape(graph).gradient({k: float(v) for k, v in point.items()})
    assert loss == values.values[graph.graph["output"]]
    symbols = {s.name: s for s in graph.graph["expression"].free_symbols}
    at_symbols = {symbols[name]: value for name, value in point.items()}
    for name in graph.graph["inputs"]:
        assert gradients[name] == values.gradients[name]  # the same engine: exactly equal
        direct = evaluate(sympy.diff(graph.graph["expression"], symbols[name]), at_symbols)
        assert abs(gradients[name] - direct) < mpmath.mpf(10) ** -40 * max(1, abs(direct))
        assert fast[name] == pytest.approx(float(direct), rel=1e-12, abs=1e-14)
    assert fast_loss == pytest.approx(float(loss), rel=1e-14)


def test_one_condition_one_exception():
    graph = build_graph(parse("f(x)*x"))
    with pytest.raises(GraphError, match="abstract function"):
        compile_tape(graph)
    with pytest.raises(GraphError, match="abstract function"):
        evaluate_at(graph, {"x": mpmath.mpf(1)})
    graph = build_graph(parse("x*log(x)"))
    messages = set()
    for run in (lambda: compile_tape(graph, "mpmath").forward({"x": -2}),
                lambda: compile_tape(graph).gradient({"x": -2.0}),
                lambda: evaluate_at(graph, {"x": mpmath.mpf(-2)})):
        with pytest.raises(PointError) as info:
            run()
        messages.add(str(info.value))
    assert messages == {"u1 = log(x) is undefined at this point (x = -2.0)"}


def test_a_local_derivative_that_is_not_real_is_undefined():
    graph = build_graph(parse("x**y"))  # d/dy = x**y log(x): not real at x < 0
    with pytest.raises(PointError, match="local derivative df/dy"):
        evaluate_at(graph, {"x": mpmath.mpf(-2), "y": mpmath.mpf(3)})


def test_mpmath_tape_works_at_its_own_precision():
    graph = build_graph(parse("x/3 + 1/7"))
    tape = compile_tape(graph, "mpmath", digits=60)  # compiled at mpmath's default 15 digits
    with mpmath.workdps(60):
        expected = mpmath.mpf(2) / 3 + mpmath.mpf(1) / 7
    assert abs(tape.forward({"x": 2}) - expected) < mpmath.mpf(10) ** -55


# --- counting once ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["x*sin(x)", "x*x*x + sin(x)", "(x*y + x)**2 * exp(x*y)", "y + 1 + 0*x"])
def test_path_totals_count_and_measure_the_listed_paths(text):
    graph = build_graph(parse(text))
    paths = list(iter_paths(graph, "x"))
    totals = path_totals(graph, "x", weight=lambda edge: 10 + edge[2])
    assert totals.count == count_paths(graph, "x") == len(paths)
    assert totals.edges == sum(len(p) for p in paths)
    assert totals.weight == sum(10 + key for p in paths for _, _, key in p)


def test_one_count_of_the_backward_pass():
    graph = nn.mlp([3, 2, 2]).graph
    assert nn.operation_counts(graph).backward == backward_operations(graph)
    g = build_graph(parse("x*sin(x) + y"))
    c = complexity(g, "x", count_paths(g, "x"), None)
    assert c.backprop_operations == backward_operations(g, {"f", "u1", "u2", "x"}) == 6  # cos, 4 multiplies, 1 add at x


def test_adjoint_steps_are_the_backward_walk():
    graph = build_graph(parse("x*sin(x) + exp(x)*x"))
    steps = adjoint_steps(graph, "x")
    walked = [(n, tuple((e.target, e.key, e.local_derivative) for e in edges)) for n, edges in backward_walk(graph)]
    assert [(s.node, s.terms) for s in steps[1:]] == walked
    assert steps[0].node == "f" and steps[0].terms == ()


def test_max_relative_error_is_one_function():
    net = nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
    numbers = nn.numbers(net, nn.random_point(net, seed=2))
    assert numbers.max_relative_error < 1e-20
    assert math.isfinite(numbers.at.max_relative_error)


def test_cli_at_gradients_are_the_tapes(capsys):
    assert main(["sigmoid(w*x + b)*log(x)", "--wrt", "w", "--at", "w=0.5,x=2,b=-1", "-f", "json",
                 "--no-check"]) == 0
    printed = json.loads(capsys.readouterr().out)["at"]
    graph = build_graph(parse("sigmoid(w*x + b)*log(x)"))
    point = {"w": 0.5, "x": 2.0, "b": -1.0}
    _, precise = compile_tape(graph, "mpmath", digits=50).gradient({k: str(v) for k, v in point.items()})
    _, fast = compile_tape(graph).gradient(point)
    for name in ("w", "x", "b"):
        assert printed["gradients"][name] == float(precise[name])
        assert printed["gradients"][name] == pytest.approx(fast[name], rel=1e-14)
