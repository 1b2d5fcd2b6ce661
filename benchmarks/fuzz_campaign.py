"""A longer fuzzing campaign, run by hand: ``python benchmarks/fuzz_campaign.py --minutes 10``.

Five random generators take turns:

* ``unicode``   arbitrary text (any code point, biased towards the grammar's characters);
* ``alphabet``  text over the grammar's own characters;
* ``tokens``    sequences of the grammar's tokens (names, functions, operators, numbers);
* ``mutants``   items of the hostile corpus (tests/hostile_corpus.py) with a few random edits;
* ``grammar``   valid expressions from the grammar, whose derivative is compared with SymPy's
  diff and with central finite differences at random real points.

Every input must give an explanation or a SymgradError; anything else is a finding. Each input
runs under an outer time limit of 30 s (a hang is a finding too). The summary prints the
number of inputs per generator, the refusals by kind of message, the check statuses, and every
exception, hang and wrong derivative, with the input that caused it.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import sys
import time
import warnings

import mpmath
import sympy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import symgrad  # noqa: E402
from symgrad import SymgradError, explain  # noqa: E402
from symgrad.deadline import time_limit  # noqa: E402
from symgrad.errors import TimeLimitExceeded  # noqa: E402
from symgrad.numeric import NotANumber, concretize, evaluate, is_real_at  # noqa: E402

from hostile_corpus import ALL_CASES  # noqa: E402

GRAMMAR_CHARS = "xyzwab0123456789+-*/^(),._ eE\tsincoxplgqrtahmdu"
TOKENS = ["x", "y", "w1", "alpha", "sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid",
          "relu", "softplus", "abs", "f", "g", "(", ")", "(", ")", "+", "-", "*", "/", "^", "**",
          ",", "0", "1", "2", "0.5", "1e3", "1e-3", "9", "1000", " ", ".", "e", "_"]
FUNCTIONS = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs"]
VARIABLES = ["x", "x", "x", "y", "w1", "alpha"]
CONSTANTS = ["2", "3", "0.5", "1.5e-1", "7", "10", "0.25"]
HANG_SECONDS = 30.0


def gen_unicode(rng: random.Random) -> str:
    def char():
        roll = rng.random()
        if roll < 0.5:
            return rng.choice(GRAMMAR_CHARS)
        if roll < 0.8:
            return chr(rng.randrange(0, 0x80))
        if roll < 0.95:
            return chr(rng.randrange(0x80, 0x3000))
        return chr(rng.randrange(0x3000, 0x110000))
    return "".join(char() for _ in range(rng.randrange(0, 80)))


def gen_alphabet(rng: random.Random) -> str:
    return "".join(rng.choice(GRAMMAR_CHARS) for _ in range(rng.randrange(0, 60)))


def gen_tokens(rng: random.Random) -> str:
    return "".join(rng.choice(TOKENS) for _ in range(rng.randrange(0, 30)))


def gen_mutant(rng: random.Random) -> str:
    text = rng.choice(ALL_CASES).text
    if len(text) > 400:
        text = text[:rng.randrange(1, 400)]
    chars = list(text)
    for _ in range(rng.randrange(1, 4)):
        action = rng.random()
        position = rng.randrange(0, len(chars) + 1)
        if action < 0.4 and chars:
            del chars[min(position, len(chars) - 1)]
        elif action < 0.8:
            chars.insert(position, rng.choice(GRAMMAR_CHARS + "[]{}'\"<>=!~%&|@#$;:"))
        elif chars:
            chars[min(position, len(chars) - 1)] = rng.choice(GRAMMAR_CHARS)
    return "".join(chars)


def gen_expression(rng: random.Random, depth: int = 0) -> str:
    if depth > 5 or rng.random() < 0.25 + 0.12 * depth:
        return rng.choice(VARIABLES + CONSTANTS)
    sub = lambda: gen_expression(rng, depth + 1)  # noqa: E731
    roll = rng.random()
    if roll < 0.35:
        return f"({sub()} {rng.choice('+-*/')} {sub()})"
    if roll < 0.5:
        exponent = rng.choice(["2", "3", "-1", "(-2)", "0.5", "x", "y", "(1/3)"])
        return f"({sub()}){rng.choice(['^', '**'])}{exponent}"
    if roll < 0.8:
        return f"{rng.choice(FUNCTIONS)}({sub()})"
    if roll < 0.85:
        return f"log({sub()}, 2 + ({sub()})^2)"
    if roll < 0.93:
        return rng.choice([f"f({sub()})", f"g({sub()}, {sub()})"])
    return f"-{sub()}"


GENERATORS = {"unicode": gen_unicode, "alphabet": gen_alphabet, "tokens": gen_tokens,
              "mutants": gen_mutant, "grammar": gen_expression}


def message_kind(message: str) -> str:
    kind = re.sub(r" at column \d+", "", message)
    kind = re.sub(r"'[^']*'|\"[^\"]*\"|\(U\+[0-9A-F]+\)", "…", kind)
    kind = re.sub(r"-?\d+(\.\d+)?(e[+-]?\d+)?(\.\.\.)?", "N", kind)
    return kind[:70]


def check_grammar(e, rng: random.Random) -> str | None:
    """None if the derivative agrees with SymPy's diff and finite differences, else a description."""
    expression = concretize(e.expression)
    derivative = concretize(e.derivative)
    direct = sympy.diff(expression, e.variable)
    symbols = sorted(expression.free_symbols | derivative.free_symbols, key=str)
    variable = e.variable
    for _ in range(3):
        with mpmath.workdps(60):
            point = {s: mpmath.mpf(rng.uniform(-2, 2)) for s in symbols}
            if variable not in point:
                return None
            shifted = [{**point, variable: point[variable] + step} for step in (mpmath.mpf(10) ** -12, -mpmath.mpf(10) ** -12)]
        if not all(is_real_at(expression, p, 40) for p in [point] + shifted):
            continue
        try:
            ours, theirs = evaluate(derivative, point, 40), evaluate(direct, point, 40)
            above, below = (evaluate(expression, p, 60) for p in shifted)
        except NotANumber:
            continue
        if abs(ours) > 1e12 or abs(above) > 1e8:  # beyond that, 60 digits lose the difference quotient
            continue
        # Decimals are 15-digit Floats, and sin(exp(12.8)) amplifies their rounding: 1e-8.
        if not mpmath.almosteq(ours, theirs, rel_eps=1e-8, abs_eps=1e-8):
            return f"differs from sympy.diff at {dict((str(k), float(v)) for k, v in point.items())}"
        with mpmath.workdps(60):
            finite = (above - below) / (2 * mpmath.mpf(10) ** -12)
        if not mpmath.almosteq(ours, finite, rel_eps=1e-6, abs_eps=1e-6):
            return f"differs from finite differences at {dict((str(k), float(v)) for k, v in point.items())}"
    return None


def run(minutes: float, seed: int) -> int:
    rng = random.Random(seed)
    warnings.simplefilter("ignore")
    tried = collections.Counter()
    refusals = collections.Counter()
    statuses = collections.Counter()
    findings: list[tuple[str, str, str]] = []
    slowest = (0.0, "", "")
    started = time.monotonic()
    deadline = started + minutes * 60
    names = list(GENERATORS)
    while time.monotonic() < deadline:
        name = names[sum(tried.values()) % len(names)]
        text = GENERATORS[name](rng)
        present = [v for v in ("x", "y", "w1", "alpha") if re.search(rf"\b{v}\b", text)]
        wrt = present[0] if name == "grammar" and present else "x"
        tried[name] += 1
        begun = time.monotonic()
        try:
            with time_limit(HANG_SECONDS, "fuzz input"):
                e = explain(text, wrt=wrt, time_limit=5.0)
                e.to_json(), e.to_text(), e.to_latex(), e.to_markdown()
                statuses[f"{name}: {e.check.status}"] += 1
                if e.check.status == "mismatch":
                    findings.append((name, text, f"check mismatch: {e.check.reason}"))
                if name == "grammar":
                    problem = check_grammar(e, rng)
                    if problem:
                        findings.append((name, text, problem))
        except TimeLimitExceeded as err:
            if "fuzz input" in str(err):
                findings.append((name, text, f"hang: more than {HANG_SECONDS} s"))
            else:
                refusals[message_kind(str(err))] += 1
        except SymgradError as err:
            refusals[message_kind(str(err))] += 1
            if name == "grammar" and "division by zero" not in str(err) and "number" not in str(err):
                findings.append((name, text, f"valid expression refused: {err}"))
        except Exception as err:  # noqa: BLE001 - what the campaign looks for
            findings.append((name, text, f"{type(err).__name__}: {str(err)[:200]}"))
        spent = time.monotonic() - begun
        if spent > slowest[0]:
            slowest = (spent, name, text)
    elapsed = time.monotonic() - started
    print(f"symgrad {symgrad.__version__} fuzz campaign, seed {seed}: {elapsed / 60:.1f} min, "
          f"{sum(tried.values())} inputs")
    for name in names:
        print(f"  {name:9} {tried[name]:7} inputs")
    print("check statuses:")
    for status, count in sorted(statuses.items()):
        print(f"  {count:7}  {status}")
    print(f"refusals: {sum(refusals.values())} in {len(refusals)} kinds of message; most common:")
    for kind, count in refusals.most_common(25):
        print(f"  {count:7}  {kind}")
    print(f"slowest input: {slowest[0]:.2f} s ({slowest[1]}: {slowest[2][:80]!r})")
    print(f"findings: {len(findings)}")
    for name, text, what in findings[:50]:
        print(f"  [{name}] {text[:120]!r}: {what}")
    return 1 if findings else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4096 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, ValueError, OSError):
        pass
    return run(args.minutes, args.seed)


if __name__ == "__main__":
    sys.exit(main())
