"""Tests that kill mutants the rest of the suite let through (issue 8).

Each test names the one-line change to symgrad it catches; each was checked by
making that change by hand and watching the test fail.
"""

import sympy
import pytest

from symgrad import explain
from symgrad.explain import Explanation
from symgrad.verify import check_derivative

pytestmark = pytest.mark.timeout(60)


# --- a subtracted term printed with "+" (was render/mathfmt.py _join_terms; now the printers) ------
# The sum over paths of x·cos(x) has a subtracted term, that of x·sin(x) an added one;
# the line is "the paths' contributions = their sum".

_CONTRIBUTIONS_LATEX = (r"\frac{\partial f}{\partial x} &= \left.\frac{\partial f}{\partial x}\right|_{\text{path 1}}"
                        r" + \left.\frac{\partial f}{\partial x}\right|_{\text{path 2}} \\")
_CONTRIBUTIONS_MARKDOWN = (r"- $\frac{\partial f}{\partial x} = \left.\frac{\partial f}{\partial x}\right|_{\text{path 1}}"
                           r" + \left.\frac{\partial f}{\partial x}\right|_{\text{path 2}} = ")
SUM_OVER_PATHS = {
    "x*cos(x)": (
        "  ∂f/∂x = ∂f/∂x|path 1 + ∂f/∂x|path 2 = cos(x) - x·sin(x)",
        [_CONTRIBUTIONS_LATEX, r" &= \cos{\left(x \right)} - x \cdot \sin{\left(x \right)}"],
        _CONTRIBUTIONS_MARKDOWN + r"\cos{\left(x \right)} - x \cdot \sin{\left(x \right)}$",
    ),
    "x*sin(x)": (
        "  ∂f/∂x = ∂f/∂x|path 1 + ∂f/∂x|path 2 = sin(x) + x·cos(x)",
        [_CONTRIBUTIONS_LATEX, r" &= \sin{\left(x \right)} + x \cdot \cos{\left(x \right)}"],
        _CONTRIBUTIONS_MARKDOWN + r"\sin{\left(x \right)} + x \cdot \cos{\left(x \right)}$",
    ),
}


def _section(text: str, title: str) -> list[str]:
    """The first paragraph (lines up to a blank one) after the heading `title`."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if title in line) + 1
    while not lines[at].strip() or set(lines[at]) == {"─"}:
        at += 1
    paragraph = []
    while at < len(lines) and lines[at].strip():
        paragraph.append(lines[at])
        at += 1
    return paragraph


@pytest.mark.parametrize("text", sorted(SUM_OVER_PATHS))
def test_sum_over_paths_printed_with_its_signs_in_every_format(text):
    plain, latex, markdown = SUM_OVER_PATHS[text]
    e = explain(text, "x")
    assert _section(e.to_text(), "Sum over the paths")[-1] == plain
    assert _section(e.to_latex(), "all paths:") == [r"\begin{align*}", *latex, r"\end{align*}"]
    assert _section(e.to_markdown(), "all paths:") == [markdown]


def test_no_sum_of_a_negated_term_in_any_format():
    e = explain("x*cos(x)", "x")
    assert "+ -" not in e.to_text() and "+ (-" not in e.to_text()
    assert "+ - " not in e.to_latex() and "+ \\left(- " not in e.to_latex()
    assert "+ - " not in e.to_markdown()


# --- rule names (rules.py): the mutation run found no test that reads them ------------------


def test_local_derivatives_name_their_rules():
    text = explain("x^3 - y^x", "x").to_text()
    assert _section(text, "Local derivatives")[1:] == [
        "  ∂u₁/∂x = 3·x²    [power]",
        "  ∂u₂/∂x = y^x·ln(y)    [exponential]",
        "  ∂f/∂u₁ = 1    [sum]",
        "  ∂f/∂u₂ = -1    [difference]",
        "The 1 other edge is listed at the end.",
    ]
    assert "  ∂u₂/∂y = x·y^(-1 + x)    [power]" in _section(text, "Local derivatives of the other edges")


def test_edges_that_leave_a_constant_are_not_listed():
    # ∂u/∂2 is no derivative anyone needs: 2^x has no other edge to list
    text = explain("x^3 - 2^x", "x").to_text()
    assert "other edge" not in text and "∂2" not in text


# --- FLOAT_SIGNIFICANT_DIGITS 12 -> 1 (verify.py) ----------------------------------------
# With decimals in the expression derivatives are compared to 12 significant digits;
# 0.20001·x for d/dx 0.1·x² differs in the 5th digit and must be a mismatch.


def test_a_derivative_off_in_the_fifth_digit_is_a_mismatch_with_decimals():
    x = sympy.Symbol("x", real=True)
    expression = sympy.Float("0.1") * x**2
    assert check_derivative(sympy.Float("0.20001") * x, expression, x).status == "mismatch"
    assert check_derivative(sympy.Float("0.2") * x, expression, x).status in ("symbolic", "numeric")


def test_explain_flags_a_slightly_wrong_derivative_with_decimals(monkeypatch):
    def slightly_wrong(self):
        return sympy.diff(self.expression, self.variable) * sympy.Float("1.00001")

    monkeypatch.setattr(Explanation, "derivative", property(slightly_wrong))
    assert explain("0.1*x^2", "x").check.status == "mismatch"


# --- the time limit made a no-op (deadline.py) -----------------------------------------------
# sympy.diff is replaced by one that never finishes: a working time limit stops it and the
# finite-difference witness decides; a broken one hangs until the per-test timeout fails the
# test instead of the suite. (The nested family at k = 7 with time_limit=0.5 did this by
# SymPy's own slowness, but its diff now takes 0.17 s: the outcome depended on the machine.)


@pytest.mark.timeout(30)
def test_a_tiny_time_limit_stops_sympy_diff_and_the_witness_decides(monkeypatch):
    import time

    def never_finishes(*args, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(sympy, "diff", never_finishes)
    e = explain("x*sin(x)", "x", time_limit=1.0)
    assert "sympy.diff did not finish within" in e.check.reason
    assert (e.check.status, e.check.method) == ("numeric", "finite-differences")
