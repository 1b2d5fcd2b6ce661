"""Figures, checked from matplotlib's own geometry, and the files they make."""

import itertools
import subprocess
import sys

import mpmath
import pytest

matplotlib = pytest.importorskip("matplotlib")

import symgrad  # noqa: E402
from symgrad.graph import node  # noqa: E402
from symgrad.layout import layered_layout  # noqa: E402
from symgrad.plot import PALETTE, plot, save_figure, write_frames  # noqa: E402

EXPRESSIONS = [
    ("sigmoid(w1*x1 + w2*x2 + b)", "w1"),
    ("x*sin(x) + x*x", "x"),
    ("sin(x*y)*cos(x*y) + x*y", "x"),
    ("(t - sigmoid(v1*tanh(w1*x1 + w2*x2) + v2*tanh(w3*x1 + w4*x2)))^2", "w1"),
]


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _node_boxes(fig):
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return [p.get_window_extent(renderer) for p in ax.patches
            if type(p).__name__ in ("Ellipse", "FancyBboxPatch")]


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_node_shapes_do_not_overlap(expression, wrt):
    fig = plot(symgrad.explain(expression, wrt, check=False))
    boxes = _node_boxes(fig)
    assert len(boxes) == symgrad.explain(expression, wrt, check=False).graph.number_of_nodes()
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_every_text_stays_inside_the_figure(expression, wrt):
    e = symgrad.explain(expression, wrt, check=False, at=None)
    fig = plot(e, edge_labels=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = fig.findobj(matplotlib.text.Text)
    visible = [t for t in texts if t.get_visible() and t.get_text()]
    assert visible
    for text in visible:
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1, text.get_text()
        assert box.x1 <= fig.bbox.x1 + 1 and box.y1 <= fig.bbox.y1 + 1, text.get_text()


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_layers_follow_the_edges_left_to_right(expression, wrt):
    graph = symgrad.explain(expression, wrt, check=False).graph
    layout = layered_layout(graph)
    for source, target in graph.edges():
        assert layout.layer[source] < layout.layer[target]
        assert layout.positions[source][0] < layout.positions[target][0]
    assert all(layout.layer[n] == 0 for n in graph.graph["inputs"])
    assert layout.layer[graph.graph["output"]] == max(layout.layer.values())


def test_long_edges_get_one_waypoint_per_skipped_column():
    graph = symgrad.explain("sigmoid(w1*x1 + w2*x2 + b)", "w1", check=False).graph
    layout = layered_layout(graph)
    for (source, target, key), waypoints in layout.routes.items():
        assert len(waypoints) == layout.layer[target] - layout.layer[source] - 1
    slots = [layout.positions[item] for column in layout.columns for item in column]
    assert len(slots) == len(set(slots)), "a waypoint shares a slot with a node"


def test_layout_is_deterministic():
    graph = symgrad.explain("sin(x*y)*cos(x*y) + x*y + exp(y)", "x", check=False).graph
    assert layered_layout(graph).positions == layered_layout(graph).positions
    first = plot(symgrad.explain("x*sin(x)", "x", check=False)).symgrad_layout.positions
    second = plot(symgrad.explain("x*sin(x)", "x", check=False)).symgrad_layout.positions
    assert first == second


def test_highlighted_paths_and_colours_match_the_paths():
    e = symgrad.explain("x*sin(x) + x*x", "x", check=False)
    fig = plot(e)
    assert len(fig.symgrad_highlighted) == e.path_count == 4
    legend = fig.legends[0]
    colours = [h.get_color() for h in legend.legend_handles]
    assert colours == list(PALETTE[:4])
    assert len(set(colours)) == 4


def test_paths_beyond_the_limit_are_summarised():
    e = symgrad.explain("x*x*x*x*x*x*x*x*x*x", "x", check=False)
    fig = plot(e, max_paths=3)
    assert len(fig.symgrad_highlighted) == 3
    assert "7 more paths not drawn" in fig.symgrad_notes


def test_parallel_edges_are_distinct_curves():
    fig = plot(symgrad.explain("x*x", "x", check=False), highlight=False)
    arrows = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyArrowPatch"]
    rads = sorted(float(a.get_connectionstyle().rad) for a in arrows)
    assert len(arrows) == 2 and rads[0] < 0 < rads[1]


#: Graphs whose labels cannot all fit on a slide: (expression, variable, a group label expected).
LARGE = [
    ("*".join(f"x{i}" for i in range(500)) + "*x", "x", "500\ninputs"),  # a product of 500 factors
    ("+".join(f"sin(x{i}*w{i})" for i in range(80)), "w3", "158\ninputs"),
    ("+".join(f"sin(x{i}*x)" for i in range(50)), "x", "46\ninputs"),
]


def _label_texts(ax):
    """Node labels by node id (their texts carry the gid ``label <node>``)."""
    return {t.get_gid()[6:]: t for t in ax.texts if (t.get_gid() or "").startswith("label ")}


@pytest.mark.parametrize("expression, wrt, group", LARGE, ids=["product of 500", "80 terms", "50 paths"])
def test_large_graph_draws_its_paths_labelled_and_groups_the_rest(expression, wrt, group):
    from symgrad.render.printers import name_to_latex

    e = symgrad.explain(expression, wrt, check=False)
    fig = plot(e, pyplot=False)
    fig.canvas.draw()
    view, ax = fig.symgrad_view, fig.axes[0]
    assert view.collapsed and view.dag.number_of_nodes() < e.graph.number_of_nodes() / 5
    labels = _label_texts(ax)
    assert group in [t.get_text() for t in labels.values()]  # e.g. the other inputs as one node
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    on_paths = {n for path in fig.symgrad_highlighted for edge in path.edges for n in edge[:2]}
    assert wrt in on_paths and e.output in on_paths
    cited = {n for n in e.graph if "_{" in name_to_latex(n) and name_to_latex(n) in legend}
    for name in on_paths | cited:  # every symbol of the legend is a node's label on the figure
        assert name_to_latex(name) in legend
        assert labels[name].get_visible() and labels[name].get_text().split("\n")[0] == f"${name_to_latex(name)}$"
        assert labels[name].get_fontsize() >= 6
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels.values()]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    for text in fig.findobj(matplotlib.text.Text):
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= fig.bbox.x1 + 1 and box.y1 <= fig.bbox.y1 + 1
    nodes = _node_boxes(fig)
    assert len(nodes) == view.dag.number_of_nodes()
    for a, b in itertools.combinations(nodes, 2):
        assert not a.overlaps(b)
    total = sum(len(g.members) for g in view.groups.values())
    assert total + view.dag.number_of_nodes() - len(view.groups) == e.graph.number_of_nodes()
    assert f"{total} nodes off the paths drawn in groups" in fig.symgrad_notes


def _chain(depth: int) -> str:
    """sin(sin(...sin(x)...)) `depth` deep, with an input added every 10 levels (a path too long to label)."""
    text = "x"
    for level in range(depth):
        text = f"sin({text}) + y{level}" if level % 10 == 0 else f"sin({text})"
    return text


def _names_in(text: str, graph) -> set:
    """The nodes of `graph` whose LaTeX names (with a subscript: ``u_{12}``) `text` cites."""
    from symgrad.render.printers import name_to_latex

    return {n for n in graph if "_{" in name_to_latex(n) and name_to_latex(n) in text}


def _assert_every_cited_symbol_is_drawn(fig):
    """Each node the legend or an edge label names is drawn as itself, or is an end of a run named on its group."""
    view, ax = fig.symgrad_view, fig.axes[0]
    visible = {n for n in view.order if not view.is_group(n)}
    visible |= {end for g in view.runs() for end in view.groups[g].ends}
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    texts += [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("edge-label ")]
    assert texts
    for text in texts:
        missing = _names_in(text, view.graph) - visible
        assert not missing, (text, missing)


@pytest.mark.parametrize("depth", [64, 70])
def test_a_path_too_long_to_label_is_drawn_with_its_middle_as_one_group(depth):
    from symgrad.collapse import RUN_ENDS
    from symgrad.plot import MIN_FONT

    e = symgrad.explain(_chain(depth), "x", check=False)
    fig = plot(e, pyplot=False)
    fig.canvas.draw()
    view, ax = fig.symgrad_view, fig.axes[0]
    (run,) = view.runs()
    group = view.groups[run]
    assert group.kind == "run" and len(group.members) == depth + depth // 10 + (depth % 10 > 0) - 2 * RUN_ENDS - 1
    assert fig.symgrad_path_numbers == [1]  # the path is drawn, through the group
    drawn = view.drawn_edges(e.listed_paths[0].edges)
    assert [s for s, t, k in drawn].count(run) == 1 and [t for s, t, k in drawn].count(run) == 1
    labels = _label_texts(ax)
    first, last = group.ends
    assert labels[run].get_text().split("\n") == [f"$u_{{{first[1:]}}}$", "\u2026", f"$u_{{{last[1:]}}}$"]
    for name, text in labels.items():
        assert text.get_fontsize() >= (MIN_FONT * 0.6 if name == run else MIN_FONT), name
    legend = fig.legends[0].get_texts()[0].get_text()
    assert r"\ldots" in legend and legend.count(r"\partial") < 12
    _assert_every_cited_symbol_is_drawn(fig)
    nodes = _node_boxes(fig)
    for a, b in itertools.combinations(nodes, 2):
        assert not a.overlaps(b)
    on_run = len(group.members)
    assert f"{on_run} nodes along a long stretch of a path drawn as one group" in fig.symgrad_notes


@pytest.mark.timeout(120)
def test_the_nested_family_at_n_1000_is_drawn_with_every_cited_symbol_on_the_figure():
    from families import nested

    e = symgrad.explain(nested(1000), "x", check=False)
    assert len(e.listed_paths[0].edges) == 3000  # 3,001 nodes: no slide can label them
    fig = plot(e, pyplot=False)
    fig.canvas.draw()
    view = fig.symgrad_view
    assert fig.symgrad_path_numbers == list(range(1, 9))  # all eight listed paths, through one run
    assert len(view.runs()) == 1 and view.dag.number_of_nodes() < 40
    assert nx_is_dag(view.dag)
    _assert_every_cited_symbol_is_drawn(fig)
    assert any(note.startswith("1.32e477 (478 digits) more paths not drawn") for note in fig.symgrad_notes)


def nx_is_dag(dag) -> bool:
    import networkx as nx

    return nx.is_directed_acyclic_graph(dag)


def test_runs_are_not_collapsed_when_that_would_turn_an_edge_backwards():
    from symgrad.collapse import collapsed_view

    text = "x"
    for level in range(30):  # at level 15, exp(t) leaves the path and comes back into it
        text = f"(sin({text}) + exp({text}))" if level == 15 else f"sin({text})"
    e = symgrad.explain(text, "x", check=False)
    path = next(p for p in e.listed_paths if all(node(e.graph, t).op != "exp" for s, t, k in p.edges))
    on_path = {n for edge in path.edges for n in edge[:2]}
    (exp,) = [n for n in e.graph if n not in on_path and node(e.graph, n).op == "exp"]
    runs = collapsed_view(e.graph, on_path, paths=[path.edges], longest_run=6)
    assert len(runs.runs()) == 1 and exp in runs.groups[runs.runs()[0]].members  # exp joins the run
    kept = collapsed_view(e.graph, on_path | {exp}, paths=[path.edges], longest_run=6, pinned={exp})
    assert not kept.runs() and nx_is_dag(kept.dag)  # the run would feed exp and be fed by it: none collapsed


def test_a_collapsed_view_keeps_edges_left_to_right_and_groups_by_kind():
    from symgrad.collapse import collapsed_view
    from symgrad.layout import node_layers

    e = symgrad.explain("+".join(f"sin(x{i}*w{i})" for i in range(20)) + " + exp(2) + 3*y", "w3", check=False)
    keep = {n for path in e.listed_paths for edge in path.edges for n in edge[:2]}
    view = collapsed_view(e.graph, keep)
    assert {g.kind for g in view.groups.values()} == {"inputs", "constants", "operations"}
    layers = node_layers(view.dag)
    assert all(layers[s] < layers[t] for s, t in view.dag.edges())
    for s, t, k in view.real_edges():  # the graph's own edges between kept nodes, with their keys
        assert e.graph.has_edge(s, t, k) and s in keep | {e.output} and t in keep | {e.output}
    members = [m for g in view.groups.values() for m in g.members]
    assert len(members) == len(set(members)) and not set(members) & keep


def test_small_graphs_are_drawn_in_full():
    fig = plot(symgrad.explain("sigmoid(w1*x1 + w2*x2 + b)", "w1", check=False), pyplot=False)
    assert not fig.symgrad_view.collapsed
    assert set(_label_texts(fig.axes[0])) == set(fig.symgrad_view.graph)


def test_frames_of_a_large_graph_share_one_layout(tmp_path, monkeypatch):
    import symgrad.plot as plot_module

    e = symgrad.explain(LARGE[2][0], "x", check=False)
    layouts = []
    original = plot_module.layered_layout
    monkeypatch.setattr(plot_module, "layered_layout", lambda *a, **k: layouts.append(1) or original(*a, **k))
    written = write_frames(e, tmp_path, kind="png", dpi=30)
    assert len(layouts) == 1
    first = plot(e, pyplot=False)
    drawn = first.symgrad_path_numbers  # the paths whose nodes have room to be labelled
    assert drawn == [1, 2, 3, 4] and "46 more paths not drawn" in first.symgrad_notes
    names = [p.stem.split("-", 2)[2] for p in written]  # the sum frame, with the most text, has room for fewer
    paths = [n for n in names if n.startswith("path")]
    assert 1 <= len(paths) <= 4 and paths == [f"path{k}" for k in range(1, len(paths) + 1)]
    assert names == ["graph", "forward", *paths, "sum", "backward"]
    again = plot(e, pyplot=False, reuse=first, paths=[e.listed_paths[3]])
    assert again.symgrad_layout is first.symgrad_layout
    assert again.symgrad_path_numbers == [4]
    beyond = plot(e, pyplot=False, reuse=first, paths=[e.listed_paths[5]])
    assert beyond.symgrad_path_numbers == [] and "1 more path not drawn" in beyond.symgrad_notes


def test_figures_and_frames_too_large_even_when_grouped_are_refused_in_one_line(tmp_path, monkeypatch, capsys):
    from symgrad.cli import main

    monkeypatch.setattr("symgrad.plot.MAX_FIGURE_NODES", 8)
    monkeypatch.setattr("symgrad.plot.MAX_FRAME_NODES", 8)
    expression = LARGE[2][0]
    assert main([expression, "--wrt", "x", "--figure", str(tmp_path / "f.png"), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "figures are drawn for at most 8 (write a .tex figure, TikZ, instead)" in err
    monkeypatch.setattr("symgrad.plot.MAX_FIGURE_NODES", 1000)
    assert main([expression, "--wrt", "x", "--frames", str(tmp_path / "frames"), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "slide frames are drawn for at most 8 (draw one --figure instead)" in err
    assert not (tmp_path / "frames").exists() and not (tmp_path / "f.png").exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("option", ["--figure", "--frames"])
def test_grouping_a_large_graph_runs_under_the_budget_and_names_the_stage(tmp_path, monkeypatch, capsys, option):
    import time

    from symgrad.cli import main
    from symgrad.deadline import checkpoint

    def slow(*args, **kwargs):
        for _ in range(600):
            time.sleep(0.1)
            checkpoint()

    monkeypatch.setattr("symgrad.collapse.collapsed_view", slow)
    target = str(tmp_path / ("f.png" if option == "--figure" else "frames"))
    code = main([LARGE[0][0], "--wrt", "x", option, target, "--no-check", "--timeout", "1.5", "--memory-limit", "0"])
    assert code == 2
    assert capsys.readouterr().err == ("symgrad: error: the time budget of 1.5 s ran out while drawing the figure "
                                       "(try --timeout 30)\n")


def test_cli_draws_a_product_of_500_factors_within_the_default_budget(tmp_path, capsys):
    from symgrad.cli import main

    path = tmp_path / "big.png"
    assert main([LARGE[0][0], "--wrt", "x", "--figure", str(path), "--memory-limit", "0"]) == 0, capsys.readouterr()
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_files_are_valid_by_extension(tmp_path, suffix, magic):
    fig = plot(symgrad.explain("sigmoid(w*x + b)", "w", check=False))
    path = save_figure(fig, tmp_path / f"graph{suffix}", dpi=50)
    assert path.read_bytes().startswith(magic)


def test_figure_is_16_by_9():
    fig = plot(symgrad.explain("x*y", "x", check=False))
    width, height = fig.get_size_inches()
    assert abs(width / height - 16 / 9) < 0.01


def test_values_at_a_point_agree_with_finite_differences():
    e = symgrad.explain("sigmoid(w*x + b)", "w", at="w=0.5,x=2,b=-1")
    assert type(e.values.values["f"]) is float and type(e.values.exact.values["f"]) is mpmath.mpf
    assert float(e.values.values["f"]) == pytest.approx(0.5)
    assert float(e.values.gradients["w"]) == pytest.approx(0.5)
    assert float(e.values.gradients["x"]) == pytest.approx(0.125)
    assert e.values.max_relative_error < 1e-20
    fig = e.plot()
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert any("0.125" in label for label in labels)


def test_draws_into_a_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    returned = symgrad.explain("x*y", "x", check=False).plot(ax=ax)
    assert returned is ax and returned.figure is fig
    assert len(ax.patches) > 0


def test_frames_are_numbered_in_slide_order_with_an_index(tmp_path):
    e = symgrad.explain("x*sin(x)", "x", check=False)
    written = write_frames(e, tmp_path, kind="png", dpi=40)
    names = [p.name for p in written]
    assert names == sorted(names)
    assert [n.split("-", 2)[2].split(".")[0] for n in names] == ["graph", "forward", "path1", "path2", "sum", "backward"]
    index = (tmp_path / "frames.tex").read_text()
    assert index.count(r"\includegraphics") == 6
    assert (tmp_path / "frames.md").read_text().count("![") == 6


def test_cli_figure_frames_and_undefined_point(tmp_path):
    run = [sys.executable, "-m", "symgrad"]
    result = subprocess.run(run + ["sigmoid(w*x + b)", "--wrt", "w", "--at", "w=0.5,x=2,b=-1",
                                   "--figure", str(tmp_path / "v.svg"), "-o", str(tmp_path / "d.tex")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "v.svg").read_bytes().startswith(b"<?xml")
    result = subprocess.run(run + ["log(x)", "--wrt", "x", "--at", "x=-1"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("symgrad: error: f = log(x) is undefined at this point")


def test_matplotlib_is_not_imported_without_a_figure():
    code = ("import sys, symgrad; symgrad.explain('x*sin(x)', 'x').to_latex(); "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False"


def test_network_figure_highlights_the_lines_that_carry_the_gradient(tmp_path):
    from symgrad import nn
    from symgrad.nn.figure import carrying_lines, plot_network

    net = nn.mlp([4, 3, 3, 4], hidden="relu", output="softmax", loss="cross_entropy")
    # v0_1_1: the weight itself, 3x3 and 3x4 ... from neuron 1 of layer 1: 1*3 + 3*4 + 4*1
    assert len(carrying_lines((4, 3, 3, 4), "v0_1_1")) == 1 + 3 + 12 + 4
    assert len(carrying_lines((4, 3, 3, 4), "v2_2_3")) == 1 + 1
    fig = plot_network(net, "v0_1_1")
    assert fig.symgrad_highlighted == 20
    path = save_figure(fig, tmp_path / "net.png", dpi=40)
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_network_figure_writes_each_neurons_value_and_gradient_at_a_point(theme):
    from symgrad import nn
    from symgrad.nn.figure import neuron_node, plot_network
    from symgrad.nn.training import numbers, random_point
    from symgrad.plot import short_number

    net = nn.mlp([4, 3, 3, 4], hidden="sigmoid", output="softmax", loss="cross_entropy", target=2)
    at = numbers(net, random_point(net, seed=5)).at
    fig = plot_network(net, "v1_2_3", values=at, theme=theme)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    widths = [*net.sizes, 1]
    for layer, width in enumerate(widths):
        for index in range(width):
            name = neuron_node(net, layer, index)
            if name is None:  # L = -ln(ŷ₂): the other outputs are no nodes, and L does not depend on them
                assert layer == 3 and index != 1
                assert texts[f"gradient 3_{index + 1}"].get_text() == "\u2207 0"
                continue
            assert texts[f"value {name}"].get_text() == short_number(at.values[name])
            assert texts[f"gradient {name}"].get_text() == "\u2207 " + short_number(at.gradients[name])
    outputs = [float(texts[f"value {neuron_node(net, 3, i) or f'3_{i + 1}'}"].get_text()) for i in range(4)]
    assert sum(outputs) == pytest.approx(1, abs=1e-3)  # softmax: the values of the unused outputs too
    assert texts["gradient L"].get_text() == "\u2207 1"
    numbers_boxes = [t.get_window_extent(renderer) for gid, t in texts.items() if gid.startswith(("value", "gradient"))]
    circles = [p.get_window_extent(renderer) for p in ax.patches]
    assert len(numbers_boxes) == 2 * sum(widths)
    for box in numbers_boxes:
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0
        assert not any(box.overlaps(circle) for circle in circles)
        assert sum(box.overlaps(other) for other in numbers_boxes) == 1  # itself only
    assert texts[f"value {neuron_node(net, 1, 0)}"].get_fontsize() >= 8
    assert "under each neuron: its value" in fig.symgrad_notes[0]


def test_network_figure_of_a_tall_layer_leaves_the_numbers_out_with_a_note():
    from symgrad import nn
    from symgrad.nn.figure import plot_network
    from symgrad.nn.training import numbers, random_point

    net = nn.mlp([2, 16, 1], hidden="tanh", output="sigmoid", loss="mse")
    fig = plot_network(net, values=numbers(net, random_point(net, seed=1)).at)
    assert not [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("value ")]
    assert fig.symgrad_notes == ["values and gradients left out (too many neurons for the canvas)"]


def test_mlp_cli_draws_the_numbers_on_the_network_figure_with_a_seed(tmp_path):
    from symgrad.cli import main

    path = tmp_path / "net.svg"
    assert main(["mlp", "--sizes", "2,2,1", "--hidden", "sigmoid", "--output", "sigmoid", "--loss", "mse",
                 "--wrt", "v1_1_1", "--seed", "3", "--figure", str(path)]) == 0
    svg = path.read_text()
    assert svg.count("\u2207 ") == 2 + 2 + 1 + 1  # inputs, hidden, output, loss


def test_mlp_cli_writes_the_network_figure(tmp_path):
    result = subprocess.run([sys.executable, "-m", "symgrad", "mlp", "--sizes", "2,2,1", "--hidden", "sigmoid",
                             "--output", "sigmoid", "--loss", "mse", "--wrt", "v1_1_1", "--figure",
                             str(tmp_path / "net.svg"), "-f", "text"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "net.svg").read_bytes().startswith(b"<?xml")


# --- frames that agree, labels by priority (issue 12) -----------------------------------------

pytestmark = pytest.mark.filterwarnings("error:Glyph:UserWarning")

TWO_LAYER_LOSS = ("(y - sigmoid(v1*sigmoid(v0*x)))^2", "v0")


def _edge_label_texts(fig):
    return {t.get_gid(): t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("edge-label ")}


def _legend_entries(fig):
    legend = fig.legends[0]
    numbers = [int(t.get_text().split(":")[0].split()[1]) for t in legend.get_texts()]
    colours = [matplotlib.colors.to_hex(h.get_color()) for h in legend.legend_handles]
    return list(zip(numbers, colours))


def test_a_path_keeps_its_number_and_colour_in_every_frame():
    from symgrad.plot import frame_options

    e = symgrad.explain("x*sin(x) + x*x", "x", check=False)
    expected = {i + 1: PALETTE[i].lower() for i in range(e.path_count)}
    seen = 0
    for name, options in frame_options(e):
        fig = plot(e, **options)
        if not fig.legends:
            continue
        for number, colour in _legend_entries(fig):
            assert expected[number] == colour, (name, number)
            seen += 1
        if name.startswith("path"):
            assert _legend_entries(fig)[0][0] == int(name[4:])
            assert fig._suptitle is None and f"Path {name[4:]} of {e.path_count}" in fig.texts[0].get_text()
    assert seen == 2 * e.path_count  # once in its own frame, once in the sum frame


def test_forward_frame_shows_values_only_and_backward_frame_gradients():
    from symgrad.plot import frame_options

    e = symgrad.explain("sigmoid(w*x + b)", "w", at="w=0.5,x=2,b=-1")
    options = dict(frame_options(e, e.values))
    forward = [t.get_text() for t in plot(e, **options["forward"]).axes[0].texts]
    backward = [t.get_text() for t in plot(e, **options["backward"]).axes[0].texts]
    assert any("0.5" in t for t in forward) and not any("nabla" in t for t in forward)
    assert not _edge_label_texts(plot(e, **options["forward"]))
    assert any("0.125" in t for t in backward) and not any("0.125" in t for t in forward)


@pytest.mark.parametrize("at", ["w=0.5,x=2,b=-1", None])
def test_backward_picture_puts_value_above_and_gradient_below_every_wire(at):
    e = symgrad.explain("sigmoid(w*x + b)", "w", at=at)
    fig = e.plot(backward=True)
    renderer = fig.canvas.get_renderer()
    texts = {t.get_gid(): t for t in fig.axes[0].texts if t.get_gid()}
    to_display = fig.axes[0].transData.transform
    for source, target, key in e.graph.edges(keys=True):
        above, below = texts[f"value {source} {target} {key}"], texts[f"gradient {source} {target} {key}"]
        # each label annotates its point of the wire (labels are turned along diagonal wires)
        assert to_display(above.get_position())[1] > to_display(above.xy)[1]
        assert to_display(below.get_position())[1] < to_display(below.xy)[1]
        assert above.get_color() != below.get_color()
    boxes = [t.get_window_extent(renderer) for t in texts.values() if t.get_gid().startswith("label ")]
    for a, b in itertools.combinations(boxes, 2):  # wire labels, turned: tests/test_wire_labels.py
        assert not a.overlaps(b)
    if at:  # the gradient flowing back along x -> u1 is w-bar * w = 0.25 * 0.5
        assert texts["gradient x u1 1"].get_text() == "\u2190 0.125"
    else:
        assert texts["gradient u2 f 0"].get_text() == r"$\leftarrow \bar{f} \cdot f \cdot \left(1 - f\right)$"


def test_captions_have_correct_plurals_and_a_subtraction_reads_minus():
    from symgrad.plot import frame_options

    e = symgrad.explain("sin(x)", "x", check=False)
    options = dict(frame_options(e))
    assert options["graph"]["caption"] == "2 nodes, 1 operation, 1 edge"
    assert options["path1"]["caption"] == "1 local derivative multiplied along the path"
    texts = [t.get_text() for t in plot(symgrad.explain("x - y", "x", check=False)).axes[0].texts]
    assert "$-$" in "\n".join(texts) and "+/-" not in "\n".join(texts)


def test_sum_frame_result_is_legible_and_clear_of_the_legend():
    from symgrad.plot import frame_options

    e = symgrad.explain("x*sin(x)", "x", check=False)
    fig = plot(e, **dict(frame_options(e))["sum"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    caption = next(t for t in fig.texts if "summed" in t.get_text())
    assert caption.get_fontsize() >= 14
    assert matplotlib.colors.to_hex(caption.get_color()) == "#1a1a1a"
    legend_box = fig.legends[0].get_window_extent(renderer)
    assert caption.get_window_extent(renderer).y1 < legend_box.y0


@pytest.mark.parametrize("expression, wrt, at", [
    ("sigmoid(w*x + b)", "w", "w=0.5,x=2,b=-1"),
    ("sigmoid(w*x + b)", "w", None),
    (*TWO_LAYER_LOSS, None),
    (*TWO_LAYER_LOSS, "y=1,v1=0.5,v0=-0.3,x=2"),
] + [(expression, wrt, None) for expression, wrt in EXPRESSIONS])
def test_every_path_edge_keeps_its_label_and_labels_do_not_overlap(expression, wrt, at):
    e = symgrad.explain(expression, wrt, check=False, at=at)
    fig = e.plot(edge_labels=True)
    labels = _edge_label_texts(fig)
    for path in fig.symgrad_highlighted:
        for source, target, key in path.edges:
            assert f"edge-label {source} {target} {key}" in labels
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels.values()]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    ax_box = fig.axes[0].bbox
    assert all(b.x0 >= ax_box.x0 - 1 and b.x1 <= ax_box.x1 + 1 for b in boxes)


def test_labels_at_a_point_are_numbers():
    e = symgrad.explain("sigmoid(w*x + b)", "w", at="w=0.5,x=2,b=-1")
    labels = {gid.split(" ", 1)[1]: t.get_text() for gid, t in _edge_label_texts(e.plot()).items()}
    assert labels["u2 f 0"] == "0.25"  # sigma'(0) = 1/4, the label issue 12 found dropped
    assert labels["w u1 0"] == "2"


# --- matplotlib conventions (issue 12, item 8) ----------------------------------------------


def test_two_subplots_keep_their_legends_and_notes_inside_their_axes():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 5))
    FigureCanvasAgg = matplotlib.backends.backend_agg.FigureCanvasAgg
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, (expression, wrt) in zip(axes, [("x*sin(x) + x*x", "x"), ("x*x*x*x*x*x*x*x*x*x", "x")]):
        returned = symgrad.explain(expression, wrt, check=False).plot(ax=ax, max_paths=3, title="t", caption="c")
        assert returned is ax
    assert not fig.legends and not fig.texts
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        assert ax.get_legend() is not None
        inner = [ax.get_legend()] + list(ax.texts)
        for artist in inner:
            box = artist.get_window_extent(renderer)
            assert ax.bbox.x0 - 1 <= box.x0 and box.x1 <= ax.bbox.x1 + 1, artist
            assert ax.bbox.y0 - 1 <= box.y0 and box.y1 <= ax.bbox.y1 + 1, artist
    assert "7 more paths not drawn" in axes[1].symgrad_notes


def test_without_ax_the_figure_belongs_to_pyplot(tmp_path):
    import matplotlib.pyplot as plt

    fig = symgrad.explain("x*y", "x", check=False).plot()
    assert plt.gcf() is fig
    plt.savefig(tmp_path / "g.png", dpi=30)
    assert (tmp_path / "g.png").stat().st_size > 2000
    bare = plot(symgrad.explain("x*y", "x", check=False), pyplot=False)
    assert bare not in [plt.figure(n) for n in plt.get_fignums()]


def test_legend_follows_a_dark_style():
    import matplotlib.pyplot as plt

    with plt.style.context("dark_background"):
        fig = plot(symgrad.explain("x*sin(x)", "x", check=False))
    colour = matplotlib.colors.to_rgb(fig.legends[0].get_texts()[0].get_color())
    assert sum(colour) / 3 > 0.7
    assert sum(matplotlib.colors.to_rgb(fig.get_facecolor())) / 3 < 0.2


def test_svg_keeps_node_names_as_text(tmp_path):
    e = symgrad.explain("sigmoid(w*x + b)", "w", check=False)
    path = save_figure(e.plot(pyplot=False), tmp_path / "g.svg")
    svg = path.read_text()
    assert svg.count("<text") >= e.graph.number_of_nodes()
    assert "DejaVu Sans" in svg


@pytest.mark.parametrize("through_pyplot", [False, True])
def test_svg_saved_by_matplotlib_itself_keeps_text(through_pyplot):
    import io

    import matplotlib.pyplot as plt

    fig = symgrad.explain("sigmoid(w*x + b)", "w", check=False).plot(pyplot=through_pyplot)
    buffer = io.BytesIO()
    (plt if through_pyplot else fig).savefig(buffer, format="svg")
    plt.close("all")
    assert buffer.getvalue().decode().count("<text") >= 5
    assert matplotlib.rcParams["svg.fonttype"] == "path"  # the caller's settings are left as they were


def test_network_figure_marks_the_chosen_weight_and_names_the_output_y_hat():
    from symgrad import nn
    from symgrad.nn.figure import WEIGHT_COLOUR, plot_network

    fig = plot_network(nn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", loss="mse"), "v0_2_1")
    ax = fig.axes[0]
    label = next(t for t in ax.texts if t.get_gid() == "weight label")
    assert label.get_text() == "$v^{(0)}_{21}$"
    line = next(l for l in ax.lines if l.get_gid() == "weight v0_2_1")
    assert line.get_color() == WEIGHT_COLOUR and line.get_linewidth() > max(
        l.get_linewidth() for l in ax.lines if l is not line)
    names = [t.get_text() for t in ax.texts]
    assert r"$\hat{y}_{1}$" in names and "$L$" in names and not any("h^{(2)}" in n for n in names)


def test_inversion_count_matches_the_definition():
    import random

    from symgrad.layout import _inversions

    rng = random.Random(12)
    for size in (0, 1, 2, 7, 50):
        values = [rng.randrange(10) for _ in range(size)]
        expected = sum(1 for i in range(size) for j in range(i + 1, size) if values[i] > values[j])
        assert _inversions(values) == expected


def test_long_edges_are_one_smooth_curve():
    from matplotlib.path import Path as MplPath

    e = symgrad.explain(*TWO_LAYER_LOSS, check=False)
    fig = plot(e)
    layout = fig.symgrad_layout
    long_edges = [edge for edge, waypoints in layout.routes.items() if waypoints]
    assert long_edges
    curves = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyArrowPatch"
              and p._path_original is not None and MplPath.CURVE4 in list(p._path_original.codes)]
    assert len(curves) == len(long_edges)


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_layout_size_is_the_size_of_the_layout(expression, wrt):
    from symgrad.layout import layout_size

    graph = symgrad.explain(expression, wrt, check=False).graph
    layout = layered_layout(graph)
    assert layout_size(graph) == (layout.width, layout.height)


def test_group_labels_are_translated():
    e = symgrad.explain(LARGE[0][0], "x", check=False, lang="ru")
    labels = [t.get_text() for t in _label_texts(e.plot(pyplot=False).axes[0]).values()]
    assert "500\nвходов" in labels and "16\nопераций" in labels


def test_a_long_note_is_wrapped_at_a_readable_size_inside_the_canvas():
    from symgrad.plot import BOTTOM_TEXT_FONT, BOTTOM_TEXT_LINES

    product = "*".join(f"x{i}" for i in range(120)) + "*sin(x0*y)"
    fig = plot(symgrad.explain(product, "x0", check=False), pyplot=False)
    renderer = fig.canvas.get_renderer()
    note = next(t for t in fig.texts if t.get_text().startswith("Note:"))
    assert note.get_fontsize() >= BOTTOM_TEXT_FONT
    assert 1 < len(note.get_text().splitlines()) <= BOTTOM_TEXT_LINES
    box = note.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0


@pytest.mark.parametrize("figsize", [(13.333, 7.5), (8.5, 4.78)])  # the default, and a Beamer deck's
def test_the_legend_keeps_clear_of_the_nodes_on_a_short_figure(figsize):
    e = symgrad.explain("x*(x + 1) - 1/x", "x", check=False)
    fig = plot(e, pyplot=False, figsize=figsize)
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer) if fig.legends else fig.axes[0].get_legend().get_window_extent(renderer)
    nodes = [p.get_window_extent(renderer) for p in fig.axes[0].patches if (p.get_gid() or "").startswith("node ")]
    assert len(nodes) == e.graph.number_of_nodes()
    assert not any(legend.overlaps(box) for box in nodes)


def test_edge_labels_at_a_point_are_sized_from_the_nodes_not_their_four_line_labels():
    """With --at a node holds its name, operation, value and gradient, so its font is small; the
    numbers on the wires were as small (about 7 pt) and unreadable from the back row."""
    from symgrad.plot import READABLE_FONT

    e = symgrad.explain("sigmoid(w1*x1 + w2*x2 + b)", "w1", at="w1=0.5,x1=2,w2=-1,x2=1,b=0.3")
    fig = plot(e, values=e.values, pyplot=False)
    labels = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("edge-label ")]
    node_font = max(t.get_fontsize() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label "))
    assert len(labels) == e.graph.number_of_edges()
    assert all(t.get_fontsize() >= READABLE_FONT for t in labels) and labels[0].get_fontsize() > node_font
