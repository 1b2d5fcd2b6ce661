"""Command line: ``symgrad mlp --sizes 4,3,3,4 --wrt v0_1_1 [options]``.

The lecture's network (:func:`symgrad.nn.mlp`): its forward pass in matrix
form and neuron by neuron, the cost of one forward and one backward pass, and

* ``--wrt WEIGHT``: why dL/dv has as many paths as it has (the product of the
  later layers' widths), then the ordinary derivation of :func:`symgrad.explain`;
* ``--wrt all``: every weight's derivative from one backward pass;
* ``--seed N`` / ``--at NAME=VALUE,...`` / ``--train-step``: numbers at a point,
  every gradient against finite differences, one gradient-descent step.

The ``mlp`` subcommand of :mod:`symgrad.cli`, which parses the options with
:func:`add_arguments` and calls :func:`run` under the same guard as the main
command (same exit codes).
"""

from __future__ import annotations

import argparse
import json
import warnings

from ..cli_common import (
    FORMATS, add_language, add_memory_limit, check_figure_suffix, check_output_file, deck_path, deliver, dpi,
    learning_rate, max_paths, seed, timeout, written_atomically,
)
from ..deadline import run_within, stage
from ..errors import OptionError, PointError, SymgradError
from ..explain import DEFAULT_MAX_PATHS, SymgradWarning
from ..graph import input_nodes
from ..i18n import N_
from ..i18n import gettext as _
from ..point import parse_point
from . import training
from .analysis import operation_counts, path_formula
from .builder import HIDDEN, LOSSES, MAX_NEURONS, OUTPUTS, Network, mlp, parse_weight_name
from .losses import as_expression
from .training import complete_point

__all__ = ["add_arguments", "run", "SUMMARY", "DESCRIPTION", "EPILOG", "MAX_ALL_GRADIENTS"]

#: ``--wrt all`` writes out at most this many gradients (a 32,31,1 network's 1 023 took 22 s).
MAX_ALL_GRADIENTS = 300

#: One line for the list of commands in ``symgrad --help``.
SUMMARY = N_("the lecture's neural network: forward pass, dL/dv by the chain rule, numbers")
DESCRIPTION = N_("The lecture's neural network: forward pass, dL/dv for any weight by the "
                 "chain rule, every gradient from one backward pass, numbers and a training step.")
EPILOG = N_("""\
examples:
  symgrad mlp --sizes 4,3,3,4 --hidden relu --output softmax --loss cross_entropy --wrt v0_1_1
  symgrad mlp --sizes 4,3,3,4 --wrt all --seed 1 --format text
  symgrad mlp --sizes 2,2,1 --hidden sigmoid --output sigmoid --loss mse --wrt v1_1_1 --train-step
  symgrad mlp --sizes 4,3,3,4 --target 2 --wrt v0_1_1 --standalone -o dL_dv.tex
  symgrad mlp --sizes 4,3,3,3,4 --wrt v0_1_1 --format beamer -o lecture.tex   (the lecture's network, as slides)

weights are named v{layer}_{row}_{column}: v0_1_2 is the entry (1, 2) of V0,
printed v^{(0)}_{12}; biases b{layer}_{row}; inputs x1, x2, ...; targets t1, t2, ...;
neurons z{layer}_{i}, h{layer}_{i} (printed z^{(l)}_i, h^{(l)}_i) and outputs yhat_{i} (ŷ_i)
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``symgrad mlp`` to `parser` (the ``mlp`` subparser of :mod:`symgrad.cli`)."""
    parser.add_argument("--sizes", type=_sizes, default=(4, 3, 3, 4), metavar="N,N,...",
                        help=_("layer widths, inputs first (default: 4,3,3,4)"))
    parser.add_argument("--hidden", choices=HIDDEN, default="relu",
                        help=_("activation of the hidden layers (default: relu)"))
    parser.add_argument("--output", choices=OUTPUTS, default="softmax",
                        help=_("activation of the output layer (default: softmax)"))
    parser.add_argument("--loss", choices=LOSSES, default="cross_entropy",
                        help=_("the loss (default: cross_entropy)"))
    parser.add_argument("--bias", action="store_true", help=_("a bias b{layer}_{row} for every neuron"))
    parser.add_argument("--target", type=_target, default=None, metavar="K|V,V,...",
                        help=_("a one-hot class K (from 1) or the target values; "
                               "default: target symbols t1, t2, ..."))
    parser.add_argument("--wrt", metavar=_("WEIGHT"),
                        help=_("a weight such as v0_1_1 (the derivation of dL/dv), or 'all' "
                               "(every gradient from one backward pass)"))
    parser.add_argument("--seed", type=seed, default=None, metavar="N",
                        help=_("draw weights, inputs and targets from random.Random(N) and show numbers"))
    parser.add_argument("--at", metavar=_("NAME=VALUE,..."),
                        help=_("values for some inputs (the rest from --seed, default 0); shows numbers"))
    parser.add_argument("--train-step", action="store_true",
                        help=_("numbers and one gradient-descent step (implied by --seed and --at)"))
    parser.add_argument("--lr", type=learning_rate, default=0.1, metavar="ETA",
                        help=_("learning rate of the step (default: 0.1)"))
    parser.add_argument("--format", "-f", choices=FORMATS, default=None,
                        help=_("output format (default: latex; with only --figure, none); beamer: a slide deck, "
                               "with -o DECK.tex"))
    parser.add_argument("--standalone", action="store_true",
                        help=_("with --format latex: a complete document for pdflatex"))
    parser.add_argument("--max-paths", type=max_paths, default=DEFAULT_MAX_PATHS,
                        metavar="N", help=_("list at most N paths (default: {default})").format(default=DEFAULT_MAX_PATHS))
    parser.add_argument("--timeout", type=timeout, default=10.0, metavar=_("SECONDS"),
                        help=_("time budget of the whole run, the check against SymPy included (default: 10)"))
    parser.add_argument("--no-check", action="store_true", help=_("skip the check against SymPy"))
    parser.add_argument("--out", "-o", metavar=_("FILE"), help=_("write to FILE instead of standard output"))
    parser.add_argument("--figure", metavar=_("FILE"),
                        help=_("draw the network (.png, .svg or .pdf), the lines that carry dL/d(--wrt) highlighted"))
    parser.add_argument("--theme", choices=("light", "dark"), default="light", help=_("figure colours"))
    parser.add_argument("--dpi", type=dpi, default=150.0, help=_("resolution of PNG figures (default: 150)"))
    add_language(parser)
    add_memory_limit(parser)


def _sizes(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    if len(parts) > 32 or not all(p.strip().isdigit() and len(p.strip()) <= 4 for p in parts):
        raise argparse.ArgumentTypeError(_("{value} is not a list of layer widths such as 4,3,3,4").format(
            value=repr(text[:40])))
    return tuple(int(p) for p in parts)


def _target(text: str):
    """--target: a class number, or target values (each read by :func:`symgrad.parse`, within its limits)."""
    text = text.strip()
    if text.isdigit() and len(text) <= 4:
        return int(text)
    parts = text.split(",")
    if len(parts) > MAX_NEURONS:
        raise argparse.ArgumentTypeError(_("{count} target values; a layer has at most {limit}").format(
            count=len(parts), limit=MAX_NEURONS))
    try:
        return [as_expression(part, number=True) for part in parts]
    except SymgradError as err:
        raise argparse.ArgumentTypeError(_("{error} (give a class number or numbers such as 0,1,0)").format(
            error=err)) from None


def _given_point(net, text: str) -> dict:
    """``name=value`` pairs for some of the network's inputs, each read by :func:`parse_point`."""
    inputs = input_nodes(net.graph)
    given: dict = {}
    for pair in text.split(",")[:10_000]:
        name = pair.partition("=")[0].strip()
        if name not in inputs:
            known = ", ".join(inputs[:8]) + (", ..." if len(inputs) > 8 else "")
            raise PointError(_("--at: {name} is not a variable of the network ({known})").format(
                name=repr(name[:40]), known=known))
        if name in given:
            raise PointError(_("--at: {name} is given twice").format(name=repr(name)))
        given.update(parse_point(pair, [name]))
    return given


def _report(net: Network, args: argparse.Namespace):
    """Compute what `args` ask for; return (blocks, data, explanation or None, numbers or None)."""
    from ..chain import gradients
    from ..render.blocks import build_blocks
    from . import report

    counts = operation_counts(net.graph)
    blocks = report.network_blocks(net) + report.cost_blocks(counts, len(net.weight_names))
    want_numbers = args.seed is not None or args.at is not None or args.train_step
    numbers = None
    if want_numbers:
        seed = args.seed if args.seed is not None else 0
        given = _given_point(net, args.at) if args.at else {}
        with stage(_("computing the numbers at the point")):
            numbers = training.numbers(net, complete_point(net, given, seed), learning_rate=args.lr)
    formula = grads = explanation = None
    if args.wrt == "all":
        _check_all_gradients(net)
        with stage(_("computing every gradient")):
            grads = gradients(net.graph, [p for p in net.parameter_names if p in net.graph])
        values = numbers.gradients if numbers is not None else None
        blocks += report.all_gradient_blocks(net, grads, values)
    elif args.wrt is not None:
        net.check_parameter(args.wrt)
        formula = path_formula(net, args.wrt)
        explanation = net.explain(args.wrt, max_paths=args.max_paths, time_limit=args.timeout,
                                  check=not args.no_check)
        blocks += report.path_blocks(formula) + build_blocks(explanation)
    blocks += _matrix_blocks(net, args.wrt, numbers)
    if numbers is not None:
        seed_used = args.seed if args.seed is not None else 0
        source = (_("given with --at; the rest drawn with seed {seed}") if args.at
                  else _("drawn with seed {seed}")).format(seed=seed_used)
        blocks += report.numbers_blocks(net, numbers, source)
    data = report.network_dict(net, counts, formula=formula, gradients=grads, numbers=numbers)
    if explanation is not None:
        data["derivation"] = explanation.to_dict()
    return blocks, data, explanation, numbers


def _check_all_gradients(net: Network) -> None:
    """Refuse ``--wrt all`` for a network whose gradients cannot all be written within a budget."""
    count = len(net.parameter_names)
    if count > MAX_ALL_GRADIENTS:
        raise OptionError(_("--wrt all writes every gradient out, for at most {limit} weights and biases "
                            "(this network has {count}); choose one weight with --wrt").format(
                                limit=MAX_ALL_GRADIENTS, count=count))


#: Random points (seeds) at which the matrix-form backward pass is checked in every report.
MATRIX_CHECK_SEEDS = (1, 2, 3)


def _matrix_blocks(net: Network, wrt: str | None, numbers) -> list:
    """The backward pass in matrix form, checked at random points (and at the report's point)."""
    from .report import matrix_backward_blocks
    from .matrix import matrix_backward
    from .training import random_point

    checks = [matrix_backward(net, random_point(net, seed)) for seed in MATRIX_CHECK_SEEDS]
    at_point = matrix_backward(net, numbers.point) if numbers is not None else None
    if at_point is not None:
        checks.append(at_point)
    weight = wrt if wrt not in (None, "all") else None
    return matrix_backward_blocks(net, checks, weight, at_point)


def _deck(net: Network, blocks, explanation, args) -> str:
    """Write the Beamer deck (the network diagram first) and return the document's text."""
    from ..render.beamer import FIGURE_SIZE, write_deck
    from .figure import plot_network

    wrt = args.wrt if args.wrt not in (None, "all") and parse_weight_name(args.wrt) else None
    # the deck's tables give the numbers: at the deck's size they would be too small to read on the diagram
    figures = {"graph": lambda: plot_network(net, wrt, theme="light", figsize=FIGURE_SIZE, titled=False)}
    return write_deck(explanation, deck_path(args.out), blocks=blocks, figures=figures)[0].read_text(encoding="utf-8")


def _render(blocks, data, args) -> str:
    if args.format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.format == "text":
        from ..render.text import render_blocks
        return render_blocks(blocks)
    if args.format == "markdown":
        from ..render.markdown import render_blocks
        return render_blocks(blocks)
    from ..render.latex import render_blocks
    return render_blocks(blocks, standalone=args.standalone)


def _draw_network(net: Network, args: argparse.Namespace, numbers=None) -> None:
    """Write --figure: the network diagram, with its numbers if any (matplotlib is imported only here)."""
    from ..plot import save_figure
    from .figure import plot_network

    wrt = args.wrt if args.wrt not in (None, "all") and parse_weight_name(args.wrt) else None
    values = numbers.at if numbers is not None else None
    with written_atomically(args.figure, "--figure") as temporary:
        save_figure(plot_network(net, wrt, theme=args.theme, values=values), temporary, dpi=args.dpi)


def run(args: argparse.Namespace) -> int:
    """Build the network once, explain and print as `args` say; return the exit code.

    The whole run shares the budget ``--timeout``.
    """
    check_output_file(args.out, "-o")
    check_output_file(args.figure, "--figure")
    check_figure_suffix(args.figure, "--figure", (".png", ".svg", ".pdf"))
    with run_within(args.timeout):
        with stage(_("building the network")):
            net = mlp(args.sizes, hidden=args.hidden, output=args.output, loss=args.loss,
                      bias=args.bias, target=args.target)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SymgradWarning)
            derivation_wanted = args.format is not None or args.out or not args.figure
            args.format = args.format or "latex"
            blocks, data, explanation, numbers = _report(net, args)
            with stage(_("writing the output")):
                rendered = None if not derivation_wanted else (
                    _deck(net, blocks, explanation, args) if args.format == "beamer" else _render(blocks, data, args))
        if args.figure:
            with stage(_("drawing the network")):
                _draw_network(net, args, numbers)
        code = deliver(rendered, args.out, caught, explanation, ascii_fallback=args.format == "text")
    if not derivation_wanted:
        print(_("symgrad: wrote the figure to {path}").format(path=args.figure))
    return code
