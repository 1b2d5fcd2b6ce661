"""Benchmark: symgrad on a nested family with exponentially many chain-rule paths.

The family is

    f0 = x,   f(k+1) = sin(fk)*cos(fk) + fk**2

built as one *shared* SymPy expression (each level refers to the previous
level's object three times) with ``evaluate=False``; evaluated construction
is itself exponential in SymPy. The computation graph of ``fn`` has 5n + 1
nodes and 7n edges, and there are exactly ``3**n`` paths from ``fn`` back to
``x``.

For each n the table shows the graph size, the exact path count (checked
against ``3**n``), the time symgrad takes (``build_graph`` + ``count_paths``
+ ``reverse_accumulate``, best of a few repeats, SymPy's cache cleared
before each), that time divided by n, and the time of ``sympy.diff(fn, x)``
-- run once per n in a separate process with a time limit (10 s by default);
after the first n that times out, larger n are skipped.

A second table times what users get: ``explain(fn, "x")`` then
``to_latex()`` with the default check, its parts (derivative, check,
LaTeX), the check's status and method, the LaTeX size, SymEngine's
``diff`` of the same expression when ``symengine`` is installed (optional),
and the ratio to ``python -c "import sympy, networkx"``.

A verdict section then states the goals and whether each one is met, plus
the start-up cost of a typical CLI derivation compared with importing SymPy
and networkx alone, and whether the CLI run imports matplotlib.

Usage::

    PYTHONPATH=. python3 benchmarks/bench_nested.py            # n = 8 ... 1000
    PYTHONPATH=. python3 benchmarks/bench_nested.py --quick    # n <= 100, fewer repeats
    PYTHONPATH=. python3 benchmarks/bench_nested.py --max-n 200

Exit status is 0 whether or not the goals are met (it is a report, not a
test); 2 for bad options.

Results on the development machine (2 cores)
--------------------------------------------
2026-11-29, Python 3.11.7, SymPy 1.14.0, networkx 3.6.1, SymEngine 0.15.0 (optional,
installed for this run only); full run, machine nearly quiet (load average 0.45 at
the start and 0.90 after the user table; the import baseline measured in the same run)::

       n  nodes  edges                  paths  =3**n   symgrad   per n  sympy.diff   ratio
    ----  -----  -----  ---------------------  -----  --------  ------  ----------  ------
       8     41     56             3^n = 6561    yes    8.0 ms  994 us    841.1 ms    106x
      10     51     70            3^n = 59049    yes    8.2 ms  816 us      9.34 s   1145x
      20    101    140       3^n = 3486784401    yes   13.6 ms  678 us      > 10 s  > 738x
     100    501    700    ~5.2e47 (48 digits)    yes   51.8 ms  518 us     skipped       -
    1000   5001   7000  ~1.3e477 (478 digits)    yes  504.1 ms  504 us     skipped       -

    What users get: explain(f, "x") + to_latex(), default check (one run per n)

       n     whole       cpu  derivative     check     latex   status              method  LaTeX size  symengine  ratio  /import
    ----  --------  --------  ----------  --------  --------  -------  ------------------  ----------  ---------  -----  -------
      10  126.4 ms  125.8 ms     28.3 ms    9.0 ms   89.1 ms  numeric  finite-differences       30 KB      72 us  1749x    0.31x
      30  189.4 ms  227.0 ms     18.2 ms   27.3 ms  143.9 ms  numeric  finite-differences       39 KB     223 us   850x    0.47x
     100  254.0 ms  254.0 ms     51.0 ms   55.1 ms  147.9 ms  numeric  finite-differences       53 KB     832 us   305x    0.63x
     300  547.6 ms  547.3 ms    147.7 ms  189.0 ms  210.9 ms  numeric  finite-differences       54 KB     2.4 ms   228x    1.36x
    1000    1.73 s    1.72 s    568.7 ms  636.0 ms  522.7 ms  numeric  finite-differences       54 KB     8.7 ms   198x    4.30x
    python -c 'import sympy, networkx': 402.0 ms

    Verdict (user goals)
      PASS  the check is decided for every n (finite-differences from n = 10 on)
      PASS  n = 1000 whole explanation within 2 s                  1.73 s (check 636.0 ms, LaTeX 522.7 ms)
      PASS  n = 1000 whole explanation <= 6x import sympy, networkx  4.3x
      PASS  n = 1000 within 300x SymEngine's diff (moonshot 50x)     198x
      PASS  whole explanation linear: time(1000)/time(100) < 20      ratio 6.8
      PASS  n = 1000 within 2 s (build_graph + count_paths + reverse_accumulate)  504.1 ms
      PASS  CLI "sigmoid(w1*x1 + w2*x2 + b)" --wrt w1 <= 1.5x import  ratio 1.390

Under load (3.1 at the start) the same script gave 1.81 s, 4.4x and 204x. Before
this version, the whole explanation at n = 1000 took 2.98-3.12 s (derivative
0.69 s, check 0.72-0.80 s, LaTeX 1.57-1.59 s; 334-362x SymEngine) against
1.72-1.74 s for this one, both run alternately twice at load average 1.2-1.4
(and 2.97 s, 7.1x the import, 331x in a full run of the script at load 2.3). The LaTeX stage measured
the size of every expression it might print anew, walking the shared
expressions whole (the 16 listed paths repeat the same 3 000 local
derivatives); it now keeps one size cache per document, makes each edge's
local derivative in the inputs once for all the paths, and decides whether an
expression is printable by a walk that stops at the print limit. The graph's
one-operand rules are evaluated once per kind of symbol. What is left is
mostly SymPy building the graph's 5 000 nodes and 7 000 local derivatives and
the check's 90-digit arithmetic. On this shared machine wall times vary
severalfold with the load (an earlier run at load average 5 took 12.9 s wall
for 4.2 s CPU before these changes); the cpu column is the steadier one.
"""

from __future__ import annotations

import argparse
import decimal
import gc
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import symgrad
except ImportError:  # run from a checkout without PYTHONPATH
    sys.path.insert(0, str(ROOT))
    import symgrad

import sympy
from sympy.core.cache import clear_cache

DEFAULT_NS = (8, 10, 20, 50, 100, 200, 500, 1000)
QUICK_MAX_N = 100
CLI_EXPRESSION = "sigmoid(w1*x1 + w2*x2 + b)"
#: Sizes at which the whole explanation (what users get) is timed.
USER_NS = (10, 30, 100, 300, 1000)


# --- the family ------------------------------------------------------------------


def next_level(f: sympy.Expr) -> sympy.Expr:
    """sin(f)*cos(f) + f**2, unevaluated, sharing `f`."""
    return sympy.Add(
        sympy.Mul(sympy.sin(f, evaluate=False), sympy.cos(f, evaluate=False), evaluate=False),
        sympy.Pow(f, 2, evaluate=False),
        evaluate=False,
    )


def nested_family(max_n: int) -> tuple[sympy.Symbol, list[sympy.Expr]]:
    """x and [f0, f1, ..., f_max_n], each level built once from the previous one.

    Building every level once (rather than rebuilding f_n from scratch for
    each n) matters: SymPy caches constructors, and a structurally equal but
    distinct copy of a deep expression makes the cache compare the two
    recursively, which overflows the recursion limit for n in the hundreds.
    """
    x = sympy.Symbol("x")
    levels = [x]
    for _ in range(max_n):
        levels.append(next_level(levels[-1]))
    return x, levels


# --- measurements --------------------------------------------------------------------


def symgrad_once(f: sympy.Expr) -> tuple[float, int, int, int]:
    """One cold run: (seconds, nodes, edges, path count)."""
    clear_cache()
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        graph = symgrad.build_graph(f)
        count = symgrad.count_paths(graph, "x")
        symgrad.reverse_accumulate(graph, "x")
        elapsed = time.perf_counter() - started
    finally:
        if gc_was_enabled:
            gc.enable()
    return elapsed, graph.number_of_nodes(), graph.number_of_edges(), count


def symgrad_best(f: sympy.Expr, repeats: int) -> tuple[float, int, int, int]:
    runs = [symgrad_once(f) for _ in range(repeats)]
    best = min(run[0] for run in runs)
    _, nodes, edges, count = runs[0]
    return best, nodes, edges, count


def whole_explanation(f: sympy.Expr) -> dict:
    """What a user gets: explain(f, "x") + to_latex() with the default check, timed in parts."""
    clear_cache()
    gc.collect()
    cpu_started = time.process_time()
    started = time.perf_counter()
    explanation = symgrad.explain(f, "x")
    explanation.derivative
    derived = time.perf_counter()
    check = explanation.check
    checked = time.perf_counter()
    latex = explanation.to_latex()
    done = time.perf_counter()
    return {"total": done - started, "derivative": derived - started, "check": checked - derived,
            "latex": done - checked, "cpu": time.process_time() - cpu_started, "status": check.status,
            "method": check.method or "-", "latex_bytes": len(latex.encode())}


def symengine_diff_time(n: int, repeats: int) -> float | None:
    """Best time of SymEngine's diff of f_n, built natively and shared, or None without SymEngine.

    Converting the SymPy expression would walk it as a tree (3**n); the same
    recurrence in SymEngine shares each level as symgrad's input does.
    """
    try:
        import symengine
    except ImportError:
        return None
    x = symengine.Symbol("x")
    converted = x
    for _ in range(n):
        converted = symengine.sin(converted) * symengine.cos(converted) + converted**2
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        symengine.diff(converted, x)
        times.append(time.perf_counter() - started)
    return min(times)


def _diff_worker(n: int, conn) -> None:
    """In a fresh process: build f_n, say 'ready', time sympy.diff(f_n, x)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    x, levels = nested_family(n)
    conn.send("ready")
    started = time.perf_counter()
    sympy.diff(levels[n], x)
    conn.send(time.perf_counter() - started)
    conn.close()


def sympy_diff_time(n: int, timeout: float) -> float | None:
    """Seconds of sympy.diff(f_n, x) in a separate process, or None after `timeout` s.

    The limit covers the differentiation only, not the worker's start-up.
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    worker = context.Process(target=_diff_worker, args=(n, child), daemon=True)
    worker.start()
    child.close()
    try:
        if not parent.poll(120) or parent.recv() != "ready":
            return None
        if not parent.poll(timeout):
            return None
        return parent.recv()
    except (EOFError, OSError):  # the worker died (e.g. out of memory or recursion)
        return None
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(5)


def best_subprocess_time(args: list[str], repeats: int, env: dict) -> tuple[float | None, str]:
    """Best wall time of running `args`, or (None, reason) if it fails."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as err:
            return None, str(err)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            return None, f"exit {result.returncode}: {last[:100]}"
        times.append(elapsed)
    return min(times), ""


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


# --- formatting ------------------------------------------------------------------------


def format_count(count: int) -> str:
    digits = len(str(count))
    if digits <= 12:
        return f"3^n = {count}"
    mantissa, exponent = format(decimal.Decimal(count), ".1e").split("e")
    return f"~{mantissa}e{int(exponent)} ({digits} digits)"


def format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages (timings on a shared machine depend on them)."""
    try:
        return ", ".join(f"{load:.2f}" for load in os.getloadavg())
    except (AttributeError, OSError):
        return "not available"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a "}[ok]


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time symgrad against sympy.diff on f(k+1) = sin(fk)*cos(fk) + fk**2.")
    parser.add_argument("--quick", action="store_true",
                        help=f"n up to {QUICK_MAX_N} and fewer repeats")
    parser.add_argument("--max-n", type=int, default=None, metavar="N",
                        help="largest n to run (default 1000; added to the list if larger)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds allowed for one sympy.diff (default 10)")
    parser.add_argument("--no-cli", action="store_true",
                        help="skip the CLI start-up and matplotlib measurements")
    args = parser.parse_args(argv)
    if args.max_n is not None and args.max_n < 1:
        parser.error("--max-n must be at least 1")
    if not args.timeout > 0:
        parser.error("--timeout must be positive")
    return args


def sizes(args: argparse.Namespace) -> list[int]:
    max_n = args.max_n if args.max_n is not None else (QUICK_MAX_N if args.quick else DEFAULT_NS[-1])
    if args.quick:
        max_n = min(max_n, QUICK_MAX_N)
    ns = [n for n in DEFAULT_NS if n <= max_n]
    if max_n not in ns:
        ns.append(max_n)
    return ns


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ns = sizes(args)
    repeats = 2 if args.quick else 5
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    x, levels = nested_family(max(ns))

    print("Nested family f0 = x, f(k+1) = sin(fk)*cos(fk) + fk**2 (shared, unevaluated)")
    print(f"symgrad = build_graph + count_paths + reverse_accumulate, best of {repeats}; "
          f"sympy.diff once per n, limit {args.timeout:g} s")
    print(f"{os.cpu_count()} CPUs, load average at the start: {load_average()}")
    print()

    header = ["n", "nodes", "edges", "paths", "=3**n", "symgrad", "per n", "sympy.diff", "ratio"]
    rows, symgrad_times, sympy_times = [], {}, {}
    sympy_gave_up = False
    for n in ns:
        seconds, nodes, edges, count = symgrad_best(levels[n], repeats)
        symgrad_times[n] = seconds
        if sympy_gave_up:
            direct_text, ratio_text = "skipped", "-"
        else:
            direct = sympy_diff_time(n, args.timeout)
            if direct is None:
                sympy_gave_up = True
                direct_text, ratio_text = f"> {args.timeout:g} s", f"> {args.timeout / seconds:.0f}x"
            else:
                sympy_times[n] = direct
                direct_text, ratio_text = format_seconds(direct), f"{direct / seconds:.0f}x"
        rows.append([str(n), str(nodes), str(edges), format_count(count),
                     "yes" if count == 3 ** n else "NO", format_seconds(seconds),
                     format_seconds(seconds / n), direct_text, ratio_text])
    print_table(header, rows)
    all_counts_exact = all(row[4] == "yes" for row in rows)
    user = user_goals(levels, [n for n in USER_NS if n <= max(ns)], args)

    print()
    print("Verdict")
    print("-------")
    goals: list[tuple[str, bool | None, str]] = []
    goals.append(("path counts equal 3**n exactly", all_counts_exact, ""))
    if 100 in symgrad_times and 1000 in symgrad_times:
        growth = symgrad_times[1000] / symgrad_times[100]
        goals.append(("time grows linearly: time(1000)/time(100) < 20", growth < 20,
                      f"ratio {growth:.1f} (10 would be exactly linear)"))
    else:
        goals.append(("time grows linearly: time(1000)/time(100) < 20", None,
                      "needs n = 100 and n = 1000"))
    if 1000 in symgrad_times:
        goals.append(("n = 1000 within 2 s", symgrad_times[1000] < 2.0,
                      format_seconds(symgrad_times[1000])))
    else:
        goals.append(("n = 1000 within 2 s", None, "n = 1000 not run"))
    if 10 in symgrad_times and 10 in sympy_times:
        speedup = sympy_times[10] / symgrad_times[10]
        goals.append(("n = 10 at least 50x faster than sympy.diff", speedup >= 50,
                      f"{speedup:.0f}x"))
    elif 10 in symgrad_times and sympy_gave_up:
        speedup = args.timeout / symgrad_times[10]
        goals.append(("n = 10 at least 50x faster than sympy.diff", speedup >= 50,
                      f"sympy.diff timed out: > {speedup:.0f}x"))
    else:
        goals.append(("n = 10 at least 50x faster than sympy.diff", None, "n = 10 not run"))

    goals.extend(user)

    if not args.no_cli:
        goals.extend(cli_goals(repeats=3 if args.quick else 5))

    width = max(len(goal) for goal, _, _ in goals)
    for goal, ok, detail in goals:
        print(f"  {verdict(ok)}  {goal.ljust(width)}  {detail}".rstrip())
    return 0


def user_goals(levels: list, ns: list[int], args: argparse.Namespace) -> list[tuple[str, bool | None, str]]:
    """The whole explanation (default check, LaTeX) per n, against import time and SymEngine."""
    env = child_env()
    baseline, _ = best_subprocess_time([sys.executable, "-c", "import sympy, networkx"],
                                       2 if args.quick else 3, env)
    print()
    print('What users get: explain(f, "x") + to_latex(), default check (one run per n)')
    print()
    header = ["n", "whole", "cpu", "derivative", "check", "latex", "status", "method", "LaTeX size",
              "symengine", "ratio", "/import"]
    rows, results, engine = [], {}, {}
    for n in ns:
        result = results[n] = whole_explanation(levels[n])
        engine[n] = symengine_diff_time(n, 3)
        rows.append([str(n), format_seconds(result["total"]), format_seconds(result["cpu"]),
                     format_seconds(result["derivative"]),
                     format_seconds(result["check"]), format_seconds(result["latex"]), result["status"],
                     result["method"], f"{result['latex_bytes'] / 1e3:.0f} KB",
                     format_seconds(engine[n]) if engine[n] else "n/a",
                     f"{result['total'] / engine[n]:.0f}x" if engine[n] else "-",
                     f"{result['total'] / baseline:.2f}x" if baseline else "-"])
    print_table(header, rows)
    if baseline:
        print(f"python -c 'import sympy, networkx': {format_seconds(baseline)}")
    print(f"load average after the table: {load_average()}")
    goals: list[tuple[str, bool | None, str]] = []
    decided = all(r["status"] in ("symbolic", "numeric") for r in results.values())
    goals.append(("the check is decided for every n", decided,
                  ", ".join(f"{n}: {r['status']} ({r['method']})" for n, r in results.items())))
    if 1000 in results:
        whole = results[1000]
        goals.append(("n = 1000 whole explanation within 2 s", whole["total"] < 2.0,
                      f"{format_seconds(whole['total'])} (check {format_seconds(whole['check'])}, "
                      f"LaTeX {format_seconds(whole['latex'])})"))
        goals.append(("n = 1000 whole explanation <= 6x import sympy, networkx",
                      whole["total"] <= 6 * baseline if baseline else None,
                      f"{whole['total'] / baseline:.1f}x" if baseline else "no baseline"))
        goals.append(("n = 1000 within 300x SymEngine's diff (moonshot 50x)",
                      whole["total"] <= 300 * engine[1000] if engine[1000] else None,
                      f"{whole['total'] / engine[1000]:.0f}x" if engine[1000] else "SymEngine not installed"))
        if whole["latex"] > whole["total"] / 2:
            print(f"LaTeX rendering dominates at n = 1000: {format_seconds(whole['latex'])} of "
                  f"{format_seconds(whole['total'])}, {whole['latex_bytes'] / 1e6:.1f} MB")
    if 100 in results and 1000 in results:
        growth = results[1000]["total"] / results[100]["total"]
        goals.append(("whole explanation linear: time(1000)/time(100) < 20", growth < 20,
                      f"ratio {growth:.1f}"))
    return goals


def cli_goals(repeats: int) -> list[tuple[str, bool | None, str]]:
    env = child_env()
    goals = []
    baseline, why = best_subprocess_time([sys.executable, "-c", "import sympy, networkx"], repeats, env)
    cli, cli_why = best_subprocess_time(
        [sys.executable, "-m", "symgrad", CLI_EXPRESSION, "--wrt", "w1"], repeats, env)
    goal = f'CLI "{CLI_EXPRESSION}" --wrt w1 <= 1.5x import sympy, networkx'
    if baseline is None:
        goals.append((goal, None, f"baseline failed ({why})"))
    elif cli is None:
        goals.append((goal, None, f"not available ({cli_why})"))
    else:
        ratio = cli / baseline
        goals.append((goal, ratio <= 1.5, f"{format_seconds(cli)} vs {format_seconds(baseline)}, "
                                          f"ratio {ratio:.3f} (best of {repeats})"))

    code = ("import symgrad, sys; symgrad.explain('x*x','x').to_latex(); "
            "print('matplotlib' in sys.modules)")
    try:
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, timeout=120)
        answer = result.stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as err:
        result, answer = None, str(err)
    goal = "matplotlib is not imported by explain(...).to_latex()"
    if result is None or result.returncode != 0 or answer not in ("True", "False"):
        goals.append((goal, None, f"could not tell ({answer or 'exit ' + str(result.returncode)})"))
    else:
        goals.append((goal, answer == "False", f"'matplotlib' in sys.modules: {answer}"))

    goal = "matplotlib is not imported by the CLI run (python -X importtime)"
    try:
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "symgrad", CLI_EXPRESSION, "--wrt", "w1"],
            env=env, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        goals.append((goal, None, f"could not tell ({err})"))
        return goals
    if result.returncode != 0:
        goals.append((goal, None, f"not available (exit {result.returncode})"))
    else:
        imported = any(line.rsplit("|", 1)[-1].strip().split(".")[0] == "matplotlib"
                       for line in result.stderr.splitlines() if line.startswith("import time:"))
        goals.append((goal, not imported, f"matplotlib imported: {imported}"))
    return goals


if __name__ == "__main__":
    sys.exit(main())
