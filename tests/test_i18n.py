"""The lecture's language: message catalogs, --lang, Russian output that compiles and renders."""

import importlib.util
import io
import json
import os
import string
import subprocess
import sys
import warnings
from gettext import GNUTranslations
from pathlib import Path

import pytest

import symgrad
from symgrad.cli import main
from symgrad.i18n import latex_language_preamble, ngettext, use_language
from programs import required_tool  # noqa: E402 - pytest puts tests/ on the path

ROOT = Path(__file__).resolve().parent.parent
babel = pytest.importorskip("babel", reason="the catalog tests need Babel (the test extra)")


def _tool():
    spec = importlib.util.spec_from_file_location("update_catalogs", ROOT / "tools" / "update_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()
CATALOGS = TOOL.catalogs()


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_there_is_a_russian_catalog():
    assert [p.parent.parent.name for p in CATALOGS] == ["ru"]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_message_of_the_code_is_translated_in_every_catalog(po):
    used = {_key(m) for m in TOOL.extract() if m.id}
    catalog = TOOL.read_catalog(po)
    missing = sorted(used - {_key(m) for m in catalog if m.id})
    assert not missing, "messages missing from the catalog (run python tools/update_catalogs.py):\n" + "\n".join(missing)
    untranslated = TOOL.untranslated(catalog)
    assert not untranslated, "untranslated or fuzzy messages:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_shipped_mo_is_compiled_from_the_current_po(po):
    from babel.messages.mofile import write_mo

    fresh = io.BytesIO()
    write_mo(fresh, TOOL.read_catalog(po), use_fuzzy=False)
    fresh.seek(0)
    with po.with_suffix(".mo").open("rb") as handle:
        shipped = GNUTranslations(handle)
    compiled = GNUTranslations(fresh)
    strip = lambda c: {k: v for k, v in c._catalog.items() if k != ""}  # noqa: E731 - the header differs by Babel version
    assert strip(shipped) == strip(compiled), "symgrad.mo is stale: run python tools/update_catalogs.py"
    assert shipped.plural(21) == 0 and shipped.plural(22) == 1 and shipped.plural(25) == 2


@pytest.mark.parametrize("singular, plural, forms", [
    ("{n} path", "{n} paths", ["1 путь", "2 пути", "5 путей", "11 путей", "21 путь", "22 пути", "25 путей", "111 путей"]),
    ("{n} node", "{n} nodes", ["1 узел", "2 узла", "5 узлов", "11 узлов", "21 узел", "22 узла", "25 узлов", "111 узлов"]),
    ("{n} operation", "{n} operations",
     ["1 операция", "2 операции", "5 операций", "11 операций", "21 операция", "22 операции", "25 операций",
      "111 операций"]),
])
def test_russian_plural_forms_after_numerals(singular, plural, forms):
    with use_language("ru"):
        got = [ngettext(singular, plural, n).format(n=n) for n in (1, 2, 5, 11, 21, 22, 25, 111)]
    assert got == forms


def test_paths_sentence_agrees_with_the_count():
    def first_paths_sentence(expression):
        text = symgrad.explain(expression, "x", lang="ru", check=False).to_text()
        return next(line for line in text.splitlines() if line.startswith(("Всего", "Путь один")))

    assert first_paths_sentence("x*sin(x)").startswith("Всего 2 пути.")
    assert first_paths_sentence("sin(x)").startswith("Путь один. Вдоль него")
    assert first_paths_sentence("x*x*x*x*x").startswith("Всего 5 путей.")


def _english_fragments() -> set[str]:
    """Literal pieces (two words or more) of every English message whose translation differs."""
    fragments = set()
    for po in CATALOGS:
        for message in TOOL.read_catalog(po):
            if not message.id:
                continue
            ids = (message.id,) if isinstance(message.id, str) else message.id
            strings = (message.string,) if isinstance(message.string, str) else message.string
            for text in ids:
                if text in strings:
                    continue
                for literal, *_ in string.Formatter().parse(text):
                    literal = literal.strip(" .,:;()")
                    if " " in literal and len(literal) >= 10:
                        fragments.add(literal)
    return fragments


def _run(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


CORPUS = [
    ["sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1"],
    ["sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1", "--at", "w1=0.5,x1=1,w2=2,x2=-1,b=0.1"],
    ["x*sin(x)", "--wrt", "x"],
    ["(y - sigmoid(w*x + b))^2", "--wrt", "w", "--output-name", "L"],
    ["2x + e^x", "--wrt", "x"],
    ["mlp", "--sizes", "2,2,1", "--wrt", "v0_1_1"],
    ["mlp", "--sizes", "2,2,1", "--wrt", "v0_1_1", "--seed", "1"],
    ["mlp", "--sizes", "2,2,1", "--wrt", "all", "--bias", "--hidden", "sigmoid", "--output", "sigmoid",
     "--loss", "mse", "--train-step"],
]


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
@pytest.mark.parametrize("argv", CORPUS, ids=lambda a: " ".join(a)[:40])
def test_no_english_prose_in_russian_output(argv, fmt, capsys):
    code, out, _ = _run([*argv, "--lang", "ru", "--format", fmt], capsys)
    assert code == 0
    leftovers = sorted(f for f in _english_fragments() if f in out)
    assert not leftovers, f"English left in --lang ru output: {leftovers}"
    assert "Вычислительный граф" in out or "Нейронная сеть" in out


def test_json_keys_and_rule_identifiers_stay_language_neutral():
    english = symgrad.explain("x*sin(x)", "x").to_dict()
    russian = symgrad.explain("x*sin(x)", "x", lang="ru").to_dict()
    assert english.keys() == russian.keys()
    assert json.dumps(english["edges"] if "edges" in english else english, sort_keys=True).count('"rule": "product"') >= 1
    assert json.dumps(russian, ensure_ascii=False).count('"rule": "product"') >= 1


def test_the_language_is_stored_on_the_explanation():
    e = symgrad.explain("x*sin(x)", "x", lang="ru")
    assert e.lang == "ru"
    assert "Вычислительный граф" in e.to_text() and "правило произведения" in e.to_latex()
    assert "Computation graph" in symgrad.explain("x*sin(x)", "x").to_text()


def test_the_network_api_takes_the_language():
    text = symgrad.nn.mlp((2, 2, 1)).explain("v0_1_1", lang="ru").to_text()
    assert "Пути справа налево" in text


def test_an_unknown_language_is_a_one_line_error_listing_the_available_ones(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["x", "--lang", "de"])
    assert exit_info.value.code == 2
    assert "no translation for language 'de' (available: en, ru)" in capsys.readouterr().err
    with pytest.raises(symgrad.errors.OptionError, match="available: en, ru"):
        symgrad.explain("x", "x", lang="fr")


def test_symgrad_lang_chooses_the_default(monkeypatch, capsys):
    monkeypatch.setenv("SYMGRAD_LANG", "ru")
    code, out, _ = _run(["x*sin(x)", "--format", "text"], capsys)
    assert code == 0 and "Вычислительный граф" in out
    code, out, _ = _run(["x*sin(x)", "--format", "text", "--lang", "en"], capsys)
    assert "Computation graph" in out
    monkeypatch.setenv("SYMGRAD_LANG", "xx")
    code, _, err = _run(["x*sin(x)"], capsys)
    assert code == 2 and "available: en, ru" in err


def test_an_encoding_that_cannot_print_russian_is_one_line_and_exit_2():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    result = subprocess.run([sys.executable, "-m", "symgrad", "x*sin(x)", "--lang", "ru", "-f", "text"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot print" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("symgrad: error: ")  # not "symgrad: \u043e\u0448..." on an ASCII terminal


@pytest.mark.parametrize("text, message, caret", [
    ("x +* 2", "symgrad: error: invalid syntax at column 4", "     ^"),
    ("x + 1/2y", "symgrad: error: 2y after '/' is ambiguous", "        ^"),
])
def test_a_parse_error_on_an_ascii_terminal_is_english_words_not_escapes(text, message, caret):
    """Its message was translated when raised; on an ASCII terminal it is raised again in English."""
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    result = subprocess.run([sys.executable, "-m", "symgrad", text, "--wrt", "x", "--lang", "ru"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and "\\u04" not in result.stderr
    assert result.stderr.splitlines()[1:] == ["  " + text, caret]


def test_the_fragment_states_the_preamble_it_needs():
    fragment = symgrad.explain("x*sin(x)", "x", lang="ru").to_latex()
    assert fragment.splitlines()[1] == "% Needs in the preamble: \\usepackage{amsmath} " + " ".join(
        latex_language_preamble("ru"))
    assert "Needs in the preamble" not in symgrad.explain("x*sin(x)", "x").to_latex()




def _compile(tmp_path: Path, document: str, name: str = "doc") -> None:
    (tmp_path / f"{name}.tex").write_text(document, encoding="utf-8")
    result = subprocess.run([required_tool("pdflatex"), "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                             f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / f"{name}.pdf").exists()


@pytest.mark.parametrize("argv", [
    ["sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1", "--at", "w1=0.5,x1=1,w2=2,x2=-1,b=0.1"],
    ["mlp", "--sizes", "2,2,1", "--wrt", "v0_1_1", "--seed", "1"],
], ids=["sigmoid", "mlp"])
def test_russian_standalone_documents_compile(tmp_path, argv, capsys):
    code, out, _ = _run([*argv, "--lang", "ru", "--standalone"], capsys)
    assert code == 0 and "\\usepackage[T2A]{fontenc}" in out
    _compile(tmp_path, out)


def test_russian_frames_and_tikz_compile_in_beamer(tmp_path, capsys):
    from symgrad.render.tikz import beamer_document, to_tikz

    frames = tmp_path / "frames"
    code, _, _ = _run(["x*sin(x)", "--lang", "ru", "--frames", str(frames), "--dpi", "40", "-o", os.devnull], capsys)
    assert code == 0
    assert (frames / "frames.md").read_text(encoding="utf-8").startswith("# Кадры")
    _compile(frames, (frames / "frames.tex").read_text(encoding="utf-8"), "deck")  # a whole Beamer deck
    with use_language("ru"):
        tikz = beamer_document(to_tikz(symgrad.explain("x*sin(x)", "x", lang="ru")))
    assert "путь 1 из 2" in tikz and "Вычислительный граф" in tikz
    _compile(tmp_path, tikz, "tikz")


def test_russian_figures_have_every_glyph(tmp_path):
    from symgrad.nn.figure import plot_network
    from symgrad.plot import frame_options, plot, save_figure

    e = symgrad.explain("x*sin(x)", "x", lang="ru", at="x=0.5")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        with use_language("ru"):
            for name, options in frame_options(e, e.values):
                save_figure(plot(e, pyplot=False, **options), tmp_path / f"{name}.png", dpi=40)
            save_figure(plot_network(symgrad.nn.mlp((2, 2, 1)), "v0_1_1"), tmp_path / "net.svg")
        save_figure(e.plot(pyplot=False), tmp_path / "graph.png", dpi=40)
    titles = dict(frame_options(e))
    assert titles["backward"]["title"] == "Backward pass: gradients flow right to left"
    with use_language("ru"):
        assert dict(frame_options(e))["backward"]["title"] == "Обратный проход: градиенты идут справа налево"


@pytest.mark.parametrize("argv, message", [
    (["x+"], "symgrad: ошибка: синтаксическая ошибка (столбец 3)"),
    ([""], "symgrad: ошибка: пустое выражение"),
    (["x*y"], "symgrad: ошибка: укажите переменную через --wrt (переменные выражения: x, y)"),
    (["x/0", "--wrt", "x"], "symgrad: ошибка: деление на ноль"),
])
def test_common_errors_in_russian(argv, message, capsys):
    code, _, err = _run([*argv, "--lang", "ru"], capsys)
    assert code == 2 and err.splitlines()[0].startswith(message)
    code, _, err = _run(argv, capsys)
    assert code == 2 and err.startswith("symgrad: error: ") and not any("а" <= c <= "я" for c in err)
