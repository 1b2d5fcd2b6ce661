#!/usr/bin/env python3
"""Update symgrad's message catalogs in one command: extract, merge, compile.

Run from the repository root after adding or changing messages in the code::

    python tools/update_catalogs.py

1. extracts every message of ``symgrad/`` -- the arguments of ``_()``,
   ``gettext()``, ``ngettext()``, ``pgettext()`` and ``N_()`` -- into
   ``symgrad/locale/symgrad.pot``;
2. merges the template into each ``symgrad/locale/<lang>/LC_MESSAGES/symgrad.po``,
   keeping the translations (new messages get an empty translation, messages
   no longer in the code are dropped);
3. compiles each ``.po`` into the ``symgrad.mo`` beside it (shipped in the package).

Then translate the new (empty) entries in the ``.po`` files and run it again:
``--check`` lists the messages still untranslated and exits 1 if there are any.
Needs Babel (``pip install -e ".[test]"``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symgrad"
LOCALE = PACKAGE / "locale"
DOMAIN = "symgrad"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
#: Plural forms of each language (Russian: 1 путь, 2 пути, 5 путей).
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
          "(n%100<10 || n%100>=20) ? 1 : 2);",
}


def extract() -> Catalog:
    """Every message the code of the package marks for translation, as a template catalog."""
    # A fixed date: re-running the tool changes the files only when the messages change.
    template = Catalog(project="symgrad", domain=DOMAIN, charset="utf-8", fuzzy=False,
                       creation_date=datetime(2026, 1, 1, tzinfo=timezone.utc))
    found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS,
                             comment_tags=("TRANSLATORS:",), strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(f"symgrad/{filename}", lineno)], auto_comments=comments,
                     context=context)
    return template


def catalogs() -> list[Path]:
    """The ``.po`` file of every language."""
    return sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name, domain=DOMAIN)


def untranslated(catalog: Catalog) -> list[str]:
    """The message ids of `catalog` without a (complete, non-fuzzy) translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def merge(template: Catalog, path: Path) -> Catalog:
    """The catalog at `path` updated to `template`, translations kept, and written back."""
    catalog = read_catalog(path)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    lang = path.parent.parent.name
    if lang in PLURAL_FORMS:
        catalog._num_plurals, catalog._plural_expr = (  # noqa: SLF001 - Babel keeps them here
            int(PLURAL_FORMS[lang].split(";")[0].split("=")[1]), PLURAL_FORMS[lang].split("plural=")[1].rstrip(";"))
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, omit_header=False)
    return catalog


def compile_catalog(path: Path) -> None:
    """Write the ``.mo`` beside the ``.po`` at `path`."""
    with path.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, read_catalog(path), use_fuzzy=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="also list untranslated messages; exit 1 if there are any")
    args = parser.parse_args(argv)
    template = extract()
    with (LOCALE / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    status = 0
    for path in catalogs():
        catalog = merge(template, path)
        compile_catalog(path)
        missing = untranslated(catalog)
        print(f"{path.relative_to(ROOT)}: {len(template)} messages, {len(missing)} untranslated")
        if args.check and missing:
            print("\n".join(f"  {m}" for m in missing))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
