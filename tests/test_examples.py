"""The scripts in examples/ run and print what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py")}
    assert scripts == {"sigmoid_neuron.py", "shared_subexpression.py", "two_layer_loss.py",
                       "xor_training.py", "lecture_network.py"}  # xor_training.py: tests/test_nn.py


def test_examples_are_listed_in_readme():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for script in EXAMPLES.glob("*.py"):
        assert f"`{script.name}`" in readme


def test_sigmoid_neuron_writes_standalone_latex(tmp_path):
    out = tmp_path / "handout"
    result = run_example("sigmoid_neuron.py", "--out", str(out), cwd=tmp_path)
    assert "There is 1 path." in result.stdout
    assert "Status: symbolic." in result.stdout
    assert "df/dw1 = x1*(1 - sigmoid(b + w1*x1 + w2*x2))*sigmoid(b + w1*x1 + w2*x2)" in result.stdout
    tex = (out / "sigmoid_neuron.tex").read_text(encoding="utf-8")
    assert tex.startswith("\\documentclass")
    assert "\\begin{document}" in tex and tex.rstrip().endswith("\\end{document}")
    assert not (tmp_path / "sigmoid_neuron.tex").exists()


def test_sigmoid_neuron_default_out_is_current_directory(tmp_path):
    run_example("sigmoid_neuron.py", cwd=tmp_path)
    assert (tmp_path / "sigmoid_neuron.tex").is_file()


def test_shared_subexpression(tmp_path):
    out = run_example("shared_subexpression.py", cwd=tmp_path).stdout
    first, second = out.split("f = sin(x*y)*cos(x*y) + x*y")
    assert "Paths from f back to x: 2" in first
    assert "x*cos(x) + sin(x)" in first
    assert "Paths from f back to x: 3" in second
    assert "fork: u1 = x*y is used by f, u2, u3" in second
    for product in ("y*cos(x*y)**2", "-y*sin(x*y)**2", "= y\n"):
        assert product in second
    assert out.count("backprop == sum of paths: True") == 2
    assert out.count("check against sympy.diff: symbolic") == 2
    assert "False" not in out


def test_two_layer_loss(tmp_path):
    out = run_example("two_layer_loss.py", cwd=tmp_path).stdout
    assert "L = u11**2" in out
    assert "Paths from L back to w1_1: 1" in out
    assert "path 1: L <- u11 <- u5 <- u4 <- u3 <- u1 <- w1_1" in out
    assert "Check against sympy.diff: symbolic" in out
    assert "SymPy's direct derivative dL/dw1_1 has" in out
    assert "2 paths from L back to x1" in out


@pytest.mark.parametrize("wrt", ["w2_2", "v1_1"])
def test_two_layer_loss_sigmoid_output(tmp_path, wrt):
    out = run_example("two_layer_loss.py", "--sigmoid-output", "--wrt", wrt, cwd=tmp_path).stdout
    assert f"Paths from L back to {wrt}: 1" in out
    status = out.split("Check against sympy.diff: ")[1].split()[0]
    assert status in ("symbolic", "numeric")


def test_lecture_network(tmp_path):
    out = run_example("lecture_network.py", "--out", str(tmp_path), cwd=tmp_path).stdout
    lines = out.splitlines()
    assert lines[0] == "<Network 4-3-3-4: relu hidden, softmax output, cross_entropy loss, 33 weights>"
    assert "paths from L back to v0_1_1: 15" in lines
    assert "the widths of the later hidden layers (layer 2: 3) and the 5 routes" in out
    for weight, paths in (("v0_1_1", "15 paths"), ("v1_1_1", "5 paths"), ("v2_1_1", "1 path")):
        assert f"  {weight}: {paths}" in lines
    status = out.split("check against SymPy: ")[1].split()[0]
    assert status in ("symbolic", "numeric")
    assert "the 15 paths written out as products take" in out
    gap = float(out.split("over all 33 gradients: ")[1].split()[0])
    assert gap < 1e-12  # backprop gradients against finite differences
    loss_before = float(out.split("at a random point (seed 0): L = ")[1].split(",")[0])
    loss_after = float(out.split("one step v <- v - 0.1 dL/dv: L = ")[1].split()[0])
    assert 0 < loss_after < loss_before
    tex = (tmp_path / "lecture_network.tex").read_text(encoding="utf-8")
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert f"wrote {tmp_path / 'lecture_network.tex'} (pdflatex lecture_network.tex)" in lines
