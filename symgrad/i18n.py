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
    "current_language", "default_language", "check_language",
]

DOMAIN = "symgrad"
#: Languages symgrad writes: English (the source) and those with a catalog.
LANGUAGES = ("en", "ru")
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
        raise OptionError(f"no translation for language {str(lang)[:20]!r} "
                          f"(available: {', '.join(LANGUAGES)})")
    return lang


def default_language() -> str:
    """The language when none is given: ``$SYMGRAD_LANG`` if set (and known), else English."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return check_language(chosen) if chosen else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language messages are translated into right now."""
    return _current.get() or default_language()


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
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the number `n` in the current language (Russian has three)."""
    return _translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `message` for translation where it is defined; translate it where it is used."""
    return message


_ = gettext
