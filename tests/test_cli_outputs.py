"""The command line's conventions (issue 13): every output option against paths that cannot be
written, the encodings a terminal may have, standard input. Exit 2 and one line naming the path
for a user's mistake; nothing half-written left behind; never exit 3."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symgrad.cli import main

EXPRESSION = ["x*sin(x)", "--wrt", "x", "--no-check"]
MLP = ["mlp", "--sizes", "2,2,1", "--hidden", "sigmoid", "--output", "sigmoid", "--loss", "mse",
       "--wrt", "v0_1_1", "--no-check"]


def _bad_paths(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """name -> (a path that cannot be written, what the message must name)."""
    regular = tmp_path / "regular.txt"
    regular.write_text("keep me\n")
    return {
        "missing folder": (str(tmp_path / "no_such_dir" / "out.png"), "no_such_dir"),
        "under a regular file": (str(regular / "out.png"), "regular.txt"),
        "in /proc": ("/proc/symgrad_out.png", "/proc/symgrad_out"),
        "empty": ("", "empty"),
    }


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _run(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", [EXPRESSION, MLP], ids=["expression", "mlp"])
@pytest.mark.parametrize("option,suffix", [("-o", ".tex"), ("--figure", ".png")])
@pytest.mark.parametrize("case", ["missing folder", "under a regular file", "in /proc", "empty"])
def test_unwritable_output_file_is_exit_2_in_one_line(command, option, suffix, case, tmp_path, capsys):
    path, named = _bad_paths(tmp_path)[case]
    path = path[:-4] + suffix if path.endswith(".png") else path
    before = _files(tmp_path)
    code, out, err = _run([*command, option, path], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("symgrad: error: ") and "internal" not in err
    assert option in err and named in err
    assert _files(tmp_path) == before  # nothing half-written
    assert (tmp_path / "regular.txt").read_text() == "keep me\n"


@pytest.mark.parametrize("command", [EXPRESSION, MLP], ids=["expression", "mlp"])
@pytest.mark.parametrize("option", ["-o", "--figure"])
def test_a_folder_where_a_file_is_expected(command, option, tmp_path, capsys):
    folder = tmp_path / "dir.png"
    folder.mkdir()
    code, out, err = _run([*command, option, str(folder)], capsys)
    assert code == 2 and err.count("\n") == 1 and "is a folder, not a file" in err and str(folder) in err


@pytest.mark.parametrize("case", ["under a regular file", "in /proc", "empty", "existing file"])
def test_frames_where_no_folder_can_be(case, tmp_path, capsys):
    paths = _bad_paths(tmp_path)
    path = str(tmp_path / "regular.txt") if case == "existing file" else paths[case][0][:-len("/out.png")] \
        if case == "under a regular file" else paths[case][0]
    before = _files(tmp_path)
    code, out, err = _run([*EXPRESSION, "--frames", path], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and "--frames" in err and "internal" not in err
    assert _files(tmp_path) == before
    assert not [p for p in Path("/proc").iterdir() if p.name.startswith(".symgrad_out")]


def test_frames_into_a_new_and_an_existing_folder(tmp_path, capsys):
    target = tmp_path / "slides" / "frames"
    code, out, err = _run([*EXPRESSION, "--frames", str(target)], capsys)
    assert code == 0, err
    assert out == f"symgrad: wrote the frames and their index (frames.md, frames.tex) to {target}\n"
    names = {p.name for p in target.iterdir()}
    assert {"frames.md", "frames.tex", "frame-1-graph.png"} <= names
    assert _files(tmp_path.joinpath("slides")) == {"frames", *(f"frames/{n}" for n in names)}  # no temporary left
    (target / "mine.txt").write_text("kept")
    assert _run([*EXPRESSION, "--frames", str(target), "--format", "text"], capsys)[0] == 0
    assert (target / "mine.txt").read_text() == "kept"


@pytest.mark.parametrize("command", [EXPRESSION, MLP], ids=["expression", "mlp"])
def test_figure_alone_writes_the_figure_and_says_where(command, tmp_path, capsys):
    figure = tmp_path / "g.png"
    code, out, err = _run([*command, "--figure", str(figure)], capsys)
    assert code == 0, err
    assert out == f"symgrad: wrote the figure to {figure}\n"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png"]
    code, out, err = _run([*command, "--figure", str(figure), "--format", "text"], capsys)
    assert code == 0 and "wrote" not in out and len(out.splitlines()) > 10


def test_existing_output_file_is_replaced_whole(tmp_path, capsys):
    out_file = tmp_path / "d.tex"
    out_file.write_text("old " * 10000)
    code, out, err = _run([*EXPRESSION, "-o", str(out_file)], capsys)
    assert code == 0 and out == ""
    assert "old" not in out_file.read_text() and "\\sin" in out_file.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.tex"]


def test_a_failing_figure_leaves_nothing_behind(tmp_path, capsys):
    figure = tmp_path / "g.xyz"
    code, out, err = _run([*EXPRESSION, "--figure", str(figure)], capsys)
    assert code == 2 and ".png" in err and str(figure) in err
    assert list(tmp_path.iterdir()) == []


def test_expression_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("x*y\n"))
    code, out, err = _run(["-", "--wrt", "x", "--format", "json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert (data["expression"], data["derivative"]) == ("x*y", "y")
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    code, out, err = _run(["-", "--wrt", "x"], capsys)
    assert code == 2 and err.count("\n") == 1 and "standard input" in err


def _subprocess(argv, encoding: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run([sys.executable, "-m", "symgrad", *argv], capture_output=True, env=env,
                          input=stdin.encode() if stdin is not None else None, timeout=240)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("command", [["x1*sin(x1)", "--wrt", "x1"], MLP], ids=["expression", "mlp"])
def test_text_for_a_terminal_that_cannot_carry_unicode_is_spelled_in_ascii(encoding, command):
    done = _subprocess([*command, "--format", "text"], encoding)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")  # pure ASCII
    assert "Result" in text or "Network" in text
    assert "d" in text and "*" in text


def test_markdown_the_encoding_cannot_carry_is_refused_in_one_line():
    done = _subprocess([*MLP, "--format", "markdown", "--at", "x1=0.5,x2=1"], "ascii")
    if done.returncode == 0:  # all of it was ASCII after all
        done.stdout.decode("ascii")
        return
    assert done.returncode == 2 and done.stdout == b""
    err = done.stderr.decode()
    assert err.count("\n") == 1 and "encoding" in err and "internal" not in err


def test_standard_input_in_a_real_pipe():
    done = _subprocess(["-", "--wrt", "x", "--format", "text"], "utf-8", stdin="x*y\n")
    assert done.returncode == 0, done.stderr
    assert "\n  ∂f/∂x = y\n" in done.stdout.decode()
