"""The LaTeX and Unicode printers: blocks, functions, settings, and subtraction in every format."""

import json

import pytest
import sympy

import symgrad
from symgrad.render.blocks import Adjoint, Name, Partial, Product, Raw, Route, Sum, TooLarge
from symgrad.render.printers import LATEX, UNICODE, LatexPrinter, UnicodePrinter, abstract_prime

x, y = sympy.symbols("x y", real=True)


def test_every_block_in_latex():
    assert LATEX.doprint(Name("u3")) == "u_{3}"
    assert LATEX.doprint(Partial("f", "x1")) == r"\frac{\partial f}{\partial x_{1}}"
    assert LATEX.doprint(Partial("u1", "x", 2)) == r"\left.\frac{\partial u_{1}}{\partial x}\right|_{\#2}"
    assert LATEX.doprint(Adjoint("u1")) == r"\overline{u_{1}}"
    assert LATEX.doprint(Product((Adjoint("f"), x + 1))) == r"\overline{f} \cdot \left(1 + x\right)"
    assert LATEX.doprint(Route(("f", "u1", "x"))) == r"f \leftarrow u_{1} \leftarrow x"
    assert LATEX.doprint(Raw("a^b", "aᵇ")) == "a^b"
    assert LATEX.doprint(TooLarge(5000)) == r"\text{(too large to print: 5000 operations)}"


def test_every_block_in_unicode():
    assert UNICODE.doprint(Name("u3")) == "u₃"
    assert UNICODE.doprint(Partial("f", "x1")) == "∂f/∂x₁"
    assert UNICODE.doprint(Partial("u1", "x", 2)) == "∂u₁/∂x|#2"
    assert UNICODE.doprint(Adjoint("u1")) == "u\u0304₁"
    assert UNICODE.doprint(Product((Adjoint("f"), x + 1))) == "f\u0304 · (1 + x)"
    assert UNICODE.doprint(Route(("f", "u1", "x"))) == "f ← u₁ ← x"
    assert UNICODE.doprint(Raw("a^b", "aᵇ")) == "aᵇ"
    assert UNICODE.doprint(TooLarge(5000)) == "(too large to print: 5000 operations)"


@pytest.mark.parametrize("printer, expected", [
    (LATEX, r"x \cdot \cos{\left(x \right)} - \sin{\left(x \right)} - y"),
    (UNICODE, "x·cos(x) - sin(x) - y"),
])
def test_a_sum_block_subtracts_its_negative_terms(printer, expected):
    terms = (x * sympy.cos(x), -sympy.sin(x), -y)
    assert printer.doprint(Sum(terms)) == expected


def test_a_negative_factor_is_parenthesized():
    assert UNICODE.doprint(Product((Adjoint("u1"), -sympy.sin(x)))) == "u\u0304₁ · (-sin(x))"
    assert LATEX.doprint(Product((Adjoint("u1"), -sympy.sin(x)))) == \
        r"\overline{u_{1}} \cdot \left(- \sin{\left(x \right)}\right)"


def test_sympy_sum_and_product_still_print_as_sympy():
    k = sympy.Symbol("k", integer=True)
    assert LATEX.doprint(sympy.Sum(k, (k, 1, 3))) == r"\sum_{k=1}^{3} k"
    assert UNICODE.doprint(sympy.Product(k, (k, 1, 3))) == "Product(k, (k, 1, 3))"


def test_function_notation_in_both_printers():
    s, r, p = symgrad.sigmoid(x), symgrad.relu(x), symgrad.softplus(x)
    assert LATEX.doprint(s**2) == r"\sigma\left(x\right)^{2}"
    assert LATEX.doprint(r) == r"\operatorname{ReLU}\left(x\right)"
    assert LATEX.doprint(p) == r"\operatorname{softplus}\left(x\right)"
    assert LATEX.doprint(sympy.sign(x)) == r"\operatorname{sign}\left(x\right)"
    assert UNICODE.doprint(s * r * p) == "ReLU(x)·σ(x)·softplus(x)"
    assert UNICODE.doprint(sympy.Heaviside(x, 0) * sympy.Abs(y)) == "|y|·H(x)"


def test_abstract_derivatives_print_as_primes():
    f, g = sympy.Function("f"), sympy.Function("g")
    at_point = sympy.diff(f(2 * x), x)  # 2*Subs(Derivative(f(_xi), _xi), _xi, 2*x)
    assert UNICODE.doprint(at_point) == "2·f′(2·x)"
    assert LATEX.doprint(at_point) == r"2 \cdot f'\left(2 \cdot x\right)"
    assert UNICODE.doprint(sympy.Derivative(g(x, y), y)) == "g_2′(x, y)"
    assert LATEX.doprint(sympy.Derivative(g(x, y), y)) == r"\partial_{2} g\left(x, y\right)"
    assert abstract_prime(sympy.Derivative(g(x, y), x, 2)) is None


def test_an_unknown_setting_is_refused_by_name():
    with pytest.raises(TypeError, match="'line_width'"):
        LatexPrinter({"line_width": 60})
    with pytest.raises(TypeError, match="'text_width'"):
        UnicodePrinter({"text_width": 60})


def test_a_new_target_is_a_subclass():
    class Boxed(LatexPrinter):
        def _print_Adjoint(self, item):
            return rf"\boxed{{{self.name(item.node)}}}"

    assert Boxed().doprint(Product((Adjoint("u1"), x))) == r"\boxed{u_{1}} \cdot x"


# --- subtraction reaches every format ------------------------------------------


@pytest.fixture(scope="module")
def difference():
    """f = x*cos(x) - sin(x): df/dx = cos(x) - x*sin(x) - cos(x) over three paths."""
    return symgrad.explain("x*cos(x) - sin(x)", wrt="x")


def test_text_prints_the_subtractions(difference):
    text = difference.to_text()
    assert "  f = x·cos(x) - sin(x)\n" in text
    assert "  ∂f/∂x = ∂f/∂x|path 1 + ∂f/∂x|path 2 + ∂f/∂x|path 3 = cos(x) - x·sin(x) - cos(x)\n" in text
    assert "  ∂f/∂x = -x·sin(x)\n" in text
    assert "  f = u₂ - u₃\n" in text
    assert "x\u0304 = u\u0304₁ · (-sin(x)) + u\u0304₂ · u₁ + u\u0304₃ · cos(x)" in text


def test_latex_prints_the_subtractions(difference):
    latex = difference.to_latex()
    assert r"f &= x \cdot \cos{\left(x \right)} - \sin{\left(x \right)}" in latex
    assert (r" &= \cos{\left(x \right)} - x \cdot \sin{\left(x \right)}"
            r" - \cos{\left(x \right)}") in latex
    assert r"\frac{\partial f}{\partial x} &= - x \cdot \sin{\left(x \right)}" in latex


def test_markdown_prints_the_subtractions(difference):
    markdown = difference.to_markdown()
    assert (r" = \cos{\left(x \right)} - x \cdot \sin{\left(x \right)}"
            r" - \cos{\left(x \right)}$") in markdown
    assert r"- $\frac{\partial f}{\partial x} = - x \cdot \sin{\left(x \right)}$" in markdown


def test_json_prints_the_subtractions(difference):
    data = json.loads(difference.to_json())
    assert data["expression"] == "x*cos(x) - sin(x)"
    assert data["derivative"] == "-x*sin(x)"
    namespace = symgrad.sympify_namespace(data["inputs"])
    assert sympy.sympify(data["expression"], locals=namespace) == x * sympy.cos(x) - sympy.sin(x)
    edge = next(e for e in data["edges"] if e["target"] == "f" and e["rule"] == "difference")
    assert edge["local_derivative"] == "-1"


def test_a_quotient_minus_a_term_in_every_format():
    e = symgrad.explain("x/y - z", wrt="z")
    assert "  f = x/y - z\n" in e.to_text()
    assert r"f &= \frac{x}{y} - z" in e.to_latex()
    assert r"$f = \frac{x}{y} - z$" in e.to_markdown()
    assert json.loads(e.to_json())["expression"] == "x/y - z"


def test_a_document_target_is_a_subclass_of_the_latex_printer():
    from symgrad.render.blocks import Heading, Text, build_blocks

    class Frames(LatexPrinter):
        def _print_Heading(self, block):
            return rf"\frametitle{{{self.inline(block.parts)}}}"

    chunks = Frames().document([Heading("Paths from ", Name("f")), Text("One path.")])
    assert chunks == [r"\frametitle{Paths from $f$}", r"\noindent One path."]
    blocks = build_blocks(symgrad.explain("x*sin(x)", wrt="x"))
    assert Frames().document(blocks)[0] == r"\frametitle{Derivative of $f$ with respect to $x$}"


def test_a_new_setting_is_one_default_and_one_check():
    class Wrapping(LatexPrinter):
        _default_settings = {**LatexPrinter._default_settings, "line_width": 80}
        setting_checks = {"line_width": (lambda w: isinstance(w, int) and w >= 20, "an integer of at least 20")}

    assert Wrapping({"line_width": 40})._settings["line_width"] == 40
    with pytest.raises(ValueError, match="'line_width' must be an integer of at least 20, not 5"):
        Wrapping({"line_width": 5})
    with pytest.raises(TypeError, match="'width'"):
        Wrapping({"width": 40})


# --- the parser's unevaluated forms print as typed -----------------------------------


@pytest.mark.parametrize("typed, text, latex", [
    ("x - 1", "x - 1", "x - 1"),
    ("x - 0.5 - 0", "x - 0.5 - 0", "x - 0.5 - 0"),
    ("x - (-2)", "x - (-2)", r"x - \left(-2\right)"),
    ("1 - (-x)", "1 - (-x)", r"1 - \left(- x\right)"),
    ("(x+1)(x-1)", "(x + 1)·(x - 1)", r"\left(x + 1\right) \cdot \left(x - 1\right)"),
    ("1/x", "1/x", r"\frac{1}{x}"),
    ("x + 1/2", "x + 1/2", r"x + \frac{1}{2}"),
    ("1/(1 + exp(-x))", "1/(1 + exp(-x))", r"\frac{1}{1 + e^{- x}}"),
    ("pi*x - e^x", "π·x - exp(x)", r"\pi \cdot x - e^{x}"),
    ("-x/y + e^(-x^2/2)", "-x/y + exp(-x²/2)", r"-\frac{x}{y} + e^{-\frac{x^{2}}{2}}"),
    ("a - -x*y", "a - (-x·y)", r"a - \left(-x \cdot y\right)"),
    ("max(0, x - 1)", "max(0, x - 1)", r"\max\left(0, x - 1\right)"),
    ("x/(2y) + x/(y*z)/w", "x/(2·y) + x/((y·z)·w)", r"\frac{x}{2 \cdot y} + \frac{x}{y \cdot z \cdot w}"),
    ("x^-2 + (x*y)^-2", "1/x² + 1/(x·y)²", r"\frac{1}{x^{2}} + \frac{1}{x^{2} \cdot y^{2}}"),
])
def test_typed_expression_prints_without_hidden_ones(typed, text, latex):
    """x - 1 is Mul(-1, 1) and 1/x is Mul(1, 1/x) inside: neither 1 may show."""
    expr = symgrad.parse(typed)
    assert UNICODE.doprint(expr) == text
    assert LATEX.doprint(expr) == latex


@pytest.mark.parametrize("typed, wrt, derivative", [
    ("0.5*x^2", "x", "x"),                        # 0.5*2*x: SymPy keeps 1.0*x
    ("0.5*(y - w*x)^2", "w", "x·(-y + w·x)"),     # the squared-error loss of the lecture
    ("2*0.5*x", "x", "1.0"),                      # a Float alone prints short, not 1.00000000000000
])
def test_float_coefficients_print_as_a_lecturer_writes_them(typed, wrt, derivative):
    e = symgrad.explain(typed, wrt)
    assert UNICODE.doprint(e.result[0]) == derivative
    assert e.check.status == "symbolic"
