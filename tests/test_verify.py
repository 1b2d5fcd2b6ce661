"""Tests of symgrad.verify: check statuses, numeric agreement and complexity figures."""

import concurrent.futures
import itertools
import json
import time

import pytest
import sympy

from symgrad import Check, TimeLimitExceeded, build_graph, check_derivative, explain, parse
from symgrad.numeric import is_real_at
from symgrad.verify import agree_numerically, complexity, finite_difference_check, free_symbols, real_points

import families  # pytest puts tests/ on the path


def sym(name):
    return sympy.Symbol(name, real=True)


x, y = sym("x"), sym("y")


def test_check_symbolic():
    result = check_derivative(x * sympy.cos(x) + sympy.sin(x), parse("x*sin(x)"), x)
    assert isinstance(result, Check)
    assert result.status == "symbolic"
    assert result.ok
    assert result.direct == x * sympy.cos(x) + sympy.sin(x)


def test_check_mismatch_for_a_wrong_derivative():
    result = check_derivative(x * sympy.cos(x), parse("x*sin(x)"), x)
    assert result.status == "mismatch"
    assert not result.ok
    assert set(result.details["point"]) == {"x"}
    assert result.points == 0


def test_check_mismatch_for_a_slightly_wrong_derivative():
    wrong = 3 * x**2 + sympy.Float("1e-20", 30)
    result = check_derivative(wrong, parse("x*x*x"), x)
    assert result.status == "mismatch"


def test_check_mismatch_wrong_sign():
    result = check_derivative(-sympy.exp(x * y) * y, parse("exp(x*y)"), x)
    assert result.status == "mismatch"


def test_check_numeric_when_simplify_cannot_decide():
    e = explain("abs(x)^x", wrt="x")
    assert e.check.status == "numeric"
    assert e.check.points == 5
    assert "5 random points" in e.check.reason


def test_check_does_not_report_complex_points_as_mismatch():
    for text in ["abs(sqrt(x))", "abs(log(x))", "abs(x^0.5)", "abs(x^y)"]:
        e = explain(text, wrt="x")
        assert e.check.status in ("symbolic", "numeric"), (text, e.check.reason)


def test_is_real_at():
    expr = parse("abs(sqrt(x))")
    assert is_real_at(expr, {x: 2})
    assert not is_real_at(expr, {x: -2})
    assert not is_real_at(parse("log(x)"), {x: 0})
    assert is_real_at(parse("x^2"), {x: -3})


def test_check_not_requested():
    e = explain("x*sin(x)", wrt="x", check=False)
    assert e.check.status == "unknown"
    assert e.check.direct is None
    assert e.check.ok


def test_check_with_abstract_function():
    e = explain("f(x*y)*x", wrt="x")
    assert e.check.status in ("symbolic", "numeric")
    assert check_derivative(sympy.S.Zero, parse("f(x*y)*x"), x).status == "mismatch"


def test_agree_numerically_skips_undefined_points():
    agreed, disagreement = agree_numerically(1 / x, 1 / x, {x})
    assert (agreed, disagreement) == (5, None)
    agreed, disagreement = agree_numerically(sympy.log(x), sympy.log(x), {x}, real_at=parse("log(x)"))
    assert (agreed, disagreement) == (5, None)


def test_agree_numerically_finds_difference():
    agreed, disagreement = agree_numerically(sympy.sin(x) ** 2, 1 - sympy.cos(x) ** 2 + sympy.Float("1e-25", 40), {x})
    assert agreed == 0
    assert disagreement is not None


def test_explain_check_statuses_on_many_inputs():
    for text in ["sigmoid(w1*x + w2*x2 + b)", "relu(x*y) + softplus(x)", "tanh(x)^2", "log(x, y)",
                 "x^y", "sqrt(x*x + 1)", "exp(-x)/(1 + exp(-x))"]:
        e = explain(text, wrt="x")
        assert e.check.status in ("symbolic", "numeric"), (text, e.check.reason)
        assert e.check.details.get("paths_agree") is True


# --- complexity ---------------------------------------------------------------------


def test_complexity_x_sin_x_by_hand():
    # x, u1 = sin(x), f = x*u1; locals: df/dx = u1 (0 ops), df/du1 = x (0), du1/dx = cos(x) (1)
    e = explain("x*sin(x)", wrt="x")
    c = e.complexity
    assert (c.nodes, c.edges, c.paths, c.edges_on_paths) == (3, 3, 2, 3)
    assert c.direct_size == 4  # x*cos(x) + sin(x): +, *, cos, sin
    assert (c.largest_local_size, c.total_local_size) == (1, 1)
    assert c.chain_rule_size == 3  # u1 + x*cos(x): one '*', one cos, one '+'
    assert c.backprop_operations == 5  # 1 (cos) + 3 multiplies + 1 add at x


def test_complexity_x_cubed_by_hand():
    # f = x*x*x: three parallel edges, each local x*x = x**2 (1 op)
    c = explain("x*x*x", wrt="x").complexity
    assert (c.nodes, c.edges, c.paths, c.edges_on_paths) == (2, 3, 3, 3)
    assert c.direct_size == 2  # 3*x**2
    assert (c.largest_local_size, c.total_local_size) == (1, 3)
    assert c.chain_rule_size == 5  # x**2 + x**2 + x**2: 3 powers, 2 adds
    assert c.backprop_operations == 8  # 3 locals + 3 multiplies + 2 adds at x


def test_complexity_sin_xy_plus_x_by_hand():
    # x, y, u1 = x*y, u2 = sin(u1), f = u2 + x. Paths to x: f<-x, f<-u2<-u1<-x
    c = explain("sin(x*y) + x", wrt="x").complexity
    assert (c.nodes, c.edges, c.paths, c.edges_on_paths) == (5, 5, 2, 4)
    assert c.direct_size == 4  # y*cos(x*y) + 1
    assert (c.largest_local_size, c.total_local_size) == (1, 1)
    assert c.chain_rule_size == 4  # 1 + 1*cos(u1)*y: cos, 2 multiplies, 1 add
    assert c.backprop_operations == 6  # cos + 4 multiplies + 1 add at x


def test_complexity_variable_absent():
    g = build_graph(parse("x*y"))
    c = complexity(g, "z", 0, None)
    assert (c.paths, c.edges_on_paths, c.chain_rule_size, c.backprop_operations) == (0, 0, 0, 0)
    assert c.direct_size is None
    # no path: nothing was differentiated, so nothing "did not finish"
    assert c.sentence("f", "z") == (
        "f does not depend on z: there are no paths, no local derivative to multiply, "
        "and the derivative is 0."
    )


def test_complexity_sentence():
    e = explain("x*sin(x)", wrt="x")
    sentence = e.complexity.sentence("f", "x")
    assert sentence == (
        "SymPy's direct derivative df/dx has 4 operations; the chain rule needs 3 local derivatives "
        "of at most 1 operation each (1 in all); the 2 paths written out as products take 3 operations, "
        "while backpropagation visits each of the 3 edges once (5 operations)."
    )


def test_complexity_shared_square_by_hand():
    # Parentheses make (x*x) a node, shared: u1 = x*x, f = u1*u1*u1.
    # Edges: x->u1 twice (local x, 0 ops), u1->f three times (local u1**2, 1 op).
    e = explain("(x*x)*(x*x)*(x*x)", wrt="x")
    assert [str(e.graph.nodes[n]["definition"]) for n in ("u1", "f")] == ["x*x", "u1*u1*u1"]
    assert e.path_count == 6
    c = e.complexity
    assert (c.nodes, c.edges, c.edges_on_paths) == (3, 5, 5)
    assert (c.largest_local_size, c.total_local_size) == (1, 3)
    # 6 paths of 2 factors (1 op + 0 ops + 1 multiply), 5 adds
    assert c.chain_rule_size == 6 * 2 + 5
    # 3 ops in locals + 5 multiplies + adds at forks (x: 2 edges -> 1, u1: 3 edges -> 2)
    assert c.backprop_operations == 3 + 5 + 3
    assert c.direct_size == 2  # 6*x**5



# --- witnesses without sympy.diff, domain-aware sampling, threads (issue 14) -------------


def nested(n):
    """The benchmark's family (:func:`families.nested`) in a plain symbol x, as a user types it."""
    return families.nested(n, real=False)


def test_check_decided_for_the_nested_family_with_its_method():
    for n in (10, 100):
        check = explain(nested(n), "x").check
        assert check.status == "numeric", (n, check.reason)
        assert check.method == "finite-differences"
        assert "finite differences" in check.reason and check.points == 5


def test_check_names_its_method_for_small_expressions():
    assert explain("x*sin(x)", wrt="x").check.method == "sympy-diff-symbolic"
    assert explain("abs(x)^x", wrt="x").check.method == "sympy-diff-numeric"


def test_finite_differences_alone_flag_a_wrong_derivative(monkeypatch):
    import symgrad.verify as verify

    def too_slow(*args, **kwargs):
        raise TimeLimitExceeded("sympy.diff did not finish within 5 s")

    monkeypatch.setattr(verify.sympy, "diff", too_slow)
    e = explain("sin(x)*exp(x*x)", wrt="x")
    right = check_derivative(e.derivative, e.expression, e.variable)
    assert (right.status, right.method) == ("numeric", "finite-differences")
    assert "did not finish" in right.reason
    wrong = check_derivative(e.derivative * (1 + sympy.Rational(1, 10**25)), e.expression, e.variable)
    assert (wrong.status, wrong.method) == ("mismatch", "finite-differences")
    assert set(wrong.details["point"]) == {"x"}


def test_finite_differences_flag_a_wrong_derivative_of_the_nested_family():
    e = explain(nested(30), "x", check=False)
    wrong = check_derivative(e.derivative + e.variable * sympy.Rational(1, 10**20), e.expression, e.variable)
    assert (wrong.status, wrong.method) == ("mismatch", "finite-differences")


def test_real_points_found_for_narrow_domains():
    for text in ["log(x - 3)", "sqrt(5 - x^2)", "log(log(x))", "log(x - 100)", "sqrt(x - 1000)",
                 "log(-x - 50)"]:
        expression = parse(text)
        symbol = next(iter(free_symbols(expression)))
        points = list(itertools.islice(real_points(expression, [symbol]), 5))
        assert len(points) == 5, text
        assert all(is_real_at(expression, p) for p in points), text
        assert explain(text, wrt="x").check.status in ("symbolic", "numeric"), text


def test_unknown_names_the_subexpression_that_is_never_real():
    check = finite_difference_check(sympy.S.Zero, parse("log(-x^2 - 1)"), x)
    assert check.status == "unknown"
    assert check.reason.startswith("log(-x**2 - 1") and "was not real and finite" in check.reason


@pytest.mark.timeout(60)
def test_check_in_a_worker_thread_ends_within_its_budget():
    # sympy.diff of nested(14) runs for many minutes; off the main thread no signal can stop it.
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        check = pool.submit(lambda: explain(nested(14), "x", time_limit=5).check).result()
    assert time.monotonic() - started < 5 + 10
    assert (check.status, check.method) == ("numeric", "finite-differences")


# --- symgrad's side of the witness from the graph's tape --------------------------------------

README_EXAMPLES = ["sigmoid(w1*x1 + w2*x2 + b)", "x*sin(x)", "(y - sigmoid(w*x + b))^2", "sigmoid(w*x + b)",
                   "x^3 - 2^x", "sin(x*y)*cos(x*y) + x*y", "sqrt(5 - x^2)*log(x + 3)"]


@pytest.mark.parametrize("text", README_EXAMPLES)
def test_tape_adjoint_equals_the_backprop_expression_at_random_points(text):
    from symgrad import reverse_accumulate
    from symgrad.graph import input_nodes, node_symbol
    from symgrad.numeric import evaluate
    from symgrad.tape import compile_tape

    expression = parse(text)
    graph = build_graph(expression)
    tape = compile_tape(graph, "mpmath", 50)
    names = {name: node_symbol(graph, name) for name in input_nodes(graph)}
    points = list(itertools.islice(real_points(expression, sorted(names.values(), key=str), seed=3), 4))
    assert len(points) == 4
    for name in names:
        derivative = reverse_accumulate(graph, name)
        for point in points:
            _, gradient = tape.gradient({n: point[s] for n, s in names.items()})
            expected = evaluate(derivative, point, 50)
            assert abs(gradient[name] - expected) <= 1e-40 * max(1, abs(expected)), (text, name, point)


def test_the_witness_compares_the_tapes_adjoint_with_finite_differences():
    right = build_graph(parse("x*sin(x)"))
    wrong = build_graph(parse("x*cos(x)"))  # its backward pass is not the derivative of x*sin(x)
    ok = finite_difference_check(sympy.S.Zero, parse("x*sin(x)"), x, graph=right)
    bad = finite_difference_check(sympy.S.Zero, parse("x*sin(x)"), x, graph=wrong)
    assert (ok.status, ok.method, ok.points) == ("numeric", "finite-differences", 5)
    assert (bad.status, bad.method) == ("mismatch", "finite-differences")


def test_complexity_without_the_check_says_the_direct_derivative_was_not_computed():
    # not "did not finish": nothing was started
    e = explain("exp(-x^2/2)", "x", check=False)
    assert e.complexity.direct_size is None and not e.complexity.direct_computed
    text = e.to_text()
    assert "not computed" in text and "did not finish" not in text
    assert json.loads(e.to_json())["complexity"]["direct_computed"] is False
    assert explain("exp(-x^2/2)", "x").complexity.direct_computed


# --- the finite-difference witness, each outcome pinned (mutation run of verify.py) -------


def test_central_difference_is_accurate_to_many_digits_with_or_without_a_compiled_tape():
    from symgrad.tape import compile_expression
    from symgrad.verify import FD_STEP_DIGITS, FD_WORKING_DIGITS, central_difference

    x = sympy.Symbol("x", real=True)
    cube = x**3
    alone = central_difference(cube, x, {x: 2})
    taped = central_difference(cube, x, {x: 2}, values=compile_expression(cube, "mpmath", FD_WORKING_DIGITS))
    for value in (alone, taped):
        assert abs(value - 12) < sympy.Float("1e-40")  # truncation ~h^2 = 1e-60, rounding ~1e-60
    coarse = central_difference(cube, x, {x: 2}, step_digits=2)  # h = 0.02: off by h^2 = 4e-4
    assert abs(coarse - 12 - sympy.Float("0.0004")) < sympy.Float("1e-20")
    assert FD_STEP_DIGITS < FD_WORKING_DIGITS


@pytest.mark.parametrize("derivative, status, reason_start", [
    ("cos(x)", "numeric", "equal to central finite differences (90-digit arithmetic) to 30 significant digits"),
    ("2*cos(x)", "mismatch", "the derivative differs from finite differences at {'x': "),
])
def test_the_witness_reports_each_outcome_with_its_method(derivative, status, reason_start):
    x = sympy.Symbol("x", real=True)
    check = finite_difference_check(parse(derivative), parse("sin(x)"), x, why="SymPy gave up")
    assert check.status == status and check.details["method"] == "finite-differences"
    assert check.reason.startswith("SymPy gave up; " + reason_start)
    assert check.points == (5 if status == "numeric" else 0)
    if status == "mismatch":
        assert set(check.details) == {"method", "point"} and set(check.details["point"]) == {"x"}


def test_the_witness_without_a_concrete_stand_in_is_unknown_and_says_why():
    x, g = sympy.Symbol("x", real=True), sympy.Function("g")
    check = finite_difference_check(sympy.diff(g(g(x)), x), g(g(x)), x, why="no time")
    assert (check.status, check.points, check.details) == ("unknown", 0, {"method": "finite-differences"})
    assert check.reason == "no time; an abstract function has no concrete stand-in"


def test_the_witness_out_of_time_is_unknown_with_its_method():
    from symgrad.deadline import Budget

    x = sympy.Symbol("x", real=True)
    check = finite_difference_check(sympy.cos(x), sympy.sin(x), x, budget=Budget(1e-9))
    assert check.status == "unknown" and check.details == {"method": "finite-differences"}
    assert "finite-difference comparison" in check.reason


def test_never_real_names_the_culprit_and_counts_the_points():
    from symgrad.verify import never_real_reason

    x = sympy.Symbol("x", real=True)
    # it samples `tries` points to name the culprit; the count is that of the sampler it explains
    assert never_real_reason(sympy.sqrt(-x**2 - 2) * x, [x], tries=7) == \
        "sqrt(-x**2 - 2) was not real and finite at any of the 400 points tried"
    assert never_real_reason(x**2, [x], tries=7) == \
        "no point among the 400 tried gave a finite value to both derivatives"


def test_a_sympy_bug_in_the_typed_expressions_diff_gets_a_second_opinion():
    # SymPy's diff of this unevaluated expression is a constant; that of the evaluated one agrees
    e = explain("(x^(1*3^-1) * (log(10)/log(102))^-1)^0.5", "x")
    assert e.check.status == "numeric" and e.check.method == "sympy-diff-numeric"
    assert "disagrees (a SymPy bug), that of the evaluated expression agrees" in e.check.reason
    x = sympy.Symbol("x", real=True)
    plain = check_derivative(2 * x * sympy.cos(x**2), sympy.sin(x**2), x)
    assert "a SymPy bug" not in plain.reason  # no second opinion when the first agrees
