"""Issue 11: what students type, read as meant or refused with the exact fix.

A table of typed notation -> the expression it must mean (compared numerically at
several points and through the derivative) or the refusal it must get. The expected
expressions are written in SymPy's own syntax by the test author, never by a user.
"""

import json
import subprocess
import sys

import mpmath
import pytest
import sympy

import symgrad
from symgrad import ParseError, explain, parse, parse_with_notes
from symgrad.cli import main
from symgrad.numeric import NotANumber, evaluate
from symgrad.vocabulary import relu, sigmoid, softplus

NAMES = ("x", "y", "p", "t", "w", "lambda_")
_SYMBOLS = {name: sympy.Symbol(name, real=True) for name in NAMES}
_EXPECTED_NAMESPACE = {**_SYMBOLS, "sigmoid": sigmoid, "relu": relu, "softplus": softplus,
                       "f": sympy.Function("f"), "g": sympy.Function("g"),
                       "log10_": lambda u: sympy.log(u) / sympy.log(10), "log2_": lambda u: sympy.log(u) / sympy.log(2)}
POINTS = [{"x": 0.37, "y": 0.61, "p": 0.23, "t": 0.45, "w": 0.71, "lambda": 0.53},
          {"x": 0.83, "y": 0.29, "p": 0.67, "t": 0.12, "w": 0.31, "lambda": 0.19},
          {"x": 0.58, "y": 0.77, "p": 0.41, "t": 0.93, "w": 0.52, "lambda": 0.88}]

_FUNCTIONS = [  # (typed name, SymPy name)
    ("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("exp", "exp"), ("ln", "log"), ("log", "log"),
    ("sqrt", "sqrt"), ("tanh", "tanh"), ("sinh", "sinh"), ("cosh", "cosh"), ("asin", "asin"),
    ("arcsin", "asin"), ("acos", "acos"), ("arccos", "acos"), ("atan", "atan"), ("arctan", "atan"),
    ("sec", "sec"), ("csc", "csc"), ("cot", "cot"), ("abs", "Abs"), ("Abs", "Abs"),
    ("sigmoid", "sigmoid"), ("relu", "relu"), ("softplus", "softplus"),
    ("log10", "log10_"), ("log2", "log2_"),
]
_ARGUMENTS = [("x", "x"), ("2x", "2*x"), ("x/2", "x/2"), ("x^2", "x**2"), ("x²", "x**2")]

ACCEPTED = [(f"{typed}({arg})", f"{name}({meaning})") for typed, name in _FUNCTIONS
            for arg, meaning in _ARGUMENTS] + [
    # implicit multiplication
    ("2x", "2*x"), ("2.5x", "2.5*x"), ("3(x+1)", "3*(x+1)"), ("3(x+1)^2", "3*(x+1)**2"),
    ("(x+1)(x-1)", "(x+1)*(x-1)"), ("2sin(x)", "2*sin(x)"), ("x(x+1)", "x*(x+1)"),
    ("x(x + 1) + x", "x*(x+1) + x"), ("2x^2", "2*x**2"), ("2xy", "2*Symbol('xy', real=True)"),
    ("4x^3 - 3x^2 + 2x - 1", "4*x**3 - 3*x**2 + 2*x - 1"), ("(x)(y)", "x*y"),
    ("2(x)(y)", "2*x*y"), ("y(x+1)y", "y*(x+1)*y"), ("x(y+1)", "Function('x')(y+1)"),
    ("(x+1)x", "(x+1)*x"), ("(x+1)2^x", None), ("0.5x^2", "0.5*x**2"), (".5x", "0.5*x"),
    ("3x(x+1)", "3*x*(x+1)"), ("2ln(x)", "2*log(x)"), ("2e^x", "2*exp(x)"),
    ("x²y", "x**2*y"), ("2x²", "2*x**2"), ("(x+1)²", "(x+1)**2"), ("x³ + y³", "x**3 + y**3"),
    ("x⁻¹", "1/x"), ("x⁻²", "x**-2"), ("x¹⁰", "x**10"), ("2|x|", "2*Abs(x)"),
    ("|x|(x+1)", "Abs(x)*(x+1)"), ("x|y|", "x*Abs(y)"),
    # bars
    ("|x|", "Abs(x)"), ("|x - 1|", "Abs(x - 1)"), ("||x| - 1|", "Abs(Abs(x) - 1)"),
    ("|x| + |y|", "Abs(x) + Abs(y)"), ("|x|^2", "Abs(x)**2"), ("|sin(x)|", "Abs(sin(x))"),
    ("sqrt(|x|)", "sqrt(Abs(x))"), ("|x||y|", "Abs(x)*Abs(y)"), ("| x |", "Abs(x)"),
    # function powers
    ("sin^2(x)", "sin(x)**2"), ("sin²(x)", "sin(x)**2"), ("cos^2(x) + sin^2(x)", "cos(x)**2 + sin(x)**2"),
    ("tan^3(2x)", "tan(2*x)**3"), ("ln^2(x)", "log(x)**2"), ("sin^2(x)cos(x)", "sin(x)**2*cos(x)"),
    ("sec²(x)", "sec(x)**2"), ("2sin^2(x)", "2*sin(x)**2"),
    # e, E, pi
    ("e^x", "exp(x)"), ("e**x", "exp(x)"), ("E^x", "exp(x)"), ("e^(2x)", "exp(2*x)"), ("e^-x", "exp(-x)"),
    ("1/(1+e^-x)", "1/(1+exp(-x))"), ("e^x + e", "exp(x) + E"), ("e^(x^2)", "exp(x**2)"),
    ("x*e^x", "x*exp(x)"), ("e^sin(x)", "exp(sin(x))"), ("pi*x", "pi*x"), ("π*x", "pi*x"), ("2πx", "2*pi*x"),
    ("sin(pi*x)", "sin(pi*x)"), ("e*x", "Symbol('e', real=True)*x"), ("E*x", "Symbol('E', real=True)*x"),
    ("exp(1)*x", "E*x"),
    # Unicode operators
    ("3·x", "3*x"), ("3⋅x", "3*x"), ("3×x", "3*x"), ("x÷2", "x/2"), ("−x", "-x"), ("x − y", "x - y"),
    ("−x²", "-x**2"), ("x·y·p", "x*y*p"),
    # leading minus, the losses students type
    ("-x^2", "-x**2"), ("-sin(x)", "-sin(x)"), ("-x*y", "-x*y"), ("-0.5*x^2", "-0.5*x**2"),
    ("-log(p)", "-log(p)"), ("-(y*log(p) + (1-y)*log(1-p))", "-(y*log(p) + (1-y)*log(1-p))"),
    ("-y ln(p)", None), ("(x - y)^2/2", "(x-y)**2/2"),
    # logs, max, min
    ("log(x, 2)", "log(x)/log(2)"), ("log(x, 10)", "log(x)/log(10)"), ("log(x, y)", "log(x)/log(y)"),
    ("max(x, y)", "Max(x, y)"), ("min(x, y)", "Min(x, y)"), ("max(0, x)", "Max(0, x)"),
    ("max(x, x^2)", "Max(x, x**2)"), ("min(x, 1 - x)", "Min(x, 1 - x)"),
    # names
    ("lambda*w^2", "lambda_*w**2"), ("lambda*w^2 + w", "lambda_*w**2 + w"), ("f(x)*x", "f(x)*x"),
    ("f(x) + g(x, y)", "f(x) + g(x, y)"), ("x + y", "x + y"),
]
ACCEPTED = [(typed, meaning) for typed, meaning in ACCEPTED if meaning is not None]

# Case tables (this one, readings below, test_paths.EXPRESSIONS) are alike in shape by design.
REFUSED = [
    ("|x", "'|' is not closed; write abs(x) or |x|", 1),
    ("|x + 1", "write abs(x + 1) or |x + 1|", 1),
    ("x + |y", "write abs(y) or |y|", 5),
    ("||x|", "'|' is not closed", 1),
    ("sin x", "write sin(x)", 5),
    ("ln x", "write ln(x)", 4),
    ("2 sin x", "write sin(x)", 7),
    ("cos 2", "write cos(2)", 5),
    ("y = x^2", "type the expression only: x^2", 3),
    ("f(x) = x^2", "type the expression only: x^2", 6),
    ("y=", "type the expression only, without '='", 2),
    ("x == y", "comparison is not supported", 3),
    ("x != y", "comparison is not supported", 3),
    ("x!", "factorials are not supported", 2),
    ("3! * x", "factorials are not supported", 2),
    ("x + é", "LATIN SMALL LETTER E WITH ACUTE", 5),
    ("α*x", "write Greek letters by name: alpha", 1),
    ("x*β", "write Greek letters by name: beta", 3),
    ("λ*x", "write Greek letters by name: lambda", 1),
    ("x – y", "write -", 3),
    ("√x", "write sqrt(x)", 1),
    ("ｘ*2", "write 'x'", 1),
    ("x⁻", "superscript '⁻' is not a power", 2),
    ("sin^-1(x)", "write asin(x) for the inverse function, or sin(x)^-1 for 1/sin(x)", 4),
    ("sin⁻¹(x)", "write asin(x) for the inverse function", 4),
    ("log(x, 1)", "the base must be positive and not 1", 1),
    ("log(x, 0)", "the base must be positive and not 1", 1),
    ("log(x, -2)", "the base must be positive and not 1", 1),
    ("ln(0)", "ln(0) is undefined", 1),
    ("log(-1)", "log(-1) is undefined", 1),
    ("1/(x - x)", "division by x - x, which is 0 everywhere", 4),
    ("y/(2x - x - x)", "division by 2x - x - x, which is 0 everywhere", 4),
    ("0^x", "0^u has no derivative", 1),
    ("0^(x+1)", "0^u has no derivative", 1),
    ("sign*x", "sign names a function of symgrad's output", 1),
    ("Heaviside + x", "Heaviside names a function", 1),
    ("x + sigmoid", "sigmoid names a function", 5),
    ("Subs*Derivative", "Subs names a function", 1),
    ("max(x)", "max() takes two or more arguments", 1),
    ("2 3", "invalid syntax", 3),
    ("d/dx x^2", "type the function only, x^2, and choose the variable with --wrt x", 1),
    ("1/2x", "2x after '/' is ambiguous: write the divisor in parentheses, or * for a product", 3),
    ("x / 2 y", "2y after '/' is ambiguous", 5),
    ("y/sin(x)x", "sin(x)x after '/' is ambiguous", 3),
    ("d/dw1 (w1*x)", "type the function only, (w1*x), and choose the variable with --wrt w1", 1),
    ("0x10", "", 1),
    ("1j", "complex numbers", 1),
]


def _expected(meaning: str) -> sympy.Expr:
    return sympy.sympify(meaning, locals=_EXPECTED_NAMESPACE)


def _values(expr: sympy.Expr, point: dict) -> object:
    subs = {s: point.get("lambda" if s.name in ("lambda", "lambda_") else s.name, 0.4 + 0.05 * len(s.name))
            for s in expr.free_symbols}
    return evaluate(_concrete(expr), subs)


def _concrete(expr: sympy.Expr) -> sympy.Expr:
    """Abstract f and g replaced by fixed functions, so both sides have values."""
    concrete = {"f": lambda *a: sympy.sin(sum(a)) + 2, "g": lambda *a: sympy.cos(a[0]) * a[-1] + 3}
    replacements = {call: concrete.get(call.func.__name__, concrete["f"])(*call.args)
                    for call in expr.atoms(sympy.core.function.AppliedUndef)}
    return expr.xreplace(replacements)


def test_the_corpus_has_at_least_200_entries():
    assert len(ACCEPTED) + len(REFUSED) >= 200
    assert len({typed for typed, _ in ACCEPTED}) == len(ACCEPTED)


@pytest.mark.parametrize("typed, meaning", ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_typed_notation_is_read_as_meant(typed, meaning):
    got, expected = parse(typed), _expected(meaning)
    compared = 0
    for point in POINTS:
        try:
            want = _values(expected, point)
        except NotANumber:
            continue
        assert mpmath.almosteq(_values(got, point), want, rel_eps=1e-12, abs_eps=1e-12), (typed, got)
        compared += 1
    assert compared >= 1, typed


@pytest.mark.parametrize("typed, meaning", ACCEPTED[::4], ids=[t for t, _ in ACCEPTED[::4]])
def test_derivative_of_typed_notation_matches_sympy_diff(typed, meaning):
    variables = sorted(parse(typed).free_symbols, key=lambda s: s.name)
    wrt = variables[0]
    e = explain(typed, wrt=wrt.name)
    expected = sympy.diff(_expected(meaning), sympy.Symbol(wrt.name, real=True))
    assert not e.derivative.has(sympy.zoo, sympy.nan)
    for point in POINTS:
        try:
            want = _values(expected, point)
        except NotANumber:
            continue
        assert mpmath.almosteq(_values(e.derivative, point), want, rel_eps=1e-10, abs_eps=1e-10), typed


@pytest.mark.parametrize("typed, fragment, column", REFUSED, ids=[t for t, _, _ in REFUSED])
def test_refusal_says_what_to_type(typed, fragment, column):
    with pytest.raises(ParseError) as info:
        parse(typed)
    assert fragment in info.value.message
    assert info.value.column == column


# --- readings: every non-literal reading is said, in every format ---------------------------


@pytest.mark.parametrize("typed, readings", [
    ("2x + e^x", ["2x as 2*x", "e^u as exp(u)"]),
    ("ln(x)", ["ln(u) as log(u)"]),
    ("|x|", ["|u| as abs(u)"]),
    ("x²", ["superscript 2 as ^2"]),
    ("x⁻¹", ["superscript -1 as ^(-1)"]),
    ("3·x", ["middle dot as *"]),
    ("x − y ÷ 2", ["minus sign as -", "division sign as /"]),
    ("sin^2(x)", ["sin^2(x) as sin(...)^2"]),
    ("x(x+1)", ["x(...) as x*(...)"]),
    ("f(x)*x", ["f as an unknown function"]),
    ("log10(x)", ["log10(u) as log(u, 10)"]),
    ("arcsin(x)", ["arcsin(u) as asin(u)"]),
    ("x^2 + sin(x)", []),
])
def test_readings_are_listed(typed, readings):
    assert [str(r) for r in parse_with_notes(typed)[1]] == readings


def test_readings_reach_every_format():
    e = explain("2x + e^x", "x")
    assert "Read as: 2x as 2*x; e^u as exp(u)." in e.to_text()
    # what was typed, and how it was read, in a typewriter font: e^u is no formula and no prose
    assert r"Read as: \texttt{2x} as \texttt{2*x}; \texttt{e\^{}u} as \texttt{exp(u)}." in e.to_latex()
    assert "Read as: `2x` as `2*x`; `e^u` as `exp(u)`." in e.to_markdown()
    assert "Read as: <code>2x</code> as <code>2*x</code>" in e._repr_mimebundle_()["text/html"]
    ru = explain("f(x) + e^x", "x", lang="ru").to_latex()
    assert r"\texttt{f} — это неизвестная функция" in ru  # our own words stay words, translated
    assert json.loads(e.to_json())["read_as"] == ["2x as 2*x", "e^u as exp(u)"]
    assert json.loads(explain("x*x", "x").to_json())["read_as"] == []


def test_new_functions_print_in_standard_notation():
    e = explain("ln(x) + arcsin(x) + sinh(x) + sec(x)", "x")
    text, latex = e.to_text(), e.to_latex()
    assert "ln(x)" in text and "arcsin(x)" in text and "sinh(x)" in text and "sec(x)" in text
    assert r"\ln" in latex and r"\arcsin" in latex and r"\sinh" in latex and r"\sec" in latex


# --- names that SymPy's printers would take for their own classes ---------------------------


@pytest.mark.parametrize("name", ["Float", "Integer", "Rational", "FracElement", "PolyElement",
                                  "Symbol", "Function", "Mul", "Pow"])
def test_a_function_named_like_a_sympy_class_prints(name, capsys):
    e = explain(f"{name}(x)*x", "x")
    for output in (e.to_text(), e.to_latex(), e.to_markdown(), e.to_json()):
        assert name in output
    assert json.loads(e.to_json())["functions"] == [name]
    assert main(["--wrt", "x", "-f", "text", "--", f"{name}(x)*x"]) == 0
    assert name in capsys.readouterr().out


@pytest.mark.parametrize("name", ["Float", "Symbol", "Function", "E", "I", "S", "N", "Q", "oo", "beta", "gamma"])
def test_json_reads_back_for_variables_with_sympy_names(name):
    e = explain(f"sigmoid({name}*x) + relu(x) + |x|", "x")
    data = json.loads(e.to_json())
    namespace = symgrad.sympify_namespace(data["inputs"], data["functions"])
    back = sympy.sympify(data["derivative"], locals=namespace)
    assert sympy.simplify(back - e.derivative) == 0


# --- the command line: the whole list in-process, a few in a subprocess -----------------------


def test_every_accepted_entry_through_the_cli(capsys):
    for typed, _ in ACCEPTED:
        wrt = sorted(s.name for s in parse(typed).free_symbols)[0]
        assert main([typed, "--wrt", wrt, "--no-check", "-f", "json"]) == 0, typed
        data = json.loads(capsys.readouterr().out)
        assert data["read_as"] == [str(r) for r in parse_with_notes(typed)[1]], typed


@pytest.mark.parametrize("typed", ["-x^2", "-sin(x)", "-x*y", "-0.5*x^2", "-log(x)"])
def test_leading_minus_in_a_subprocess(typed):
    result = subprocess.run([sys.executable, "-m", "symgrad", typed, "--wrt", "x", "-f", "json", "--no-check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["wrt"] == "x"


def test_leading_minus_after_options_and_with_a_value(capsys):
    assert main(["--wrt", "x", "-f", "text", "-x^2"]) == 0
    assert "f = -x²" in capsys.readouterr().out
    assert main(["-f", "text", "-x*y", "--wrt=y"]) == 0
    assert "with respect to y" in capsys.readouterr().out


@pytest.mark.parametrize("typed, fragment, column", REFUSED[:21], ids=[t for t, _, _ in REFUSED[:21]])
def test_refusals_through_the_cli_show_the_caret(typed, fragment, column, capsys):
    assert main(["--wrt", "x", "--", typed]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") <= 3 and "Traceback" not in err
    assert err.splitlines()[-1] == "  " + " " * (column - 1) + "^"
