"""Property tests: random expression text from the vocabulary, three ways to the derivative."""

import re

import mpmath
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symgrad import ParseError, build_graph, explain, parse
from symgrad.numeric import NotANumber, evaluate, is_real_at

VARIABLES = ["x", "y", "z"]
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs"]
KINKS = {"relu", "abs", "sqrt", "log"}

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

constants = st.one_of(st.integers(0, 9).map(str), st.sampled_from(["0.5", "1.5", "2.25", "0.1", "3.0"]))
leaves = st.one_of(st.sampled_from(VARIABLES), st.sampled_from(VARIABLES), constants)


def _extend(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    power = st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]})^{t[1]}" if t[1] >= 0 else f"({t[0]})^({t[1]})")
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
    negation = children.map(lambda c: f"-({c})")
    return st.one_of(binary, binary, power, unary, unary, negation)


def _parses(text):
    try:
        parse(text)
    except ParseError:  # e.g. a constant division by zero, (0)^(-1)
        return False
    return True


expressions = st.recursive(leaves, _extend, max_leaves=8).filter(_parses)


@st.composite
def text_and_variable(draw):
    text = draw(expressions.filter(lambda t: any(re.search(rf"\b{v}\b", t) for v in VARIABLES)))
    present = [v for v in VARIABLES if re.search(rf"\b{v}\b", text)]
    return text, draw(st.sampled_from(present))


def sym(name):
    return sympy.Symbol(name, real=True)


def occurrences(text, name):
    return len(re.findall(rf"\b{name}\b", text))


@SETTINGS
@given(text_and_variable(), st.booleans())
def test_path_count_is_number_of_occurrences(text_variable, share):
    text, variable = text_variable
    e = explain(text, wrt=variable, check=False, share=share, max_paths=0)
    assert e.path_count == occurrences(text, variable)


def _real_point(e, draw_values):
    """The drawn values as a point; a draw where some intermediate value of `e` is not real is discarded."""
    point = {sym(name): mpmath.mpf(value) for name, value in zip(VARIABLES, draw_values)}
    # the real chain rule speaks about points where every intermediate value is real
    assume(is_real_at(e.expression, point))
    return point


def _close(a, b, rel):
    scale = max(abs(a), abs(b), mpmath.mpf(1))
    return abs(a - b) <= scale * rel


def _kink_arguments(graph):
    """Expressions of the arguments of the non-smooth operations in the graph."""
    for node in graph.nodes:
        data = graph.nodes[node]
        if data["kind"] == "operation" and data["op"] in KINKS | {"pow", "mul", "power"}:
            for operand in data["operands"]:
                yield graph.nodes[operand]["expression"]


point_values = st.lists(
    st.tuples(st.floats(min_value=0.05, max_value=2.0), st.booleans()).map(lambda t: t[0] if t[1] else -t[0]),
    min_size=3, max_size=3)


@SETTINGS
@given(text_and_variable(), point_values)
def test_backprop_equals_path_sum_equals_sympy_diff(text_variable, values):
    text, variable = text_variable
    e = explain(text, wrt=variable, check=False, max_paths=64)
    point = _real_point(e, values)
    try:
        backprop = evaluate(e.derivative, point, 50)
        direct = evaluate(sympy.diff(e.expression, sym(variable)), point, 50)
    except NotANumber:
        assume(False)
    # Decimal literals are 15-digit SymPy Floats: constant arithmetic on them (1/1.5 in a local
    # derivative) is only that precise. With exact constants the agreement is to 50 digits.
    exact = not e.expression.atoms(sympy.Float)
    rel = mpmath.mpf("1e-25") if exact else mpmath.mpf("1e-10")
    with mpmath.workdps(50):
        assert _close(backprop, direct, rel), (text, variable, values)
        if e.all_paths_listed:
            try:
                path_sum = evaluate(e.path_sum, point, 50)
            except NotANumber:
                assume(False)
            assert _close(path_sum, backprop, rel), (text, variable, values)


# Opens like the test above (a drawn expression at a drawn real point); what it checks differs.
@SETTINGS
@given(text_and_variable(), point_values)
def test_backprop_matches_central_difference(text_variable, values):
    text, variable = text_variable
    e = explain(text, wrt=variable, check=False, max_paths=0)
    point = _real_point(e, values)
    # stay away from kinks and poles: every operand of a non-smooth or singular op is not tiny
    try:
        for argument in _kink_arguments(e.graph):
            assume(abs(evaluate(argument, point, 50)) > 1e-3)
        backprop = evaluate(e.derivative, point, 50)
    except NotANumber:
        assume(False)
    h = mpmath.mpf("1e-15")
    var = sym(variable)
    try:
        with mpmath.workdps(50):
            plus = dict(point) | {var: point[var] + h}
            minus = dict(point) | {var: point[var] - h}
            assume(is_real_at(e.expression, plus) and is_real_at(e.expression, minus))
            high = evaluate(e.expression, plus, 50)
            low = evaluate(e.expression, minus, 50)
            difference = (high - low) / (2 * h)
    except NotANumber:
        assume(False)
    assume(abs(backprop) < 1e12)
    with mpmath.workdps(50):
        assert _close(difference, backprop, mpmath.mpf("1e-8")), (text, variable, values, difference, backprop)


@SETTINGS
@given(expressions)
def test_shared_and_tree_graphs_give_the_same_counts(text):
    expr = parse(text)
    shared, tree = build_graph(expr), build_graph(expr, share=False)
    assert shared.graph["inputs"] == tree.graph["inputs"]
    for variable in shared.graph["inputs"]:
        e1 = explain(expr, wrt=variable, check=False, max_paths=0)
        e2 = explain(expr, wrt=variable, check=False, max_paths=0, share=False)
        assert e1.path_count == e2.path_count == occurrences(text, variable)
    assert shared.number_of_nodes() <= tree.number_of_nodes()
