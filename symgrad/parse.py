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
import keyword
import math
import re
from dataclasses import dataclass

import sympy

from .errors import ParseError
from .i18n import N_
from .i18n import gettext as _
from .vocabulary import FUNCTIONS, abstract_function

__all__ = [
    "parse", "parse_with_notes", "Reading", "Limits", "DEFAULT_LIMITS", "is_valid_name", "is_decimal",
    "decimal_problem",
]


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

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_INTEGER = re.compile(r"[0-9]+\Z")
_DECIMAL = re.compile(r"(?P<mantissa>[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE](?P<exp>[+-]?[0-9]+))?\Z")

_UNSUPPORTED = {
    ast.Compare: N_("comparison"),
    ast.BoolOp: N_("'and'/'or'"),
    ast.IfExp: N_("'if ... else'"),
    ast.Attribute: N_("attribute access ('.')"),
    ast.Subscript: N_("indexing"),
    ast.Tuple: N_("a tuple (a comma outside a function call)"),
    ast.Lambda: N_("lambda"),
    ast.GeneratorExp: N_("a generator"),
    ast.Starred: N_("'*' unpacking"),
    ast.JoinedStr: N_("an f-string"),
    ast.NamedExpr: N_("assignment"),
    ast.Await: N_("'await'"),
}
_UNSUPPORTED_OPERATORS = {
    ast.FloorDiv: N_("floor division '//'"),
    ast.Mod: N_("'%'"),
    ast.MatMult: N_("'@'"),
    ast.LShift: N_("'<<'"),
    ast.RShift: N_("'>>'"),
    ast.BitOr: N_("'|'"),
    ast.BitAnd: N_("'&'"),
    ast.BitXor: N_("exclusive or"),
    ast.Not: N_("'not'"),
    ast.Invert: N_("'~'"),
}


def is_valid_name(name: str) -> bool:
    """Return whether `name` may name a variable: ASCII letter, then letters, digits, ``_``.

    Examples
    --------
    >>> is_valid_name("w_12"), is_valid_name("_x"), is_valid_name("1x")
    (True, False, False)
    """
    return bool(_NAME.match(name)) and len(name) <= DEFAULT_LIMITS.max_name_length


def is_decimal(literal: str) -> bool:
    """Whether `literal` is an unsigned decimal number: ``12``, ``0.5``, ``.5``, ``1.5e-3``.

    Examples
    --------
    >>> is_decimal("1.5e-3"), is_decimal("-2"), is_decimal("0x10")
    (True, False, False)
    """
    return bool(_DECIMAL.match(literal))


def decimal_problem(literal: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """What puts the decimal number `literal` (see :func:`is_decimal`) out of `limits`, or None.

    Examples
    --------
    >>> decimal_problem("1.5e-3"), decimal_problem("1e400")
    (None, 'number 1e400 is out of range (10^±300)')
    """
    if _INTEGER.match(literal):
        if len(literal.lstrip("0")) > limits.max_digits:
            return _("number has more than {limit} digits").format(limit=limits.max_digits)
        return None
    match = _DECIMAL.match(literal)
    digits = match["mantissa"].replace(".", "").lstrip("0")
    if len(digits) > limits.max_digits:
        return _("number has more than {limit} digits").format(limit=limits.max_digits)
    # Thousands of digits (in the exponent, or zeros after the point) are out of range
    # and would make int() and Float() raise ValueError.
    if len(literal) > 2 * limits.max_log10 or abs(int(match["exp"] or "0")) > limits.max_log10:
        return _("number {number} is out of range (10^±{limit})").format(number=_short(literal), limit=limits.max_log10)
    return None


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
    return parse_with_notes(text, limits)[0]


def parse_with_notes(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[sympy.Expr, tuple[Reading, ...]]:
    """Parse like :func:`parse`; also say where the text was not read literally.

    Returns
    -------
    expr : sympy.Expr
        As :func:`parse` returns it.
    readings : tuple of Reading
        One per rewrite, in the order of the text: implicit products (``2x``),
        ``|u|``, ``sin^2(x)``, ``e^u``, Unicode operators, unknown functions.

    Examples
    --------
    >>> expr, readings = parse_with_notes("2x + e^x")
    >>> expr
    2*x + exp(x)
    >>> [str(r) for r in readings]
    ['2x as 2*x', 'e^u as exp(u)']
    """
    if not isinstance(text, str):
        raise ParseError(_("expected the expression as a string, got {type}").format(type=type(text).__name__))
    source, columns, readings = _prepare(text, limits)
    tree = _syntax_tree(source, text, columns)
    _check_depth(tree.body, text, columns, limits)
    converter = _Converter(source, text, columns, limits)
    expr, _value = converter.convert(tree.body)
    notes = sorted((_ascii_reading(r) for r in readings + converter.readings), key=lambda r: r.column)
    return expr, tuple({str(note): note for note in reversed(notes)}.values())[::-1]


# --- characters and syntax ---------------------------------------------------


def _prepare(text: str, limits: Limits) -> tuple[str, list[int], list[Reading]]:
    """Check characters and apply the fixed rewrites; return source, column map, readings."""
    if len(text) > limits.max_length:
        raise ParseError(
            _("expression is {length} characters long; the limit is {limit}").format(
                length=len(text), limit=limits.max_length),
            text,
            limits.max_length + 1,
        )
    tokens = _tokens(text)
    if not _significant(tokens):
        raise ParseError(_("empty expression"), text)
    _refuse_derivative_notation(text)
    readings: list[Reading] = []
    _bars(tokens, text, readings)
    tokens = _function_powers(tokens, text, readings)
    tokens = _implicit_products(tokens, text, readings)
    readings += _operator_readings(tokens)
    pieces: list[str] = []
    columns: list[int] = []  # columns[i] = 1-based column in `text` of source[i]
    for token in tokens:
        source = _KEYWORD_ALIASES.get(token.text, token.text) if token.kind == "name" else token.text
        literal = not token.typed and source == token.text
        pieces.append(source)
        columns.extend(token.column + (i if literal else 0) for i in range(len(source)))
    columns.append(len(text) + 1)
    source = "".join(pieces)
    indent = len(source) - len(source.lstrip(" "))  # ast.parse refuses leading blanks
    return source[indent:], columns[indent:], readings


#: ``d/dx``, ``d/dx(``, ``d / dw1`` at the start: the student typed the question, not the function.
_DERIVATIVE_NOTATION = re.compile(r"\s*d\s*/\s*d\s*([A-Za-z][A-Za-z0-9_]*)\b\s*")


def _refuse_derivative_notation(text: str) -> None:
    """Refuse ``d/dx x^2``: symgrad takes the function, and the variable with --wrt."""
    match = _DERIVATIVE_NOTATION.match(text)
    rest = text[match.end():].strip() if match else ""
    if not rest or rest[0] in "+-*/^)],.·×÷−":  # d/dx*3: a quotient of variables d and dx
        return
    raise ParseError(_("type the function only, {rest}, and choose the variable with --wrt {variable}").format(
        rest=rest, variable=match.group(1)), text, 1)


def _operator_readings(tokens: list[_Token]) -> list[Reading]:
    seen = {}
    for token in tokens:
        if token.kind == "op" and token.typed and token.typed != "^":
            seen.setdefault(token.typed, Reading(token.column, _unicode_name(token.typed), token.text))
        if token.kind == "sup":
            typed = "superscript " + token.text[2:].strip("()")
            seen.setdefault(token.typed, Reading(token.column, typed, f"^{token.text[2:]}"))
    return list(seen.values())


# --- reading what students type: tokens and fixed rewrites -------------------


@dataclass(frozen=True)
class Reading:
    """One place where the text was not read literally, e.g. ``2x`` read as ``2*x``.

    Attributes
    ----------
    column : int
        1-based column of the place in the typed text.
    typed : str
        What was typed there.
    read_as : str
        How it was read.
    """

    column: int
    typed: str
    read_as: str

    def __str__(self) -> str:
        from .i18n import gettext as _
        typed, read_as = (reading_words(side) or side for side in (self.typed, self.read_as))
        return _("{typed} as {read_as}").format(typed=typed, read_as=read_as)


#: The words of readings, translated when shown (what the user typed never is).
_READING_WORDS = frozenset((
    N_("Euler's number e"), N_("an unknown function"), N_("middle dot"), N_("dot operator"),
    N_("multiplication sign"), N_("asterisk operator"), N_("division sign"), N_("minus sign"),
))


def reading_words(side: str) -> str | None:
    """A side of a :class:`Reading` that is our own words, in the current language; None for typed text.

    Examples
    --------
    >>> reading_words("superscript 2"), reading_words("e^u")
    ('superscript 2', None)
    """
    if side in _READING_WORDS:
        return _(side)
    if side.startswith("superscript "):
        return _("superscript {digits}").format(digits=side.removeprefix("superscript "))
    return None


@dataclass
class _Token:
    kind: str  # num name op open close comma bar sup space
    text: str  # what goes to ast.parse
    column: int  # 1-based column in the typed text
    typed: str = ""  # what was typed, if different from `text`


_NUMBER_AT = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME_AT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SUPERSCRIPT_DIGITS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                       "⁷": "7", "⁸": "8", "⁹": "9"}
_SUPERSCRIPT_SIGNS = {"⁻": "-", "⁺": "+"}
#: Unicode operators read as ASCII ones.
_OPERATORS = {"·": "*", "⋅": "*", "×": "*", "∗": "*", "÷": "/", "−": "-"}
#: Unicode letters read as names.
_LETTERS = {"π": "pi"}
#: What to type instead of other Unicode characters.
_ASCII_FOR = {"–": "-", "—": "-", "√": "sqrt(x)", "∞": N_("a large number"), "≤": N_("a single expression"),
              "≥": N_("a single expression"), "≠": N_("a single expression"), "′": N_("the expression itself")}
#: Python keywords that are fine names; the parser renames them for ast.parse.
_KEYWORD_ALIASES = {"lambda": "λ"}  # ast.parse takes λ as a name; users cannot type it
_ALIASED = {v: k for k, v in _KEYWORD_ALIASES.items()}
_OPERAND_END = {"num", "name", "close", "sup", "barclose"}
_OPERAND_START = {"name", "open", "baropen"}


def _tokens(text: str) -> list[_Token]:
    """Split `text` into tokens; refuse characters outside the grammar with the fix to type."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char, column = text[index], index + 1
        number, name = _NUMBER_AT.match(text, index), _NAME_AT.match(text, index)
        if char in " \t\r\n":
            tokens.append(_Token("space", " ", column))
        elif char.isascii() and char.isdigit() or (char == "." and number):
            tokens.append(_Token("num", number.group(), column))
            index = number.end()
            continue
        elif name:
            tokens.append(_Token("name", name.group(), column))
            index = name.end()
            continue
        elif text.startswith("**", index):
            tokens.append(_Token("op", "**", column))
            index += 2
            continue
        elif char in "+-*/.":
            tokens.append(_Token("op", char, column))
        elif char == "^":
            tokens.append(_Token("op", "**", column, "^"))
        elif char in "()":
            tokens.append(_Token("open" if char == "(" else "close", char, column))
        elif char == ",":
            tokens.append(_Token("comma", char, column))
        elif char == "|":
            tokens.append(_Token("bar", char, column))
        elif char in _OPERATORS:
            tokens.append(_Token("op", _OPERATORS[char], column, char))
        elif char in _LETTERS:
            tokens.append(_Token("name", _LETTERS[char], column, char))
        elif char in _SUPERSCRIPT_DIGITS or char in _SUPERSCRIPT_SIGNS:
            end = index
            while end < len(text) and (text[end] in _SUPERSCRIPT_DIGITS or text[end] in _SUPERSCRIPT_SIGNS):
                end += 1
            tokens.append(_superscript(text, index, end))
            index = end
            continue
        else:
            raise ParseError(_refusal(text, index), text, column)
        index += 1
    return tokens


def _superscript(text: str, start: int, end: int) -> _Token:
    typed = text[start:end]
    sign = typed[0] if typed[0] in _SUPERSCRIPT_SIGNS else ""
    digits = typed[len(sign):]
    if not digits or any(c in _SUPERSCRIPT_SIGNS for c in digits):
        raise ParseError(_("superscript {typed} is not a power; write x^2 or x^-1").format(typed=repr(typed)),
                         text, start + 1)
    exponent = "".join(_SUPERSCRIPT_DIGITS[c] for c in digits)
    source = f"**(-{exponent})" if sign == "⁻" else f"**{exponent}"
    return _Token("sup", source, start + 1, typed)


_TO_ASCII = str.maketrans({**{k: "^" + v for k, v in _SUPERSCRIPT_DIGITS.items()}, "⁻": "^-", "⁺": "^+",
                           **_OPERATORS, **_LETTERS})


def _ascii_reading(reading: Reading) -> Reading:
    """The reading in ASCII (``sin²(x)`` as ``sin^2(x)``), printable by every output format."""
    return Reading(reading.column, reading.typed.translate(_TO_ASCII), reading.read_as.translate(_TO_ASCII))


def _unicode_name(char: str) -> str:
    """``'minus sign'`` for ``−``: readings stay ASCII, so every output format can print them."""
    import unicodedata

    return unicodedata.name(char, "unnamed character").lower()


def _refusal(text: str, index: int) -> str:
    """The one-line refusal of the character at `index`, saying what to type instead."""
    char = text[index]
    if char == "=":
        if text[index + 1:index + 2] == "=" or text[index - 1:index] in "<>!":
            return _("comparison is not supported")
        rest = text[index + 1:].strip()
        return _("type the expression only: {rest}").format(rest=rest) if rest else _(
            "type the expression only, without '='")
    if char == "!":
        if text[index + 1:index + 2] == "=":
            return _("comparison is not supported")
        return _("factorials are not supported")
    if not char.isascii():
        return _bad_character(char)
    if not char.isprintable():
        return _("control character {char} is not allowed").format(char=repr(char))
    return _("character {char} is not allowed").format(char=repr(char))


def _bad_character(char: str) -> str:
    import unicodedata  # only for refusals

    name = unicodedata.name(char, "unnamed")
    described = _("non-ASCII character {char} ({code}, {name}) is not allowed").format(
        char=repr(char), code=f"U+{ord(char):04X}", name=name)
    if name.startswith("GREEK"):
        letter = name.split()[-1].lower().replace("lamda", "lambda")
        return _("{refusal}; write Greek letters by name: {letter}").format(refusal=described, letter=letter)
    ascii_form = unicodedata.normalize("NFKC", char)
    if char in _ASCII_FOR:
        return _("{refusal}; write {replacement}").format(refusal=described, replacement=_(_ASCII_FOR[char]))
    if ascii_form != char and ascii_form.isascii() and ascii_form.isprintable():
        return _("{refusal}; write {replacement}").format(refusal=described, replacement=repr(ascii_form))
    return described


def _significant(tokens: list[_Token]) -> list[_Token]:
    return [t for t in tokens if t.kind != "space"]


def _bars(tokens: list[_Token], text: str, readings: list[Reading]) -> None:
    """Read ``|u|`` as ``abs(u)``: a bar after an operand closes an open bar, else it opens."""
    open_bars: list[_Token] = []
    previous = None
    for token in _significant(tokens):
        if token.kind == "bar":
            if previous is not None and previous.kind in _OPERAND_END and open_bars:
                token.kind, token.text, token.typed = "barclose", ")", "|"
                open_bars.pop()
            else:
                token.kind, token.text, token.typed = "baropen", "abs(", "|"
                open_bars.append(token)
        previous = token
    if open_bars:
        bar = open_bars[-1]
        inner = text[bar.column:].strip() or "x"
        raise ParseError(_("'|' is not closed; write abs({inner}) or |{inner}|").format(inner=inner), text, bar.column)
    first = next((t for t in tokens if t.kind == "baropen"), None)
    if first is not None:
        readings.append(Reading(first.column, "|u|", "abs(u)"))


def _matching_close(tokens: list[_Token], start: int) -> int | None:
    depth = 0
    for index in range(start, len(tokens)):
        kind = tokens[index].kind
        depth += kind in ("open", "baropen")
        depth -= kind in ("close", "barclose")
        if depth == 0:
            return index
    return None


def _function_powers(tokens: list[_Token], text: str, readings: list[Reading]) -> list[_Token]:
    """Read ``sin^2(x)`` and ``sin²(x)`` as ``sin(x)^2``."""
    result = list(tokens)
    index = 0
    while index < len(result):
        token = result[index]
        if token.kind == "name" and token.text in FUNCTIONS:
            power = _power_after(result, index, text)
            if power is not None:
                exponent_tokens, call = power
                close = _matching_close(result, call)
                if close is not None:
                    typed = text[token.column - 1:result[close].column]
                    exponent = exponent_tokens[0].text.removeprefix("**")
                    result = (result[:index] + [_Token("open", "(", token.column), token]
                              + result[call:close + 1]
                              + [_Token("close", ")", token.column), _Token("op", "**", token.column),
                                 _Token("num", exponent, token.column)]
                              + result[close + 1:])
                    readings.append(Reading(token.column, typed, f"{token.text}(...)^{exponent}"))
        index += 1
    return result


def _power_after(tokens: list[_Token], index: int, text: str):
    """``(exponent tokens, index of '(')`` if a function name is followed by a power and a call."""
    name = tokens[index]
    following = tokens[index + 1:index + 4]
    if following and following[0].kind == "sup" and len(following) > 1 and following[1].kind == "open":
        exponent = following[0]
        if exponent.text.startswith("**(-"):
            raise ParseError(_inverse_hint(name.text), text, exponent.column)
        return [exponent], index + 2
    if len(following) >= 3 and following[0].text == "**" and following[2].kind == "open":
        if following[1].kind == "num" and _INTEGER.match(following[1].text):
            return [following[1]], index + 3
    if len(following) >= 3 and following[0].text == "**" and following[1].text == "-":
        raise ParseError(_inverse_hint(name.text), text, following[0].column)
    return None


def _inverse_hint(name: str) -> str:
    inverse = {"sin": "asin", "cos": "acos", "tan": "atan"}.get(name)
    if inverse:
        return _("write {inverse}(x) for the inverse function, or {name}(x)^-1 for 1/{name}(x)").format(
            inverse=inverse, name=name)
    return _("write {name}(x)^-1 for 1/{name}(x)").format(name=name)


def _implicit_products(tokens: list[_Token], text: str, readings: list[Reading]) -> list[_Token]:
    """Insert ``*`` where two operands touch: ``2x``, ``3(x+1)``, ``(x+1)(x-1)``, ``x(x+1)``."""
    significant = _significant(tokens)
    variables = {t.text for i, t in enumerate(significant) if t.kind == "name"
                 and (i + 1 == len(significant) or significant[i + 1].kind != "open")}
    result: list[_Token] = []
    for index, token in enumerate(tokens):
        previous = result[-1] if result else None
        spaced = previous is not None and previous.kind == "space" and token.kind != "space"
        if spaced:  # operands apart only by spaces multiply as touching ones do: 2 x, x (x+1), x y
            previous = next((t for t in reversed(result) if t.kind != "space"), None)
        if previous is not None and _is_product(previous, token, variables, spaced):
            divisor = _divisor_start(result)
            if divisor is not None:
                typed = text[divisor - 1:token.column - 1].strip() + _operand_text(token)
                raise ParseError(_("{typed} after '/' is ambiguous: write the divisor in parentheses, "
                                   "or * for a product").format(typed=typed), text, divisor)
            star = _Token("op", "*", token.column)
            result.append(star)
            left, right = _operand_text(previous), _operand_text(token)
            gap = " " if spaced else ""
            readings.append(Reading(previous.column, left + gap + right, f"{left}*{right}"))
        elif previous is not None and previous.kind == "name" and previous.text in FUNCTIONS and token.kind == "space":
            following = next((t for t in tokens[index:] if t.kind != "space"), None)
            if following is not None and following.kind in ("name", "num"):
                raise ParseError(_("write {call} with parentheses").format(call=f"{previous.text}({following.text})"),
                                 text, following.column)
        result.append(token)
    return result


def _divisor_start(result: list[_Token]) -> int | None:
    """The column where the operand that ends `result` starts, if it is a divisor, else None.

    x/2y could be (x/2)*y or x/(2*y): an implicit product must not start at a divisor.
    """
    index = len(result) - 1
    while index >= 0 and result[index].kind == "space":
        index -= 1
    if index >= 0 and result[index].kind == "sup":  # x²: the operand starts at x
        index -= 1
    if index >= 0 and result[index].kind in ("close", "barclose"):  # back to the matching opening
        depth = 0
        while index >= 0:
            kind = result[index].kind
            depth += kind in ("close", "barclose")
            depth -= kind in ("open", "baropen")
            if depth == 0:
                break
            index -= 1
        if index > 0 and result[index - 1].kind == "name":  # a call: sin(x)
            index -= 1
    start = result[max(index, 0)].column
    index -= 1
    while index >= 0 and result[index].kind == "space":
        index -= 1
    divides = index >= 0 and result[index].kind == "op" and result[index].text in ("/", "÷")
    return start if divides else None


def _is_product(left: _Token, right: _Token, variables: set[str], spaced: bool = False) -> bool:
    """Whether tokens `left` and `right`, touching or apart by spaces, are two factors of a product."""
    if keyword.iskeyword(left.text) or keyword.iskeyword(right.text):
        return False  # x if y, not x: refused as Python's words, never read as products
    if left.kind == "name" and right.kind == "open":
        return left.text in variables and left.text not in FUNCTIONS
    if left.kind not in _OPERAND_END or right.kind not in _OPERAND_START:
        return False
    if right.kind == "name" and left.kind == "name":
        # x y: two names; touching, only π next to a name (2πx), as xy is one name
        return left.text not in FUNCTIONS if spaced else bool(left.typed or right.typed)
    if right.kind == "name" and right.text.startswith("_"):
        return False
    if left.kind == "num" and right.kind == "name":
        hex_like = left.text == "0" and right.text[0] in "xXoObB"
        return not hex_like and right.text not in ("j", "J")
    return True


def _operand_text(token: _Token) -> str:
    if token.kind in ("open", "close"):
        return "(...)"
    if token.kind in ("baropen", "barclose"):
        return "|...|"
    return token.typed or token.text


def _syntax_tree(source: str, text: str, columns: list[int]) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as err:
        offset = err.offset if err.offset and err.lineno == 1 else None
        if err.offset == 0 and err.lineno == 1:
            offset = len(columns)  # at the end of the text: an operand is missing
        column = columns[min(offset, len(columns)) - 1] if offset else None
        raise ParseError(_syntax_message(err.msg), text, column) from None
    except (RecursionError, ValueError):
        raise ParseError(_("expression is nested too deeply to parse"), text) from None
    except MemoryError:
        if _rough_depth(source) <= DEFAULT_LIMITS.max_depth:
            raise  # memory really ran out (the --memory-limit cap)
        raise ParseError(_("expression is nested too deeply to parse"), text) from None


def _rough_depth(source: str) -> int:
    """Parentheses plus powers: Python's parser runs out of memory on such nesting, not on length."""
    depth = deepest = 0
    for char in source:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    return deepest + source.count("**")


def _syntax_message(message: str) -> str:
    if "forgot a comma" in message:
        return _("missing operator between two terms (write 2*x, not 2 x)")
    if message.startswith("invalid decimal literal"):
        return _("invalid number (write 2*x, not 2x, and 1e-3, not 1e)")
    if "integer string conversion" in message:
        return _("number has too many digits")
    if "too many nested parentheses" in message:
        return _("too many nested parentheses")
    if message == "invalid syntax":
        return _("invalid syntax")
    if message.startswith("leading zeros"):
        return _("a number may not start with 0 (write 7, not 007)")
    if message == "'(' was never closed":  # Python's words in English, a translation otherwise
        return _("'(' was never closed")
    if message == "unmatched ')'":
        return _("unmatched ')'")
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
                _("expression is nested more than {limit} levels deep").format(limit=limits.max_depth), text, column
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
        self.readings: list[Reading] = []
        self.euler = _euler_names(source)

    def error(self, message: str, node: ast.AST) -> ParseError:
        return ParseError(message, self.text, self.columns[getattr(node, "col_offset", 0)])

    def typed(self, node: ast.AST) -> str:
        """The text the user typed for `node`."""
        start = self.columns[node.col_offset] - 1
        end = self.columns[max(node.end_col_offset - 1, node.col_offset)]
        return _short(self.text[start:end])

    def note(self, node: ast.AST, typed: str, read_as: str) -> None:
        self.readings.append(Reading(self.columns[getattr(node, "col_offset", 0)], typed, read_as))

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
        raise self.error(_("{what} is not supported").format(what=_(what)), node)

    # names and numbers

    def name(self, node: ast.Name) -> sympy.Expr:
        name = _ALIASED.get(node.id, node.id)
        if name == "pi":
            return sympy.pi
        if name in self.euler:
            self.note(node, name, "Euler's number e")
            return sympy.E
        if name in _RESERVED_NAMES:
            raise self.error(_("{name} names a function of symgrad's output; choose another variable name").format(
                name=name), node)
        return self.symbol(node, name)

    def symbol(self, node: ast.AST, name: str) -> sympy.Symbol:
        if not _NAME.match(name):
            raise self.error(_("name {name} must start with a letter").format(name=repr(name)), node)
        if len(name) > self.limits.max_name_length:
            raise self.error(
                _("name is longer than {limit} characters").format(limit=self.limits.max_name_length), node
            )
        return sympy.Symbol(name, real=True)

    def number(self, node: ast.Constant):
        literal = ast.get_source_segment(self.source, node) or ""
        if isinstance(node.value, bool) or node.value is None or node.value is Ellipsis:
            raise self.error(_("{what} is not supported").format(what=repr(literal)), node)
        if isinstance(node.value, complex):
            raise self.error(_("complex numbers are not supported"), node)
        if not is_decimal(literal):
            raise self.error(_("number {number}: only decimal numbers are supported").format(number=repr(literal)), node)
        problem = decimal_problem(literal, self.limits)
        if problem is not None:
            raise self.error(problem, node)
        if _INTEGER.match(literal):
            value = sympy.Integer(int(literal))
            return value, value
        digits = _DECIMAL.match(literal)["mantissa"].replace(".", "").lstrip("0")
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
        raise self.error(_("{what} is not supported").format(what=_(what)), node)

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
                    raise self.error(_("division by zero"), operand)
                if value is None and _is_zero_everywhere(expr):
                    raise self.error(_("division by {divisor}, which is 0 everywhere").format(
                        divisor=self.typed(operand)), operand)
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
        if isinstance(node.left, ast.Name) and node.left.id in self.euler:
            self.note(node, f"{node.left.id}^u", "exp(u)")
            return sympy.exp(self.convert(node.right)[0], evaluate=False), None
        base, base_value = self.convert(node.left)
        exponent, exponent_value = self.convert(node.right)
        if base_value is not None and base_value.is_zero and exponent_value is None:
            raise self.error(_("0^u has no derivative (it needs log(0)); write 0"), node)
        value = None
        if exponent_value is not None:
            if abs(exponent_value) > self.limits.max_exponent:
                raise self.error(
                    _("exponent {exponent} is larger than {limit}").format(
                        exponent=_short(exponent_value), limit=self.limits.max_exponent),
                    node.right,
                )
            if base_value is not None:
                value = self.constant_power(base_value, exponent_value, node)
        return sympy.Pow(base, exponent, evaluate=False), value

    def constant_power(self, base, exponent, node: ast.AST):
        if base.is_zero:
            if exponent.is_negative:
                raise self.error(_("division by zero"), node)
            return sympy.S.Zero if exponent.is_positive else sympy.S.One
        log10 = float(exponent) * _log10(base)
        if log10 > self.limits.max_log10:
            raise self.error(_("number is larger than 10^{limit}").format(limit=self.limits.max_log10), node)
        if log10 < -self.limits.max_log10:
            raise self.error(_("number is smaller than 10^-{limit}").format(limit=self.limits.max_log10), node)
        if base.is_negative and not exponent.is_integer:
            return None  # a complex constant: leave it to SymPy, unevaluated
        return base**exponent

    def unary(self, node: ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        if not isinstance(node.op, ast.USub):
            what = _UNSUPPORTED_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self.error(_("{what} is not supported").format(what=_(what)), node)
        expr, value = self.convert(node.operand)
        if isinstance(node.operand, ast.Constant):
            return -value, -value  # a negative literal is one number
        negated = sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)
        return negated, (-value if value is not None else None)

    # calls

    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.col_offset != node.col_offset:
            raise self.error(_("only a name can be called, as in sin(x)"), node)
        if node.keywords:
            raise self.error(_("keyword arguments are not supported"), node)
        name = node.func.id
        if not node.args:
            raise self.error(_("{name}() needs at least one argument").format(name=name), node)
        converted = [self.convert(arg) for arg in node.args]
        args = [expr for expr, _ in converted]
        if name not in FUNCTIONS:
            user_name = self.symbol(node.func, _ALIASED.get(name, name)).name
            self.note(node, user_name, "an unknown function")
            return abstract_function(user_name)(*args), None
        if name in ("max", "min"):
            if len(args) < 2:
                raise self.error(_("{name}() takes two or more arguments, got {count}").format(
                    name=name, count=len(args)), node)
            return FUNCTIONS[name](*args, evaluate=False), None
        if name == "log" and len(args) == 2:
            return self.log_base(converted[0], converted[1], node), None
        if len(args) != 1:
            raise self.error(_("{name}() takes exactly one argument, got {count}").format(name=name, count=len(args)), node)
        if name in _LOG_BASES:
            self.note(node, f"{name}(u)", f"log(u, {_LOG_BASES[name]})")
            return self.log_base(converted[0], (sympy.Integer(_LOG_BASES[name]),) * 2, node), None
        if name in ("log", "ln") and converted[0][1] is not None and converted[0][1] <= 0:
            raise self.error(_("{call} is undefined: the logarithm needs a positive number").format(
                call=f"{name}({_short(converted[0][1])})"), node)
        value = _function_value(name, converted[0][1])  # bounds what evaluation will fold
        if name == "sqrt":
            return sympy.Pow(args[0], sympy.S.Half, evaluate=False), value
        if name in _SYNONYMS:
            self.note(node, f"{name}(u)", f"{_SYNONYMS[name]}(u)")
        return FUNCTIONS[name](args[0], evaluate=False), value

    def log_base(self, argument, base, node: ast.AST) -> sympy.Expr:
        """``log(x, b)`` as ln(x)/ln(b); a base of 1 or a nonpositive base is refused."""
        (arg, _value), (base_expr, base_value) = argument, base
        if base_value is not None and (base_value == 1 or base_value <= 0):
            raise self.error(_("{call} is undefined: the base must be positive and not 1").format(
                call=f"log(u, {_short(base_value)})"), node)
        return _log_base(arg, base_expr)

    # bounds

    def check_magnitude(self, value, node: ast.AST) -> None:
        if not value.is_zero and _log10(value) > self.limits.max_log10:
            raise self.error(_("number is larger than 10^{limit}").format(limit=self.limits.max_log10), node)

    def check_magnitude_of_product(self, left, right, node: ast.AST) -> None:
        if left.is_zero or right.is_zero:
            return
        if abs(_log10(left) + _log10(right)) > self.limits.max_log10:
            raise self.error(_("number is out of range (10^±{limit})").format(limit=self.limits.max_log10), node)


#: Names of functions whose name says the base of the logarithm.
_LOG_BASES = {"log10": 10, "log2": 2}
#: Names read as another function of the vocabulary.
_SYNONYMS = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "Abs": "abs"}
#: Functions that symgrad's output writes by name: a variable of that name could not be read back.
_RESERVED_NAMES = frozenset(FUNCTIONS) | {"Heaviside", "sign", "Subs", "Derivative", "Max", "Min"}


_EULER_POWER = re.compile(r"(?<![\w.])([eE])(?=\s*\*\*)")


def _euler_names(source: str) -> frozenset[str]:
    """``e`` and ``E`` are Euler's number where the text raises them to a power (``e^x``)."""
    return frozenset(_EULER_POWER.findall(source))


_ZERO_TEST_SIZE = 60


def _is_zero_everywhere(expr: sympy.Expr) -> bool:
    """Whether a small divisor such as ``x - x`` is zero for every value of its variables."""
    if not expr.free_symbols or sympy.count_ops(expr) > _ZERO_TEST_SIZE:
        return False
    try:
        return sympy.expand(_evaluated(expr)) == 0
    except Exception:  # noqa: BLE001 - a SymPy failure only means: not shown to be zero
        return False


def _evaluated(expr: sympy.Expr) -> sympy.Expr:
    """`expr` rebuilt with SymPy's automatic simplification (``x - x`` becomes 0)."""
    if not expr.args:
        return expr
    return expr.func(*[_evaluated(arg) for arg in expr.args])


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
