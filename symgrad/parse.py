"""Text -> SymPy expression, through an allow-list; user text is never evaluated.

The text is checked character by character, parsed by :func:`ast.parse` (which
only builds a syntax tree), and the tree is walked with an allow-list of node
types. SymPy objects are built directly and *unevaluated*, so that the
computation graph mirrors what was typed: ``x*x`` stays a product with two
operands, ``x - y`` a subtraction, ``x/y`` a division, and operand order is kept.

Grammar, informally::

    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '/') factor)*
    factor := ('-' | '+') factor | atom (('**' | '^') factor)?
    atom   := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'

``^`` is a synonym of ``**`` (power), not Python's exclusive or.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

import sympy

from .errors import ParseError
from .vocabulary import FUNCTIONS

__all__ = ["parse", "Limits", "DEFAULT_LIMITS", "is_valid_name"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what :func:`parse` accepts; each keeps parsing fast and small.

    Attributes
    ----------
    max_length : int
        Characters of input.
    max_depth : int
        Nesting depth of operations (a chain ``a + b + c`` counts once).
    max_digits : int
        Significant digits of one number literal.
    max_exponent : int
        Magnitude of a constant exponent, as in ``x**1000``.
    max_log10 : int
        Magnitude of any constant computed from literals, as a power of ten.
    max_name_length : int
        Characters of one name.
    """

    max_length: int = 20_000
    max_depth: int = 100
    max_digits: int = 30
    max_exponent: int = 1000
    max_log10: int = 300
    max_name_length: int = 64


DEFAULT_LIMITS = Limits()

_ALLOWED_PUNCTUATION = set("+-*/^()., \t\r\n_")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_INTEGER = re.compile(r"[0-9]+\Z")
_DECIMAL = re.compile(r"(?P<mantissa>[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE](?P<exp>[+-]?[0-9]+))?\Z")

_UNSUPPORTED = {
    ast.Compare: "comparison",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if ... else'",
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing",
    ast.Tuple: "a tuple (a comma outside a function call)",
    ast.Lambda: "lambda",
    ast.GeneratorExp: "a generator",
    ast.Starred: "'*' unpacking",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "assignment",
    ast.Await: "'await'",
}
_UNSUPPORTED_OPERATORS = {
    ast.FloorDiv: "floor division '//'",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "exclusive or",
    ast.Not: "'not'",
    ast.Invert: "'~'",
}


def is_valid_name(name: str) -> bool:
    """Return whether `name` may name a variable: ASCII letter, then letters, digits, ``_``.

    Examples
    --------
    >>> is_valid_name("w_12"), is_valid_name("_x"), is_valid_name("1x")
    (True, False, False)
    """
    return bool(_NAME.match(name)) and len(name) <= DEFAULT_LIMITS.max_name_length


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> sympy.Expr:
    """Parse an arithmetic expression into an unevaluated SymPy expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"sigmoid(w1*x1 + w2*x2 + b)"``. Names are real
        symbols; ``sin cos tan exp log sqrt tanh sigmoid relu softplus abs``
        are functions (``log(x, b)`` is the logarithm to base ``b``); any other
        called name is an abstract function such as ``f(x)``.
    limits : Limits, optional
        Bounds on length, nesting and number size.

    Returns
    -------
    sympy.Expr
        Built with ``evaluate=False``: it mirrors the text.

    Raises
    ------
    ParseError
        If the text is not an expression of this grammar or breaks a limit;
        the message names the problem and :attr:`ParseError.column` the place.

    Examples
    --------
    >>> parse("x*x - y/2")
    x*x - y/2
    >>> parse("2^10")
    2**10
    >>> parse("x.real")
    Traceback (most recent call last):
    ...
    symgrad.errors.ParseError: attribute access ('.') is not supported at column 1
    """
    if not isinstance(text, str):
        raise ParseError(f"expected the expression as a string, got {type(text).__name__}")
    source, columns = _prepare(text, limits)
    tree = _syntax_tree(source, text, columns)
    _check_depth(tree.body, text, columns, limits)
    expr, _ = _Converter(source, text, columns, limits).convert(tree.body)
    return expr


# --- characters and syntax ---------------------------------------------------


def _prepare(text: str, limits: Limits) -> tuple[str, list[int]]:
    """Check characters, map ``^`` to ``**``; return new text and its column map."""
    if len(text) > limits.max_length:
        raise ParseError(
            f"expression is {len(text)} characters long; the limit is {limits.max_length}",
            text,
            limits.max_length + 1,
        )
    for index, char in enumerate(text):
        if char.isascii() and (char.isalnum() or char in _ALLOWED_PUNCTUATION):
            continue
        raise ParseError(_bad_character(char), text, index + 1)
    if not text.strip():
        raise ParseError("empty expression", text)
    pieces: list[str] = []
    columns: list[int] = []  # columns[i] = 1-based column in `text` of source[i]
    for index, char in enumerate(text):
        replacement = "**" if char == "^" else (" " if char in "\t\r\n" else char)
        pieces.append(replacement)
        columns.extend([index + 1] * len(replacement))
    columns.append(len(text) + 1)
    source = "".join(pieces)
    indent = len(source) - len(source.lstrip(" "))  # ast.parse refuses leading blanks
    return source[indent:], columns[indent:]


def _bad_character(char: str) -> str:
    if not char.isascii():
        hint = "; write Greek letters by name, e.g. alpha" if char.isalpha() else ""
        return f"non-ASCII character {char!r} (U+{ord(char):04X}) is not allowed{hint}"
    if not char.isprintable():
        return f"control character {char!r} is not allowed"
    return f"character {char!r} is not allowed"


def _syntax_tree(source: str, text: str, columns: list[int]) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as err:
        offset = err.offset if err.offset and err.lineno == 1 else None
        if err.offset == 0 and err.lineno == 1:
            offset = len(columns)  # at the end of the text: an operand is missing
        column = columns[min(offset, len(columns)) - 1] if offset else None
        raise ParseError(_syntax_message(err.msg), text, column) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("expression is nested too deeply to parse", text) from None


def _syntax_message(message: str) -> str:
    if "forgot a comma" in message:
        return "missing operator between two terms (write 2*x, not 2 x)"
    if message.startswith("invalid decimal literal"):
        return "invalid number (write 2*x, not 2x, and 1e-3, not 1e)"
    if "integer string conversion" in message:
        return "number has too many digits"
    if "too many nested parentheses" in message:
        return "too many nested parentheses"
    if message.startswith("leading zeros"):
        return "a number may not start with 0 (write 7, not 007)"
    return message.split(". Perhaps")[0].split(". Maybe")[0]


def _chain_family(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return "sum"
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return "product"
    return None


def _continues_chain(parent: ast.BinOp, child: ast.AST) -> bool:
    """Whether `child`, the left operand of `parent`, is the same unparenthesized chain.

    ``a*b*c`` is one chain; in ``(a*b)*c`` the parentheses make ``a*b`` a node of its
    own. ``ast`` keeps no parentheses, but a parenthesized left operand starts after
    its parent does.
    """
    family = _chain_family(parent)
    return (family is not None and child is parent.left and _chain_family(child) == family
            and child.col_offset == parent.col_offset)


def _check_depth(root: ast.AST, text: str, columns: list[int], limits: Limits) -> None:
    """Refuse trees nested deeper than the limit; chains like a+b+c count once."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            column = columns[getattr(node, "col_offset", 0)]
            raise ParseError(
                f"expression is nested more than {limits.max_depth} levels deep", text, column
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                continue
            same_chain = isinstance(node, ast.BinOp) and _continues_chain(node, child)
            stack.append((child, depth if same_chain else depth + 1))


# --- the allow-list walk -----------------------------------------------------

Value = "sympy.Rational | sympy.Float | None"


class _Converter:
    """Builds SymPy objects from an allow-listed syntax tree.

    Each ``convert`` returns ``(expr, value)``: `value` is the exact number a
    subexpression made only of literals and ``+ - * / **`` stands for (bounded
    by ``limits.max_log10``), or ``None``. It is what lets ``9**9**9`` be
    refused instead of computed.
    """

    def __init__(self, source: str, text: str, columns: list[int], limits: Limits):
        self.source = source
        self.text = text
        self.columns = columns
        self.limits = limits

    def error(self, message: str, node: ast.AST) -> ParseError:
        return ParseError(message, self.text, self.columns[getattr(node, "col_offset", 0)])

    def convert(self, node: ast.AST):
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            return self.name(node), None
        if isinstance(node, ast.Constant):
            return self.number(node)
        what = _UNSUPPORTED.get(type(node), type(node).__name__)
        raise self.error(f"{what} is not supported", node)

    # names and numbers

    def name(self, node: ast.Name) -> sympy.Symbol:
        name = node.id
        if not _NAME.match(name):
            raise self.error(f"name {name!r} must start with a letter", node)
        if len(name) > self.limits.max_name_length:
            raise self.error(
                f"name is longer than {self.limits.max_name_length} characters", node
            )
        return sympy.Symbol(name, real=True)

    def number(self, node: ast.Constant):
        literal = ast.get_source_segment(self.source, node) or ""
        if isinstance(node.value, bool) or node.value is None or node.value is Ellipsis:
            raise self.error(f"{literal!r} is not supported", node)
        if isinstance(node.value, complex):
            raise self.error("complex numbers are not supported", node)
        if _INTEGER.match(literal):
            if len(literal.lstrip("0")) > self.limits.max_digits:
                raise self.error(f"number has more than {self.limits.max_digits} digits", node)
            value = sympy.Integer(int(literal))
            return value, value
        match = _DECIMAL.match(literal)
        if not match:
            raise self.error(f"number {literal!r}: only decimal numbers are supported", node)
        digits = match["mantissa"].replace(".", "").lstrip("0")
        if len(digits) > self.limits.max_digits:
            raise self.error(f"number has more than {self.limits.max_digits} digits", node)
        exponent = match["exp"] or "0"
        # Thousands of digits (in the exponent, or zeros after the point) are out of range
        # and would make int() and Float() raise ValueError.
        if len(literal) > 2 * self.limits.max_log10 or abs(int(exponent)) > self.limits.max_log10:
            raise self.error(f"number {_short(literal)} is out of range (10^±{self.limits.max_log10})", node)
        value = sympy.Float(literal, max(15, len(digits)))
        return value, value

    # operators

    def binary(self, node: ast.BinOp):
        family = _chain_family(node)
        if family == "sum":
            return self.sum_chain(node)
        if family == "product":
            return self.product_chain(node)
        if isinstance(node.op, ast.Pow):
            return self.power(node)
        what = _UNSUPPORTED_OPERATORS.get(type(node.op), type(node.op).__name__)
        raise self.error(f"{what} is not supported", node)

    def chain(self, node: ast.BinOp, family: str) -> list[tuple[ast.AST, ast.operator | None]]:
        """Flatten a left-leaning chain ``a op b op c`` into [(a, None), (b, op), (c, op)].

        A parenthesized left operand, as in ``(a*b)*c``, is not flattened: it stays a node.
        """
        operands = []
        while True:
            operands.append((node.right, node.op))
            if not _continues_chain(node, node.left):
                node = node.left
                break
            node = node.left
        operands.append((node, None))
        operands.reverse()
        return operands

    def sum_chain(self, node: ast.BinOp):
        terms, total = [], sympy.S.Zero
        for operand, op in self.chain(node, "sum"):
            expr, value = self.convert(operand)
            if isinstance(op, ast.Sub):
                expr = sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)
                value = -value if value is not None else None
            terms.append(expr)
            total = total + value if total is not None and value is not None else None
        if total is not None:
            self.check_magnitude(total, node)
        return sympy.Add(*terms, evaluate=False), total

    def product_chain(self, node: ast.BinOp):
        factors, total = [], sympy.S.One
        for operand, op in self.chain(node, "product"):
            expr, value = self.convert(operand)
            if isinstance(op, ast.Div):
                if value is not None and value.is_zero:
                    raise self.error("division by zero", operand)
                expr = sympy.Pow(expr, sympy.S.NegativeOne, evaluate=False)
                value = 1 / value if value is not None else None
            factors.append(expr)
            if total is not None and value is not None:
                self.check_magnitude_of_product(total, value, node)
                total = total * value
            else:
                total = None
        return sympy.Mul(*factors, evaluate=False), total

    def power(self, node: ast.BinOp):
        base, base_value = self.convert(node.left)
        exponent, exponent_value = self.convert(node.right)
        value = None
        if exponent_value is not None:
            if abs(exponent_value) > self.limits.max_exponent:
                raise self.error(
                    f"exponent {_short(exponent_value)} is larger than {self.limits.max_exponent}",
                    node.right,
                )
            if base_value is not None:
                value = self.constant_power(base_value, exponent_value, node)
        return sympy.Pow(base, exponent, evaluate=False), value

    def constant_power(self, base, exponent, node: ast.AST):
        if base.is_zero:
            if exponent.is_negative:
                raise self.error("division by zero", node)
            return sympy.S.Zero if exponent.is_positive else sympy.S.One
        log10 = float(exponent) * _log10(base)
        if log10 > self.limits.max_log10:
            raise self.error(f"number is larger than 10^{self.limits.max_log10}", node)
        if log10 < -self.limits.max_log10:
            raise self.error(f"number is smaller than 10^-{self.limits.max_log10}", node)
        if base.is_negative and not exponent.is_integer:
            return None  # a complex constant: leave it to SymPy, unevaluated
        return base**exponent

    def unary(self, node: ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        if not isinstance(node.op, ast.USub):
            what = _UNSUPPORTED_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self.error(f"{what} is not supported", node)
        expr, value = self.convert(node.operand)
        if isinstance(node.operand, ast.Constant):
            return -value, -value  # a negative literal is one number
        negated = sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)
        return negated, (-value if value is not None else None)

    # calls

    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.col_offset != node.col_offset:
            raise self.error("only a name can be called, as in sin(x)", node)
        if node.keywords:
            raise self.error("keyword arguments are not supported", node)
        name = node.func.id
        if not node.args:
            raise self.error(f"{name}() needs at least one argument", node)
        converted = [self.convert(arg) for arg in node.args]
        args = [expr for expr, _ in converted]
        if name not in FUNCTIONS:
            return sympy.Function(self.name(node.func).name)(*args), None
        if name == "log" and len(args) == 2:
            return _log_base(*args), None
        if len(args) != 1:
            raise self.error(f"{name}() takes exactly one argument, got {len(args)}", node)
        value = _function_value(name, converted[0][1])  # bounds what evaluation will fold
        if name == "sqrt":
            return sympy.Pow(args[0], sympy.S.Half, evaluate=False), value
        return FUNCTIONS[name](args[0], evaluate=False), value

    # bounds

    def check_magnitude(self, value, node: ast.AST) -> None:
        if not value.is_zero and _log10(value) > self.limits.max_log10:
            raise self.error(f"number is larger than 10^{self.limits.max_log10}", node)

    def check_magnitude_of_product(self, left, right, node: ast.AST) -> None:
        if left.is_zero or right.is_zero:
            return
        if abs(_log10(left) + _log10(right)) > self.limits.max_log10:
            raise self.error(f"number is out of range (10^±{self.limits.max_log10})", node)


def _function_value(name: str, value):
    """The number SymPy folds ``name(value)`` into (approximately), or ``None``.

    Only the size matters: the value bounds later powers and products, so that
    ``abs(10^299)^1000`` is refused as ``(10^299)^1000`` is.
    """
    if value is None:
        return None
    if name == "sqrt":
        return None if value.is_negative else sympy.sqrt(value).evalf(15) if not value.is_zero else value
    result = FUNCTIONS[name](value)
    return result if isinstance(result, (sympy.Rational, sympy.Float)) else None


def _log_base(arg: sympy.Expr, base: sympy.Expr) -> sympy.Expr:
    """``log(x, b)`` as the quotient of natural logarithms it stands for."""
    numerator = sympy.log(arg, evaluate=False)
    denominator = sympy.log(base, evaluate=False)
    return sympy.Mul(numerator, sympy.Pow(denominator, -1, evaluate=False), evaluate=False)


def _log10(value) -> float:
    """log10 of |value| for a nonzero Rational or Float, without huge floats."""
    value = abs(value)
    if isinstance(value, sympy.Rational):
        return _int_log10(value.p) - _int_log10(value.q)
    return float(sympy.log(value, 10).evalf(15))


def _int_log10(number: int) -> float:
    bits = number.bit_length()
    if bits < 1000:
        return math.log10(number)
    return (bits - 1) * math.log10(2) + math.log10(number >> (bits - 53))  - 52 * math.log10(2)


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."
