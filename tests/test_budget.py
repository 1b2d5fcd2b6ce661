"""One time budget for the whole run (issue 15 items 1, 4, 7; issue 14 item 4).

Every stage runs under ``--timeout`` / ``time_limit``: a slow stage (monkeypatched)
ends with exit 2 and one line naming the stage; the budget holds off the main
thread (cooperatively, and hard in a child process); sizes that cannot be
explained within a budget are refused up front; the memory cap is decided
before the run, and running out is one line.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import re
import subprocess
import sys
import time

import pytest

import symgrad
from symgrad import TimeLimitExceeded, explain
from symgrad.cli import main
from symgrad.deadline import checkpoint, run_within, stage

pytestmark = pytest.mark.filterwarnings("ignore::symgrad.SymgradWarning")

BUDGET = 0.5
sys.path.insert(0, __import__("os").path.dirname(__file__))
from hostile_corpus import BUDGET_CASES, MANY_ARGUMENTS  # noqa: E402


def _slow(*args, **kwargs):
    """A stage that would take a minute; it checks the budget as long loops do."""
    for _ in range(600):
        time.sleep(0.1)
        checkpoint()
    raise AssertionError("the budget did not stop the slow stage")


def _patch(monkeypatch, target: str, replacement) -> None:
    """monkeypatch ``module.attribute`` (``symgrad.explain`` is also a function, so look up the module)."""
    module, attribute = target.rsplit(".", 1)
    importlib.import_module(module)
    monkeypatch.setattr(sys.modules[module], attribute, replacement)


def _run(argv, capsys):
    started = time.monotonic()
    code = main([*argv, "--timeout", str(BUDGET), "--memory-limit", "0"])
    elapsed = time.monotonic() - started
    return code, capsys.readouterr().err, elapsed


STAGES = [  # (module attribute to slow down, argv, the stage named)
    ("symgrad.explain.parse_with_notes", ["x*sin(x)", "--wrt", "x"], "reading the expression"),
    ("symgrad.explain.build_graph", ["x*sin(x)", "--wrt", "x"], "building the graph"),
    ("symgrad.explain.reverse_accumulate", ["x*sin(x)", "--wrt", "x"],
     "computing the derivative by backpropagation"),
    ("symgrad.explain.chain_paths", ["x*sin(x)", "--wrt", "x", "--no-check"], "listing the paths"),
    ("symgrad.explain.evaluate_at", ["x*sin(x)", "--wrt", "x", "--at", "x=1"], "computing the values at the point"),
    ("symgrad.render.latex.render", ["x*sin(x)", "--wrt", "x", "--no-check"], "writing the LaTeX"),
    ("symgrad.render.text.render", ["x*sin(x)", "--wrt", "x", "--no-check", "-f", "text"], "writing the text"),
    ("symgrad.cli._draw_figures", ["x*sin(x)", "--wrt", "x", "--no-check", "-o", "/dev/null"],
     "drawing the figure"),
    ("symgrad.nn.cli.mlp", ["mlp", "--sizes", "2,1"], "building the network"),
    ("symgrad.nn.training.numbers", ["mlp", "--sizes", "2,1", "--seed", "1"], "computing the numbers at the point"),
    ("symgrad.chain.gradients", ["mlp", "--sizes", "2,1", "--wrt", "all"], "computing every gradient"),
    ("symgrad.nn.cli._render", ["mlp", "--sizes", "2,1"], "writing the output"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("target, argv, name", STAGES, ids=[s[2] for s in STAGES])
def test_each_stage_honours_the_budget_and_is_named(monkeypatch, capsys, target, argv, name):
    _patch(monkeypatch, target, _slow)
    code, err, elapsed = _run(argv, capsys)
    assert code == 2
    assert err == (f"symgrad: error: the time budget of {BUDGET:g} s ran out while {name} "
                   "(try --timeout 30)\n")
    assert elapsed < BUDGET + 1


@pytest.mark.timeout(30)
def test_a_stage_without_checkpoints_is_stopped_by_the_timer_in_the_main_thread(monkeypatch, capsys):
    _patch(monkeypatch, "symgrad.explain.build_graph", lambda *a, **k: time.sleep(60))
    code, err, elapsed = _run(["x*sin(x)", "--wrt", "x"], capsys)
    assert code == 2 and "ran out while building the graph" in err
    assert elapsed < BUDGET + 1


def test_the_api_names_the_stage_too(monkeypatch):
    _patch(monkeypatch, "symgrad.render.latex.render", _slow)
    e = explain("x*sin(x)", "x", time_limit=BUDGET, check=False)
    with pytest.raises(TimeLimitExceeded, match=r"^the time budget of 0.5 s ran out while writing the LaTeX$"):
        e.to_latex()
    assert e.to_text()  # each later call gets a budget of its own


def test_stage_names_are_restored_and_checked_on_entry():
    with run_within(5.0) as budget:
        with stage("first"):
            with stage("second"):
                assert budget.stage == "second"
            assert budget.stage == "first"
    budget.seconds = 0.0
    with pytest.raises(TimeLimitExceeded, match="while third"):
        budget.check("third")


def test_a_run_inside_a_run_shares_its_budget():
    with run_within(5.0) as outer:
        with run_within(100.0) as inner:
            assert inner is outer


@pytest.mark.timeout(60)
def test_the_budget_holds_in_a_worker_thread():
    """No timer signal there: the checkpoints of the local derivatives end the run."""
    def work():
        started = time.monotonic()
        try:
            explain(MANY_ARGUMENTS, "x", time_limit=1.0).to_text()
        except TimeLimitExceeded as err:
            return str(err), time.monotonic() - started
        return "answered", time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        message, elapsed = pool.submit(work).result()
    assert message.startswith("the time budget of 1 s ran out while")
    assert elapsed < 1.0 + 1


@pytest.mark.timeout(120)
def test_explain_in_subprocess_from_a_worker_thread_ends_within_the_budget():
    """A hard bound in any thread: the child process has its own timer, and is killed past it."""
    def work(text):
        started = time.monotonic()
        try:
            result = symgrad.explain_in_subprocess(text, "x", time_limit=2.0, output="dict")
        except TimeLimitExceeded as err:
            return err, time.monotonic() - started
        return result, time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(work, MANY_ARGUMENTS)
        quick = pool.submit(work, "x*sin(x)")
        (error, elapsed), (result, _) = slow.result(), quick.result()
    assert isinstance(error, TimeLimitExceeded) and "ran out" in str(error)
    assert elapsed < 2.0 + symgrad.isolate.STARTUP_SECONDS  # start-up not counted, then budget + 1 s
    assert result["derivative"] == "x*cos(x) + sin(x)"


@pytest.mark.timeout(120)
def test_explain_in_subprocess_says_refusals_and_renders():
    with pytest.raises(symgrad.ParseError, match="column"):
        symgrad.explain_in_subprocess("x +* y", "x", time_limit=20)
    assert "\\cos" in symgrad.explain_in_subprocess("x*sin(x)", "x", time_limit=20, output="latex")
    with pytest.raises(symgrad.OptionError):
        symgrad.explain_in_subprocess("x", "x", output="pdf")


# --- sizes refused up front, or ended by the budget --------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("argv, pattern", [
    (["mlp", "--sizes", "32,31,1", "--wrt", "all"], r"--wrt all writes every gradient out, for at most 300 "
                                                    r"weights and biases \(this network has 1023\)"),
    (["x*sin(x)", "--wrt", "x", "--figure", "FIG.png", "--dpi", "1200", "--no-check"],
     r"the image would have 144 million pixels; at most 40 million are written \(use --dpi 632 or less\)"),
    (["mlp", "--sizes", "8,8,8", "--figure", "FIG.png", "--dpi", "1200"], r"million pixels; at most 40 million"),
    (["x", "--wrt", "x", "--max-paths", "1000000"], r"--max-paths: '1000000' is not between 0 and 10000"),
])
def test_sizes_beyond_the_limits_are_refused_saying_the_limit(argv, pattern, tmp_path, capsys):
    argv = [a.replace("FIG", str(tmp_path / "figure")) for a in argv]
    started = time.monotonic()
    with pytest.raises(SystemExit) if "--max-paths" in argv else _nothing():
        code = main([*argv, "--memory-limit", "0"])
        assert code == 2
    assert re.search(pattern, capsys.readouterr().err)
    assert time.monotonic() - started < 10 + 1
    assert not list(tmp_path.iterdir())


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_figures_of_too_large_graphs_are_refused(monkeypatch):
    big = explain("+".join(f"sin(x{i})" for i in range(600)), "x1", check=False)
    assert big.plot().symgrad_view.collapsed  # drawn: the nodes off the path are grouped
    monkeypatch.setattr("symgrad.plot.MAX_FIGURE_NODES", 10)  # the grouped figure has 24 nodes
    with pytest.raises(symgrad.OptionError, match="even with the nodes off the paths grouped; figures are drawn "
                                                  "for at most 10"):
        big.plot()
    from symgrad.animate import animate
    monkeypatch.setattr("symgrad.animate.MAX_ANIMATED_NODES", 5)  # the grouped figure of 60 terms has 6
    with pytest.raises(symgrad.OptionError, match="the figure has 6 nodes and groups; animations are made for "
                                                  "at most 5"):
        animate(explain("+".join(f"sin(x{i})" for i in range(60)), "x1", check=False))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("argv, pattern", BUDGET_CASES, ids=[" ".join(a)[:40] for a, _ in BUDGET_CASES])
def test_inputs_that_took_minutes_end_within_the_budget(argv, pattern, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    started = time.monotonic()
    code = main([*argv, "--timeout", "2", "--memory-limit", "0", "-o", "/dev/null"])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert elapsed < 2 + 1
    if code == 0:  # answered within the budget: the other outcome the promise allows
        assert pattern == r"ran out while", err
    else:
        assert code == 2 and re.search(pattern, err) and err.count("\n") == 1, err


# --- the memory cap ---------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_memory_cap_below_what_the_interpreter_needs_is_refused_then_a_cap_the_run_exceeds_is_one_line(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS is enforced on Linux")
    refused = subprocess.run([sys.executable, "-m", "symgrad", "x*x", "--wrt", "x", "--memory-limit", "1"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    needed = int(re.fullmatch(r"symgrad: error: --memory-limit 1 MB is less than symgrad needs to run here "
                              r"\((\d+) MB\); give at least \1, or 0 for no cap\n", refused.stderr).group(1))
    # at the smallest cap accepted, drawing a large PNG (matplotlib, then its pixel buffer) runs out
    result = subprocess.run(
        [sys.executable, "-m", "symgrad", "x*sin(x)", "--wrt", "x", "--no-check", "--figure",
         str(tmp_path / "never.png"), "--dpi", "600", "--memory-limit", str(needed)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"symgrad: error: out of memory (limit {needed} MB)\n"
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_a_memory_error_surfacing_as_another_exception_is_out_of_memory(monkeypatch, capsys):
    from symgrad import cli

    def lazy_import_failed(args):
        try:
            raise MemoryError
        except MemoryError as err:
            raise SystemError("error return without exception set") from err

    monkeypatch.setattr(cli, "run", lazy_import_failed)
    assert cli.main(["x", "--wrt", "x", "--memory-limit", "0"]) == 2
    assert capsys.readouterr().err == "symgrad: error: out of memory (limit 0 MB)\n"


@pytest.mark.timeout(120)
def test_explain_in_subprocess_kills_a_child_that_does_not_answer_in_time(monkeypatch):
    # the parent waits time_limit + GRACE_SECONDS: with a negative grace it stops waiting
    # before the child's own timer, so the kill is what ends the run
    monkeypatch.setattr(symgrad.isolate, "GRACE_SECONDS", -1.5)
    with pytest.raises(TimeLimitExceeded, match="the child process was stopped"):
        symgrad.explain_in_subprocess(MANY_ARGUMENTS, "x", time_limit=2.0)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", ["many arguments", "mlp 64,63,1"])
def test_the_api_ends_within_a_small_budget(case):
    if case == "many arguments":
        def call():
            return explain(MANY_ARGUMENTS, "x", time_limit=1.0)
    else:
        net = symgrad.nn.mlp((64, 63, 1))  # built outside any budget

        def call():
            return net.explain("v0_1_1", time_limit=1.0).to_text()
    calls = 1 if case == "many arguments" else 2  # explain(), then to_text() with a budget of its own
    started = time.monotonic()
    try:
        call()  # answered within the budget: the promise allows it (a faster machine, faster code)
    except TimeLimitExceeded as err:
        assert str(err).startswith("the time budget of 1 s ran out while "), str(err)
    assert time.monotonic() - started < calls * 1.0 + 1


@pytest.mark.parametrize("limit", ["run_within", "time_limit"])
def test_a_budget_that_runs_out_inside_a_weakref_callback_is_raised_again_not_ignored(limit):
    """The signal's exception inside a callback is swallowed by Python ("Exception ignored in ..."):
    it is raised again in the interrupted code instead, and nothing is printed."""
    import sys
    import weakref

    from symgrad.deadline import can_interrupt, run_within, time_limit
    from symgrad.errors import TimeLimitExceeded

    if not can_interrupt():
        pytest.skip("no timer signal here")
    ignored = []
    previous, sys.unraisablehook = sys.unraisablehook, ignored.append

    class Thing:
        pass

    def slow_callback(_ref):
        time.sleep(0.4)  # the 0.1 s budget runs out in here

    context = run_within(0.1) if limit == "run_within" else time_limit(0.1)
    started = time.monotonic()
    try:
        with pytest.raises(TimeLimitExceeded):
            with context:
                thing = Thing()
                ref = weakref.ref(thing, slow_callback)  # noqa: F841 - kept alive for its callback
                del thing  # the callback runs here
                while time.monotonic() - started < 5:
                    sum(range(1000))  # no checkpoint: only the signal can end this
    finally:
        sys.unraisablehook = previous
    assert ignored == [] and time.monotonic() - started < 2
