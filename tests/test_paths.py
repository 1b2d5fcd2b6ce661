"""Tests of symgrad.paths: exact counting, lazy listing, and huge path counts."""

import functools
import warnings

import mpmath
import pytest
import sympy

from symgrad import SymgradWarning, VariableError, build_graph, count_paths, explain, iter_paths, parse, reverse_accumulate
from symgrad.numeric import evaluate
from symgrad.paths import nodes_on_paths

import families  # pytest puts tests/ on the path

EXPRESSIONS = [
    ("x", "x", 1),
    ("x*x", "x", 2),
    ("x*x*x", "x", 3),
    ("x*x*x + sin(x)", "x", 4),
    ("x*sin(x)", "x", 2),
    ("sin(x)*sin(x)", "x", 2),
    ("sigmoid(w1*x1 + w2*x2 + b)", "w1", 1),
    ("sigmoid(w1*x1 + w2*x2 + b)", "b", 1),
    ("(x + y)*(x - y)", "x", 2),
    ("(x + y)*(x - y)", "y", 2),
    ("exp(x*x)*exp(x*x) + x", "x", 5),
    ("x^x", "x", 2),
    ("log(x, x)", "x", 2),
    ("f(x, x*y)", "x", 2),
    ("sin(x*y) + y", "x", 1),
    ("sin(x*y) + y", "y", 2),
    ("(x*x + x)*(x*x + x)", "x", 6),
    ("((x + x)*(x + x))*((x + x)*(x + x))", "x", 8),
    ("3*x + 2", "x", 1),
]


@pytest.mark.parametrize("text, variable, expected", EXPRESSIONS)
@pytest.mark.parametrize("share", [True, False])
def test_count_equals_listing(text, variable, expected, share):
    g = build_graph(parse(text), share=share)
    paths = list(iter_paths(g, variable))
    assert count_paths(g, variable) == expected
    assert len(paths) == expected
    assert len(set(paths)) == expected


@pytest.mark.parametrize("text, variable, expected", EXPRESSIONS)
def test_paths_run_from_output_to_variable(text, variable, expected):
    g = build_graph(parse(text))
    for path in iter_paths(g, variable):
        assert path[0][1] == g.graph["output"]
        assert path[-1][0] == variable
        for (source, _, _), (_, target, _) in zip(path, path[1:]):
            assert source == target
        for edge in path:
            assert g.has_edge(*edge)


def test_listing_order_is_by_operand_position():
    g = build_graph(parse("x*sin(x)"))
    assert list(iter_paths(g, "x")) == [(("x", "f", 0),), (("u1", "f", 1), ("x", "u1", 0))]


def test_listing_of_parallel_edges():
    g = build_graph(parse("sin(x)*sin(x)"))
    assert list(iter_paths(g, "x")) == [
        (("u1", "f", 0), ("x", "u1", 0)),
        (("u1", "f", 1), ("x", "u1", 0)),
    ]


def test_listing_is_deterministic():
    text = "(x*x + sin(x))*(exp(x) - x/y) + log(x*y)"
    first = list(iter_paths(build_graph(parse(text)), "x"))
    for _ in range(3):
        assert list(iter_paths(build_graph(parse(text)), "x")) == first
    assert len(first) == count_paths(build_graph(parse(text)), "x") == 6


def test_identity_graph_path():
    g = build_graph(parse("x"))
    assert list(iter_paths(g, "x")) == [(("x", "f", 0),)]
    assert list(iter_paths(g, "f")) == [()]
    assert count_paths(g, "f") == 1


def test_variable_that_does_not_reach_output():
    g = build_graph(parse("x*y"))
    g = build_graph(parse("sin(x) + cos(y)"))
    assert count_paths(g, "x", output="u2") == 0
    assert list(iter_paths(g, "x", output="u2")) == []
    assert count_paths(g, "y", output="u2") == 1
    assert nodes_on_paths(g, "x") == {"x", "u1", "f"}


def test_intermediate_output():
    g = build_graph(parse("sigmoid(w1*x + w2*x + b)"))
    assert count_paths(g, "x", output="u3") == 2
    assert count_paths(g, "x", output="u1") == 1


def test_missing_variable_raises_variable_error():
    g = build_graph(parse("x*y"))
    with pytest.raises(VariableError):
        count_paths(g, "z")
    with pytest.raises(VariableError):
        list(iter_paths(g, "z"))
    with pytest.raises(VariableError):
        count_paths(g, "x", output="nope")


def test_missing_variable_in_explain_warns_and_gives_zero():
    with pytest.warns(SymgradWarning, match="'z' does not occur"):
        e = explain("x*y", wrt="z")
    assert e.occurs is False
    assert e.path_count == 0
    assert list(e.paths) == []
    assert e.listed_paths == []
    assert e.derivative == 0
    assert e.adjoint_steps == []
    assert e.check.status == "symbolic"


def test_wrt_an_intermediate_node_is_refused():
    with pytest.raises(VariableError):
        explain("sin(x*y)", wrt="u1")
    with pytest.raises(VariableError):
        explain("sin(x*y)", wrt="f")
    with pytest.raises(VariableError):
        explain("sin(x*y)", wrt="1x")


def test_present_variable_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert explain("x*y", wrt="x", check=False).path_count == 1


@functools.lru_cache(maxsize=None)
def nested(n):
    """f0 = x, f(k+1) = sin(fk)*cos(fk) + fk**2, unevaluated.

    Cached: rebuilding a deep unevaluated tree makes SymPy's construction
    cache compare two equal deep trees recursively.
    """
    return sympy.Symbol("x", real=True), families.nested(n)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_nested_family_small_listing(n):
    _, f = nested(n)
    g = build_graph(f)
    assert count_paths(g, "x") == 3**n
    assert len(list(iter_paths(g, "x"))) == 3**n


def test_nested_family_3_to_the_1000_paths():
    x, f = nested(1000)
    g = build_graph(f)
    assert g.number_of_nodes() == 1 + 5 * 1000  # x; sin, cos, mul, pow, add per level
    count = count_paths(g, "x")
    assert count == 3**1000
    assert isinstance(count, int)
    # the listing is lazy: the first paths come at once
    first = next(iter_paths(g, "x"))
    assert len(first) == 3 * 1000  # add <- mul <- sin at every level
    derivative = reverse_accumulate(g, "x")
    point = mpmath.mpf("-0.5")
    with mpmath.workdps(60):
        value, slope = point, mpmath.mpf(1)
        for _ in range(1000):  # forward mode, by hand
            value, slope = mpmath.sin(value) * mpmath.cos(value) + value**2, (mpmath.cos(2 * value) + 2 * value) * slope
    got = evaluate(derivative, {x: point}, 50)
    assert abs(got - slope) <= abs(slope) * mpmath.mpf(10) ** -40
    assert evaluate(f, {x: point}, 50) == pytest.approx(float(value), rel=1e-12)


def test_nested_family_explain_counts_without_listing_everything():
    _, f = nested(1000)
    e = explain(f, wrt="x", check=False, max_paths=3)
    assert e.path_count == 3**1000
    assert len(e.listed_paths) == 3
    assert e.all_paths_listed is False
    assert e.path_sum is None
