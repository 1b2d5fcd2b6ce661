"""Tests of symgrad.parse: what it builds, what it refuses, and that it is safe."""

import sys
import threading
import time

import pytest
import sympy

import symgrad
import symgrad.render.data
import symgrad.render.latex
import symgrad.render.markdown
import symgrad.render.text
from symgrad import ParseError, SymgradError, explain, parse
from symgrad.vocabulary import relu, sigmoid, softplus


def sym(name):
    return sympy.Symbol(name, real=True)


x, y, z, b = sym("x"), sym("y"), sym("z"), sym("b")


# --- valid inputs ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", sympy.Integer(0)),
        ("42", sympy.Integer(42)),
        ("0.07", sympy.Float("0.07")),
        ("-2", sympy.Integer(-2)),
        ("1.5", sympy.Float("1.5")),
        (".5", sympy.Float("0.5")),
        ("5.", sympy.Float("5")),
        ("1e5", sympy.Float("100000")),
        ("1.5e-3", sympy.Float("0.0015")),
        ("2E+2", sympy.Float("200")),
    ],
)
def test_numbers(text, expected):
    value = parse(text)
    assert value == expected
    assert type(value) is type(expected)


def test_integer_literal_is_exact():
    value = parse("123456789012345678901234567890")
    assert value == sympy.Integer(123456789012345678901234567890)
    assert isinstance(value, sympy.Integer)


def test_decimal_keeps_its_digits():
    value = parse("0.1234567890123456789")
    assert isinstance(value, sympy.Float)
    assert abs(value - sympy.Rational(1234567890123456789, 10**19)) < sympy.Rational(1, 10**25)


@pytest.mark.parametrize("name", ["x", "x1", "w_12", "alpha", "theta_0", "v0_1_2", "Loss", "beta",
                                  "gamma", "E", "S", "I", "N", "Q", "oo", "lambda_", "lambda"])
def test_names_are_real_symbols(name):
    value = parse(name)
    assert value == sympy.Symbol(name, real=True)
    assert isinstance(value, sympy.Symbol)
    assert value.is_real


def test_beta_gamma_E_S_are_plain_symbols():
    value = parse("beta*gamma + E + S")
    assert value.free_symbols == {sym("beta"), sym("gamma"), sym("E"), sym("S")}
    assert not value.has(sympy.E)
    assert not any(isinstance(a, sympy.Function) for a in sympy.preorder_traversal(value))
    assert value.args == (sympy.Mul(sym("beta"), sym("gamma"), evaluate=False), sym("E"), sym("S"))


def test_caret_is_power():
    assert parse("x^2") == sympy.Pow(x, 2, evaluate=False)
    assert parse("2^10") == sympy.Pow(2, 10, evaluate=False)
    assert parse("x^2") == parse("x**2")


def test_caret_precedence_binds_tighter_than_times():
    value = parse("2*x^2")
    assert isinstance(value, sympy.Mul)
    assert value.args == (sympy.Integer(2), sympy.Pow(x, 2, evaluate=False))


def test_caret_is_right_associative():
    assert parse("x^y^z") == sympy.Pow(x, sympy.Pow(y, z, evaluate=False), evaluate=False)


def test_unary_minus_binds_looser_than_power():
    value = parse("-x^2")
    assert value.args == (sympy.S.NegativeOne, sympy.Pow(x, 2, evaluate=False))
    value = parse("-2^2")
    assert isinstance(value, sympy.Mul)
    assert value.args == (sympy.S.NegativeOne, sympy.Pow(2, 2, evaluate=False))


def test_unary_minus_on_name_is_negation():
    value = parse("-x")
    assert isinstance(value, sympy.Mul)
    assert value.args == (sympy.S.NegativeOne, x)


def test_unary_plus_is_dropped():
    assert parse("+x") == x
    assert parse("+-3") == sympy.Integer(-3)


def test_negative_exponent():
    assert parse("x^-1") == sympy.Pow(x, -1, evaluate=False)


def test_log_with_base_is_quotient_of_logs():
    value = parse("log(x, b)")
    assert isinstance(value, sympy.Mul)
    numerator, denominator = value.args
    assert numerator == sympy.log(x, evaluate=False)
    assert denominator == sympy.Pow(sympy.log(b, evaluate=False), -1, evaluate=False)
    assert sympy.simplify(value - sympy.log(x) / sympy.log(b)) == 0


def test_sqrt_is_half_power():
    value = parse("sqrt(x)")
    assert isinstance(value, sympy.Pow)
    assert value.args == (x, sympy.S.Half)


@pytest.mark.parametrize(
    "text, cls",
    [("sin(x)", sympy.sin), ("cos(x)", sympy.cos), ("tan(x)", sympy.tan), ("exp(x)", sympy.exp),
     ("log(x)", sympy.log), ("tanh(x)", sympy.tanh), ("sigmoid(x)", sigmoid), ("relu(x)", relu),
     ("softplus(x)", softplus), ("abs(x)", sympy.Abs)],
)
def test_vocabulary_functions(text, cls):
    value = parse(text)
    assert value.func is cls
    assert value.args == (x,)


def test_functions_stay_unevaluated_on_constants():
    assert parse("sin(0)").func is sympy.sin
    assert parse("sigmoid(0)").func is sigmoid
    assert parse("relu(-2)").func is relu
    assert parse("exp(0)").func is sympy.exp


def test_abstract_function():
    value = parse("f(x)")
    assert value == sympy.Function("f")(x)
    assert isinstance(value, sympy.core.function.AppliedUndef)
    two = parse("g(x, y*z)")
    assert two.func.__name__ == "g"
    assert two.args == (x, sympy.Mul(y, z, evaluate=False))


def test_product_of_same_factor_keeps_two_args():
    value = parse("x*x")
    assert isinstance(value, sympy.Mul)
    assert value.args == (x, x)


def test_sum_of_same_term_keeps_two_args():
    value = parse("x + x")
    assert isinstance(value, sympy.Add)
    assert value.args == (x, x)


def test_subtraction_is_add_of_negated_term():
    value = parse("x - y")
    assert isinstance(value, sympy.Add)
    assert value.args[0] == x
    negated = value.args[1]
    assert isinstance(negated, sympy.Mul)
    assert negated.args == (sympy.S.NegativeOne, y)


def test_division_is_power_minus_one():
    value = parse("x/y")
    assert value.args == (x, sympy.Pow(y, -1, evaluate=False))


def test_operand_order_is_kept():
    assert parse("y*x").args == (y, x)
    assert parse("z + y + x").args == (z, y, x)
    assert parse("b + w1*x1").args == (b, sympy.Mul(sym("w1"), sym("x1"), evaluate=False))


def test_chains_are_flat():
    value = parse("x + y + z + b")
    assert len(value.args) == 4
    value = parse("x*y*z/b")
    assert len(value.args) == 4


def test_parentheses_group():
    value = parse("x*(y + z)")
    assert value.args == (x, sympy.Add(y, z, evaluate=False))
    value = parse("x + (y + z)")
    assert value.args == (x, sympy.Add(y, z, evaluate=False))


def test_whitespace_and_newlines_are_allowed():
    assert parse(" x\t*\n y ") == parse("x*y")
    assert parse("\n\tx + y") == parse("x + y")
    assert parse("x +\n y") == parse("x + y")


def test_column_counts_leading_blanks():
    with pytest.raises(ParseError) as info:
        parse("   x @ y")
    assert info.value.column == 6
    with pytest.raises(ParseError) as info:
        parse("  2 3")
    assert info.value.column == 5


def test_constant_arithmetic_within_limits():
    assert parse("2^900").args == (sympy.Integer(2), sympy.Integer(900))
    assert parse("x^1000").args == (x, sympy.Integer(1000))
    assert parse("1e300").is_Float


def test_parse_error_is_symgrad_error_and_value_error():
    with pytest.raises(ParseError) as info:
        parse("x +* y")
    assert isinstance(info.value, SymgradError)
    assert isinstance(info.value, ValueError)
    assert info.value.exit_code == 2
    assert info.value.text == "x +* y"


def test_non_string_is_refused():
    with pytest.raises(ParseError):
        parse(42)
    with pytest.raises(ParseError):
        parse(b"x")


# --- errors and their columns ------------------------------------------------------


@pytest.mark.parametrize(
    "text, column",
    [
        ("x @ y", 3),
        ("x + $", 5),
        ("x; y", 2),
        ("x = 1", 3),
        ("x < y", 3),
        ("[1]", 1),
        ("x[0]", 2),
        ("{}", 1),
        ('"s"', 1),
        ("x%y", 2),
        ("x|y", 2),
        ("x&y", 2),
        ("~x", 1),
        ("x\x00", 2),
        ("x + é", 5),
        ("x+*y", 3),
        ("2 3", 3),
        ("x 2", 3),
        ("x)", 2),
        ("x**2)", 5),
        ("sin(x", 4),
        ("(x", 1),
        ("1.5.2", 4),
        ("x^^2", 3),
        ("1/0", 3),
        ("x*(1/0)", 6),
        ("0^-1", 1),
        ("_x", 1),
        ("x + _y", 5),
        ("sin()", 1),
        ("y + sin(x, y)", 5),
        ("x//y", 1),
        ("1j", 1),
        ("x + 1j", 5),
        ("True", 1),
        ("x + None", 5),
        ("x if y else z", 1),
        ("x and y", 1),
        ("not x", 1),
        ("0x10", 1),
        ("x + 007", 5),
        ("x + 1_000", 5),
        ("x,y", 1),
        ("1e400", 1),
        ("x + 1e-400", 5),
        ("1" * 31, 1),
        ("x + " + "1" * 31, 5),
        ("x" * 65, 1),
        ("9^9^9", 3),
        ("x^1001", 3),
        ("x^(-1001)", 4),
        ("x^2 + y^(10^4)", 10),
        ("(2^1000)^1000", 2),
        ("x^", 3),
        ("x+", 3),
        ("sin(x) *", 9),
    ],
)
def test_error_column(text, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.column == column, str(info.value)
    assert str(info.value).endswith(f" at column {column}")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("x @ y", "'@'"),
        ("x + é", "U+00E9"),
        ("x + α", "write Greek letters by name"),
        ("x\x00", "control character"),
        ("2 3", "invalid syntax"),
        ("1/0", "division by zero"),
        ("sin(x, y)", "takes exactly one argument, got 2"),
        ("log(x, y, z)", "takes exactly one argument, got 3"),
        ("sin()", "needs at least one argument"),
        ("x.y", "attribute access"),
        ("x,y", "tuple"),
        ("9^9^9", "larger than 1000"),
        ("1" * 31, "more than 30 digits"),
        ("x" * 65, "longer than 64 characters"),
        ("", "empty expression"),
        ("  \t ", "empty expression"),
    ],
)
def test_error_messages(text, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_depth_limit():
    parse("(" * 90 + "x" + ")" * 90)
    parse("sin(" * 99 + "x" + ")" * 99)
    with pytest.raises(ParseError) as info:
        parse("sin(" * 120 + "x" + ")" * 120)
    assert "nested more than 100 levels" in str(info.value)


def test_long_flat_chain_is_not_too_deep():
    value = parse(" + ".join(["x"] * 2000))
    assert len(value.args) == 2000


def test_custom_limits():
    limits = symgrad.Limits(max_length=10)
    assert parse("x + y", limits) == parse("x + y")
    with pytest.raises(ParseError) as info:
        parse("x + y + z + b", limits)
    assert info.value.column == 11


# --- hostile inputs --------------------------------------------------------------

HOSTILE = [
    "__import__('os')",
    "__import__",
    "().__class__",
    "x.__class__",
    "lambda: 1",
    "f'{x}'",
    "x = 1",
    "x := 1",
    "import os",
    "x; y",
    "[1]",
    "{}",
    "x.y",
    "x < y",
    '"s"',
    "'s'",
    "＿＿import＿＿",
    "９",
    "9**9**9",
    "9^9^9",
    "1<<25000",
    "10.0**10.0**10.0",
    "(2**1000)**1000",
    "2**1000**1000",
    "10**300*10**300",
    "1e300 + 1e300",
    "x" * 100_000,
    "x+" * 50_000 + "x",
    "(" * 5000 + "x" + ")" * 5000,
    "-" * 100_000 + "x",
    "-" * 5000 + "x",
    "sin(" * 5000 + "x" + ")" * 5000,
    "x\x00",
    "\x00",
    "",
    "   ",
    "\n",
    "eval(x)(y)" + "(" * 300,
    "x if x else x",
    "*x",
    "x**",
    "await x",
    "yield x",
    "(x for x in y)",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]) + f"[{len(t)}]")
def test_hostile_input_is_refused_quickly(text):
    started = time.monotonic()
    with pytest.raises(ParseError) as info:
        parse(text)
    assert time.monotonic() - started < 2.0
    assert isinstance(info.value, SymgradError)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("text", ["__import__('os')", "9**9**9", "-" * 5000 + "x", "(" * 5000 + "x" + ")" * 5000])
def test_hostile_input_is_refused_by_explain(text):
    started = time.monotonic()
    with pytest.raises(ParseError):
        explain(text, wrt="x")
    assert time.monotonic() - started < 2.0


def test_names_that_look_dangerous_are_just_symbols():
    value = parse("eval + exec + os + system")
    assert value.free_symbols == {sym("eval"), sym("exec"), sym("os"), sym("system")}
    call = parse("eval(x)")
    assert isinstance(call, sympy.core.function.AppliedUndef)
    assert call.func.__name__ == "eval"


# --- audit hook: parsing and explaining never execute, open or import ---------------

_AUDIT = {"active": False, "events": []}
_WATCHED = {"exec", "open", "os.system", "subprocess.Popen", "import", "os.exec", "os.posix_spawn",
            "os.spawn", "os.fork"}
_HOOK_INSTALLED = []


def _audit_hook(event, args):
    if not _AUDIT["active"]:
        return
    if event in _WATCHED and threading.current_thread() is threading.main_thread():
        _AUDIT["events"].append((event, repr(args)[:200]))


AUDIT_VALID = ["sigmoid(w1*x + w2*x2 + b)", "x*sin(x)", "log(x, b) + sqrt(x)^3 - f(x)",
               "relu(x) + abs(x) + softplus(x) + tanh(x) + tan(x)/exp(x)",
               "exec(x) + open(x) + system(x)"]
AUDIT_HOSTILE = ["__import__('os')", "().__class__", "lambda: 1", "x = 1", "import os", "x.y",
                 "9**9**9", "＿＿import＿＿", "open('x')", "exec('x')", "-" * 5000 + "x", "x\x00"]


def test_audit_hook_sees_no_exec_open_or_import():
    if not _HOOK_INSTALLED:
        sys.addaudithook(_audit_hook)  # cannot be removed: it is a no-op while inactive
        _HOOK_INSTALLED.append(True)
    # Warm up: import everything the pipeline imports lazily, outside the watch.
    for text in AUDIT_VALID:
        e = explain(text, wrt="x")
        e.to_latex(), e.to_json(), e.to_text(), e.to_markdown(), e._repr_latex_()
    _AUDIT["events"].clear()
    _AUDIT["active"] = True
    try:
        for text in AUDIT_HOSTILE:
            with pytest.raises(ParseError):
                parse(text)
            with pytest.raises(ParseError):
                explain(text, wrt="x")
        results = []
        for text in AUDIT_VALID:
            parse(text)
            e = explain(text, wrt="x")
            results.append((e.check.status, e.to_latex(), e.to_json(), e.to_text()))
    finally:
        _AUDIT["active"] = False
    assert _AUDIT["events"] == []
    assert [r[0] for r in results] == ["symbolic"] * len(AUDIT_VALID)  # every case ran through the check
    assert all(status != "mismatch" for status, *_ in results)


def test_audit_hook_would_notice_an_import():
    """The hook itself works: a fresh import while active is recorded."""
    if not _HOOK_INSTALLED:
        sys.addaudithook(_audit_hook)
        _HOOK_INSTALLED.append(True)
    _AUDIT["events"].clear()
    _AUDIT["active"] = True
    try:
        sys.modules.pop("this_module_does_not_exist_symgrad", None)
        try:
            __import__("this_module_does_not_exist_symgrad")
        except ImportError:
            pass
    finally:
        _AUDIT["active"] = False
    assert any(event == "import" for event, _ in _AUDIT["events"])
    _AUDIT["events"].clear()


@pytest.mark.parametrize(
    "text, definitions",
    [
        ("a*b*c", ["a*b*c"]),
        ("(a*b)*c", ["a*b", "u1*c"]),
        ("(a+b)+c", ["a + b", "u1 + c"]),
        ("(a-b)-c", ["a - b", "u1 - c"]),
        ("a - b - c", ["a - b - c"]),
        ("(a*b)/c", ["a*b", "u1/c"]),
        ("(x*x)*(x*x)*(x*x)", ["x*x", "u1*u1*u1"]),
    ],
)
def test_parentheses_on_the_left_of_a_chain_make_a_node(text, definitions):
    graph = symgrad.build_graph(parse(text))
    got = [sympy.sstr(graph.nodes[n]["definition"], order="none") for n in symgrad.operation_nodes(graph)]
    assert got == definitions


@pytest.mark.parametrize("typed, expected, reading", [
    ("2 x", "2*x", "2 x as 2*x"),
    ("x y", "x*y", "x y as x*y"),
    ("x (x+1)", "x*(x + 1)", "x (...) as x*(...)"),   # as x(x+1): not an unknown function x
    ("(x) (y)", "x*y", "(...) (...) as (...)*(...)"),
    ("2  sin(x)", "2*sin(x)", "2 sin as 2*sin"),
])
def test_operands_apart_by_spaces_multiply_as_touching_ones_do(typed, expected, reading):
    expr, readings = symgrad.parse_with_notes(typed)
    assert str(expr) == expected
    assert [str(r) for r in readings] == [reading]


def test_touching_parentheses_are_a_product():
    # Issue 11: (x+1)(x-1) is read as a product, and the reading says so.
    expr, readings = symgrad.parse_with_notes("(x)(y)")
    assert expr == x * y
    assert [str(r) for r in readings] == ["(...)(...) as (...)*(...)"]


def test_leading_zeros_get_a_plain_message():
    with pytest.raises(ParseError) as info:
        parse("x + 007")
    assert info.value.message == "a number may not start with 0 (write 7, not 007)"
    assert info.value.column == 5
