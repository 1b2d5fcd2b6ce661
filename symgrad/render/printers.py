"""Expression printers for LaTeX and for the terminal (Unicode).

Both keep operands in the order they were typed (``order="none"``), write
names as a lecturer would (``x1`` -> x_1, ``w_12`` -> w_{12}, ``alpha`` -> α,
and a layer's weight ``v0_1_2`` -> v^{(0)}_{12}), the sigmoid as σ, ``Heaviside(u, 0)`` as H(u) and
the derivative of an abstract function ``f`` at ``u`` as f'(u).

Examples
--------
>>> import sympy
>>> x1, alpha = sympy.symbols("x1 alpha")
>>> to_latex(alpha * x1**2)
'\\\\alpha \\\\cdot x_{1}^{2}'
>>> to_unicode(alpha * x1**2)
'α·x₁²'
"""

from __future__ import annotations

import itertools
import re

import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..exprtools import costly_constants, postorder, substitute

from ..i18n import gettext as _
from . import blocks

__all__ = [
    "LatexPrinter", "MarkdownPrinter", "MathJaxPrinter", "UnicodePrinter", "LATEX", "UNICODE", "to_latex", "to_unicode", "name_to_latex",
    "name_to_unicode", "abstract_prime", "subscript", "superscript", "escape_latex_text", "rhs_strings", "GREEK",
]

GREEK = {
    name: letter
    for name, letter in zip(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
        "pi rho sigma tau upsilon phi chi psi omega".split(),
        "αβγδεζηθικλμνξοπρστυφχψω",
    )
}
_LATEX_GREEK = {name: "\\" + name for name in GREEK} | {"omicron": "o", "epsilon": "\\varepsilon"}
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_BASE_AND_DIGITS = re.compile(r"([A-Za-z]+?)([0-9]+)\Z")
#: ``v0_1_2``: entry (1, 2) of layer 0's weight matrix, written v^{(0)}_{12}.
_LAYER_WEIGHT = re.compile(r"([A-Za-z]+?)([0-9]+)_([0-9]+)_([0-9]+)\Z")
_SUPERSCRIPT_PARENTHESES = str.maketrans("()", "⁽⁾")
#: How much wider than a character an operator (+, ·, =) of the Unicode form prints in LaTeX:
#: it has space on both sides (see :attr:`LatexPrinter.em_per_character`).
OPERATOR_WEIGHT = 1.2
#: ``z2_1``, ``h2_1``: neuron 1 of layer 2 of a network, written z^{(2)}_{1}.
_NEURON = re.compile(r"([zh])([0-9]+)_([0-9]+)\Z")
#: Letters with a hat: ``yhat`` is ŷ (a network's output), ``yhat_1`` is ŷ₁.
_HATS = {"yhat": (r"\hat{y}", "ŷ")}
_POWER = re.compile(r"\*\*(-?[0-9]+)(?![0-9.])")


def subscript(text: str) -> str:
    """Digits as Unicode subscripts: ``"12"`` -> ``"₁₂"``."""
    return text.translate(_SUBSCRIPT_DIGITS)


def superscript(text: str) -> str:
    """Digits, minus and parentheses as Unicode superscripts: ``"(0)"`` -> ``"⁽⁰⁾"``."""
    return text.translate(_SUPERSCRIPTS).translate(_SUPERSCRIPT_PARENTHESES)


def _split_name(name: str) -> tuple[str, list[str]]:
    """``"x1"`` -> (``"x"``, ["1"]); ``"v0_1_2"`` -> (``"v"``, ["0", "1", "2"])."""
    head, *subscripts = [part for part in name.split("_") if part]
    match = _BASE_AND_DIGITS.match(head)
    if match:
        head, digits = match.groups()
        subscripts.insert(0, digits)
    return head, subscripts


def _layer_weight(name: str) -> tuple[str, str, str] | None:
    """(base, layer, "ij") for a layer weight such as ``v0_1_2``, else None.

    The two indices are written together (``12``) when both are single
    digits, and separated by a comma otherwise (``10,2``).
    """
    match = _LAYER_WEIGHT.match(name)
    if not match:
        return None
    head, layer, row, column = match.groups()
    separator = "" if len(row) == 1 and len(column) == 1 else ","
    return head, layer, row + separator + column


def _latex_base(head: str) -> str:
    if head in _HATS:
        return _HATS[head][0]
    if head in _LATEX_GREEK:
        return _LATEX_GREEK[head]
    return head if len(head) == 1 else rf"\mathrm{{{head}}}"


def name_to_latex(name: str) -> str:
    """LaTeX for a variable or node name.

    Examples
    --------
    >>> name_to_latex("w_12"), name_to_latex("alpha2"), name_to_latex("loss")
    ('w_{12}', '\\\\alpha_{2}', '\\\\mathrm{loss}')
    >>> name_to_latex("v0_1_2"), name_to_latex("v2_10_3")
    ('v^{(0)}_{12}', 'v^{(2)}_{10,3}')
    >>> name_to_latex("z2_1"), name_to_latex("h1_3"), name_to_latex("yhat_2")
    ('z^{(2)}_{1}', 'h^{(1)}_{3}', '\\\\hat{y}_{2}')
    """
    neuron = _NEURON.match(name)
    if neuron:
        return "{}^{{({})}}_{{{}}}".format(*neuron.groups())
    weight = _layer_weight(name)
    if weight is not None:
        head, layer, indices = weight
        return f"{_latex_base(head)}^{{({layer})}}_{{{indices}}}"
    head, subscripts = _split_name(name)
    base = _latex_base(head)
    if not subscripts:
        return base
    return f"{base}_{{{','.join(_latex_subscript(s) for s in subscripts)}}}"


def _latex_subscript(part: str) -> str:
    return _LATEX_GREEK.get(part, part if len(part) == 1 or part.isdigit() else rf"\mathrm{{{part}}}")


# The twin of name_to_latex for the terminal: the name shapes are parsed once (_NEURON,
# _layer_weight, _split_name); only how each part is written differs.
def name_to_unicode(name: str) -> str:
    """Terminal form of a name: ``x1`` -> x₁, ``alpha`` -> α, ``w_ab`` -> w_ab.

    Examples
    --------
    >>> name_to_unicode("v0_1_2"), name_to_unicode("v2_10_3")
    ('v⁽⁰⁾₁₂', 'v⁽²⁾₁₀,₃')
    >>> name_to_unicode("z2_1"), name_to_unicode("yhat_2"), name_to_unicode("yhat")
    ('z⁽²⁾₁', 'ŷ₂', 'ŷ')
    """
    neuron = _NEURON.match(name)
    if neuron:
        head, layer, index = neuron.groups()
        return head + superscript(f"({layer})") + subscript(index)
    weight = _layer_weight(name)
    if weight is not None:
        head, layer, indices = weight
        layer = f"({layer})".translate(_SUPERSCRIPTS).translate(_SUPERSCRIPT_PARENTHESES)
        return GREEK.get(head, head) + layer + indices.translate(_SUBSCRIPT_DIGITS)
    head, subscripts = _split_name(name)
    base = _HATS[head][1] if head in _HATS else GREEK.get(head, head)
    if all(s.isdigit() for s in subscripts):
        separator = "," if len(subscripts) > 1 else ""
        return base + separator.join(s.translate(_SUBSCRIPT_DIGITS) for s in subscripts)
    return base + "_" + ",".join(GREEK.get(s, s) for s in subscripts)


# --- what both printers share --------------------------------------------------


def abstract_prime(expr: sympy.Basic) -> tuple[str, int, tuple] | None:
    """(name, 1-based argument index, arguments) when `expr` is f' of an abstract f.

    `expr` is a ``Derivative`` of an abstract function in one of its own
    arguments, or a ``Subs`` of one (the derivative at a point); the
    arguments are those at which it is taken. Anything else gives None.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> f = sympy.Function("f")
    >>> abstract_prime(sympy.Derivative(f(x, y), y))
    ('f', 2, (x, y))
    >>> abstract_prime(f(2 * x).diff(x).args[1])
    ('f', 1, (2*x,))
    >>> abstract_prime(sympy.Derivative(sympy.sin(x), x)) is None
    True
    """
    if isinstance(expr, sympy.Subs):
        derivative, variables, points = expr.args
        found = abstract_prime(derivative) if isinstance(derivative, sympy.Derivative) else None
        if found is None:
            return None
        values = dict(zip(variables, points))
        name, index, arguments = found
        return name, index, tuple(values.get(a, a) for a in arguments)
    function = expr.expr
    if not isinstance(function, AppliedUndef) or len(expr.variable_count) != 1:
        return None
    variable, count = expr.variable_count[0]
    if count != 1 or variable not in function.args:
        return None
    return user_name(function.func), function.args.index(variable) + 1, function.args


def user_name(function) -> str:
    """The name the user typed for an abstract function (renamed inside when it is a SymPy class name)."""
    return getattr(function, "user_name", function.__name__)


def _sympy_too(method):
    """For a block whose class name SymPy also prints (Sum, Product, Adjoint): SymPy's own objects go to SymPy."""
    def print_block_or_sympy(self, item, *args, **kwargs):
        if isinstance(item, sympy.Basic):
            sympy_method = getattr(super(_SharedPrinting, self), method.__name__, self._print_Basic)
            return sympy_method(item, *args, **kwargs)
        return method(self, item)

    print_block_or_sympy.__name__ = method.__name__
    print_block_or_sympy.__doc__ = method.__doc__
    return print_block_or_sympy


def _one_over_merged(factors: tuple) -> list:
    """`factors` with each ``1`` followed by ``b^-1`` (the parser's ``1/b``) merged into ``b^-1``."""
    merged: list = []
    for factor in factors:
        reciprocal = isinstance(factor, sympy.Pow) and factor.exp is sympy.S.NegativeOne
        if reciprocal and merged and merged[-1] is sympy.S.One:
            merged[-1] = factor
        else:
            merged.append(factor)
    return merged


def _subtracted(expr: sympy.Basic) -> sympy.Basic | None:
    """The operand `t` of the parser's unevaluated ``Mul(-1, t)`` (``x - t``), else None."""
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2 and expr.args[0] is sympy.S.NegativeOne:
        return expr.args[1]
    return None


def _needs_own_minus(expr: sympy.Basic) -> bool:
    """Whether SymPy would print ``-t`` wrongly: ``- -2``, ``- - x``, ``-1*1``, ``+ -0``."""
    operand = _subtracted(expr)
    return operand is not None and (operand.is_Number or _printed_with_minus(operand))


def _printed_with_minus(expr: sympy.Basic) -> bool:
    """Whether `expr` as typed starts with a minus: ``-2``, ``-x``, ``-x*y``."""
    if isinstance(expr, sympy.Number):
        return expr.is_negative
    return isinstance(expr, sympy.Mul) and _printed_with_minus(expr.args[0])


class _SharedPrinting:
    """What the LaTeX and the Unicode printer do alike; each fills in its notation.

    A printer sets `function_heads` (how sigmoid, relu, ... are named) and
    writes `name`, `_apply`, `_print_prime` (f' at given arguments),
    `_parenthesize_block` and a ``_print_<Block>`` method for each block of
    :mod:`symgrad.render.blocks` whose form differs between formats.

    To add a function ``g`` of one argument: an entry ``"g": head`` in each
    printer's `function_heads` and ``_print_g`` on the line below. To add a
    block: a class in :mod:`~symgrad.render.blocks` and ``_print_<Block>`` in
    each printer. To add a target (Beamer, say): a subclass of a printer that
    overrides the ``_print_<Block>`` methods it prints differently. To add a
    setting: an entry in the printer's ``_default_settings`` (SymPy refuses
    an unknown setting with its name) and one in `setting_checks`.
    """

    #: Head of each function written ``head(argument)``, by SymPy class name
    #: (and the network's activations softmax, log_softmax, tanh).
    function_heads: dict[str, str] = {}
    #: How a :class:`~symgrad.render.blocks.Product` joins its factors.
    product_separator = " · "

    #: True while a SymPy expression is being printed (its parts are not whole expressions).
    _in_expression = False
    #: symgrad's own settings' checks: name -> (test of a value, what a valid value is).
    #: SymPy refuses an unknown setting's name; these refuse a bad value, naming the setting.
    setting_checks: dict = {
        "max_lines": (lambda v: isinstance(v, int) and v >= 1, "a positive integer"),
        "appendix_lines": (lambda v: isinstance(v, int) and v >= 1, "a positive integer"),
    }

    def __init__(self, settings=None):
        super().__init__(settings)
        self._widths: dict[str, float] = {}  # printed text -> its measured width
        for name, (valid, meaning) in self.setting_checks.items():
            if not valid(self._settings[name]):
                raise ValueError(f"printer setting {name!r} must be {meaning}, not {self._settings[name]!r}")

    def _print_Mul(self, expr):
        # The parser keeps x - t as x + Mul(-1, t) unevaluated: -1, -(-2), -(-x), never -1*1 or - -2.
        if _needs_own_minus(expr):
            operand = expr.args[1]
            text = self._print(operand)
            return "-" + (self._parenthesize_block(text) if _printed_with_minus(operand) else text)
        negated = _subtracted(expr.args[0]) if len(expr.args) > 1 else None
        if negated is not None:  # -x/y is Mul(Mul(-1, x), 1/y): -x/y, not (-1)·x/y or (-x)/y
            return "-" + self._print(sympy.Mul(negated, *expr.args[1:], evaluate=False))
        return super()._print_Mul(expr)

    def _print(self, expr, **kwargs) -> str:
        """Print `expr`; a SymPy expression inside a block is printed as if it stood alone."""
        if self._in_expression or not isinstance(expr, sympy.Basic):
            return super()._print(expr, **kwargs)
        # SymPy's Float precision depends on the nesting level: start each expression at the top.
        self._in_expression, level, self._print_level = True, self._print_level, 0
        try:
            return self._whole_expression(super()._print(_shield_costly_constants(expr), **kwargs))
        finally:
            self._in_expression, self._print_level = False, level

    @staticmethod
    def _whole_expression(text: str) -> str:
        """The last touch to a whole printed SymPy expression (none by default)."""
        return text

    # --- functions: one definition each, every format from its table ---

    def applied_function(self, name: str, argument: str) -> str:
        """``name`` (a key of `function_heads`) applied to printed `argument`."""
        return self._apply(self.function_heads[name], argument)

    def _print_named_function(self, expr, exp=None):
        return self._apply(self.function_heads[type(expr).__name__], self._print(expr.args[0]), exp)

    _print_sigmoid = _print_relu = _print_softplus = _print_Heaviside = _print_sign = _print_named_function

    def _print_Derivative(self, expr):
        found = abstract_prime(expr)
        return super()._print_Derivative(expr) if found is None else self._print_prime(*found)

    def _print_Subs(self, expr):
        found = abstract_prime(expr)
        return super()._print_Subs(expr) if found is None else self._print_prime(*found)

    # --- document blocks ---

    _in_appendix = False
    #: Whether the sides of an equation share one line when they fit (else one line each).
    join_sides = True

    def _joined(self, sides, width: float) -> str | None:
        """The one-line sides of an equation joined with ``=``, if they fit in `width` together."""
        if not self.join_sides or any(len(side) != 1 for side in sides):
            return None
        total = sum(self._widths.get(side[0], width + 1) for side in sides) + self._chars(3) * (len(sides) - 1)
        return self.line_joins["="].join(side[0] for side in sides) if total <= width else None

    def _start_document(self) -> None:
        self._headings, self._appendix, self._in_appendix, self._widths = 0, [], False, {}
        self._measured = {}

    def each_block(self, items) -> list[tuple[str, object]]:
        """Each block that prints something, printed on its own (no appendix), with the block."""
        self._start_document()
        try:
            return [(chunk, block) for chunk, block in ((self._print(block), block) for block in items) if chunk]
        finally:
            self._measured = None

    def document(self, items) -> list[str]:
        """The printed chunks of a document, one per block that prints something.

        Expressions too long for their line but not for a few lines are
        written out in an appendix at the end.
        """
        self._start_document()
        try:
            chunks = [chunk for chunk in (self._print(block) for block in items) if chunk]
            if self._appendix:
                self._in_appendix = True
                appendix: list = [blocks.Heading(_("Appendix: expressions too long for the text"))]
                for number, (lhs, item) in enumerate(self._appendix, start=1):
                    appendix += [blocks.Text(_("A{number}:").format(number=number)),
                                 blocks.Equations([blocks.Equation(lhs, [item])])]
                chunks += [chunk for chunk in (self._print(block) for block in appendix) if chunk]
                self._in_appendix = False
        finally:
            self._measured = None
        return chunks

    #: While :meth:`document` runs: ``id(item) -> (item, width)`` of what :meth:`measure` has
    #: measured (a list of equations is measured to set it compactly, then again to set it).
    _measured: dict | None = None

    def inline(self, parts) -> str:
        """A heading's or paragraph's parts: words as they are, math items printed."""
        return "".join(part if isinstance(part, str) else self._print(part) for part in parts)

    def _print_Typed(self, item) -> str:
        return item.text

    def _print_OpaqueConstant(self, expr) -> str:
        return self.parenthesize(expr.constant, PRECEDENCE["Pow"])

    def _print_Name(self, item) -> str:
        return self.name(item.id)

    @_sympy_too
    def _print_Product(self, item) -> str:
        return self.product_separator.join(self._factor(i) for i in item.items)

    @_sympy_too
    def _print_Sum(self, item) -> str:
        """``a + b - c``: a term that is a negated expression is subtracted, not added."""
        text = ""
        for index, term in enumerate(item.items):
            if index == 0:
                text = self._print(term)
            elif _is_negated(term):
                text += " - " + self._print(-term)
            else:
                text += " + " + self._print(term)
        return text

    def _factor(self, item) -> str:
        text = self._print(item)
        if isinstance(item, (sympy.Add, blocks.Sum)) or _is_negated(item):
            return self._parenthesize_block(text)
        return text

    # --- fitting the page: whole, broken at top-level + and ·, or in a later form ---

    #: How the joins of a broken line are written: the operator before a term or a factor.
    line_joins = {"+": " + ", "-": " - ", "*": " · ", "=": " = "}

    def measure(self, item) -> float:
        """Estimated printed width of `item`, in the unit of the printer's width setting."""
        return float(len(self._print(item)))

    def _line_width(self) -> float:
        return float(self._settings["line_width"])

    def fit(self, item, width: float, max_lines: int | None = None) -> list[str] | None:
        """The printed lines of `item` within `width`, or None if it cannot fit.

        `item` is printed whole if it fits; otherwise it is broken before the
        operators of its top-level sum or product (a line never splits
        parentheses or fractions), every line but the first starting with its
        operator; a :class:`~symgrad.render.blocks.Choice` tries its forms in
        order. More than `max_lines` lines (the ``max_lines`` setting) do not fit.
        """
        max_lines = self._settings["max_lines"] if max_lines is None else max_lines
        if item is None:  # a Choice's last form None: the side is left out
            return []
        if isinstance(item, blocks.Choice):
            for form in item.forms:
                lines = self.fit(form, width, item.max_lines or max_lines)
                if lines is not None:
                    return lines
            return None
        if isinstance(item, blocks.TooLarge) or self._chars(_least_characters(item)) > width * max_lines:
            return None
        measured = self.measure(item)
        if measured <= width:
            text = self._print(item)
            self._widths[text] = measured
            return [text]
        pieces = _pieces(item)
        if not pieces or max_lines <= 1:
            return None
        return self._pack(pieces, width, max_lines)

    def _pack(self, pieces, width: float, max_lines: int) -> list[str] | None:
        """Lines of `pieces` ((operator, item) pairs) within `width`, greedily; None beyond `max_lines`."""
        lines: list[str] = []
        line, used = "", 0.0
        for operator, piece in pieces:
            text = self._factor(piece) if operator == "*" else self._print(piece)
            join = self.line_joins[operator] if operator and (line or lines) else "- " if operator else ""
            needed = self.measure(piece) + self._chars(3 + (2 if operator == "*" else 0))
            room = width - (self._indent_width() if lines else 0.0)
            if needed > room:
                return None
            if line and used + needed > room:
                lines.append(line)
                if len(lines) >= max_lines:
                    return None
                line, used = join.lstrip() + text, needed
            else:
                line, used = line + join + text, used + needed
        lines.append(line)
        return lines if len(lines) <= max_lines else None

    def _chars(self, count: float) -> float:
        """The width of `count` characters (the terminal's unit is the character)."""
        return float(count)

    def _indent_width(self) -> float:
        """The width of the indent of a continuation line."""
        return self._chars(len(self.continuation_indent))

    #: What starts a continuation line (its indent).
    continuation_indent = "    "

    def equation_lines(self, equation, width: float) -> list[list[str]]:
        """The lines of each right-hand side of `equation` within `width` (repeats dropped).

        A side that cannot fit is written as :meth:`unfit` says.
        """
        printed: list[list[str]] = []
        for item in equation.rhs:
            lines = self.fit(item, width, self._settings["appendix_lines"] if self._in_appendix else None)
            if lines is None:
                lines = [self.unfit(item, equation.lhs)]
            if lines and (not printed or printed[-1] != lines):
                printed.append(lines)
        return printed

    def unfit(self, item, lhs=None) -> str:
        """What stands in for `item` when it does not fit: a reference to the appendix or its size.

        An item that fits in ``appendix_lines`` lines is written out in the
        appendix at the end of the document; a larger one is only named by
        its size (the JSON output has every expression: ``to_json(full=True)``).
        """
        if not self._in_appendix and lhs is not None and not isinstance(item, blocks.TooLarge) \
                and self.fit(item, self._line_width() - self.measure(lhs) - self._chars(4),
                             self._settings["appendix_lines"]) is not None:
            self._appendix.append((lhs, item))
            return self._print(blocks.Note(_("see the appendix, A{number}").format(number=len(self._appendix))))
        size = item.size if isinstance(item, blocks.TooLarge) else blocks.item_size(item)
        return self._print(blocks.TooLarge(size, wide=not isinstance(item, blocks.TooLarge)))



#: A route of more nodes than this is printed as its first and last few, "…" between.
MAX_ROUTE_NODES = 24


def _shortened(nodes: tuple) -> tuple:
    """`nodes`, or its first and last 10 with an empty name (printed as an ellipsis) between."""
    return nodes if len(nodes) <= MAX_ROUTE_NODES else (*nodes[:10], "", *nodes[-10:])


def _least_characters(item) -> int:
    """A cheap lower bound of the printed length of `item` (an operation prints at least one character)."""
    if isinstance(item, (blocks.Sum, blocks.Product)):
        return 2 * len(item.items)
    if isinstance(item, sympy.Basic) and len(item.args) > 1:
        return len(item.args) - 1
    return 0


def _pieces(item) -> list[tuple[str, object]] | None:
    """(operator, part) pairs of a top-level sum or product, in printed order; else None.

    A SymPy product is split only when it prints as a plain product (no
    fraction, no leading minus sign).
    """
    if isinstance(item, (blocks.Sum, sympy.Add)):
        terms = item.items if isinstance(item, blocks.Sum) else item.args
        return [("", term) if index == 0 else ("-", -term) if _is_negated(term) else ("+", term)
                for index, term in enumerate(terms)]
    if isinstance(item, sympy.Mul):
        negated = item.could_extract_minus_sign()
        factors = sympy.Mul(-1, item, evaluate=True).args if negated else item.args
        if any((f.is_Pow and f.exp.is_negative) or (f.is_Rational and not f.is_Integer) for f in factors):
            return None
        if negated:  # - a · b · c: the first line starts with the minus sign
            return [("-", factors[0])] + [("*", factor) for factor in factors[1:]]
    elif isinstance(item, blocks.Product):
        factors = item.items
    else:
        return None
    return [("" if index == 0 else "*", factor) for index, factor in enumerate(factors)]


class OpaqueConstant(sympy.Dummy):
    """Stands in, while printing, for a constant SymPy must not evaluate (its ``constant``)."""


def _shield_costly_constants(expr: sympy.Basic) -> sympy.Basic:
    """Replace constants such as sin(exp(exp(20))) by placeholders (SymPy's printers test signs)."""
    costly = costly_constants(expr)
    if not costly:
        return expr
    placeholders = {}
    for node in postorder(expr):
        if id(node) in costly and not isinstance(node, (sympy.Add, sympy.Mul)) and node not in placeholders:
            placeholders[node] = OpaqueConstant("c")
            placeholders[node].constant = node
    return substitute(expr, placeholders)


def rhs_strings(items, printer) -> list[str]:
    """Print the right-hand sides of an equation, dropping a repeat of the previous one."""
    printed: list[str] = []
    for item in items:
        text = printer(item)
        if not printed or printed[-1] != text:
            printed.append(text)
    return printed


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"$<$", ">": r"$>$", "|": r"\textbar{}",
}
_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>#|$"})


def escape_latex_text(text: str) -> str:
    """Make plain text safe inside LaTeX text mode."""
    return "".join(_LATEX_SPECIALS.get(c, c) for c in text)


def _is_negated(item) -> bool:
    return isinstance(item, sympy.Basic) and item.could_extract_minus_sign()


# --- LaTeX ---------------------------------------------------------------------


class LatexPrinter(_SharedPrinting, SympyLatexPrinter):
    """symgrad's LaTeX (math mode): expressions and the blocks of a derivation.

    Settings are SymPy's (an unknown one raises ``TypeError`` naming it),
    with operands kept in the order they were typed and ``\\cdot`` products.
    A new target (Beamer, say) is a subclass that overrides the methods
    whose form it changes.

    Examples
    --------
    >>> from symgrad.render.blocks import Partial, Adjoint
    >>> LatexPrinter().doprint(Partial("f", "x1"))
    '\\\\frac{\\\\partial f}{\\\\partial x_{1}}'
    >>> LatexPrinter({"colour": "red"})
    Traceback (most recent call last):
    ...
    TypeError: Unknown setting 'colour'.
    """

    #: Page geometry: ``text_width`` (pt) and ``font_size`` (pt) of the target; every display
    #: line is kept within the text width. The defaults are the ``--standalone`` article
    #: (11 pt, A4 with 2 cm margins: 170 mm = 483.7 pt); a Beamer frame at 11 pt has
    #: ``text_width=307`` (128 mm paper, 1 cm margins). ``max_lines``: lines an expression may
    #: take in the text before it moves to the appendix (at most ``appendix_lines`` there).
    _default_settings = {**SympyLatexPrinter._default_settings, "order": "none", "mul_symbol": "dot",
                         "ln_notation": True, "inv_trig_style": "full",
                         "text_width": 483.7, "font_size": 11.0, "max_lines": 6, "appendix_lines": 30}
    setting_checks = {
        **_SharedPrinting.setting_checks,
        "text_width": (lambda v: isinstance(v, (int, float)) and 50 <= v <= 5000, "a width in pt, 50 to 5000"),
        "font_size": (lambda v: isinstance(v, (int, float)) and 5 <= v <= 50, "a size in pt, 5 to 50"),
    }
    #: Width of one character of an item's Unicode form, in em, an operator counting
    #: :data:`OPERATOR_WEIGHT` more. Measured, not guessed: ``benchmarks/calibrate_latex_width.py``
    #: typesets every equation side of a corpus of derivations (neuron, x*sin(x), a fork, a
    #: two-layer loss, a network) in display style at 11 pt and reads the boxes' widths from
    #: the log; the largest ratio among items of 20 characters or more was 4.52 pt (0.411 em)
    #: per weighted character, median 3.5 pt. 0.432 em leaves a 5 % margin.
    em_per_character = 0.432
    line_joins = {"+": " + ", "-": " - ", "*": r" \cdot ", "=": " = "}
    join_sides = False
    continuation_indent = r"\quad {}"
    function_heads = {
        "sigmoid": r"\sigma", "relu": r"\operatorname{ReLU}", "softplus": r"\operatorname{softplus}",
        "Heaviside": "H", "sign": r"\operatorname{sign}", "tanh": r"\tanh",
        "softmax": r"\operatorname{softmax}", "log_softmax": r"\operatorname{log\,softmax}",
    }
    product_separator = r" \cdot "
    #: Short symbol of an operation, as a node of a drawn graph shows it (matplotlib's
    #: mathtext); a function not listed here shows its head from `function_heads`.
    operation_symbols = {
        "add": "+", "mul": r"\times", "neg": "-", "sqrt": r"\sqrt{\cdot}", "power": r"a^{b}",
        "exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
        "relu": r"\mathrm{ReLU}", "softplus": r"\mathrm{sp}", "abs": r"|\cdot|", "identity": "=",
    }

    @staticmethod
    def name(name: str) -> str:
        """A node or variable name (see :func:`name_to_latex`)."""
        return name_to_latex(name)

    @staticmethod
    def _apply(head: str, argument: str, exp: str | None = None) -> str:
        text = rf"{head}\left({argument}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def operation_symbol(self, op: str) -> str:
        r"""The short symbol of operation `op` (``mul`` -> ``\times``, ``sigmoid`` -> ``\sigma``).

        Examples
        --------
        >>> LATEX.operation_symbol("mul"), LATEX.operation_symbol("sigmoid")
        ('\\times', '\\sigma')
        """
        return self.operation_symbols.get(op) or self.function_heads.get(op, op)

    def _print_Mul(self, expr):
        # 1/x is the parser's unevaluated Mul(1, 1/x); SymPy shows its 1 as 1 \cdot \frac{1}{x}.
        factors = _one_over_merged(expr.args)
        if len(factors) == 1:
            return self._print(factors[0])
        if len(factors) < len(expr.args):
            return self._print(sympy.Mul(*factors, evaluate=False))
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        # SymPy prints the term -1*(-2) of x - (-2) as - -2: such terms print their own minus.
        terms = self._as_ordered_terms(expr, order=order)
        if not any(_needs_own_minus(t) for t in terms):
            return super()._print_Add(expr, order=order)
        text = ""
        for term in terms:
            if _needs_own_minus(term):
                sign, body = "-", self._print(term)[1:]
            elif text and term.could_extract_minus_sign():
                sign, body = "-", self._print(-term)
            else:
                sign, body = "+", self._print(term)
            if self._needs_add_brackets(term):
                body = self._parenthesize_block(body)
            text += (f" {sign} " if text else ("-" if sign == "-" else "")) + body
        return text

    def _print_Symbol(self, expr, style="plain"):
        return name_to_latex(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Pow(self, expr):
        # SymPy writes b**-2 as 1/b**2 and, for an unevaluated b = x*x**-1, recurses without end.
        base, exponent = expr.args
        if (exponent.is_Rational and exponent.is_negative and exponent != -1 and isinstance(base, sympy.Mul)
                and any(f.is_Pow and f.exp.is_negative for f in base.args)):
            return rf"\left({self._print(base)}\right)^{{{self._print(exponent)}}}"
        return super()._print_Pow(expr)

    def _print_AppliedUndef(self, expr, exp=None):
        return self._apply(name_to_latex(user_name(expr.func)), ", ".join(self._print(a) for a in expr.args), exp)

    def _print_prime(self, name: str, index: int, arguments) -> str:
        function = name_to_latex(name)
        if "^" in function:  # v^{(0)}_{12}' would be a double superscript
            function = f"{{{function}}}"
        head = f"{function}'" if len(arguments) == 1 else rf"\partial_{{{index}}} {function}"
        return self._apply(head, ", ".join(self._print(a) for a in arguments))

    @staticmethod
    def _parenthesize_block(text: str) -> str:
        return rf"\left({text}\right)"

    def measure(self, item) -> float:
        """Estimated width in pt of `item` in display style (see :attr:`em_per_character`)."""
        if isinstance(item, str):
            return self._chars(len(item))
        known = self._measured.get(id(item)) if self._measured is not None else None
        if known is not None:
            return known[1]
        text = UNICODE.doprint(item)
        width = self._chars(len(text) + OPERATOR_WEIGHT * sum(text.count(c) for c in "·+−-=←"))
        if self._measured is not None:
            self._measured[id(item)] = (item, width)  # the item kept alive: its id stays its own
        return width

    def _chars(self, count: float) -> float:
        return count * self.em_per_character * self._settings["font_size"]

    def _line_width(self) -> float:
        return float(self._settings["text_width"])

    def _indent_width(self) -> float:
        return float(self._settings["font_size"])  # \quad

    def _print_Partial(self, item) -> str:
        fraction = rf"\frac{{\partial {name_to_latex(item.numerator)}}}{{\partial {name_to_latex(item.denominator)}}}"
        if item.path is not None:
            label = escape_latex_text(_("path {number}").format(number=item.path))
            return rf"\left.{fraction}\right|_{{\text{{{label}}}}}"
        return fraction if item.position is None else rf"\left.{fraction}\right|_{{\#{item.position}}}"

    def _print_Choice(self, item) -> str:
        return self._print(item.forms[0])

    def _print_Note(self, item) -> str:
        return rf"\text{{({escape_latex_text(item.text)})}}"

    @_sympy_too
    def _print_Adjoint(self, item) -> str:
        return rf"\overline{{{name_to_latex(item.node)}}}"

    def _print_Route(self, item) -> str:
        return r" \leftarrow ".join(name_to_latex(n) if n else r"\cdots" for n in _shortened(item.nodes))

    def _print_Raw(self, item) -> str:
        return item.latex

    def _print_TooLarge(self, item) -> str:
        return rf"\text{{({escape_latex_text(blocks.too_large_sentence(item.size, item.wide))})}}"

    def inline(self, parts) -> str:
        return "".join(escape_latex_text(p) if isinstance(p, str) else self._inline_item(p) for p in parts)

    def _inline_item(self, item) -> str:
        """A math item in ``$...$``; typed text in the typewriter font."""
        if isinstance(item, blocks.Typed):
            return rf"\texttt{{{escape_latex_text(item.text)}}}"
        return f"${self._print(item)}$"

    def _print_Heading(self, block) -> str:
        return rf"\medskip\noindent\textbf{{{self.inline(block.parts)}}}"

    def _print_Text(self, block) -> str:
        return r"\noindent " + self.inline(block.parts)

    def equation_rows(self, block, lhs_width: float | None = None) -> list[str]:
        """``align`` rows of the equations of `block`, each within the text width.

        The right-hand sides share the width left by the widest left-hand side
        and the widest note; a long side continues on rows that start
        ``&\\quad {}+``.
        """
        if not block.equations:
            return []
        lhs_width = max([self.measure(eq.lhs) for eq in block.equations] + [lhs_width or 0.0])
        notes = [eq.note for eq in block.equations if eq.note]
        # a note: its text (about 0.52 em a character) and the gap before it (\\minalignsep and more)
        note_width = self._chars(max(map(len, notes)) * 1.2 + 6) + self._settings["font_size"] if notes else 0.0
        width = self._line_width() - lhs_width - self._chars(3) - note_width
        rows = []
        for eq in block.equations:
            lhs, note = self._print(eq.lhs), self._note(eq.note)
            sides = self.equation_lines(eq, width)
            joined = self._joined(sides, width)
            for side, lines in enumerate([[joined]] if joined is not None else sides):
                rows.append(f"{lhs if side == 0 else ''} &= {lines[0]}{note if side == 0 else ''}")
                rows += [f"&{self.continuation_indent}{line}" for line in lines[1:]]
        return rows

    @staticmethod
    def _note(note: str) -> str:
        return rf" && \text{{({escape_latex_text(note)})}}" if note else ""

    #: Short one-line equations are set side by side, up to this many to a row (a compact table).
    max_columns = 3

    def compact_rows(self, block) -> list[list[str]] | None:
        """Groups of ``align`` rows with short equations side by side, or None.

        For four or more equations whose one right-hand side each fits in a
        column: two or three to a row (as many as fit the text width, at most
        :attr:`max_columns`). A note follows its equation in parentheses. (A
        list with some wide equations stays one column: mixed groups, each an
        ``align`` with its own column widths, read worse than a long list.)
        """
        if len(block.equations) < 4:
            return None
        lhs_width = max(self.measure(eq.lhs) for eq in block.equations)
        gap = 2 * self._settings["font_size"]
        entries = [self._entry(eq) for eq in block.equations]
        for columns in range(self.max_columns, 1, -1):
            limit = (self._line_width() - gap * (columns - 1)) / columns
            short = [entry is not None and entry[1] <= limit for entry in entries]
            if all(short):
                break
        else:
            return None
        groups: list[list[str]] = []
        for fits, run in itertools.groupby(zip(block.equations, entries, short), key=lambda item: item[2]):
            run = list(run)
            if fits:
                texts = [entry[0] for _, entry, _ in run]
                groups.append([" & ".join(texts[start:start + columns]) for start in range(0, len(texts), columns)])
            else:
                groups.append(self.equation_rows(blocks.Equations([eq for eq, _, _ in run]), lhs_width))
        return groups

    def _entry(self, eq) -> tuple[str, float] | None:
        """(``lhs &= rhs`` with its note, estimated width) of a one-line equation, else None."""
        if len(eq.rhs) != 1:
            return None
        lines = self.fit(eq.rhs[0], self._line_width() / 2)
        if lines is None or len(lines) != 1 or lines[0] not in self._widths:
            return None
        note = rf"\quad\text{{({escape_latex_text(eq.note)})}}" if eq.note else ""
        width = (self.measure(eq.lhs) + self._widths[lines[0]] + self._chars(3)
                 + (self._chars(len(eq.note) * 1.2 + 4) if eq.note else 0.0))
        return f"{self._print(eq.lhs)} &= {lines[0]}{note}", width

    def _print_Equations(self, block) -> str:
        groups = self.compact_rows(block) or [self.equation_rows(block)]
        return "\n".join("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
                         for rows in groups if rows)

    def _print_Table(self, block) -> str:
        rows = "\n".join(rf"{escape_latex_text(a)} & {escape_latex_text(b)} \\" for a, b in block.rows)
        return "\\begin{center}\n\\begin{tabular}{lr}\n\\hline\n" + rows + "\n\\hline\n\\end{tabular}\n\\end{center}"


class MarkdownPrinter(LatexPrinter):
    """Markdown: the LaTeX printer's math in ``$...$``, with Markdown headings, lists and tables.

    Its ``text_width`` is a notebook's or a rendered README's text column (about 55 em).
    """

    _default_settings = {**LatexPrinter._default_settings, "text_width": 600.0}
    join_sides = True

    def inline(self, parts) -> str:
        return "".join(p.translate(_MARKDOWN_SPECIALS) if isinstance(p, str) else self._inline_item(p)
                       for p in parts)

    def _inline_item(self, item) -> str:
        if isinstance(item, blocks.Typed):  # code; a backtick inside would end it (the parser refuses them)
            return "`" + item.text.replace("`", "'") + "`"
        return f"${self._print(item)}$"

    def _print_Heading(self, block) -> str:
        self._headings += 1
        return ("# " if self._headings == 1 else "## ") + self.inline(block.parts)

    def _print_Text(self, block) -> str:
        return self.inline(block.parts)

    @staticmethod
    def _note(note: str) -> str:
        return ""

    def _print_Equations(self, block) -> str:
        """One list item per equation; an equation that takes several lines is a display."""
        items = []
        for eq in block.equations:
            rows = self.equation_rows(blocks.Equations([blocks.Equation(eq.lhs, eq.rhs)]))
            note = f" ({eq.note})" if eq.note else ""
            if len(rows) == 1:
                items.append(f"- ${rows[0].replace(' &= ', ' = ', 1)}${note}")
            else:
                items.append("$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$" + note)
        return "\n\n".join(items)

    def _print_Table(self, block) -> str:
        rows = ["| quantity | value |", "|---|---:|"]
        rows += [f"| {a.translate(_MARKDOWN_SPECIALS)} | {b} |" for a, b in block.rows]
        return "\n".join(rows)


class MathJaxPrinter(LatexPrinter):
    """The equations alone, as rows of one ``aligned`` block (Jupyter/MathJax): headings, no prose.

    Its ``text_width`` is a notebook's output column (about 55 em).
    """

    _default_settings = {**LatexPrinter._default_settings, "text_width": 600.0}
    join_sides = True

    def _print_Heading(self, block) -> str:
        # MathJax does not switch back to math inside \text: a name is printed as its text.
        parts = (p if isinstance(p, str) else p.id for p in block.parts)
        return rf"&\textbf{{{escape_latex_text(''.join(parts))}}}"

    def _print_Text(self, block) -> str:
        return ""

    _print_Table = _print_Text

    @staticmethod
    def _note(note: str) -> str:
        return ""

    #: A notebook shows at most this many rows of one list of equations.
    max_block_rows = 40

    def _print_Equations(self, block) -> str:
        rows = self.equation_rows(blocks.Equations(block.equations[:self.max_block_rows]))
        more = len(block.equations) - self.max_block_rows
        if more > 0:
            more_text = escape_latex_text(_("... and {count} more").format(count=more))
            rows.append(rf"&\text{{({more_text})}}")
        return " \\\\\n".join(rows)


# --- Unicode -------------------------------------------------------------------


class UnicodePrinter(_SharedPrinting, StrPrinter):
    """symgrad's one-line Unicode: ``·`` for products, superscript integer powers, σ, |x|, f′.

    Examples
    --------
    >>> from symgrad.render.blocks import Adjoint, Route
    >>> UnicodePrinter().doprint(Route(("f", "u1", "x")))
    'f ← u₁ ← x'
    """

    #: ``line_width``: characters of a terminal line (long expressions are broken to fit);
    #: ``max_lines`` and ``appendix_lines`` as for :class:`LatexPrinter`.
    _default_settings = {**StrPrinter._default_settings, "order": "none", "full_prec": False,
                         "line_width": 100, "max_lines": 6, "appendix_lines": 30}
    setting_checks = {
        **_SharedPrinting.setting_checks,
        "line_width": (lambda v: isinstance(v, int) and 20 <= v <= 10_000, "an integer from 20 to 10000"),
    }
    continuation_indent = "      "
    function_heads = {
        "sigmoid": "σ", "relu": "ReLU", "softplus": "softplus", "Heaviside": "H", "sign": "sign",
        "tanh": "tanh", "softmax": "softmax", "log_softmax": "log softmax",
    }

    @staticmethod
    def name(name: str) -> str:
        """A node or variable name (see :func:`name_to_unicode`)."""
        return name_to_unicode(name)

    @staticmethod
    def _apply(head: str, argument: str, exp: str | None = None) -> str:
        return f"{head}({argument})"

    @staticmethod
    def _whole_expression(text: str) -> str:
        """``x**2*y`` -> ``x²·y``: SymPy's operators as a terminal shows them."""
        text = _POWER.sub(lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
        return text.replace("**", "^").replace("*", "·")

    def _print_Symbol(self, expr):
        return name_to_unicode(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Pi(self, expr):
        return "π"

    def _print_Mul(self, expr):
        # SymPy's StrPrinter parenthesizes the divisor y*z of x/(y*z) twice when it is unevaluated.
        text = super()._print_Mul(expr)
        for factor in expr.args:
            if isinstance(factor, sympy.Pow) and factor.exp is sympy.S.NegativeOne \
                    and isinstance(factor.base, (sympy.Mul, sympy.Pow)) and len(factor.base.args) != 1:
                divisor = self.parenthesize(factor.base, PRECEDENCE["Mul"], strict=False)
                text = text.replace(f"({divisor})", divisor, 1)
        return text

    def _print_Pow(self, expr, rational=False):
        # x**(-2) alone (a term of a sum) reads 1/x² on a slide, as 1/x does already
        exponent = expr.exp
        if exponent.is_Rational and exponent.is_negative and exponent != -1 and not expr.base.is_Number:
            return "1/" + self.parenthesize(sympy.Pow(expr.base, -exponent, evaluate=False), PRECEDENCE["Pow"],
                                            strict=True)
        return super()._print_Pow(expr, rational=rational)

    def _print_Max(self, expr):
        return self._apply(type(expr).__name__.lower(), ", ".join(self._print(a) for a in expr.args))

    _print_Min = _print_Max

    def _print_Exp1(self, expr):
        return "e"

    def _print_log(self, expr):
        return f"ln({self._print(expr.args[0])})"

    def _print_asin(self, expr):
        return f"arc{expr.func.__name__[1:]}({self._print(expr.args[0])})"

    _print_acos = _print_atan = _print_asin

    def _print_AppliedUndef(self, expr):
        return self._apply(name_to_unicode(user_name(expr.func)), ", ".join(self._print(a) for a in expr.args))

    def _print_prime(self, name: str, index: int, arguments) -> str:
        head = name_to_unicode(name) + ("′" if len(arguments) == 1 else f"_{index}′")
        return self._apply(head, ", ".join(self._print(a) for a in arguments))

    @staticmethod
    def _parenthesize_block(text: str) -> str:
        return f"({text})"

    def _print_Partial(self, item) -> str:
        text = f"∂{name_to_unicode(item.numerator)}/∂{name_to_unicode(item.denominator)}"
        if item.path is not None:
            return f"{text}|{_('path {number}').format(number=item.path)}"
        return text if item.position is None else f"{text}|#{item.position}"

    @_sympy_too
    def _print_Adjoint(self, item) -> str:
        name = name_to_unicode(item.node)
        return name[0] + "\u0304" + name[1:]

    def _print_Route(self, item) -> str:
        return " ← ".join(name_to_unicode(n) if n else "…" for n in _shortened(item.nodes))

    def _print_Raw(self, item) -> str:
        return item.unicode

    def _print_TooLarge(self, item) -> str:
        return f"({blocks.too_large_sentence(item.size, item.wide)})"

    def _print_Choice(self, item) -> str:
        return self._print(item.forms[0])

    def _print_Note(self, item) -> str:
        return f"({item.text})"

    def _print_Heading(self, block) -> str:
        title = self.inline(block.parts)
        return f"\n{title}\n{'─' * len(title)}"

    def _print_Text(self, block) -> str:
        return self.inline(block.parts)

    def _print_Equations(self, block) -> str:
        lines = []
        for eq in block.equations:
            lhs, note = self._print(eq.lhs), f"    [{eq.note}]" if eq.note else ""
            width = self._line_width() - len(lhs) - 5 - len(note)
            sides = self.equation_lines(eq, width)
            whole = self._joined(sides, width)
            if whole is not None:
                lines.append(f"  {lhs} = {whole}{note}")
                continue
            lines.append(f"  {lhs} = {sides[0][0]}{note}")
            for side_number, side in enumerate(sides):
                rest = side[1:] if side_number == 0 else side
                if side_number:
                    lines.append(f"  {' ' * len(lhs)} = {rest[0]}")
                    rest = rest[1:]
                lines += [f"  {' ' * len(lhs)}{self.continuation_indent}{text}" for text in rest]
        return "\n".join(lines)

    def _print_Table(self, block) -> str:
        width = max(len(a) for a, _ in block.rows)
        return "\n".join(f"  {a:<{width}}  {b:>12}" for a, b in block.rows)


LATEX = LatexPrinter()
UNICODE = UnicodePrinter()


def to_latex(expr) -> str:
    """LaTeX of `expr` (a SymPy expression or a block), operands in the order they were built."""
    return LATEX.doprint(expr)


def to_unicode(expr) -> str:
    """One-line Unicode form of `expr` (a SymPy expression or a block)."""
    return UNICODE.doprint(expr)
