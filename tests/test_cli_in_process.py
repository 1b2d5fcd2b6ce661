"""The command line run in this process (``symgrad.cli.main``), so a test can break symgrad on purpose.

tests/test_cli.py runs the command as users do, in a subprocess; these tests
monkeypatch symgrad first: a wrong derivative must give exit 1, a crash inside
symgrad exit 3 with one line and no traceback. ``--memory-limit 0`` keeps the
CLI from capping the memory of the test process itself.
"""

import pytest
import sympy

from symgrad.cli import main
from symgrad.explain import Explanation

pytestmark = pytest.mark.timeout(60)


def _twice_the_derivative(self):
    """A wrong derivative: twice SymPy's."""
    return 2 * sympy.diff(self.expression, self.variable)


def test_exit_0_when_the_derivative_agrees(capsys):
    assert main(["x*sin(x)", "--wrt", "x", "--format", "text", "--memory-limit", "0"]) == 0
    captured = capsys.readouterr()
    assert "Status: symbolic" in captured.out
    assert captured.err == ""


def test_a_wrong_derivative_is_exit_1_with_a_one_line_message(monkeypatch, capsys):
    monkeypatch.setattr(Explanation, "derivative", property(_twice_the_derivative))
    code = main(["x*sin(x)", "--wrt", "x", "--format", "text", "--memory-limit", "0"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Status: mismatch" in captured.out
    assert captured.err.startswith("symgrad: error: the derivative disagrees with SymPy (")
    assert captured.err.endswith("this is a bug, please report it\n")
    assert captured.err.count("\n") == 1


def test_a_wrong_derivative_is_exit_1_in_every_format(monkeypatch, capsys):
    monkeypatch.setattr(Explanation, "derivative", property(_twice_the_derivative))
    for fmt in ("latex", "text", "markdown", "json"):
        assert main(["x*sin(x)", "--wrt", "x", "--format", fmt, "--memory-limit", "0"]) == 1, fmt
    assert capsys.readouterr().err.count("disagrees with SymPy") == 4


def test_an_internal_error_is_exit_3_with_one_line_and_no_traceback(monkeypatch, capsys):
    def broken(self):
        raise RuntimeError("simulated failure\nsecond line that must not be printed")

    monkeypatch.setattr(Explanation, "to_text", broken)
    code = main(["x*sin(x)", "--wrt", "x", "--format", "text", "--memory-limit", "0"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err == "symgrad: internal error: RuntimeError: simulated failure (please report it)\n"
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_bad_input_is_exit_2_with_the_place(capsys):
    assert main(["x +* y", "--wrt", "x", "--memory-limit", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symgrad: error: ")
    assert "Traceback" not in err
