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
