"""A network (:mod:`symgrad.nn`) as blocks: forward pass, path formula, all gradients, numbers.

The blocks are printed by the same renderers as a derivation
(:func:`symgrad.render.latex.render_blocks` and its text and Markdown
siblings), so a network report and the derivation of one weight read alike.
"""

from __future__ import annotations

import mpmath
import sympy

from ..chain import adjoint_steps
from ..exprtools import tree_size
from ..graph import input_nodes, is_operation
from ..i18n import N_, ngettext
from ..i18n import gettext as _
from ..render.blocks import (
    MAX_LISTED, Adjoint, Equation, Equations, Heading, Name, Partial, Product, Raw, Sum, Text, adjoint_equation,
    printable, sentence,
)
from ..render.data import expression_string
from ..render.printers import LATEX, UNICODE, name_to_latex, name_to_unicode, subscript, superscript
from .analysis import OperationCounts, PathFormula
from .builder import Network, parse_weight_name
from .losses import cross_entropy, mse
from .matrix import MatrixBackward, output_rule
from .training import Numbers

__all__ = [
    "network_blocks", "cost_blocks", "path_blocks", "all_gradient_blocks", "numbers_blocks",
    "network_dict", "MAX_MATRIX", "matrix_backward_blocks",
]

#: Matrices with more rows or columns than this are described, not written out.
MAX_MATRIX = 8
#: Gradients in the inputs are written out up to this many operations.
SMALL_GRADIENT = 60
#: Activation names for plain text (notes and sentences, also inside LaTeX text).
_PLAIN = {"relu": N_("ReLU"), "sigmoid": N_("sigmoid"), "tanh": N_("tanh"), "softplus": N_("softplus"),
          "softmax": N_("softmax"), "log_softmax": N_("log-softmax"), "identity": N_("identity")}
#: Loss names for users.
LOSS_NAMES = {"cross_entropy": N_("cross-entropy"), "mse": N_("mean squared error")}


def _number(value, digits: int = 8) -> Raw:
    text = mpmath.nstr(mpmath.mpf(value), digits)
    return Raw(text, text)


def _neuron(kind: str, layer: int, i: int | None = None) -> Raw:
    """h^{(l)}_i (kind "h"), z^{(l)}_i, or the whole vector without `i`."""
    if kind == "h" and layer == 0:
        return Raw("x" if i is None else f"x_{{{i}}}", "x" if i is None else f"x{subscript(str(i))}")
    latex = f"{kind}^{{({layer})}}" + ("" if i is None else f"_{{{i}}}")
    text = kind + superscript(f"({layer})") + ("" if i is None else subscript(str(i)))
    return Raw(latex, text)


#: ŷ, the network's output vector.
_YHAT = Raw(r"\hat{y}", "ŷ")


def _f(layer: int) -> tuple[str, str]:
    return f"f_{{{layer}}}", f"f{subscript(str(layer))}"


def _matrix(net: Network, layer: int) -> Equation:
    rows, columns = net.sizes[layer + 1], net.sizes[layer]
    lhs = Raw(f"V_{{{layer}}}", f"V{subscript(str(layer))}")
    if rows > MAX_MATRIX or columns > MAX_MATRIX:
        text = _("{rows}×{columns} matrix of {entries}").format(rows=rows, columns=columns, entries=f"v⁽{layer}⁾ᵢⱼ")
        latex = _("{rows} by {columns}: entries").format(rows=rows, columns=columns)
        return Equation(lhs, [Raw(rf"\text{{({latex} }} v^{{({layer})}}_{{ij}}\text{{)}}",
                                  f"({text})")])
    latex_rows = [" & ".join(name_to_latex(v.name) for v in row) for row in net.weights[layer]]
    text_rows = [" ".join(name_to_unicode(v.name) for v in row) for row in net.weights[layer]]
    return Equation(lhs, [Raw(r"\begin{pmatrix}" + r" \\ ".join(latex_rows) + r"\end{pmatrix}",
                              "[" + "; ".join(text_rows) + "]")])


def _matrix_form(net: Network) -> list[Equation]:
    """h^{(1)} = f_0(V_0 x), …, y = f_{n-1}(V_{n-1} h^{(n-1)}), and the nested form."""
    equations = []
    last = len(net.sizes) - 2
    nested_latex, nested_text = "x", "x"
    for layer in range(last + 1):
        previous = _neuron("h", layer)
        f_latex, f_text = _f(layer)
        v_latex, v_text = f"V_{{{layer}}}", f"V{subscript(str(layer))}"
        b_latex, b_text = (f" + b_{{{layer}}}", f" + b{subscript(str(layer))}") if net.bias else ("", "")
        rhs = Raw(rf"{f_latex}\left({v_latex} {previous.latex}{b_latex}\right)",
                  f"{f_text}({v_text}·{previous.unicode}{b_text})")
        lhs = _YHAT if layer == last else _neuron("h", layer + 1)
        name = net.activation_name(layer)
        equations.append(Equation(lhs, [rhs], f"f{layer} = {_(_PLAIN[name])}"))
        nested_latex = rf"{f_latex}\left({v_latex} {nested_latex}{b_latex}\right)"
        nested_text = f"{f_text}({v_text}·{nested_text}{b_text})"
    if last > 0:
        equations.append(Equation(_YHAT, [Raw(nested_latex, nested_text)], _("nested")))
    return equations


def _applied(name: str, argument: Raw) -> Raw:
    if name == "identity":
        return argument
    return Raw(LATEX.applied_function(name, argument.latex), UNICODE.applied_function(name, argument.unicode))


def _scalar_equations(net: Network) -> list[Equation]:
    """One equation per neuron: z = Σ v h (+ b), h = f(z); softmax; the loss."""
    nodes = {key: node for node, key in net.neuron_nodes().items()}
    equations = []
    last = len(net.sizes) - 1
    for layer in range(1, last + 1):
        for i in range(1, net.sizes[layer] + 1):
            terms_latex = [f"{name_to_latex(v.name)} {_neuron('h', layer - 1, j).latex}"
                           for j, v in enumerate(net.weights[layer - 1][i - 1], start=1)]
            terms_text = [f"{name_to_unicode(v.name)}·{_neuron('h', layer - 1, j).unicode}"
                          for j, v in enumerate(net.weights[layer - 1][i - 1], start=1)]
            if net.bias:
                bias = net.biases[layer - 1][i - 1].name
                terms_latex.append(name_to_latex(bias))
                terms_text.append(name_to_unicode(bias))
            z = _neuron("z", layer, i)
            equations.append(Equation(z, [Raw(" + ".join(terms_latex), " + ".join(terms_text))],
                                      _node_note(nodes.get(("z", layer, i)))))
        if layer < last or net.output not in ("softmax", "log_softmax"):
            name = net.activation_name(layer - 1)
            for i in range(1, net.sizes[layer] + 1):
                lhs = Name(f"yhat_{i}") if layer == last else _neuron("h", layer, i)
                equations.append(Equation(lhs, [_applied(name, _neuron("z", layer, i))],
                                          _node_note(nodes.get(("h", layer, i)))))
    equations += _softmax_equations(net, nodes)
    return equations


def _softmax_equations(net: Network, nodes) -> list[Equation]:
    if net.output not in ("softmax", "log_softmax"):
        return []
    last = len(net.sizes) - 1
    exps_latex = " + ".join(f"e^{{{_neuron('z', last, k).latex}}}" for k in range(1, net.sizes[-1] + 1))
    exps_text = " + ".join(f"exp({_neuron('z', last, k).unicode})" for k in range(1, net.sizes[-1] + 1))
    equations = [Equation(Raw("S", "S"), [Raw(exps_latex, exps_text)], _("one shared node"))]
    for i in range(1, net.sizes[-1] + 1):
        z = _neuron("z", last, i)
        if net.output == "softmax":
            rhs = Raw(rf"\frac{{e^{{{z.latex}}}}}{{S}}", f"exp({z.unicode})/S")
        else:
            rhs = Raw(rf"{z.latex} - \log S", f"{z.unicode} − log S")
        equations.append(Equation(Name(f"yhat_{i}"), [rhs],
                                  _node_note(nodes.get(("h", last, i)))))
    return equations


def _node_note(node: str | None) -> str:
    """Nodes carry the names the equations use (z2_1 is z^{(2)}_1): no note needed."""
    return ""


def _loss_equation(net: Network) -> Equation:
    outputs = [sympy.Symbol(f"yhat_{i}", real=True) for i in range(1, net.sizes[-1] + 1)]
    if net.loss_name == "mse":
        loss = mse(outputs, net.targets)
        note = _(LOSS_NAMES["mse"])
    else:
        loss = cross_entropy(outputs, net.targets, kind=net.output)
        note = (_("cross-entropy, one-hot class {k}").format(k=net.target_class) if net.target_class
                else _(LOSS_NAMES["cross_entropy"]))
    return Equation(Name("L"), [loss], note)


def network_blocks(net: Network) -> list:
    """The network: its forward pass in matrix form and as one equation per neuron."""
    sizes = "-".join(map(str, net.sizes))
    hidden, output = _(_PLAIN[net.hidden]), _(_PLAIN[net.output])
    loss = _(LOSS_NAMES.get(net.loss_name, LOSS_NAMES["mse"]))
    weights = len(net.weight_names)
    layers = (_("Layers of widths {widths}; hidden activation {hidden}, output activation {output}, "
                "loss: {loss}, with biases") if net.bias else
              _("Layers of widths {widths}; hidden activation {hidden}, output activation {output}, "
                "loss: {loss}")).format(widths=", ".join(map(str, net.sizes)), hidden=hidden, output=output, loss=loss)
    blocks: list = [
        Heading(_("Network {sizes}").format(sizes=sizes)),
        Text(layers + ngettext("; {n} weight.", "; {n} weights.", weights).format(n=weights) + " "
             + _("The forward pass, layer by layer (the matryoshka):")),
        Equations(_matrix_form(net) + [_loss_equation(net)]),
    ]
    matrices = [_matrix(net, layer) for layer in range(len(net.sizes) - 1)]
    blocks += [Text(_("The weight matrices (row i: neuron i of the next layer; column j: neuron j "
                      "of this layer):")), Equations(matrices)]
    scalar = _scalar_equations(net)
    blocks += [Heading(_("Forward pass, neuron by neuron")),
               Text(_("Each neuron is one node of the computation graph, shared by every neuron "
                      "of the next layer:")),
               Equations(scalar[:MAX_LISTED])]
    if len(scalar) > MAX_LISTED:
        more = len(scalar) - MAX_LISTED
        blocks.append(Text(ngettext("... and {count} more equation, not listed.",
                                    "... and {count} more equations, not listed.", more).format(count=more)))
    return blocks


def _vector(kind: str, layer: int) -> Raw:
    """z^{(l)}, h^{(l)} (x for l = 0) or δ^{(l)} as a whole vector."""
    if kind == "delta":
        return Raw(rf"\delta^{{({layer})}}", "δ" + superscript(f"({layer})"))
    return _neuron(kind, layer)


def _output_delta_equation(net: Network, rule: str) -> Equation:
    last = len(net.sizes) - 1
    delta = _vector("delta", last)
    if rule == "difference":
        note = (_("sigmoid with binary cross-entropy") if net.output == "sigmoid"
                else _("{output} with cross-entropy, targets summing to 1").format(output=_PLAIN[net.output]))
        return Equation(delta, [Raw(r"\hat{y} - t", "ŷ − t")], note)
    f_latex, f_text = _f(last - 1)
    z = _vector("z", last)
    if net.output not in ("softmax", "log_softmax"):
        return Equation(delta, [Raw(rf"\frac{{\partial L}}{{\partial \hat{{y}}}} \odot {f_latex}'\left({z.latex}\right)",
                                    f"∂L/∂ŷ ⊙ {f_text}′({z.unicode})")])
    return Equation(delta, [Raw(rf"J_{{{f_latex}}}\left({z.latex}\right)^{{\!\top}} \frac{{\partial L}}{{\partial \hat{{y}}}}",
                                f"J_{f_text}({z.unicode})ᵀ ∂L/∂ŷ")],
                    _("the general form: the Jacobian of the output activation"))


def _hidden_delta_equation(layer: int) -> Equation:
    v_latex, v_text = f"V_{{{layer}}}", f"V{subscript(str(layer))}"
    f_latex, f_text = _f(layer - 1)
    after, z = _vector("delta", layer + 1), _vector("z", layer)
    return Equation(_vector("delta", layer), [Raw(
        rf"\left({v_latex}^{{\top}} {after.latex}\right) \odot {f_latex}'\left({z.latex}\right)",
        f"({v_text}ᵀ {after.unicode}) ⊙ {f_text}′({z.unicode})")])


def _weight_gradient_equation(layer: int) -> Equation:
    v_latex, v_text = f"V_{{{layer}}}", f"V{subscript(str(layer))}"
    after, h = _vector("delta", layer + 1), _vector("h", layer)
    return Equation(Raw(rf"\frac{{\partial L}}{{\partial {v_latex}}}", f"∂L/∂{v_text}"),
                    [Raw(rf"{after.latex} \left({h.latex}\right)^{{\top}}", f"{after.unicode} ({h.unicode})ᵀ")])


def _entry_equation(net: Network, weight: str, values: MatrixBackward | None) -> Equation:
    layer, row, column = parse_weight_name(weight)
    delta = Raw(rf"\delta^{{({layer + 1})}}_{{{row}}}", "δ" + superscript(f"({layer + 1})") + subscript(str(row)))
    h = _neuron("h", layer, column)
    rhs = [Raw(rf"\left(\frac{{\partial L}}{{\partial V_{{{layer}}}}}\right)_{{{row}{column}}}",
               f"(∂L/∂V{subscript(str(layer))})" + subscript(f"{row}{column}")),
           Raw(rf"{delta.latex} \, {h.latex}", f"{delta.unicode}·{h.unicode}")]
    if values is not None:
        rhs.append(_number(values.weight_gradients[layer][row - 1][column - 1]))
    return Equation(Partial("L", weight), rhs)


def matrix_backward_blocks(net: Network, checks: list[MatrixBackward], weight: str | None = None,
                           at_point: MatrixBackward | None = None) -> list:
    """The backward pass in matrix form, from the outside in, and its check against the scalar graph.

    Parameters
    ----------
    net : Network
    checks : list of MatrixBackward
        The equations evaluated at random points (:func:`symgrad.nn.matrix.matrix_backward`).
    weight : str, optional
        A weight whose derivative is shown as one entry of ∂L/∂V_l.
    at_point : MatrixBackward, optional
        The equations at the report's own point: the entry gets its value.
    """
    last = len(net.sizes) - 1
    rule = output_rule(net, None) if at_point is None else at_point.output_rule
    definitions = Raw(r"z^{(l+1)} = V_{l} h^{(l)},\ h^{(l+1)} = f_{l}\left(z^{(l+1)}\right),\ h^{(0)} = x",
                      "z⁽ˡ⁺¹⁾ = V_l h⁽ˡ⁾, h⁽ˡ⁺¹⁾ = f_l(z⁽ˡ⁺¹⁾), h⁽⁰⁾ = x")
    delta = Raw(r"\delta^{(l)} = \partial L / \partial z^{(l)}", "δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾")
    equations = [_output_delta_equation(net, rule)]
    equations += [_hidden_delta_equation(layer) for layer in range(last - 1, 0, -1)]
    gradients = [_weight_gradient_equation(layer) for layer in range(last - 1, -1, -1)]
    blocks: list = [
        Heading(_("Backward pass in matrix form")),
        Text(*sentence(_("With {definitions} and {delta}, the matryoshka is unwrapped from the outside in:"),
                       definitions=definitions, delta=delta)),
        Equations(equations),
        Text(_("Every weight of a layer at once:")),
        Equations(gradients),
    ]
    if weight is not None and parse_weight_name(weight) is not None:
        blocks += [Text(*sentence(_("The chosen weight's derivative is one entry of it:"))),
                   Equations([_entry_equation(net, weight, at_point)])]
    if checks:
        gap = max(check.max_gap for check in checks)
        entries = len(checks[0].gaps)
        template = ngettext(
            "Checked entry by entry ({entries} entries: every {delta} and every weight) against the scalar "
            "graph's backward pass at {count} random point: largest gap {gap}.",
            "Checked entry by entry ({entries} entries: every {delta} and every weight) against the scalar "
            "graph's backward pass at {count} random points: largest gap {gap}.", len(checks))
        blocks.append(Text(*sentence(template, entries=str(entries), count=str(len(checks)), gap=f"{gap:.1e}",
                                     delta=Raw(r"\delta", "δ"))))
    return blocks


def cost_blocks(counts: OperationCounts, weights: int) -> list:
    """One forward pass against one backward pass that gives every gradient."""
    return [
        Heading(_("Cost of one forward and one backward pass")),
        Text(_("The computation graph has {nodes} and {edges}.").format(
                 nodes=ngettext("{n} node", "{n} nodes", counts.nodes).format(n=counts.nodes),
                 edges=ngettext("{n} edge", "{n} edges", counts.edges).format(n=counts.edges)) + " "
             + _("One forward pass takes {forward}; one backward pass, which gives the derivative of L "
                 "with respect to all {weights} weights at once, takes {backward} ({ratio} times "
                 "a forward pass).").format(
                 forward=ngettext("{n} operation", "{n} operations", counts.forward).format(n=counts.forward),
                 weights=weights,
                 backward=ngettext("{n} operation", "{n} operations", counts.backward).format(n=counts.backward),
                 ratio=f"{counts.ratio:.1f}")),
    ]


def path_blocks(formula: PathFormula) -> list:
    """Why dL/dv has as many paths as it has: the product of the later layers' widths."""
    sentence, product = formula.sentence(), formula.formula()
    before, found, after = sentence.partition(product)
    latex = product.replace("·", r"\cdot")
    parts = (before, Raw(latex, product), after) if found else (sentence,)
    return [Heading(_("How many paths, and why")), Text(*parts)]


def all_gradient_blocks(net: Network, gradients: dict, values: dict | None = None) -> list:
    """Every weight's derivative from the one backward pass (and its value at a point)."""
    graph = net.graph
    backward_pass = adjoint_steps(graph, None)
    steps = [adjoint_equation(step) for step in backward_pass if is_operation(graph, step.node)]
    by_node = {step.node: step for step in backward_pass}
    blocks: list = [
        Heading(_("Every gradient from one backward pass")),
        Text(_("The output's adjoint is 1; walking the graph once backwards, each node's adjoint is "
               "the sum, over the nodes that use it, of their adjoint times the local derivative:")),
        Equations(steps[:MAX_LISTED]),
    ]
    if len(steps) > MAX_LISTED:
        more = len(steps) - MAX_LISTED
        blocks.append(Text(ngettext("... and {count} more adjoint equation, not listed.",
                                    "... and {count} more adjoint equations, not listed.", more).format(count=more)))
    equations = []
    for name in net.parameter_names:
        if name not in graph:
            continue
        rhs = [Sum(tuple(Product((Adjoint(t), printable(local))) for t, _, local in by_node[name].terms))]
        if tree_size(gradients[name]) <= SMALL_GRADIENT:
            rhs.append(gradients[name])
        if values is not None:
            rhs.append(_number(values[name]))
        equations.append(Equation(Partial("L", name), rhs))
    blocks += [Text(_("Each weight's derivative is then one more product:")), Equations(equations)]
    return blocks


def numbers_blocks(net: Network, numbers: Numbers, source: str) -> list:
    """Values at a point, the loss, every gradient against finite differences, one update."""
    point, at = numbers.point, numbers.at
    inputs = [Equation(Name(n), [_number(point[n])]) for n in input_nodes(net.graph)]
    blocks: list = [Heading(_("Numbers")), Text(_("Weights, inputs and targets ({source}):").format(source=source)),
                    Equations(inputs[:MAX_LISTED])]
    neurons = sorted(net.neuron_nodes().items(), key=lambda item: (item[1][1], item[1][0] == "h", item[1][2]))
    forward = [Equation(Name(node), [_number(at.values[node])])
               for node, (kind, layer, i) in neurons]
    forward.append(Equation(Name("L"), [_number(numbers.loss)]))
    blocks += [Text(_("Forward pass (50-digit arithmetic):")), Equations(forward[:MAX_LISTED])]
    gradient_lines = [
        Equation(Partial("L", p), [_number(g)],
                 _("finite difference {value}").format(value=mpmath.nstr(numbers.finite_differences[p], 8))
                 if p in numbers.finite_differences else "")
        for p, g in numbers.gradients.items()
    ]
    blocks += [Text(_("Backward pass: every gradient, next to a central finite difference:")),
               Equations(gradient_lines[:MAX_LISTED]),
               Text(_("Largest relative gap between a gradient and its finite difference: {gap}.").format(
                   gap=f"{numbers.max_relative_error:.1e}"))]
    updates = [Equation(Name(p), [Raw(rf"{_number(point[p]).latex} - {numbers.learning_rate:g} \cdot "
                                      rf"\left({_number(numbers.gradients[p]).latex}\right)",
                                      f"{_number(point[p]).unicode} − {numbers.learning_rate:g}·"
                                      f"({_number(numbers.gradients[p]).unicode})"),
                                  _number(v)])
               for p, v in numbers.updated.items()]
    change = (_("The loss decreased: {before} before the step, {after} after it.")
              if numbers.loss_after < numbers.loss else
              _("The loss did not decrease: {before} before the step, {after} after it."))
    blocks += [Heading(_("One gradient-descent step")),
               Text(*sentence(_("Every weight moves against its gradient, {rule}, with {rate}:"),
                              rule=Raw(r"v \leftarrow v - \eta \, \partial L / \partial v", "v ← v − η ∂L/∂v"),
                              rate=Raw(rf"\eta = {numbers.learning_rate:g}", f"η = {numbers.learning_rate:g}"))),
               Equations(updates[:MAX_LISTED]),
               Text(change.format(before=mpmath.nstr(numbers.loss, 10), after=mpmath.nstr(numbers.loss_after, 10)))]
    return blocks


def network_dict(net: Network, counts: OperationCounts, *, formula: PathFormula | None = None,
                 gradients: dict | None = None, numbers: Numbers | None = None) -> dict:
    """The network and what was computed about it, as JSON-ready data."""
    sizes: dict[int, int] = {}
    data: dict = {
        "sizes": list(net.sizes), "hidden": net.hidden, "output": net.output,
        "loss": net.loss_name, "bias": net.bias,
        "inputs": [x.name for x in net.inputs], "weights": net.weight_names,
        "parameters": net.parameter_names,
        "targets": [str(t) for t in net.targets], "target_class": net.target_class,
        "expression": expression_string(net.loss, sizes),
        "expression_size": tree_size(net.loss, sizes),
        "graph": {"nodes": counts.nodes, "edges": counts.edges},
        "operations": {"forward": counts.forward, "backward": counts.backward},
    }
    if formula is not None:
        data["paths"] = {"weight": formula.weight, "widths": list(formula.widths),
                         "output_routes": formula.output_routes, "total": formula.total,
                         "sentence": formula.sentence()}
    if gradients is not None:
        data["gradients"] = {name: expression_string(g, sizes) for name, g in gradients.items()}
    if numbers is not None:
        data["numbers"] = {
            "point": {k: float(v) for k, v in numbers.point.items()},
            "loss": float(numbers.loss),
            "gradients": {k: float(v) for k, v in numbers.gradients.items()},
            "finite_differences": {k: float(v) for k, v in numbers.finite_differences.items()},
            "max_relative_error": numbers.max_relative_error,
            "learning_rate": numbers.learning_rate,
            "updated": {k: float(v) for k, v in numbers.updated.items()},
            "loss_after": float(numbers.loss_after),
        }
    return data
