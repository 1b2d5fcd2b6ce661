"""The DAG walkers and the shortcuts that keep large explanations fast give what the slow way gives."""

import pytest
import sympy

from symgrad import build_graph, explain, parse
from symgrad.chain import ChainPath, chain_paths
from symgrad.exprtools import postorder, substitute, tree_size, tree_size_exceeds
from symgrad.render.blocks import build_blocks
from symgrad.render.printers import LatexPrinter
from symgrad.rules import UNARY_RULES, local_derivatives

x, y = sympy.symbols("x y")
f = sympy.Function("f")


def nested(n: int) -> sympy.Expr:
    """f(k+1) = sin(fk)*cos(fk) + fk**2, shared: a tree of about 3**n operations."""
    level = sympy.Symbol("x", real=True)
    for _ in range(n):
        level = sympy.Add(sympy.Mul(sympy.sin(level, evaluate=False), sympy.cos(level, evaluate=False),
                                    evaluate=False), sympy.Pow(level, 2, evaluate=False), evaluate=False)
    return level


EXPRESSIONS = [
    x, sympy.Integer(5), sympy.sin(x * y) + x**2, f(x, x, y).diff(x), sympy.Subs(f(x).diff(x), x, y**2),
    sympy.Add(*[sympy.Mul(x, sympy.Integer(i), evaluate=False) for i in range(2, 300)], evaluate=False),
    sympy.Tuple(*range(100)),  # operands that count nothing: the walk falls back to measuring it whole
    nested(3), nested(9),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_tree_size_exceeds_agrees_with_tree_size_at_every_limit(expr):
    size = tree_size(expr)
    for limit in sorted({0, 1, 2, 5, 50, 400, 3000, max(size - 1, 0), size, size + 1}):
        assert tree_size_exceeds(expr, limit) == (size > limit), (limit, size)


def test_tree_size_exceeds_stops_early_on_a_huge_shared_expression():
    assert tree_size_exceeds(nested(2000), 3000)  # 3**2000 operations: only the first few levels are walked


def test_tree_size_with_a_cache_counts_as_without():
    cache: dict[int, int] = {}
    parts = [nested(k) for k in (2, 5, 8)]
    for part in parts:
        assert tree_size(part, cache) == tree_size(part)
    assert tree_size(parts[-1], cache) == tree_size(parts[-1])  # answered from the cache


def test_postorder_yields_each_distinct_subexpression_once_children_first():
    expr = nested(6)
    seen = list(postorder(expr))
    assert len(seen) == len({id(e) for e in seen}) == 2 + 5 * 6  # x, the exponent 2, five per level
    position = {id(e): i for i, e in enumerate(seen)}
    assert all(position[id(a)] < position[id(e)] for e in seen for a in e.args)
    assert seen[-1] is expr


def test_postorder_skips_what_is_known_and_below_it():
    inner = sympy.sin(x * y)
    outer = inner + x
    known = {id(inner)}
    assert [str(e) for e in postorder(outer, known)] == ["x", "x + sin(x*y)"]


@pytest.mark.parametrize("assumptions", [{}, {"real": True}, {"positive": True}, {"negative": True},
                                         {"integer": True}, {"zero": True}])
def test_one_operand_rules_at_a_symbol_are_the_evaluated_rule(assumptions):
    u = sympy.Symbol("u7", **assumptions)
    for op, (derivative, _) in UNARY_RULES.items():
        local = local_derivatives(op, None, [u])[0][0]
        assert sympy.srepr(local) == sympy.srepr(derivative(u)), op


def test_the_derivative_of_an_abstract_function_at_a_repeated_operand_is_the_substituted_one():
    function = sympy.Function("g")
    operands = [x, x, y]
    for position, (local, _) in enumerate(local_derivatives("function", function, operands)):
        if position == 2:  # y occurs once: a plain derivative
            assert local == sympy.Derivative(function(x, x, y), y)
            continue
        xi = local.args[1][0]  # Subs(Derivative(g(..., xi, ...), xi), (xi,), (x,))
        derivative = sympy.Derivative(function(*operands[:position], xi, *operands[position + 1:]), xi)
        assert sympy.srepr(local) == sympy.srepr(substitute(derivative, {xi: x}))


def test_paths_of_one_listing_share_their_factors_and_give_the_products_of_lone_paths():
    g = build_graph(parse("sin(x*y)*cos(x*y) + (x*y)^2"))
    paths = list(chain_paths(g, "x"))
    assert len(paths) == 3
    for path in paths:
        alone = ChainPath(path.edges, g)  # its own store
        assert sympy.srepr(path.product_in_inputs) == sympy.srepr(alone.product_in_inputs)
    shared = [path.in_inputs.local(edge) for path in paths for edge in path.edges if edge == paths[0].edges[-1]]
    assert all(local is shared[0] for local in shared)  # made once


def test_the_sum_of_the_path_products_is_the_derivative():
    e = explain("sin(x*y)*cos(x*y) + (x*y)^2", "x")
    total = sympy.Add(*(p.product_in_inputs for p in e.listed_paths))
    assert len(e.listed_paths) == e.path_count == 3
    assert sympy.simplify(total - sympy.diff(e.expression, e.variable)) == 0


def test_the_printer_keeps_its_measures_only_while_it_writes_a_document():
    e = explain("x*sin(x)", "x")
    printer = LatexPrinter()
    first = printer.document(build_blocks(e))
    assert printer._measured is None
    assert printer.document(build_blocks(e)) == first
