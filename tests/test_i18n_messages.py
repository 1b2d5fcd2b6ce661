"""Every refusal in the lecture's language: --help, argparse's own words, the CLI's and the parser's errors.

With ``--lang ru`` (or ``SYMGRAD_LANG=ru``) no message may be left in English: a corpus of bad
expressions, options and points is run, and each message is searched for English prose (three
or more English words in a row, outside quoted user text and option names).
"""

import re
import sys
import warnings

import pytest

import symgrad
from symgrad.cli import main
from symgrad.errors import SymgradError
from symgrad.i18n import current_language, use_language
from hostile_corpus import ALL_CASES  # noqa: E402 - pytest puts tests/ on the path

#: Three or more English words in a row (Unicode character names, all capitals, are identifiers).
_ENGLISH_RUN = re.compile(r"(?<![\w'.-])[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}(?![\w'-])")


def english_prose(message: str) -> list[str]:
    """The runs of English words in `message`, once user text and option names are taken out.

    Examples
    --------
    >>> english_prose("symgrad: ошибка: выражение 'is not here' (столбец 3)")
    []
    >>> english_prose("symgrad: error: expected one argument")
    ['symgrad: error: expected one argument']
    """
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "''", message)  # quoted user text
    text = re.sub(r"\{[\w,]*\}", " ", text)  # the choices of an option: {latex,text,...}
    text = re.sub(r"(?<![\w])--?[A-Za-z][\w-]*", " ", text)  # --wrt, -o
    runs = [m.group() for m in re.finditer(r"[A-Za-z][A-Za-z:, ]*[A-Za-z]", text)]
    return [run for run in runs if _ENGLISH_RUN.search(run.replace(":", " ")) and not run.isupper()]


def _prose(help_text: str) -> str:
    """`help_text` without its example command lines."""
    return "\n".join(line for line in help_text.splitlines() if not line.strip().startswith("symgrad "))


def _messages(stderr: str) -> list[str]:
    """The lines of `stderr` that are messages (not the expression echoed under a caret)."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("  ")]


def _run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: --help and usage errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- --help --------------------------------------------------------------------------------

HELP_COMMANDS = [["--help"], ["x", "--help"], ["mlp", "--help"]]


@pytest.mark.parametrize("argv", HELP_COMMANDS, ids=" ".join)
def test_help_in_russian_with_lang(argv, capsys):
    code, out, _ = _run([*argv, "--lang", "ru"], capsys)
    assert code == 0
    assert out.startswith("Использование: symgrad")
    assert "параметры:" in out and "показать эту справку и выйти" in out
    assert not english_prose(_prose(out)), english_prose(_prose(out))


@pytest.mark.parametrize("argv", HELP_COMMANDS, ids=" ".join)
def test_help_in_russian_with_the_environment(argv, capsys, monkeypatch):
    monkeypatch.setenv("SYMGRAD_LANG", "ru")
    code, out, _ = _run(argv, capsys)
    assert code == 0 and out.startswith("Использование: symgrad") and not english_prose(_prose(out))


@pytest.mark.parametrize("argv", HELP_COMMANDS, ids=" ".join)
def test_help_in_english_keeps_argparse_words(argv, capsys, monkeypatch):
    monkeypatch.delenv("SYMGRAD_LANG", raising=False)
    code, out, _ = _run(argv, capsys)
    assert code == 0 and out.startswith("usage: symgrad") and "\noptions:\n" in out
    assert "show this help message and exit" in out
    assert not re.search("[а-яА-Я]", out)


def test_the_list_of_commands_in_russian(capsys):
    _, out, _ = _run(["--help", "--lang", "ru"], capsys)
    commands = out.split("команды:\n")[1].split("\n\n")[0]
    assert "ВЫРАЖЕНИЕ" in commands and "EXPRESSION" not in commands and "mlp" in commands


def test_argparse_is_english_again_after_a_russian_parse(capsys):
    import argparse

    _run(["--help", "--lang", "ru"], capsys)
    assert argparse.ArgumentParser(prog="p").format_usage() == "usage: p [-h]\n"


# --- refusals on the command line ----------------------------------------------------------

#: Bad options and input, each refused with exit 2 (argparse's errors, the validators, the parser,
#: the point, the network's options).
BAD_COMMAND_LINES = [
    ["--wrt", "x"],
    ["x", "--frob"],
    ["x", "--format", "foo"],
    ["x", "--dpi", "5"],
    ["x", "--dpi", "many"],
    ["x", "--max-paths"],
    ["x", "--max-paths", "-1"],
    ["x", "--max-paths", "1.5"],
    ["x", "--timeout", "0"],
    ["x", "--no-check=1"],
    ["x", "--frame-format", "bmp"],
    ["x", "--out", ""],
    ["x", "--out", "/no/such/folder/f.tex"],
    ["x", "--figure", "graph.bmp"],
    ["x", "--format", "beamer"],
    ["x", "--prefix", "1u"],
    ["x", "--output-name", "x"],
    ["x*y"],
    ["x", "--wrt", "1x"],
    ["x*y", "--wrt", "x", "--at", "x=1"],
    ["x", "--at", "x=a"],
    ["x", "--at", "x=1,x=2"],
    ["x", "--at", "y=1"],
    ["x", "--at", "=1"],
    ["x", "--at", "1x=1"],
    ["x", "--at", "x=1e999"],
    ["log(x)", "--wrt", "x", "--at", "x=-1"],
    ["1/x", "--wrt", "x", "--at", "x=0"],
    [""],
    ["x+"],
    ["(((((x"],
    ["x)"],
    ["x.real"],
    ["x == 1"],
    ["y = x^2"],
    ["x!"],
    ["2^9999"],
    ["10^300*10^300"],
    ["sin x"],
    ["sin^-1(x)"],
    ["x // 2"],
    ["x % 2"],
    ["f(x, y=1)"],
    ["log(-1)"],
    ["log(x, 1)"],
    ["max(x)"],
    ["sin(x, y)"],
    ["sin()"],
    ["x⁻"],
    ["∞*x"],
    ["α + x"],
    ["1e400"],
    ["1" * 40],
    ["x/(y - y)", "--wrt", "x"],
    ["0^x"],
    ["x if x else 1"],
    ["x @ y"],
    ["x, y"],
    ["x" * 70],
    ["2j*x"],
    ["0x10*x"],
    ["sigmoid = 1"],
    ["mlp", "--sizes", "a"],
    ["mlp", "--sizes", "1"],
    ["mlp", "--sizes", "0,1"],
    ["mlp", "--sizes", "64,64,64,64"],
    ["mlp", "--hidden", "foo"],
    ["mlp", "--loss", "mse", "--output", "log_softmax"],
    ["mlp", "--output", "relu"],
    ["mlp", "--wrt", "foo"],
    ["mlp", "--wrt", "v9_1_1"],
    ["mlp", "--wrt", "v0_9_1"],
    ["mlp", "--target", "9"],
    ["mlp", "--target", "1,2"],
    ["mlp", "--target", "1+,2,3,4"],
    ["mlp", "--target", "0,0,0,0"],
    ["mlp", "--at", "q=1"],
    ["mlp", "--at", "x1=1,x1=2"],
    ["mlp", "--lr", "0"],
    ["mlp", "--seed", "-1"],
    ["mlp", "--sizes", "20,20,20", "--wrt", "all"],
    ["mlp", "--figure", "net.gif"],
    ["mlp", "--format", "beamer"],
]


@pytest.mark.parametrize("argv", BAD_COMMAND_LINES, ids=lambda a: " ".join(a)[:50])
def test_every_refusal_in_russian(argv, capsys):
    code, _, err = _run([*argv, "--lang", "ru"], capsys)
    assert code == 2, err
    messages = _messages(err)
    assert messages and re.match("symgrad( mlp)?: ошибка: ", messages[-1]), err
    assert not english_prose("\n".join(messages)), err


@pytest.mark.parametrize("argv", BAD_COMMAND_LINES[:20], ids=lambda a: " ".join(a)[:50])
def test_the_same_refusals_stay_english(argv, capsys, monkeypatch):
    monkeypatch.delenv("SYMGRAD_LANG", raising=False)
    code, _, err = _run(argv, capsys)
    assert code == 2 and re.match("symgrad( mlp)?: error: ", _messages(err)[-1])
    assert not re.search("[а-яА-Я]", err)


def test_a_bad_lang_is_refused_in_the_language_of_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("SYMGRAD_LANG", "ru")
    code, _, err = _run(["x", "--lang", "de"], capsys)
    assert code == 2
    assert _messages(err)[-1] == "symgrad: ошибка: аргумент --lang: нет перевода на язык 'de' (есть: en, ru)"


def test_the_warning_of_a_run_in_russian(capsys):
    code, _, err = _run(["x", "--wrt", "y", "--no-check", "--format", "json", "--lang", "ru"], capsys)
    assert code == 0
    assert err.startswith("symgrad: предупреждение: переменная 'y' не входит в выражение") and not english_prose(err)


# --- refusals of the API -------------------------------------------------------------------


def _refusal(case) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symgrad.explain(case.text, case.wrt, at=case.at, lang="ru", check=False)
    except SymgradError as err:
        return str(err)
    return None


def test_every_refusal_of_the_hostile_corpus_is_russian():
    """The parser's, the graph's and the point's refusals, raised before the language used to be set."""
    english = {}
    for case in ALL_CASES:
        message = _refusal(case)
        if message is not None and english_prose(message):
            english.setdefault(case.group, (case.label, message))
    assert not english, "\n".join(f"{label}: {message}" for label, message in english.values())


def test_explain_restores_the_language(monkeypatch):
    monkeypatch.delenv("SYMGRAD_LANG", raising=False)
    with pytest.raises(SymgradError, match="^синтаксическая ошибка"):
        symgrad.explain("x+", "x", lang="ru")
    assert current_language() == "en"
    with pytest.raises(SymgradError, match="^invalid syntax"):
        symgrad.explain("x+", "x")
    with use_language("ru"):
        with pytest.raises(SymgradError, match="^invalid syntax"):
            symgrad.explain("x+", "x", lang="en")
        assert current_language() == "ru"


@pytest.mark.parametrize("options, message", [
    (dict(max_paths=-1), "max_paths"),
    (dict(time_limit=0), "time_limit"),
    (dict(max_nodes=0), "max_nodes"),
])
def test_explain_option_errors_in_russian(options, message):
    with pytest.raises(SymgradError) as caught:
        symgrad.explain("x", "x", lang="ru", **options)
    assert str(caught.value).startswith(message) and not english_prose(str(caught.value))
    assert re.search("[а-я]", str(caught.value))


def test_english_prose_is_found():
    assert english_prose("symgrad: ошибка: the expression is too deeply nested")
    assert not english_prose("symgrad: ошибка: символ '＿' вне ASCII (U+FF3F, FULLWIDTH LOW LINE) недопустим")
    assert not english_prose("аргумент --max-paths: нужно одно значение")
    assert sys.modules["symgrad"] is symgrad


def test_readings_in_russian_keep_what_was_typed():
    text = symgrad.explain("2x + g(x) + x·x + x⁻¹ + output(x)", "x", lang="ru", check=False).to_text()
    line = next(line for line in text.splitlines() if line.startswith("Запись прочитана так:"))
    assert "g — это неизвестная функция" in line and "точка посередине строки — это *" in line
    assert "верхний индекс -1 — это ^(-1)" in line and "output — это неизвестная функция" in line
    assert not english_prose(line)


def test_no_function_shadows_gettext():
    """A function that assigns ``_`` (``a, _ = pair``) and calls ``_()`` fails with UnboundLocalError."""
    import ast
    from pathlib import Path

    shadowing = []
    for path in sorted(Path(symgrad.__file__).parent.rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = _own_nodes(function)
                assigns = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in names)
                calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                            for n in names)
                if assigns and calls:
                    shadowing.append(f"{path.name}:{function.lineno} {function.name}")
    assert not shadowing


def _own_nodes(function):
    """The nodes of `function`'s own scope (not of nested functions, classes or comprehensions)."""
    import ast

    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)
    stack, nodes = list(function.body), []
    while stack:
        node = stack.pop()
        nodes.append(node)
        if not isinstance(node, scopes):
            stack.extend(ast.iter_child_nodes(node))
    return nodes
