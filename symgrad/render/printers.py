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

import re

import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter
from sympy.printing.str import StrPrinter

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
    setting_checks: dict = {}

    def __init__(self, settings=None):
        super().__init__(settings)
        for name, (valid, meaning) in self.setting_checks.items():
            if not valid(self._settings[name]):
                raise ValueError(f"printer setting {name!r} must be {meaning}, not {self._settings[name]!r}")

    def _print(self, expr, **kwargs) -> str:
        """Print `expr`; a SymPy expression inside a block is printed as if it stood alone."""
        if self._in_expression or not isinstance(expr, sympy.Basic):
            return super()._print(expr, **kwargs)
        # SymPy's Float precision depends on the nesting level: start each expression at the top.
        self._in_expression, level, self._print_level = True, self._print_level, 0
        try:
            return self._whole_expression(super()._print(expr, **kwargs))
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

    def document(self, blocks) -> list[str]:
        """The printed chunks of a document, one per block that prints something."""
        self._headings = 0
        return [chunk for chunk in (self._print(block) for block in blocks) if chunk]

    def _inline(self, parts) -> str:
        """A heading's or paragraph's parts: words as they are, math items printed."""
        return "".join(part if isinstance(part, str) else self._print(part) for part in parts)

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
    "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"$<$", ">": r"$>$",
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

    _default_settings = {**SympyLatexPrinter._default_settings, "order": "none", "mul_symbol": "dot",
                         "ln_notation": True, "inv_trig_style": "full"}
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
        head = f"{function}'" if len(arguments) == 1 else rf"\partial_{{{index}}} {function}"
        return self._apply(head, ", ".join(self._print(a) for a in arguments))

    @staticmethod
    def _parenthesize_block(text: str) -> str:
        return rf"\left({text}\right)"

    def _print_Partial(self, item) -> str:
        fraction = rf"\frac{{\partial {name_to_latex(item.numerator)}}}{{\partial {name_to_latex(item.denominator)}}}"
        return fraction if item.position is None else rf"\left.{fraction}\right|_{{\#{item.position}}}"

    @_sympy_too
    def _print_Adjoint(self, item) -> str:
        return rf"\overline{{{name_to_latex(item.node)}}}"

    def _print_Route(self, item) -> str:
        return r" \leftarrow ".join(name_to_latex(n) for n in item.nodes)

    def _print_Raw(self, item) -> str:
        return item.latex

    def _print_TooLarge(self, item) -> str:
        return rf"\text{{({blocks.too_large_sentence(item.size)})}}"

    def _inline(self, parts) -> str:
        return "".join(escape_latex_text(p) if isinstance(p, str) else f"${self._print(p)}$" for p in parts)

    def _print_Heading(self, block) -> str:
        return rf"\medskip\noindent\textbf{{{self._inline(block.parts)}}}"

    def _print_Text(self, block) -> str:
        return r"\noindent " + self._inline(block.parts)

    def _print_Equations(self, block) -> str:
        lines = []
        for eq in block.equations:
            rhs = r" \\ &= ".join(rhs_strings(eq.rhs, self._print))
            note = rf" && \text{{({escape_latex_text(eq.note)})}}" if eq.note else ""
            lines.append(f"{self._print(eq.lhs)} &= {rhs}{note}")
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}" if lines else ""

    def _print_Table(self, block) -> str:
        rows = "\n".join(rf"{escape_latex_text(a)} & {escape_latex_text(b)} \\" for a, b in block.rows)
        return "\\begin{center}\n\\begin{tabular}{lr}\n\\hline\n" + rows + "\n\\hline\n\\end{tabular}\n\\end{center}"


class MarkdownPrinter(LatexPrinter):
    """Markdown: the LaTeX printer's math in ``$...$``, with Markdown headings, lists and tables."""

    def _inline(self, parts) -> str:
        return "".join(p.translate(_MARKDOWN_SPECIALS) if isinstance(p, str) else f"${self._print(p)}$"
                       for p in parts)

    def _print_Heading(self, block) -> str:
        self._headings += 1
        return ("# " if self._headings == 1 else "## ") + self._inline(block.parts)

    def _print_Text(self, block) -> str:
        return self._inline(block.parts)

    def _print_Equations(self, block) -> str:
        return "\n\n".join(
            f"- ${self._print(eq.lhs)} = {' = '.join(rhs_strings(eq.rhs, self._print))}$"
            + (f" ({eq.note})" if eq.note else "")
            for eq in block.equations
        )

    def _print_Table(self, block) -> str:
        rows = ["| quantity | value |", "|---|---:|"]
        rows += [f"| {a.translate(_MARKDOWN_SPECIALS)} | {b} |" for a, b in block.rows]
        return "\n".join(rows)


class MathJaxPrinter(LatexPrinter):
    """The equations alone, as rows of one ``aligned`` block (Jupyter/MathJax): headings, no prose."""

    def _print_Heading(self, block) -> str:
        # MathJax does not switch back to math inside \text: a name is printed as its text.
        parts = (p if isinstance(p, str) else p.id for p in block.parts)
        return rf"&\textbf{{{escape_latex_text(''.join(parts))}}}"

    def _print_Text(self, block) -> str:
        return ""

    _print_Table = _print_Text

    def _print_Equations(self, block) -> str:
        return " \\\\\n".join(f"{self._print(eq.lhs)} &= {' = '.join(rhs_strings(eq.rhs, self._print))}"
                               for eq in block.equations)


# --- Unicode -------------------------------------------------------------------


class UnicodePrinter(_SharedPrinting, StrPrinter):
    """symgrad's one-line Unicode: ``·`` for products, superscript integer powers, σ, |x|, f′.

    Examples
    --------
    >>> from symgrad.render.blocks import Adjoint, Route
    >>> UnicodePrinter().doprint(Route(("f", "u1", "x")))
    'f ← u₁ ← x'
    """

    _default_settings = {**StrPrinter._default_settings, "order": "none"}
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
        return text if item.position is None else f"{text}|#{item.position}"

    @_sympy_too
    def _print_Adjoint(self, item) -> str:
        name = name_to_unicode(item.node)
        return name[0] + "\u0304" + name[1:]

    def _print_Route(self, item) -> str:
        return " ← ".join(name_to_unicode(n) for n in item.nodes)

    def _print_Raw(self, item) -> str:
        return item.unicode

    def _print_TooLarge(self, item) -> str:
        return f"({blocks.too_large_sentence(item.size)})"

    def _print_Heading(self, block) -> str:
        title = self._inline(block.parts)
        return f"\n{title}\n{'─' * len(title)}"

    def _print_Text(self, block) -> str:
        return self._inline(block.parts)

    def _print_Equations(self, block) -> str:
        lines = []
        for eq in block.equations:
            line = f"  {self._print(eq.lhs)} = " + " = ".join(rhs_strings(eq.rhs, self._print))
            lines.append(line + (f"    [{eq.note}]" if eq.note else ""))
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
