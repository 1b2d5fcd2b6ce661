"""Tests of symgrad.chain: path products, their sum, and reverse accumulation."""

import mpmath
import pytest
import sympy

from symgrad import (SymgradWarning, adjoint_steps, build_graph, chain_paths, explain, gradients, parse,
                     reverse_accumulate)
from symgrad.chain import local_derivative_in_inputs
from symgrad.numeric import NotANumber, concretize, evaluate
from symgrad.verify import agree_numerically
from symgrad.vocabulary import sigmoid


def sym(name):
    return sympy.Symbol(name, real=True)


x, y, b = sym("x"), sym("y"), sym("b")


def test_path_products_of_x_sin_x():
    g = build_graph(parse("x*sin(x)"))
    paths = list(chain_paths(g, "x"))
    assert [p.nodes for p in paths] == [("f", "x"), ("f", "u1", "x")]
    assert [p.factors for p in paths] == [(sym("u1"),), (x, sympy.cos(x))]
    assert [p.rules for p in paths] == [("product",), ("product", "sine")]
    assert [p.product for p in paths] == [sym("u1"), x * sympy.cos(x)]
    assert [p.product_in_inputs for p in paths] == [sympy.sin(x), x * sympy.cos(x)]


def test_path_products_of_sigmoid_neuron():
    g = build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)"))
    (path,) = chain_paths(g, "w1")
    assert path.nodes == ("f", "u3", "u1", "w1")
    u3 = sym("u3")
    assert path.factors == (sympy.Mul(sigmoid(u3), 1 - sigmoid(u3), evaluate=False), 1, sym("x1"))
    assert path.rules == ("sigmoid", "sum", "product")
    z = parse("w1*x1 + w2*x2 + b")
    assert sympy.simplify(path.product_in_inputs - sym("x1") * sigmoid(z) * (1 - sigmoid(z))) == 0


def test_path_products_of_x_times_x():
    paths = list(chain_paths(build_graph(parse("x*x")), "x"))
    assert [p.product_in_inputs for p in paths] == [x, x]
    assert [p.edges for p in paths] == [(("x", "f", 0),), (("x", "f", 1),)]


def test_identity_path():
    (path,) = chain_paths(build_graph(parse("x")), "x")
    assert path.factors == (1,)
    assert path.rules == ("identity",)
    assert path.product_in_inputs == 1


def test_local_derivative_in_inputs():
    g = build_graph(parse("sin(x*y)*exp(x)"))
    assert local_derivative_in_inputs(g, ("u1", "u2", 0)) == sympy.cos(x * y)
    assert local_derivative_in_inputs(g, ("u2", "f", 0)) == sympy.exp(x)
    assert local_derivative_in_inputs(g, ("u3", "f", 1)) == sympy.sin(x * y)


def test_adjoint_steps():
    g = build_graph(parse("x*sin(x)"))
    steps = adjoint_steps(g, "x")
    assert [s.node for s in steps] == ["f", "u1", "x"]
    assert steps[0].terms == ()
    assert steps[1].terms == (("f", 1, x),)
    assert steps[2].terms == (("u1", 0, sympy.cos(x)), ("f", 0, sym("u1")))


def test_adjoint_steps_skip_nodes_off_the_paths():
    g = build_graph(parse("sin(x) + cos(y)"))
    assert [s.node for s in adjoint_steps(g, "x")] == ["f", "u1", "x"]


SYMBOLIC = [
    ("x*sin(x)", "x", "x*cos(x) + sin(x)"),
    ("x*x*x", "x", "3*x**2"),
    ("sin(x)*sin(x)", "x", "2*sin(x)*cos(x)"),
    ("x - y/2", "y", "-1/2"),
    ("x/y", "y", "-x/y**2"),
    ("exp(x*y)", "x", "y*exp(x*y)"),
    ("log(x)", "x", "1/x"),
    ("sqrt(x)", "x", "1/(2*sqrt(x))"),
    ("x^3 + 2*x", "x", "3*x**2 + 2"),
    ("tan(x)", "x", "tan(x)**2 + 1"),
    ("tanh(2*x)", "x", "2 - 2*tanh(2*x)**2"),
    ("x", "x", "1"),
    ("3", "x", "0"),
    ("y^x", "x", "y**x*log(y)"),
]


@pytest.mark.parametrize("text, variable, expected", SYMBOLIC)
def test_reverse_accumulation_symbolic(text, variable, expected):
    g = build_graph(parse(text))
    if variable not in g:
        with pytest.warns(SymgradWarning):
            e = explain(text, wrt=variable)
        assert e.derivative == 0
        return
    derivative = reverse_accumulate(g, variable)
    locals_ = {n: sym(n) for n in ("x", "y")}
    assert sympy.simplify(derivative - sympy.sympify(expected, locals=locals_)) == 0
    paths = list(chain_paths(g, variable))
    path_sum = sympy.Add(*(p.product_in_inputs for p in paths))
    assert sympy.simplify(path_sum - derivative) == 0
    direct = sympy.diff(parse(text), sym(variable))
    assert sympy.simplify(direct - derivative) == 0


def test_reverse_accumulation_is_tidied_when_small():
    assert reverse_accumulate(build_graph(parse("x*x*x")), "x") == 3 * x**2
    assert reverse_accumulate(build_graph(parse("x*sin(x)")), "x") == x * sympy.cos(x) + sympy.sin(x)


@pytest.mark.parametrize("text, expected", [
    ("(x - x)^0.5", 0),          # both paths carry 0.5/u1^0.5, infinite at u1 = 0; they cancel
    ("y*(x - x)^0.5", 0),
    ("sqrt(x - x) + x", 1),
    ("2*x - 1/x + (x - x)^0.5", 2 + 1 / x**2),
])
def test_paths_that_are_infinite_alone_cancel_before_substituting(text, expected):
    graph = build_graph(parse(text))
    assert reverse_accumulate(graph, "x") == expected
    e = explain(text, "x")
    assert e.derivative == expected and e.check.status == "symbolic"
    assert "cancel" in e.to_text()
    assert gradients(graph)["x"] == expected  # the whole-graph backward pass does the same
    assert e.result[0] == expected  # not the path sum's nan, though it is the shortest form


def test_an_undefined_derivative_stays_undefined():
    # 1/sqrt(x - x) is infinite for every x: no ordering of the sum makes it defined
    assert reverse_accumulate(build_graph(parse("sqrt(x - x)*x + (x - x)^-0.5")), "x").has(sympy.zoo, sympy.nan)


def test_paths_agree_is_undecided_without_a_finite_point():
    assert explain("(x - x)^0.5", "x").check.details["paths_agree"] is None
    assert explain("x*sin(x)", "x").check.details["paths_agree"] is True


NUMERIC = [
    "sigmoid(w1*x + w2*x^2 + b)",
    "relu(x*y - 1) + softplus(x - y)",
    "abs(sin(x)) * exp(-x*x)",
    "log(x*x + 1, y*y + 2)",
    "(x + y)^3 / (1 + x*x)",
    "tanh(tanh(tanh(x*y)))",
    "sqrt(x*x + y*y) * cos(x/y)",
    "x^y + y^x",
    "f(x*y, sin(x))",
    "g(x)*g(x) + g(x*y)",
    "exp(sin(x)*cos(x)) + sin(x)*cos(x)",
]


@pytest.mark.parametrize("text", NUMERIC)
@pytest.mark.parametrize("share", [True, False])
def test_three_ways_agree_numerically(text, share):
    expr = parse(text)
    g = build_graph(expr, share=share)
    derivative = reverse_accumulate(g, "x")
    path_sum = sympy.Add(*(p.product_in_inputs for p in chain_paths(g, "x")))
    direct = sympy.diff(expr, x)
    symbols = expr.free_symbols
    assert agree_numerically(derivative, direct, symbols, seed=1) == (5, None)
    assert agree_numerically(path_sum, derivative, symbols, seed=2) == (5, None)


def test_numeric_comparison_detects_a_wrong_derivative():
    expr = parse("x*sin(x)")
    agreed, point = agree_numerically(sympy.sin(x), sympy.diff(expr, x), {x}, seed=0)
    assert agreed == 0
    assert set(point) == {"x"}


def test_evaluate_agrees_with_mpmath_by_hand():
    g = build_graph(parse("sigmoid(w*x + b)"))
    derivative = reverse_accumulate(g, "w")
    with mpmath.workdps(50):
        point = {sym("w"): mpmath.mpf("0.7"), x: mpmath.mpf("-1.3"), b: mpmath.mpf("0.25")}
        s = 1 / (1 + mpmath.exp(-(mpmath.mpf("0.7") * mpmath.mpf("-1.3") + mpmath.mpf("0.25"))))
        expected = s * (1 - s) * mpmath.mpf("-1.3")
    got = evaluate(derivative, point, 50)
    assert abs(got - expected) < mpmath.mpf(10) ** -45


def test_evaluate_raises_not_a_number():
    with pytest.raises(NotANumber):
        evaluate(1 / x, {x: 0})
    with pytest.raises(NotANumber):
        evaluate(sympy.log(x, evaluate=False), {x: 0})
    with pytest.raises(NotANumber):
        evaluate(x, {})


def test_concretize_removes_abstract_functions():
    f = sympy.Function("f")
    expr = reverse_accumulate(build_graph(parse("f(x*x)")), "x")
    assert expr.has(f)
    concrete = concretize(expr)
    assert not concrete.has(f)
    value = evaluate(concrete, {x: 2}, 30)
    with mpmath.workdps(30):
        seed = sum(map(ord, "f")) % 7 + 1
        t = mpmath.mpf(4)
        expected = (mpmath.cos(t) + 2 * t / 7 + mpmath.mpf(seed) / 3) * 4
    assert abs(value - expected) < mpmath.mpf(10) ** -25


def test_explanation_path_sum_and_derivative():
    e = explain("x*x*x + sin(x)", wrt="x")
    assert e.path_count == 4
    assert e.all_paths_listed
    assert sympy.simplify(e.path_sum - (3 * x**2 + sympy.cos(x))) == 0
    assert e.derivative == 3 * x**2 + sympy.cos(x)
    assert e.check.details["paths_agree"] is True


def test_explanation_max_paths_limits_the_listing():
    e = explain("x*x*x*x*x", wrt="x", max_paths=2, check=False)
    assert e.path_count == 5
    assert len(e.listed_paths) == 2
    assert e.path_sum is None
    assert e.derivative == 5 * x**4
    assert e.check.status == "unknown"


def test_nested_abstract_function():
    e = explain("g(g(x))", wrt="x")
    assert e.path_count == 1
    assert str(e.derivative) == "Derivative(g(x), x)*Subs(Derivative(g(u1), u1), u1, g(x))"
    assert e.check.status == "symbolic"
    concrete = concretize(e.derivative)
    assert not concrete.has(sympy.Function("g"))
