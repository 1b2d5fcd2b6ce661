"""The backprop animation: one frame per node forward and back, gradients all shown at the end."""

import pytest

pytest.importorskip("matplotlib")

import symgrad  # noqa: E402
from symgrad.animate import animate, save_animation  # noqa: E402


@pytest.mark.parametrize("at", ["w=0.5,x=2,b=-1", None])
def test_values_fill_forward_then_gradients_flow_back(at):
    e = symgrad.explain("sigmoid(w*x + b)", "w", at=at)
    animation = animate(e)
    nodes = e.graph.number_of_nodes()
    assert len(animation.symgrad_steps) == 2 * nodes
    ax = animation._fig.axes[0]

    def shown(kind):
        return sum(t.get_visible() for t in ax.texts if (t.get_gid() or "").startswith(kind + " "))

    edges = e.graph.number_of_edges()
    animation.symgrad_show(0)  # the first input's values only
    assert shown("gradient") == 0 and 0 < shown("value") < edges
    animation.symgrad_show(nodes - 1)  # forward pass done
    assert shown("value") == edges and shown("gradient") == 0
    animation.symgrad_show(2 * nodes - 1)  # backward pass done: every gradient
    assert shown("gradient") == edges
    animation._draw_was_started = True  # inspected, not saved: no "deleted without rendering" warning


def test_gif_has_one_frame_per_step(tmp_path):
    from PIL import Image

    e = symgrad.explain("x*sin(x)", "x", at="x=1")
    path = save_animation(animate(e), tmp_path / "bp.gif", dpi=30)
    assert Image.open(path).n_frames == 2 * e.graph.number_of_nodes()


def test_a_large_graph_is_animated_as_its_figure_draws_it():
    """60 terms (122 nodes): the animation steps through the figure's nodes and groups, not every node."""
    e = symgrad.explain("+".join(f"sin(x{i})" for i in range(60)), "x1", at={f"x{i}": i / 10 for i in range(60)})
    animation = animate(e)
    fig = animation.symgrad_figure
    view = fig.symgrad_view
    assert view.collapsed and len(animation.symgrad_steps) == 2 * view.dag.number_of_nodes() < 20
    ax = fig.axes[0]
    gradients = [t for t in ax.texts if (t.get_gid() or "").startswith("gradient ")]
    assert gradients
    animation.symgrad_show(0)
    assert not any(t.get_visible() for t in gradients)
    animation.symgrad_show(len(animation.symgrad_steps) - 1)  # the last frame: every gradient shown
    assert all(t.get_visible() for t in gradients)
    group = next(p for p in ax.patches if (p.get_gid() or "").startswith("group "))
    step = animation.symgrad_steps.index(("backward", group.get_gid().split(" ", 1)[1]))
    animation.symgrad_show(step)  # a group is a step: it is the one marked
    assert group.get_linewidth() == 5.0
    animation._draw_was_started = True
