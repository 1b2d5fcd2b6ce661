"""Translation of every sentence symgrad writes: GNU gettext catalogs.

All user-facing prose (headings, sentences, table rows, figure labels, frame
captions, CLI messages) goes through :func:`gettext` (alias ``_``) and
:func:`ngettext`; the catalogs live in ``symgrad/locale/<lang>/LC_MESSAGES/``
(``symgrad.po`` sources, compiled ``symgrad.mo`` shipped beside them). English
is the source language and needs no catalog.

The language is chosen per call: ``explain(..., lang="ru")``, ``--lang ru``, or
by default the ``SYMGRAD_LANG`` environment variable (else English). Inside
:func:`use_language` every message is translated into that language; the
choice is a context variable, so threads and notebooks do not interfere.

Examples
--------
>>> from symgrad.i18n import gettext as _, use_language
>>> _("Result")
'Result'
>>> with use_language("en"):
...     ngettext("{n} path", "{n} paths", 2).format(n=2)
'2 paths'
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources

from .errors import OptionError

__all__ = [
    "LANGUAGES", "DEFAULT_LANGUAGE", "gettext", "ngettext", "N_", "use_language",
    "pgettext", "current_language", "default_language", "check_language", "available_languages",
    "latex_language_preamble", "argparse_translated", "language_of_arguments",
]

DOMAIN = "symgrad"
#: Languages symgrad writes: English (the source) and those with a catalog.
LANGUAGES = ("en", "ru")
#: Package options of ``babel`` for each language (the last one is the main language).
_BABEL = {"en": "english", "ru": "english,russian"}
DEFAULT_LANGUAGE = "en"
#: The environment variable that chooses the default language.
ENVIRONMENT_VARIABLE = "SYMGRAD_LANG"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("symgrad_language", default=None)


def check_language(lang: str) -> str:
    """`lang` if symgrad can write it, else an :class:`~symgrad.errors.OptionError`.

    Examples
    --------
    >>> check_language("ru")
    'ru'
    >>> check_language("de")
    Traceback (most recent call last):
    ...
    symgrad.errors.OptionError: no translation for language 'de' (available: en, ru)
    """
    if not isinstance(lang, str) or lang not in LANGUAGES:
        # In the language already chosen, never $SYMGRAD_LANG's: that may be the bad language itself.
        translations = _translations(_current.get() or DEFAULT_LANGUAGE)
        raise OptionError(translations.gettext("no translation for language {lang} (available: {available})").format(
            lang=repr(str(lang)[:20]), available=", ".join(LANGUAGES)))
    return lang


def default_language() -> str:
    """The language when none is given: ``$SYMGRAD_LANG`` if set (and known), else English."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return check_language(chosen) if chosen else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language messages are translated into right now."""
    return _current.get() or default_language()


def _language_or_english() -> str:
    """The current language; English while ``$SYMGRAD_LANG`` names none (that is reported where
    the language is chosen: ``explain``, ``--lang``), so that a message never fails to translate."""
    try:
        return current_language()
    except OptionError:
        return DEFAULT_LANGUAGE


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Translate into `lang` inside the ``with`` block (None: the default language)."""
    chosen = check_language(lang) if lang is not None else default_language()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    catalog = resources.files(__package__).joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        with catalog.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    except FileNotFoundError:
        return _gettext.NullTranslations()


def gettext(message: str) -> str:
    """`message` in the current language."""
    return _translations(_language_or_english()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the number `n` in the current language (Russian has three)."""
    return _translations(_language_or_english()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same words elsewhere by `context`.

    Examples
    --------
    >>> with use_language("ru"):
    ...     gettext("product"), ngettext("{n} path", "{n} paths", 22).format(n=22)
    ('правило произведения', '22 пути')
    """
    return _translations(_language_or_english()).pgettext(context, message)


def available_languages() -> tuple[str, ...]:
    """The languages symgrad writes (English and every language with a catalog)."""
    return LANGUAGES


def latex_language_preamble(lang: str | None = None) -> list[str]:
    r"""The LaTeX preamble lines a document in `lang` needs (None: the current language).

    Every standalone LaTeX target (the article, the TikZ Beamer wrapper, the
    Beamer deck) puts these lines in its preamble: UTF-8 input, and for
    Cyrillic the T2A font encoding and babel's Russian hyphenation and words.

    Examples
    --------
    >>> latex_language_preamble("en")
    []
    >>> print(latex_language_preamble("ru")[-1])
    \usepackage[english,russian]{babel}
    """
    chosen = check_language(lang) if lang is not None else current_language()
    if chosen == DEFAULT_LANGUAGE:
        return []  # English needs nothing beyond LaTeX's defaults
    return [r"\usepackage[utf8]{inputenc}", r"\usepackage[T2A]{fontenc}",
            rf"\usepackage[{_BABEL[chosen]}]{{babel}}"]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `message` for translation where it is defined; translate it where it is used."""
    return message


# --- argparse's own words ------------------------------------------------------------------

#: The words argparse itself writes where a user can see them ("usage:", "options", its error
#: messages). argparse translates them with gettext; symgrad's catalog carries them, and inside
#: :func:`argparse_translated` argparse looks them up there.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("show program's version number and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"), N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"), N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"), N_("ignored explicit argument %r"), N_("expected one argument"),
    N_("expected at most one argument"), N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"), N_("can't open '%(filename)s': %(error)s"),
)


def _argparse_plural(count: int) -> str:
    """argparse's one message with plural forms (marked here for the catalog)."""
    return ngettext("expected %s argument", "expected %s arguments", count)


@contextmanager
def argparse_translated() -> Iterator[None]:
    """Inside the block, argparse writes its own words in the current language.

    argparse looks its messages up with the functions ``_`` and ``ngettext`` of
    its module (:func:`gettext.gettext`, the process-wide domain); the block
    points them at symgrad's catalog and puts them back afterwards. In English
    every word is argparse's own, byte for byte. Not thread-safe: for the
    command line, which parses its arguments once.

    Examples
    --------
    >>> import argparse
    >>> with use_language("ru"), argparse_translated():
    ...     argparse.ArgumentParser(prog="p").format_usage()
    'Использование: p [-h]\\n'
    """
    import argparse

    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def language_of_arguments(argv: list[str]) -> str:
    """The language command-line arguments ask for, before they are parsed; never an error.

    The last ``--lang LANG`` (or ``--lang=LANG``) if symgrad writes LANG, else
    the default language (:func:`default_language`), else English: a bad choice
    is reported by the parser, in the language it falls back to.

    Examples
    --------
    >>> language_of_arguments(["x*x", "--lang", "ru"]), language_of_arguments(["--lang=de"])
    ('ru', 'en')
    """
    chosen = None
    for index, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if len(name) >= 4 and "--lang".startswith(name):
            chosen = value if equals else (argv[index + 1] if index + 1 < len(argv) else None)
    if chosen in LANGUAGES:
        return chosen
    return _language_or_english()


_ = gettext
