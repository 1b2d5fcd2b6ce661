"""Tests of symgrad.graph.build_graph: names, definitions, edges, sharing, options."""

from collections import defaultdict

import pytest
import sympy

from symgrad import GraphError, OptionError, build_graph, input_nodes, operation_nodes, parse
from symgrad.graph import node_symbol
from symgrad.vocabulary import relu, sigmoid, softplus


def sym(name):
    return sympy.Symbol(name, real=True)


x, y = sym("x"), sym("y")


def definitions(graph):
    return [(n, str(graph.nodes[n]["definition"])) for n in operation_nodes(graph)]


def test_sigmoid_neuron_nodes_and_definitions():
    g = build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)"))
    assert operation_nodes(g) == ["u1", "u2", "u3", "f"]
    assert input_nodes(g) == ["w1", "x1", "w2", "x2", "b"]
    assert g.graph["order"] == ["w1", "x1", "u1", "w2", "x2", "u2", "b", "u3", "f"]
    u1, u2, u3 = sym("u1"), sym("u2"), sym("u3")
    w1, x1, w2, x2, b = (sym(n) for n in ["w1", "x1", "w2", "x2", "b"])
    assert g.nodes["u1"]["definition"] == sympy.Mul(w1, x1, evaluate=False)
    assert g.nodes["u2"]["definition"] == sympy.Mul(w2, x2, evaluate=False)
    assert g.nodes["u3"]["definition"].args == (u1, u2, b)
    assert g.nodes["f"]["definition"] == sigmoid(u3)
    assert g.nodes["u3"]["operands"] == ("u1", "u2", "b")
    assert [g.nodes[n]["op"] for n in operation_nodes(g)] == ["mul", "mul", "add", "sigmoid"]
    assert g.graph["output"] == "f"
    assert g.graph["prefix"] == "u"
    assert g.graph["share"] is True
    assert node_symbol(g, "u3") == u3
    assert g.nodes["u3"]["expression"] == parse("w1*x1 + w2*x2 + b")


def test_sigmoid_neuron_edges_and_rules():
    g = build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)"))
    edges = {(s, t, k): (str(d["local_derivative"]), d["rule"]) for s, t, k, d in g.edges(keys=True, data=True)}
    assert edges == {
        ("w1", "u1", 0): ("x1", "product"),
        ("x1", "u1", 1): ("w1", "product"),
        ("w2", "u2", 0): ("x2", "product"),
        ("x2", "u2", 1): ("w2", "product"),
        ("u1", "u3", 0): ("1", "sum"),
        ("u2", "u3", 1): ("1", "sum"),
        ("b", "u3", 2): ("1", "sum"),
        ("u3", "f", 0): ("(1 - sigmoid(u3))*sigmoid(u3)", "sigmoid"),
    }
    assert g.number_of_nodes() == 9
    assert g.number_of_edges() == 8


def test_kinds():
    g = build_graph(parse("2*x + 3"))
    kinds = {n: g.nodes[n]["kind"] for n in g.nodes}
    assert kinds == {"2": "constant", "x": "input", "u1": "operation", "3": "constant", "f": "operation"}


def test_x_times_x_has_parallel_edges():
    g = build_graph(parse("x*x"))
    assert sorted(g.nodes) == ["f", "x"]
    assert g.number_of_edges("x", "f") == 2
    assert sorted(k for _, _, k in g.edges(keys=True)) == [0, 1]
    assert g.nodes["f"]["operands"] == ("x", "x")
    for key in (0, 1):
        assert g.edges["x", "f", key]["local_derivative"] == x
        assert g.edges["x", "f", key]["rule"] == "product"


def test_x_cubed_as_product_has_three_parallel_edges():
    g = build_graph(parse("x*x*x"))
    assert g.number_of_edges("x", "f") == 3
    for key in range(3):
        assert g.edges["x", "f", key]["local_derivative"] == x**2


def test_shared_subexpression_is_one_node():
    g = build_graph(parse("sin(x)*sin(x)"))
    assert operation_nodes(g) == ["u1", "f"]
    assert g.nodes["u1"]["op"] == "sin"
    assert g.number_of_edges("u1", "f") == 2
    assert g.number_of_edges("x", "u1") == 1
    assert g.nodes["f"]["operands"] == ("u1", "u1")
    assert str(g.nodes["f"]["definition"]) == "u1*u1"


def test_share_false_gives_the_tree():
    g = build_graph(parse("sin(x)*sin(x)"), share=False)
    assert operation_nodes(g) == ["u1", "u2", "f"]
    assert g.nodes["u1"]["definition"] == sympy.sin(x)
    assert g.nodes["u2"]["definition"] == sympy.sin(x)
    assert g.number_of_edges("u1", "f") == 1
    assert g.number_of_edges("u2", "f") == 1
    assert g.number_of_edges("x", "u1") == 1
    assert g.number_of_edges("x", "u2") == 1
    assert g.nodes["f"]["operands"] == ("u1", "u2")
    assert g.graph["share"] is False
    # inputs stay single nodes even in the tree
    assert [n for n in g.nodes if g.nodes[n]["kind"] == "input"] == ["x"]


def test_share_merges_deep_repeats():
    text = "exp(sin(x*y)) + exp(sin(x*y)) * sin(x*y)"
    shared = build_graph(parse(text))
    tree = build_graph(parse(text), share=False)
    assert definitions(shared) == [("u1", "x*y"), ("u2", "sin(u1)"), ("u3", "exp(u2)"),
                                   ("u4", "u2*u3"), ("f", "u3 + u4")]
    assert len(operation_nodes(tree)) == 10


def test_constants_are_nodes():
    g = build_graph(parse("3*x + 3*y + 0.5"))
    assert g.nodes["3"]["kind"] == "constant"
    assert g.nodes["3"]["symbol"] == sympy.Integer(3)
    assert g.nodes["0.5"]["kind"] == "constant"
    assert g.number_of_edges("3", "u1") == 1
    assert g.number_of_edges("3", "u2") == 1
    assert input_nodes(g) == ["x", "y"]


def test_integer_and_float_constants_are_different_nodes():
    g = build_graph(parse("2*x + 2.0*x"))
    assert g.nodes["2"]["symbol"] == sympy.Integer(2)
    assert [n for n in g.nodes if g.nodes[n]["kind"] == "constant"] == ["2", "2.0"]


def test_identity_output_for_a_variable():
    g = build_graph(parse("x"))
    assert operation_nodes(g) == ["f"]
    assert g.nodes["f"]["op"] == "identity"
    assert g.nodes["f"]["definition"] == x
    assert g.edges["x", "f", 0]["local_derivative"] == 1
    assert g.edges["x", "f", 0]["rule"] == "identity"


def test_identity_output_for_a_constant():
    g = build_graph(parse("7"))
    assert g.nodes["7"]["kind"] == "constant"
    assert g.nodes["f"]["op"] == "identity"
    assert input_nodes(g) == []


def test_subtraction_and_division_rules():
    g = build_graph(parse("x - y/2"))
    assert definitions(g) == [("u1", "y/2"), ("f", "-u1 + x")]
    assert g.nodes["f"]["params"] == (1, -1)
    assert g.nodes["u1"]["params"] == (1, -1)
    assert g.edges["u1", "f", 1]["rule"] == "difference"
    assert g.edges["u1", "f", 1]["local_derivative"] == -1
    assert g.edges["x", "f", 0]["rule"] == "sum"
    assert g.edges["y", "u1", 0]["rule"] == "quotient"
    assert g.edges["y", "u1", 0]["local_derivative"] == sympy.Rational(1, 2)


def test_negation_node():
    g = build_graph(parse("-sin(x)"))
    assert g.nodes["f"]["op"] == "neg"
    assert g.edges["u1", "f", 0]["local_derivative"] == -1
    assert g.edges["u1", "f", 0]["rule"] == "negation"


def test_rule_names():
    text = "exp(x) + log(x) + sin(x) + cos(x) + tan(x) + tanh(x) + sigmoid(x) + relu(x) + softplus(x) + abs(x) + sqrt(x) + x^3 + x^y + f(x)"
    g = build_graph(parse(text))
    rules = {g.nodes[t]["op"]: d["rule"] for s, t, d in g.edges(data=True) if s == "x"}
    assert rules == {
        "exp": "exponential", "log": "logarithm", "sin": "sine", "cos": "cosine", "tan": "tangent",
        "tanh": "tanh", "sigmoid": "sigmoid", "relu": "ReLU", "softplus": "softplus",
        "abs": "absolute value", "sqrt": "square root", "pow": "power", "power": "power",
        "function": "abstract function",
    }
    assert g.edges["y", "u13", 1]["rule"] == "exponential"
    assert g.nodes["u13"]["op"] == "power"


def test_default_prefix_switches_when_input_is_named_u1():
    g = build_graph(parse("u1*x + sin(x)"))
    assert g.graph["prefix"] == "z"
    assert operation_nodes(g) == ["z1", "z2", "f"]
    assert g.nodes["u1"]["kind"] == "input"


def test_default_prefix_skips_every_colliding_stem():
    g = build_graph(parse("u1 + z2 + h3 + sin(x)"))
    assert g.graph["prefix"] == "t"
    assert operation_nodes(g) == ["t1", "f"]


def test_every_default_prefix_taken():
    with pytest.raises(OptionError):
        build_graph(parse("u1 + z1 + h1 + t1 + q1 + g1"))


def test_prefix_not_followed_by_digits_does_not_collide():
    g = build_graph(parse("u*x + sin(ux)"))
    assert g.graph["prefix"] == "u"


def test_explicit_prefix_and_output():
    g = build_graph(parse("sin(x*y)"), prefix="h", output="L")
    assert operation_nodes(g) == ["h1", "L"]
    assert g.graph["output"] == "L"
    assert str(g.nodes["L"]["definition"]) == "sin(h1)"


def test_explicit_colliding_prefix_raises():
    with pytest.raises(OptionError) as info:
        build_graph(parse("u1*x"), prefix="u")
    assert "collides" in str(info.value)


@pytest.mark.parametrize("prefix", ["", "u1", "u_", "ü", "abcdefghi", "1"])
def test_invalid_prefix_raises(prefix):
    with pytest.raises(OptionError):
        build_graph(parse("x*y"), prefix=prefix)


def test_output_name_collision():
    with pytest.raises(OptionError):
        build_graph(parse("f*x"), output="f")
    with pytest.raises(OptionError):
        build_graph(parse("sin(x)"), output="u3")
    with pytest.raises(OptionError):
        build_graph(parse("x"), output="1x")


def test_default_output_switches_when_f_is_taken():
    assert build_graph(parse("f*x")).graph["output"] == "y"
    assert build_graph(parse("f*y")).graph["output"] == "F"
    assert build_graph(parse("f*y*F")).graph["output"] == "out"
    assert build_graph(parse("f(x)")).graph["output"] == "y"


def test_graph_error_for_non_expressions():
    with pytest.raises(GraphError):
        build_graph("x*y")
    with pytest.raises(GraphError):
        build_graph(sympy.Eq(x, y))


def test_max_nodes():
    with pytest.raises(GraphError):
        build_graph(parse("sin(x) + cos(y) + exp(x*y)"), max_nodes=4)
    assert build_graph(parse("sin(x)"), max_nodes=2).number_of_nodes() == 2
    with pytest.raises(GraphError):
        build_graph(parse("sin(x)"), max_nodes=1)


def test_evaluated_sympy_expression_is_accepted():
    g = build_graph(sympy.sin(x) ** 2 + sympy.exp(x))
    assert sorted(g.nodes[n]["op"] for n in operation_nodes(g)) == ["add", "exp", "pow", "sin"]


def test_pow_of_e_is_exp():
    g = build_graph(sympy.Pow(sympy.E, x * y, evaluate=False))
    assert g.nodes["f"]["op"] == "exp"
    assert g.edges["u1", "f", 0]["local_derivative"] == sympy.exp(sym("u1"))


def test_other_sympy_function_falls_back_to_diff():
    g = build_graph(sympy.erf(x * y))
    assert g.nodes["f"]["op"] == "other"
    assert g.edges["u1", "f", 0]["local_derivative"] == 2 * sympy.exp(-sym("u1") ** 2) / sympy.sqrt(sympy.pi)
    assert g.edges["u1", "f", 0]["rule"] == "derivative of erf"


# --- every local derivative is the derivative of its node's definition -------------------

VOCABULARY_TEXT = [
    "x + y", "x - y", "x*y", "x/y", "x*y/(x + 2)", "-x", "x^3", "x^-2", "x^0.5", "sqrt(x)",
    "x^y", "2^x", "exp(x)", "log(x)", "log(x, y)", "sin(x)", "cos(x)", "tan(x)", "tanh(x)",
    "sigmoid(x)", "relu(x)", "softplus(x)", "abs(x)", "f(x)", "g(x, y)", "h(x*y, x)", "x*x",
    "x + x - x", "x/x", "sin(x)*sin(x)", "x", "sigmoid(w1*x1 + w2*x2 + b)",
]


@pytest.mark.parametrize("text", VOCABULARY_TEXT)
@pytest.mark.parametrize("share", [True, False])
def test_local_derivatives_are_diff_of_definition(text, share):
    g = build_graph(parse(text), share=share)
    for node in operation_nodes(g):
        definition = g.nodes[node]["definition"]
        by_source = defaultdict(list)
        for source, _, key, data in g.in_edges(node, keys=True, data=True):
            by_source[source].append(data["local_derivative"])
        assert sorted(k for _, _, k in g.in_edges(node, keys=True)) == list(range(len(g.nodes[node]["operands"])))
        for source, locals_ in by_source.items():
            if g.nodes[source]["kind"] == "constant":
                continue
            symbol = g.nodes[source]["symbol"]
            expected = sympy.diff(definition, symbol)
            total = sympy.Add(*locals_)
            assert sympy.simplify((total - expected).doit()) == 0, (node, source, total, expected)


def test_every_vocabulary_op_was_covered():
    ops = set()
    for text in VOCABULARY_TEXT:
        g = build_graph(parse(text))
        ops |= {g.nodes[n]["op"] for n in operation_nodes(g)}
    assert ops >= {"add", "mul", "neg", "pow", "sqrt", "power", "exp", "log", "sin", "cos", "tan",
                   "tanh", "sigmoid", "relu", "softplus", "abs", "function", "identity"}


@pytest.mark.parametrize("function, op", [(sympy.exp, "exp"), (sympy.log, "log"), (sympy.sin, "sin"),
                                          (sympy.cos, "cos"), (sympy.tan, "tan"), (sympy.tanh, "tanh"),
                                          (sigmoid, "sigmoid"), (relu, "relu"), (softplus, "softplus"),
                                          (sympy.Abs, "abs")])
def test_unary_local_derivative_matches_sympy(function, op):
    g = build_graph(function(x * y, evaluate=False))
    assert g.nodes["f"]["op"] == op
    u1 = sym("u1")
    local = g.edges["u1", "f", 0]["local_derivative"]
    assert sympy.simplify(local - sympy.diff(function(u1), u1)) == 0


def test_every_function_the_graph_decomposes_has_a_local_derivative_rule():
    from symgrad.graph import _FUNCTION_OPS
    from symgrad.rules import UNARY_RULES

    assert set(_FUNCTION_OPS.values()) <= set(UNARY_RULES)
