"""The standalone LaTeX of several examples compiles with pdflatex -halt-on-error.

Under CI (CI=true) a missing pdflatex fails instead of skipping: CI installs it.
"""

import subprocess

import pytest

import symgrad
from programs import required_tool  # noqa: E402 - pytest puts tests/ on the path

EXAMPLES = [
    ("sigmoid(w1*x1 + w2*x2 + b)", "w1", {}),
    ("x*sin(x)", "x", {}),
    ("sin(x*y)*cos(x*y) + x*y", "x", {}),
    ("f3(v3*f2(v2*f1(v1*f0(v0*x))))", "v0", {}),
    ("(t - sigmoid(v1*tanh(w1*x1 + w2*x2)))^2", "w2", {"output": "L"}),
    ("x*x*x*x*x*x*x*x + abs(x) - relu(x)/softplus(x) + log(x, 2)^sqrt(x)", "x", {"max_paths": 3}),
    ("alpha*beta_12 - gamma^E", "beta_12", {}),
]




@pytest.mark.parametrize("expression, wrt, options", EXAMPLES)
def test_standalone_latex_compiles(tmp_path, expression, wrt, options):
    pdflatex = required_tool("pdflatex")
    document = symgrad.explain(expression, wrt, **options).to_latex(standalone=True)
    (tmp_path / "derivation.tex").write_text(document, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", "derivation.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "derivation.pdf").stat().st_size > 1000
