"""The command line, run as users run it: a subprocess, exit codes, messages."""

import json
import subprocess
import sys

import pytest
import sympy

import symgrad


def run(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "symgrad", *args],
        capture_output=True, text=True, timeout=timeout,
    )


def test_latex_is_the_default_and_contains_the_derivation():
    result = run("sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert r"u_{3} &= u_{1} + u_{2} + b" in out
    assert r"\frac{\partial f}{\partial u_{3}} \cdot \frac{\partial u_{3}}{\partial u_{1}} \cdot \frac{\partial u_{1}}{\partial w_{1}}" in out
    assert r"\begin{align*}" in out and r"\documentclass" not in out
    assert "Status: symbolic" in out
    assert result.stderr == ""


def test_standalone_is_a_whole_document():
    result = run("x*sin(x)", "--wrt", "x", "--standalone")
    assert result.returncode == 0
    assert result.stdout.startswith(r"\documentclass")
    assert result.stdout.rstrip().endswith(r"\end{document}")


def test_text_format_is_unicode():
    result = run("sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1", "--format", "text")
    assert result.returncode == 0
    assert "f ← u₃ ← u₁ ← w₁" in result.stdout
    assert "∂f/∂u₃ · ∂u₃/∂u₁ · ∂u₁/∂w₁" in result.stdout


def test_markdown_format_uses_dollar_math():
    result = run("x*x", "--wrt", "x", "--format", "markdown")
    assert result.returncode == 0
    assert result.stdout.startswith("# Derivative of $f$ with respect to $x$")
    assert "There are 2 paths" in result.stdout


def test_json_format_is_one_object_with_exact_counts():
    result = run("x*x*x + sin(x)", "--wrt", "x", "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["path_count"] == 4
    assert {"nodes", "edges", "paths", "derivative", "direct", "check", "complexity"} <= set(data)
    namespace = symgrad.sympify_namespace(data["inputs"])
    x = namespace["x"]
    derivative = sympy.sympify(data["derivative"], locals=namespace)
    assert sympy.simplify(derivative - (3 * x**2 + sympy.cos(x))) == 0
    assert data["check"]["status"] == "symbolic"


def test_out_writes_a_file(tmp_path):
    target = tmp_path / "d.tex"
    result = run("exp(x)*y", "--wrt", "y", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert r"\frac{\partial f}{\partial y}" in target.read_text()


def test_output_name_and_prefix():
    result = run("(y - w*x)^2", "--wrt", "w", "--output-name", "L", "--prefix", "z", "-f", "text")
    assert result.returncode == 0
    assert "L = z₂²" in result.stdout
    assert "∂L/∂w" in result.stdout


@pytest.mark.parametrize(
    "expression, message, caret_column",
    [
        ("x*@y", "character '@' is not allowed at column 3", 3),
        ("sin(x", "'(' was never closed at column 4", 4),
        ("__import__('os').system('ls')", "is not allowed at column 12", 12),
        ("9**9**9", "exponent 387420489 is larger than 1000 at column 4", 4),
    ],
)
def test_parse_errors_are_one_line_with_a_caret(expression, message, caret_column):
    result = run(expression, "--wrt", "x")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("symgrad: error: ") and lines[0].endswith(message)
    assert "Traceback" not in result.stderr
    assert lines[2].index("^") - 2 == caret_column - 1


@pytest.mark.parametrize("expression", ["", "   ", "x" * 30000, "(" * 5000 + "x" + ")" * 5000])
def test_degenerate_input_exits_2_without_traceback(expression):
    result = run(expression, "--wrt", "x")
    assert result.returncode == 2
    assert result.stderr.startswith("symgrad: error: ")
    assert "Traceback" not in result.stderr


def test_bad_wrt_exits_2():
    result = run("x*y", "--wrt", "x+y")
    assert result.returncode == 2
    assert "is not a variable name" in result.stderr


def test_missing_variable_is_a_warning_and_zero():
    result = run("x*y", "--wrt", "z", "-f", "json")
    assert result.returncode == 0
    assert "warning: 'z' does not occur" in result.stderr
    data = json.loads(result.stdout)
    assert data["path_count"] == 0 and data["derivative"] == "0"


def test_wrt_may_be_omitted_only_with_one_variable():
    assert run("x*sin(x)", "-f", "json").returncode == 0
    result = run("x*y")
    assert result.returncode == 2
    assert "choose the variable with --wrt" in result.stderr


def test_bad_option_values_exit_2():
    assert run("x", "--wrt", "x", "--max-paths", "-1").returncode == 2
    assert run("x", "--wrt", "x", "--timeout", "0").returncode == 2
    assert run("x", "--wrt", "x", "--format", "html").returncode == 2


def test_max_paths_limits_the_listing_not_the_count():
    result = run("x*x*x*x*x", "--wrt", "x", "--max-paths", "2", "-f", "json")
    data = json.loads(result.stdout)
    assert data["path_count"] == 5
    assert data["paths_listed"] == 2


def test_console_script_entry_point_is_main():
    from symgrad.cli import main

    assert main(["x*y", "--wrt", "y", "-f", "json", "-o", "/dev/null"]) == 0


# --- one parser, two commands; shared options; one-line errors ------------------------


def test_help_lists_the_mlp_command():
    result = run("--help")
    assert result.returncode == 0
    assert "mlp" in result.stdout and "the lecture's neural network" in result.stdout
    assert "EXPRESSION" in result.stdout


def test_mlp_is_a_subcommand_of_the_one_parser():
    from symgrad.cli import EXPRESSION_COMMAND, build_parser

    parser = build_parser()
    assert parser.parse_args(["mlp", "--sizes", "2,1"]).command == "mlp"
    args = parser.parse_args([EXPRESSION_COMMAND, "x*y", "--wrt", "y"])
    assert (args.command, args.expression, args.wrt) == (EXPRESSION_COMMAND, "x*y", "y")
    result = run("mlp", "--help")
    assert result.returncode == 0 and "--sizes" in result.stdout and "--wrt WEIGHT" in result.stdout


def test_an_expression_spelled_like_the_command_word_is_still_an_expression():
    from symgrad.cli import EXPRESSION_COMMAND, main

    assert main([EXPRESSION_COMMAND, "--wrt", EXPRESSION_COMMAND, "-f", "json", "-o", "/dev/null"]) == 0


def _accepted(command, option, value):
    from symgrad.cli import EXPRESSION_COMMAND, build_parser

    argv = ["mlp"] if command == "mlp" else [EXPRESSION_COMMAND, "x"]
    try:
        build_parser().parse_args([*argv, option, value])
    except SystemExit as exit_:
        assert exit_.code == 2
        return False
    return True


@pytest.mark.parametrize("option, values, accepted", [
    ("--dpi", ["5", "9.9", "10", "600", "1200", "1201", "3600"], {"10", "600", "1200"}),
    ("--timeout", ["0", "0.5", "3600", "3601", "nan", "inf"], {"0.5", "3600"}),
    ("--max-paths", ["-1", "0", "16", "10000", "10001"], {"0", "16", "10000"}),
    ("--memory-limit", ["-1", "0", "4096", "1048576", "1048577"], {"0", "4096", "1048576"}),
])
def test_an_option_has_the_same_range_under_both_commands(option, values, accepted, capsys):
    for value in values:
        for command in ("expression", "mlp"):
            assert _accepted(command, option, value) == (value in accepted), (command, option, value)
    capsys.readouterr()


@pytest.mark.parametrize("argv", [
    ["x", "--timeout", "\n99999\n"],
    ["mlp", "--timeout", "\n99999\n"],
    ["x", "--dpi", "1\r\n2"],
    ["x", "--format", "a\nb"],
    ["x", "y\nz"],
])
def test_option_errors_are_one_line_whatever_was_typed(argv):
    result = run(*argv)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if not line.startswith((" ", "usage:"))]
    assert len(errors) == 1 and errors[0].startswith("symgrad"), result.stderr
    assert "error:" in errors[0] and "Traceback" not in result.stderr


def test_out_of_memory_is_exit_2_with_its_own_message_under_both_commands(monkeypatch, capsys):
    from symgrad import cli
    from symgrad.nn import cli as mlp_cli

    def exhausted(args):
        raise MemoryError

    monkeypatch.setattr(cli, "run", exhausted)
    monkeypatch.setattr(mlp_cli, "run", exhausted)
    for argv in (["x", "--memory-limit", "0"], ["mlp", "--memory-limit", "0"]):
        assert cli.main(argv) == 2
        assert capsys.readouterr().err == "symgrad: error: out of memory (limit 0 MB)\n"


def test_a_bug_is_exit_3_in_one_line(monkeypatch, capsys):
    from symgrad import cli

    def broken(args):
        raise KeyError("line one\nline two")

    monkeypatch.setattr(cli, "run", broken)
    assert cli.main(["x", "--memory-limit", "0"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symgrad: internal error: KeyError")


def test_a_symgrad_error_message_is_one_line(monkeypatch, capsys):
    from symgrad import cli
    from symgrad.errors import OptionError

    def refused(args):
        raise OptionError("bad value 'a\nb'")

    monkeypatch.setattr(cli, "run", refused)
    assert cli.main(["x", "--memory-limit", "0"]) == 2
    assert capsys.readouterr().err == "symgrad: error: bad value 'a\\nb'\n"


# --- the command-line modules import in one direction ---------------------------------


def _imports(path, package):
    """Modules of symgrad that the module at `path` imports anywhere (also inside functions)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names]
            found.update([module, *names])
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("symgrad")}


def test_the_command_line_modules_import_in_one_direction():
    from pathlib import Path

    root = Path(symgrad.__file__).parent
    cli_modules = {"symgrad.cli": root / "cli.py", "symgrad.nn.cli": root / "nn" / "cli.py",
                   "symgrad.cli_common": root / "cli_common.py"}
    imports = {name: _imports(path, name.rpartition(".")[0]) for name, path in cli_modules.items()}
    assert "symgrad.nn.cli" in imports["symgrad.cli"] and "symgrad.cli_common" in imports["symgrad.cli"]
    assert "symgrad.cli_common" in imports["symgrad.nn.cli"]
    assert "symgrad.cli" not in imports["symgrad.nn.cli"]
    assert not imports["symgrad.cli_common"] & {"symgrad.cli", "symgrad.nn.cli", "symgrad.nn"}
    assert not (root / "nn_cli.py").exists()


@pytest.mark.parametrize("module", ["symgrad.cli_common", "symgrad.nn.cli", "symgrad.cli",
                                    "symgrad.nn.training", "symgrad.nn.losses"])
def test_each_command_line_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_range_in_an_option_error_is_written_as_typed(capsys):
    """--seed's range once read 'between 0 and 2.14748e+09'."""
    from symgrad.cli import main

    with pytest.raises(SystemExit):
        main(["mlp", "--seed", "99999999999"])
    assert "is not between 0 and 2147483648" in capsys.readouterr().err
