"""The backward-pass picture's wire labels: each read as its own wire's, legible, clear of each other.

Geometry is read from matplotlib itself: the drawn wires' paths (arrows with
gid ``wire S T K``), the labels' background boxes (turned with their text),
the node patches, all in display coordinates after a draw.
"""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import symgrad  # noqa: E402
from symgrad.plot import READABLE_FONT, plot  # noqa: E402

NEURON = ("sigmoid(w1*x1 + w2*x2 + b)", "w1")
NEURON_AT = "w1=0.5,x1=2,w2=-1,x2=1,b=0.3"
TWO_LAYER_LOSS = ("(y - sigmoid(v1*sigmoid(v0*x)))^2", "v0")
TWO_HIDDEN = ("sigmoid(w3*sigmoid(w1*x1+w2*x2+b1) + w4*sigmoid(w5*x1+w6*x2+b2) + b3)", "w1")
#: A label's own wire is nearer its centre than any other wire, by this factor at least.
MARGIN = 1.3

EXAMPLES = [
    (*NEURON, None, "light"),
    (*NEURON, NEURON_AT, "light"),
    (*NEURON, NEURON_AT, "dark"),
    (*TWO_LAYER_LOSS, None, "light"),
    (*TWO_LAYER_LOSS, "y=1,v1=0.5,v0=-0.3,x=2", "dark"),
    ("x*x + y", "x", None, "light"),  # two parallel (curved) wires x -> u1
]


def _drawn(expr, wrt, at, theme, **options):
    e = symgrad.explain(expr, wrt, at=at, check=False)
    fig = plot(e, backward=True, theme=theme, values=e.values, pyplot=False, **options)
    fig.canvas.draw()
    return e, fig, fig.axes[0]


def _edge(gid: str) -> tuple:
    _kind, source, target, key = gid.split(" ")
    return source, target, int(key)


def _wires(ax) -> dict:
    """Each drawn wire's segments (shaft and arrowhead) in display coordinates: edge -> (n, 2, 2)."""
    wires = {}
    for patch in ax.patches:
        if (patch.get_gid() or "").startswith("wire "):
            path = patch.get_transform().transform_path(patch.get_path())
            parts = path.to_polygons(closed_only=False)
            wires[_edge(patch.get_gid())] = np.concatenate([np.stack([p[:-1], p[1:]], axis=1) for p in parts])
    return wires


def _labels(ax) -> dict:
    return {t.get_gid(): t for t in ax.texts if re.match(r"(value|gradient) ", t.get_gid() or "")}


def _box(text):
    """The label's background box (turned with the text) as a closed matplotlib Path in display coordinates."""
    patch = text.get_bbox_patch()
    return patch.get_transform().transform_path(patch.get_path())


def _nodes(ax) -> list:
    return [p.get_transform().transform_path(p.get_path()) for p in ax.patches
            if (p.get_gid() or "").startswith(("node ", "group "))]


def _distance(point, segments) -> float:
    """Distance from `point` to the nearest of `segments` ((n, 2, 2) array)."""
    start, end = segments[:, 0], segments[:, 1]
    along = end - start
    length = np.maximum((along ** 2).sum(axis=1), 1e-12)
    t = np.clip(((point - start) * along).sum(axis=1) / length, 0, 1)
    return float(np.hypot(*(start + t[:, None] * along - point).T).min())


def _centre(text):
    return text.axes.transData.transform(text.get_position())


def _overlap(a, b) -> bool:
    return a.intersects_path(b, filled=True) or b.intersects_path(a, filled=True)


@pytest.mark.parametrize("expr, wrt, at, theme", EXAMPLES)
def test_every_wire_label_is_nearest_its_own_wire(expr, wrt, at, theme):
    _e, _fig, ax = _drawn(expr, wrt, at, theme)
    wires, labels = _wires(ax), _labels(ax)
    assert labels
    for gid, text in labels.items():
        own = _edge(gid)
        if text.arrow_patch is not None:  # away from its wire: its leader line says whose it is
            assert _distance(ax.transData.transform(text.xy), wires[own]) < 1.5, gid
            leader = text.arrow_patch.get_path()
            for edge, segments in wires.items():
                if edge != own:
                    assert min(_distance(p, segments) for p in _box(text).vertices) > 5, (gid, edge)
                    assert min(_distance(p, segments) for p in leader.interpolated(20).vertices) > 3, (gid, edge)
            continue
        distances = {edge: _distance(_centre(text), segments) for edge, segments in wires.items()}
        nearest = min(distances, key=distances.get)
        others = [d for edge, d in distances.items() if edge != own]
        assert nearest == own, (gid, nearest)
        assert not others or min(others) >= MARGIN * distances[own], (gid, distances)


@pytest.mark.parametrize("expr, wrt, at, theme", EXAMPLES)
def test_wire_labels_are_legible_inside_and_clear_of_each_other_and_the_nodes(expr, wrt, at, theme):
    e, fig, ax = _drawn(expr, wrt, at, theme)
    labels = _labels(ax)
    boxes = {gid: _box(text) for gid, text in labels.items()}
    nodes = _nodes(ax)
    for gid, box in boxes.items():
        assert labels[gid].get_fontsize() >= READABLE_FONT, gid
        assert ax.bbox.contains(*box.vertices.min(axis=0)) and ax.bbox.contains(*box.vertices.max(axis=0)), gid
        assert not any(_overlap(box, node) for node in nodes), gid
    for (a, box_a), (b, box_b) in [(x, y) for i, x in enumerate(boxes.items()) for y in list(boxes.items())[i + 1:]]:
        assert not _overlap(box_a, box_b), (a, b)
    assert len(labels) == 2 * e.graph.number_of_edges()  # none dropped in these


@pytest.mark.parametrize("at", [None, NEURON_AT])
def test_value_above_and_gradient_below_each_wire_a_diagonal_ones_written_along_it(at):
    _e, _fig, ax = _drawn(*NEURON, at, "light")
    wires, labels = _wires(ax), _labels(ax)
    for gid, text in labels.items():
        shaft = wires[_edge(gid)]
        x, y = _centre(text)
        start, end = shaft[0, 0], shaft[-1, 1]
        if start[0] < x < end[0]:  # above / below the wire at the same x
            wire_y = np.interp(x, shaft[:, 0, 0], shaft[:, 0, 1]) if np.all(np.diff(shaft[:, 0, 0]) > 0) else None
            if wire_y is not None:
                assert (y > wire_y) == gid.startswith("value"), gid
        if text.arrow_patch is None and _edge(gid) in {("w1", "u1", 0), ("x2", "u2", 1)}:  # straight diagonals
            (x0, y0), (x1, y1) = shaft[0, 0], shaft[0, 1]
            turn = text.get_rotation() - np.degrees(np.arctan2(y1 - y0, x1 - x0))
            assert abs((turn + 180) % 360 - 180) < 2, gid


def test_the_x1_wire_keeps_a_readable_font_and_the_bar_is_over_the_letter_only():
    _e, _fig, ax = _drawn(*NEURON, None, "light")
    labels = _labels(ax)
    sizes = {text.get_fontsize() for text in labels.values()}
    assert min(sizes) >= READABLE_FONT and max(sizes) / min(sizes) <= 1.2  # alike to the eye
    assert labels["gradient x1 u1 1"].get_text() == r"$\leftarrow \bar{u}_{1} \cdot w_{1}$"
    assert labels["gradient u1 u3 0"].get_text() == r"$\leftarrow \bar{u}_{3}$"


def test_a_larger_graph_drops_labels_only_with_the_note_that_counts_them():
    e, fig, ax = _drawn(*TWO_HIDDEN, None, "light")
    shown = len(_labels(ax))
    missing = 2 * e.graph.number_of_edges() - shown
    notes = " ".join(fig.symgrad_notes)
    if missing:
        assert f"{missing} wire label{'s' if missing > 1 else ''} omitted (no room)" in notes
    else:
        assert "omitted" not in notes
    assert shown > e.graph.number_of_edges()  # most of them are there


def test_a_small_axes_drops_what_does_not_fit_and_says_so():
    import matplotlib.pyplot as plt

    e = symgrad.explain(*NEURON, check=False)
    fig, ax = plt.subplots(figsize=(3, 2))
    plot(e, backward=True, ax=ax)
    fig.canvas.draw()
    labels = _labels(ax)
    assert all(text.get_fontsize() >= READABLE_FONT for text in labels.values())
    missing = 2 * len(ax.symgrad_view.real_edges()) - len(labels)  # a wire to or from a group has none
    assert missing > 0 and any(f"{missing} wire label" in note for note in ax.symgrad_notes)
    plt.close(fig)


def test_animation_reveals_every_label_and_its_leader_line():
    from symgrad.animate import animate

    e = symgrad.explain(*TWO_LAYER_LOSS, at="y=1,v1=0.5,v0=-0.3,x=2", check=False)
    animation = animate(e)
    ax = animation.symgrad_figure.axes[0]
    labels = _labels(ax)
    assert len(labels) == 2 * e.graph.number_of_edges()
    led = [t for t in labels.values() if t.arrow_patch is not None]
    assert led  # short wires between neighbouring nodes: some labels sit away, with a leader
    animation.symgrad_show(0)
    assert not any(t.get_visible() for t in led if t.get_gid().startswith("gradient"))
    animation.symgrad_show(len(animation.symgrad_steps) - 1)
    assert all(t.get_visible() for t in labels.values())
    animation._draw_was_started = True  # inspected, not saved


def test_a_turned_label_stays_along_its_wire_when_the_figure_is_resized():
    _e, fig, ax = _drawn(*NEURON, None, "light")
    text = _labels(ax)["value w1 u1 0"]
    assert text.arrow_patch is None  # written along the wire, not aside
    for size in [(13.333, 7.5), (8, 8)]:
        fig.set_size_inches(*size)
        fig.canvas.draw()
        (x0, y0), (x1, y1) = _wires(ax)[("w1", "u1", 0)][0]
        turn = text.get_rotation() - np.degrees(np.arctan2(y1 - y0, x1 - x0))
        assert abs((turn + 180) % 360 - 180) < 2, size


def test_numbers_on_the_wires_are_the_gradients_with_a_true_minus_sign():
    e, _fig, ax = _drawn(*NEURON, NEURON_AT, "light")
    labels = _labels(ax)
    # x2 -> u2 carries x2 = 1 forward and back u2-bar * w2 = f-bar * sigma'(u3) * (-1)
    sigma = 1 / (1 + np.exp(-(0.5 * 2 + (-1) * 1 + 0.3)))
    expected = sigma * (1 - sigma) * -1
    assert labels["value x2 u2 1"].get_text() == "1 \u2192"
    text = labels["gradient x2 u2 1"].get_text()
    assert text.startswith("\u2190 \u2212") and abs(float(text[2:].replace("\u2212", "-")) - expected) < 1e-4


def test_a_negative_local_derivative_puts_its_sign_before_the_adjoint():
    _e, _fig, ax = _drawn("cos(x)*y", "x", None, "light")
    texts = [t.get_text() for gid, t in _labels(ax).items() if gid.startswith("gradient x ")]
    assert texts == [r"$\leftarrow -\bar{u}_{1} \cdot \sin{\left(x \right)}$"]
