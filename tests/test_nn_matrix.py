"""The backward pass in matrix form equals the scalar graph's gradients; neurons carry the lecture's names."""

import random

import pytest

from symgrad import explain
from symgrad.nn import HIDDEN, mlp, random_point
from symgrad.nn.matrix import matrix_backward, output_rule
from symgrad.render.printers import name_to_latex, name_to_unicode

SHAPES = [(2, 2, 1), (3, 4, 2), (4, 3, 3, 3, 4)]
OUTPUTS_AND_LOSSES = [("softmax", "cross_entropy"), ("log_softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
                      ("sigmoid", "mse"), ("softmax", "mse"), ("tanh", "mse"), ("identity", "mse")]


@pytest.mark.parametrize("sizes", SHAPES)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output, loss", OUTPUTS_AND_LOSSES)
def test_matrix_form_equals_the_scalar_gradients(sizes, hidden, output, loss):
    net = mlp(sizes, hidden=hidden, output=output, loss=loss)
    for seed in (11, 12):
        result = matrix_backward(net, random_point(net, seed))
        # every δ (z node's adjoint) and every weight entry was compared, and all agree
        layers = len(sizes) - 1
        assert len(result.gaps) == sum(sizes[1:]) + sum(a * b for a, b in zip(sizes, sizes[1:]))
        assert result.max_gap < 1e-9 * max(1.0, max(abs(g) for row in result.weight_gradients[0] for g in row))
        assert sorted(result.deltas) == list(range(1, layers + 1))


def test_matrix_form_against_the_tape_gradient_directly():
    net = mlp((4, 3, 3, 3, 4), hidden="relu", output="softmax", loss="cross_entropy", target=2)
    point = random_point(net, 5)
    _, gradient = net.tape.gradient(point)
    result = matrix_backward(net, point)
    for layer, matrix in enumerate(net.weights):
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                assert result.weight_gradients[layer][i][j] == pytest.approx(float(gradient[v.name]), abs=1e-12)


def test_output_delta_is_prediction_minus_target_for_softmax_cross_entropy():
    net = mlp((3, 4, 2), hidden="tanh", output="softmax", loss="cross_entropy")
    point = random_point(net, 7)
    values = net.tape.values(point)
    result = matrix_backward(net, point)
    assert result.output_rule == "difference"
    for i, delta in enumerate(result.deltas[2], start=1):
        assert delta == pytest.approx(float(values[f"yhat_{i}"]) - point[f"t{i}"], abs=1e-12)


def test_output_rule_is_general_when_targets_do_not_sum_to_one():
    net = mlp((2, 2), output="softmax", loss="cross_entropy", target=[0.5, 0.25])
    point = random_point(net, 1)
    assert output_rule(net, [0.5, 0.25]) == "general"
    result = matrix_backward(net, point)
    assert result.output_rule == "general" and result.max_gap < 1e-12


def test_relu_kink_points_are_rare_enough_to_pick_random_points():
    net = mlp((2, 3, 1), hidden="relu", output="sigmoid", loss="mse")
    rng = random.Random(0)
    point = {**random_point(net, 0), **{x.name: rng.uniform(0.1, 1) for x in net.inputs}}
    assert matrix_backward(net, point).max_gap < 1e-12


def test_neurons_are_nodes_named_as_in_the_lecture():
    net = mlp((4, 3, 3, 3, 4), hidden="relu", output="softmax", loss="cross_entropy")
    nodes = set(net.graph)
    assert {"z1_1", "h1_1", "z3_3", "h3_3", "z4_4", "yhat_1", "yhat_4"} <= nodes
    assert not {"h4_1", "z5_1"} & nodes
    path = net.explain("v0_1_1", max_paths=1, check=False).listed_paths[0]
    assert [n for n in path.nodes if not n.startswith("u")] == [
        "L", "yhat_1", "z4_1", "h3_1", "z3_1", "h2_1", "z2_1", "h1_1", "z1_1", "v0_1_1"]


def test_neuron_and_output_names_print_in_the_lecture_notation():
    assert name_to_latex("z2_1") == "z^{(2)}_{1}" and name_to_unicode("h3_2") == "h⁽³⁾₂"
    assert name_to_latex("yhat_3") == r"\hat{y}_{3}" and name_to_unicode("yhat") == "ŷ"
    latex = explain("sigmoid(w*x)", "w", output="yhat").to_latex()
    assert r"\frac{\partial \hat{y}}{\partial w}" in latex
