"""Tests of symgrad.nn, the tape, chain.gradients and ``symgrad mlp``."""

from __future__ import annotations

import importlib.util
import math
import random
from pathlib import Path

import mpmath
import pytest
import sympy

from symgrad import build_graph, count_paths, nn
from symgrad.chain import gradients
from symgrad.cli import main
from symgrad.errors import OptionError, PointError, VariableError
from symgrad.numeric import evaluate
from symgrad.point import evaluate_at
from symgrad.tape import compile_tape

ROOT = Path(__file__).resolve().parent.parent


def sym(name):
    return sympy.Symbol(name, real=True)


# --- builder: shapes and names ---------------------------------------------------


def test_mlp_shapes_and_names():
    net = nn.mlp([4, 3, 3, 4], hidden="relu", output="softmax", loss="cross_entropy")
    assert [x.name for x in net.inputs] == ["x1", "x2", "x3", "x4"]
    assert [len(m) for m in net.weights] == [3, 3, 4]          # rows: next layer
    assert [len(m[0]) for m in net.weights] == [4, 3, 3]       # columns: this layer
    assert net.weights[0][0][1].name == "v0_1_2"
    assert net.weights[2][3][2].name == "v2_4_3"
    assert len(net.weight_names) == 4 * 3 + 3 * 3 + 3 * 4
    assert [t.name for t in net.targets] == ["t1", "t2", "t3", "t4"]
    assert [len(z) for z in net.preactivations] == [3, 3, 4]
    assert len(net.outputs) == 4
    assert net.biases == ()
    assert set(net.graph.graph["inputs"]) == set(net.weight_names) | {"x1", "x2", "x3", "x4"} | {
        "t1", "t2", "t3", "t4"}
    assert net.graph.graph["output"] == "L"


def test_mlp_bias_and_target_class():
    net = nn.mlp([2, 3, 2], bias=True, target=2)
    assert [b.name for b in net.biases[0]] == ["b0_1", "b0_2", "b0_3"]
    assert "b1_2" in net.parameter_names
    assert net.target_class == 2 and net.targets == (0, 1)
    assert sympy.sstr(net.loss, order="none").startswith("-log(")


def test_mlp_refuses_bad_options():
    for kwargs in ({"sizes": [3]}, {"sizes": [3, 0]}, {"hidden": "gelu"}, {"loss": "hinge"},
                   {"output": "tanh", "loss": "cross_entropy"}, {"target": 5}, {"target": [1, 2]},
                   {"sizes": [64, 64, 64]}):
        with pytest.raises(OptionError):
            nn.mlp(**{"sizes": [3, 2, 4], **kwargs})
    with pytest.raises(VariableError, match="V0 has rows 1..2"):
        nn.mlp([3, 2]).check_parameter("v0_3_1")


def test_one_node_per_neuron_and_linear_growth():
    """The shared expression gives a graph linear in the number of weights."""
    for sizes in ([4, 3, 3, 4], [4, 8, 8, 3], [8, 16, 16, 16, 8]):
        net = nn.mlp(sizes)
        weights = len(net.weight_names)
        neurons = sum(sizes[1:])
        g = net.graph
        # inputs + targets, weights, one product per weight, a sum and an activation per neuron,
        # the softmax exps, its sum and quotients, the loss terms: at most a constant per weight
        assert g.number_of_nodes() <= 2 * weights + 4 * neurons + 3 * sizes[-1] + sizes[0] + 8
        node_of = {g.nodes[n]["expression"]: n for n in g}
        for layer in net.activations[:-1]:
            assert all(h in node_of for h in layer)
    # A deep narrow network: doubling the depth roughly doubles the graph.
    small, large = nn.mlp([2] + [2] * 10 + [2]).graph, nn.mlp([2] + [2] * 20 + [2]).graph
    assert large.number_of_nodes() < 2.1 * small.number_of_nodes()


# --- vocabulary: softmax and cross-entropy against SymPy and finite differences -------


def _random_values(symbols, seed):
    rng = random.Random(seed)
    return {s: mpmath.mpf(rng.uniform(-1.5, 1.5)) for s in symbols}


@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
def test_softmax_cross_entropy_derivatives(kind):
    z = [sym(f"z{i}") for i in range(1, 4)]
    t = [sym(f"t{i}") for i in range(1, 4)]
    outputs = nn.softmax(z) if kind == "softmax" else nn.log_softmax(z)
    loss = nn.cross_entropy(outputs, t, kind=kind)
    graph = build_graph(loss, output="L")
    mine = gradients(graph, ["z1", "z2", "z3"])
    for seed in range(3):
        point = _random_values(z + t, seed)
        at = evaluate_at(graph, {s.name: v for s, v in point.items()}).exact
        for zi in z:
            direct = evaluate(sympy.diff(loss, zi), point)
            assert abs(evaluate(mine[zi.name], point) - direct) < 1e-25
            assert abs(at.gradients[zi.name] - direct) < 1e-25
            assert abs(at.finite_differences[zi.name] - direct) < 1e-20
        # the textbook result: dL/dz_i = y_i * sum(t) - t_i
        values = [evaluate(sympy.exp(zi) / sum(sympy.exp(zj) for zj in z), point) for zi in z]
        total_t = sum(point[ti] for ti in t)
        for zi, y, ti in zip(z, values, t):
            assert abs(at.gradients[zi.name] - (y * total_t - point[ti])) < 1e-12


def test_softmax_sum_is_one_shared_node():
    z = [sym(f"z{i}") for i in range(1, 5)]
    graph = build_graph(nn.cross_entropy(nn.softmax(z), [sym(f"t{i}") for i in range(1, 5)]))
    sums = [n for n in graph if graph.nodes[n]["op"] == "add"
            and all(graph.nodes[o]["op"] == "exp" for o in graph.nodes[n]["operands"])]
    assert len(sums) == 1 and graph.out_degree(sums[0]) == 4


def test_mse_and_binary_cross_entropy_against_sympy():
    y = [sym("y1"), sym("y2")]
    point = {y[0]: mpmath.mpf("0.3"), y[1]: mpmath.mpf("0.8")}
    assert evaluate(nn.mse(y, [1, 0]), point) == pytest.approx(((0.3 - 1) ** 2 + 0.8**2) / 2)
    bce = nn.cross_entropy(y, [1, 0], kind="sigmoid")
    assert evaluate(bce, point) == pytest.approx(-math.log(0.3) - math.log(0.2))
    for yi in y:
        mine = gradients(build_graph(bce), [yi.name])[yi.name]
        assert evaluate(mine, point) == pytest.approx(float(evaluate(sympy.diff(bce, yi), point)))


# --- gradients from one backward pass -----------------------------------------------


@pytest.mark.parametrize("options", [
    {"sizes": [3, 2, 3], "hidden": "sigmoid", "output": "softmax", "loss": "cross_entropy"},
    {"sizes": [2, 3, 2], "hidden": "tanh", "output": "sigmoid", "loss": "mse", "bias": True},
    {"sizes": [3, 2, 2], "hidden": "softplus", "output": "log_softmax", "loss": "cross_entropy",
     "target": 1},
])
def test_one_backward_pass_equals_sympy_diff_per_weight(options):
    net = nn.mlp(**options)
    mine = gradients(net.graph)
    symbols = {net.graph.nodes[n]["symbol"] for n in net.graph.graph["inputs"]}
    tape = net.tape
    for seed in range(2):
        point = _random_values(symbols, seed)
        loss, taped = tape.gradient({s.name: float(v) for s, v in point.items()})
        at = evaluate_at(net.graph, {s.name: v for s, v in point.items()}).exact
        for name in net.parameter_names:
            variable = net.graph.nodes[name]["symbol"]
            direct = evaluate(sympy.diff(net.loss, variable), point)
            assert abs(evaluate(mine[name], point) - direct) < 1e-25 * max(1, abs(direct))
            assert abs(at.gradients[name] - direct) < 1e-25 * max(1, abs(direct))
            assert taped[name] == pytest.approx(float(direct), rel=1e-9, abs=1e-12)


def test_gradients_refuses_unknown_names():
    with pytest.raises(VariableError):
        gradients(nn.mlp([2, 1]).graph, ["v9_1_1"])


def test_tape_matches_evaluate_at_and_mpmath_backend():
    net = nn.mlp([4, 3, 3, 4], target=2)
    point = nn.random_point(net, seed=0)
    at = evaluate_at(net.graph, point).exact
    loss, grads = net.tape.gradient(point)
    assert loss == pytest.approx(float(at.values["L"]), rel=1e-12)
    with mpmath.workdps(40):
        mp_loss, mp_grads = compile_tape(net.graph, backend="mpmath").gradient(point)
    for name in net.weight_names:
        assert grads[name] == pytest.approx(float(at.gradients[name]), rel=1e-9, abs=1e-12)
        assert abs(mp_grads[name] - at.gradients[name]) < 1e-30


def test_operation_counts_forward_and_backward():
    counts = nn.operation_counts(nn.mlp([4, 3, 3, 4]).graph)
    assert 0 < counts.forward < counts.backward < 4 * counts.forward


# --- path counts: the product formula -------------------------------------------------


@pytest.mark.parametrize("sizes", [[4, 3, 3, 4], [2, 5, 4, 3, 2], [3, 2, 6, 2]])
def test_path_counts_equal_the_product_formula(sizes):
    """Softmax + cross-entropy with target symbols: z_m reaches L by n+1 routes each.

    L = -Σ_i t_i log(e_i / S): from z_m through e_m to y_m directly (1) and through the
    shared sum S to every y_i (n): n + 1 routes, n(n + 1) from the whole output layer.
    """
    net = nn.mlp(sizes)
    n = sizes[-1]
    last = len(sizes) - 2
    for layer in range(last + 1):
        weight = nn.weight_name(layer, 1, 1)
        later_hidden = sizes[layer + 2:-1]
        expected = math.prod(later_hidden) * (n + 1) * (1 if layer == last else n)
        assert count_paths(net.graph, weight) == expected
        assert nn.path_formula(net, weight).total == expected


def test_path_counts_one_hot_target():
    """L = -log(e_k / S): z_k has 2 routes, every other z_m one; n + 1 in all."""
    net = nn.mlp([4, 3, 3, 4], target=2)
    assert count_paths(net.graph, "v0_1_1") == 3 * 5
    assert count_paths(net.graph, "v1_2_3") == 5
    assert count_paths(net.graph, "v2_2_1") == 2 and count_paths(net.graph, "v2_1_1") == 1
    sentence = nn.path_formula(net, "v0_1_1").sentence()
    assert "3 · 5 = 15" in sentence and "widths" in sentence


def test_explain_a_first_layer_weight():
    net = nn.mlp([4, 3, 3, 4], target=2)
    e = net.explain("v0_1_1", max_paths=2)
    assert e.output == "L" and e.path_count == 15
    assert e.check.status in ("symbolic", "numeric")
    assert r"v^{(0)}_{11}" in e.to_latex()


# --- numbers and a training step ----------------------------------------------------------


def test_numbers_check_and_one_step_lowers_the_loss():
    net = nn.mlp([4, 3, 3, 4], target=2)
    numbers = nn.numbers(net, nn.random_point(net, seed=0), learning_rate=0.1)
    assert numbers.max_relative_error < 1e-20
    assert set(numbers.gradients) == set(net.weight_names)
    assert numbers.loss_after < numbers.loss
    step = nn.train_step(net.tape, nn.random_point(net, seed=0), net.parameter_names, 0.1)
    assert step.loss == pytest.approx(float(numbers.loss))
    assert step.loss_after == pytest.approx(float(numbers.loss_after))


def test_random_point_is_seeded():
    net = nn.mlp([3, 2, 2])
    assert nn.random_point(net, seed=5) == nn.random_point(net, seed=5)
    assert nn.random_point(net, seed=5) != nn.random_point(net, seed=6)


def _load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_xor_example_loss_decreases():
    xor = _load_example("xor_training")
    _, _, losses = xor.train(epochs=300, learning_rate=2.0, seed=1)
    assert losses[-1] < losses[0]
    assert all(b <= a + 1e-9 for a, b in zip(losses[::50], losses[50::50]))


# --- the command ---------------------------------------------------------------------


def test_cli_mlp_wrt_weight(capsys):
    code = main(["mlp", "--sizes", "4,3,3,4", "--hidden", "relu", "--output", "softmax",
                 "--loss", "cross_entropy", "--target", "2", "--wrt", "v0_1_1", "--format", "text",
                 "--max-paths", "1", "--no-check"])
    out = capsys.readouterr().out
    assert code == 0
    assert "h⁽¹⁾ = f₀(V₀·x)" in out and "3 · 5 = 15" in out
    assert "Derivative of L with respect to v⁽⁰⁾₁₁" in out


def test_cli_mlp_all_with_numbers_json(capsys):
    import json

    code = main(["mlp", "--sizes", "3,2,2", "--wrt", "all", "--seed", "2", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data["gradients"]) == set(data["weights"])
    assert data["numbers"]["max_relative_error"] < 1e-20
    assert data["operations"]["backward"] > data["operations"]["forward"]


def test_cli_mlp_latex_and_errors(capsys):
    assert main(["mlp", "--sizes", "2,2,1", "--hidden", "sigmoid", "--output", "sigmoid",
                 "--loss", "mse", "--wrt", "v1_1_1", "--train-step", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert r"h^{(1)} &= f_{0}\left(V_{0} x\right)" in out and r"\frac{\partial L}{\partial v^{(1)}_{11}}" in out
    for argv, message in ((["--wrt", "v7_1_1"], "not a weight"),
                          (["--output", "tanh"], "cross_entropy needs probabilities"),
                          (["--at", "zz=1"], "'zz' is not a variable"),
                          (["--at", "x1=1e999"], "out of range")):
        assert main(["mlp", "--sizes", "3,2", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("symgrad: error:") and message in err and "Traceback" not in err


def test_the_nn_package_keeps_every_public_name():
    names = ["mlp", "Network", "softmax", "log_softmax", "cross_entropy", "mse", "activate",
             "HIDDEN", "OUTPUTS", "LOSSES", "weight_name", "parse_weight_name", "PathFormula",
             "path_formula", "OperationCounts", "operation_counts", "random_point", "complete_point",
             "Numbers", "numbers", "TrainStep", "train_step", "MAX_NEURONS", "MAX_WEIGHTS"]
    assert sorted(nn.__all__) == sorted(names)
    assert all(callable(getattr(nn, name)) or isinstance(getattr(nn, name), (int, tuple)) for name in names)
    from symgrad.nn import analysis, builder, losses, training

    assert nn.mlp is builder.mlp and nn.mse is losses.mse
    assert nn.path_formula is analysis.path_formula and nn.numbers is training.numbers


def test_cli_mlp_builds_the_network_once(monkeypatch, tmp_path, capsys):
    from symgrad.nn import cli as mlp_cli

    built = []
    real_mlp = mlp_cli.mlp
    monkeypatch.setattr(mlp_cli, "mlp", lambda *a, **k: built.append(1) or real_mlp(*a, **k))
    assert main(["mlp", "--sizes", "2,1", "--wrt", "v0_1_1", "--no-check", "-f", "json",
                 "--figure", str(tmp_path / "net.svg")]) == 0
    assert built == [1] and (tmp_path / "net.svg").stat().st_size > 0
    capsys.readouterr()


def test_complete_point_reads_text_values_safely():
    net = nn.mlp([2, 1], hidden="identity", output="identity", loss="mse")
    point = nn.complete_point(net, {"x1": "0.5", "v0_1_1": 2})
    assert point["x1"] == mpmath.mpf("0.5") and point["v0_1_1"] == 2
    with pytest.raises(PointError):
        nn.complete_point(net, {"x1": "1e999"})
    with pytest.raises(PointError):
        nn.complete_point(net, {"x1": [1]})
