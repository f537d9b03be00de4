"""NetworkDiagram: the seed's network panel for any architecture, with the note that says how to
read it and what happened in training."""
from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse

from .. import palette as pal
from .. import plane
from ..chapters import batch_words, optimizer_words, penalty_words
from ..events import summary_lines
from ..layout import feature_text, network_layout, weight_label, weight_text, zero_weight_key
from ..numbers import fmt_fixed
from .panel import TITLE_SIZE, DashboardPanel, epoch_text

SIGN_ALPHA = 0.7  # sign markers are translucent, as in the seed
EDGE_LABEL_AT = 0.7  # along a fan-out edge: where neighbouring edges are about 0.7 rows apart
SIGN_AT = 0.55  # along a fan-in edge to the output, from its source: clear of the ∂h labels
FLOW_LABEL_AT = 0.08
NEURON_HEIGHT = 0.8  # y units (one per row); 2-D data leaves room under each neuron for its name
NEURON_HEIGHT_2D = 0.64
MAP_FILL = 0.92  # a neuron's map: this share of the largest square inside its ellipse


def values_text(name: str, value: float, weight: bool = False) -> str:
    return f"{name}={weight_text(value) if weight else fmt_fixed(value, 2)}"


class NetworkDiagram(DashboardPanel):
    """Neurons, edges coloured and sized by weight, biases and (for the last matrix) signs and the
    backward flow. Labels that the panel has no room for are left out whole, never half-drawn.

    For 2-D data every neuron carries its map: what it outputs over the input plane
    (``plane.neuron_map_rgb``, on its scale fixed for the run), one small image inside its
    ellipse, changed in place each frame; its name sits under it, the inputs' their feature's."""

    def __init__(self, ax, history, palette, sampling_note: str | None = None):
        super().__init__(ax, history, palette)
        self.layers = layers = tuple(history.config.layers)
        self.layout = layout = network_layout(layers)
        count = len(layers)
        last = count - 1
        # The seed's layers sit 1.5 apart in x in [-2.5, 2.5]; up to 1.8 leaves room for both a
        # sign marker and a ∂h label on each hidden -> output edge.
        self.spacing = spacing = min(1.8, 3.6 / (count - 1))
        self.rx = rx = min(0.4, 0.3 * spacing)  # neuron half-width in x; y units are 1 per row
        font = 9 if layout.height <= 9 else 8
        self.two_d = two_d = history.problem.is_2d
        self.neuron_height = NEURON_HEIGHT_2D if two_d else NEURON_HEIGHT

        def at(item):
            return (item.layer - last / 2) * spacing, item.y

        self.at = at
        ax.set_xlim(-2.5, 2.5)
        self.top = max(n.y for col in layout.neurons for n in col) + 1.0
        self.bottom = min(n.y for col in layout.neurons for n in col) - 0.6
        ax.set_ylim(self.bottom - 0.5, self.top)
        ax.axis("off")
        self.title = ax.set_title("", fontsize=TITLE_SIZE)
        colours = pal.neuron_fills(self.theme, count)
        self.ellipses, self.neuron_texts = [], []  # neuron_texts: (text, neuron)
        self.maps = []  # (image, neuron): 2-D data only
        self.norms = plane.map_norms(history) if two_d else None
        self.rings = []  # (ellipse, neuron): a bias is its neuron's ring, as in the video
        for column in layout.neurons:
            for n in column:
                x, y = at(n)
                self.ellipses.append(ax.add_patch(Ellipse((x, y), 2 * rx, self.neuron_height,
                                                          color=colours[n.layer], alpha=0.8, zorder=2)))
                if n.layer > 0:
                    self.rings.append((self.ellipses[-1], n))
                if two_d:
                    self._add_map_and_name(n, x, y, font)
                elif n.layer == 0:
                    ax.text(x, y, f"Input\n({n.label})", ha="center", va="center", zorder=4, fontsize=font + 1)
                else:
                    text = ax.text(x, y, "", ha="center", va="center", zorder=4,
                                   fontsize=font if n.layer < last else font + 1,
                                   bbox=dict(facecolor=self.theme.figure, alpha=0.7, boxstyle="round,pad=0.2"))
                    self.neuron_texts.append((text, n))
        # A dead unit (passes nothing on any training input) is crossed out from the epoch it dies,
        # as the video's diagram does (state.dead_units()): hidden while it lives.
        self.dead_marks = []  # (the cross's two lines, neuron)
        for column in layout.neurons[1:-1]:
            for n in column:
                x, y = at(n)
                cross = [ax.add_line(Line2D([x - 0.8 * rx, x + 0.8 * rx], [y - s * 0.32, y + s * 0.32],
                                            color=self.theme.muted_ink, linewidth=2, zorder=4.5, visible=False))
                         for s in (1, -1)]
                self.dead_marks.append((cross, n))
        self.ellipsis_texts = [ax.text(at(e)[0], e.y, f"⋮\n({e.hidden_count} more)", ha="center",
                                       va="center", fontsize=font, zorder=4) for e in layout.ellipses]

        self.edges = []  # (line, edge)
        self.edge_labels = []  # (text, edge): weight values on a fan-out from a single neuron
        for e in layout.edges:
            (x0, y0), (x1, y1) = at(e.start), at(e.end)
            line = Line2D([x0 + rx, x1 - rx], [y0, y1], zorder=1, solid_capstyle="butt")
            ax.add_line(line)
            self.edges.append((line, e))
            if layers[e.layer] == 1 and e.layer < last - 1:
                lx, ly = self._along(e, EDGE_LABEL_AT)
                self.edge_labels.append((ax.text(lx, ly, "", ha="center", va="center", fontsize=font - 1,
                                                 zorder=3, bbox=dict(facecolor=self.theme.figure, alpha=0.8,
                                                                     boxstyle="round,pad=0.15")), e))

        # The last matrix, as in the seed: sign markers and the backward flow ∂h.
        self.signs, self.flow_texts = [], []
        self.flows = []  # (line, edge): hidden while the edge's weight is 0, which carries no gradient back
        for e in layout.edges:
            if e.layer != last - 1:
                continue
            sx, sy = self._along(e, SIGN_AT)
            self.signs.append((ax.text(sx, sy, "", ha="center", va="center", fontsize=11, zorder=3,
                                       bbox=dict(alpha=SIGN_ALPHA, boxstyle="circle,pad=0.15")), e))
            (x0, y0), (x1, y1) = at(e.start), at(e.end)
            self.flows.append((ax.plot([x1 - rx, x0 + rx], [y1, y0], color=self.theme.backward_flow, linestyle=":",
                                       alpha=0.7, linewidth=1.5, zorder=1.5)[0], e))
            if e.j == layout.neurons[-1][0].index and e.layer > 0:  # one per hidden source
                fx, fy = self._along(e, FLOW_LABEL_AT)
                self.flow_texts.append(ax.text(
                    fx, fy, "∂" + e.start.label, ha="left", va="center", color=self.theme.backward_flow,
                    fontsize=font, zorder=3, bbox=dict(facecolor=self.theme.figure, edgecolor="none", alpha=0.7, pad=0.5)))
        self.note = ax.text(0.5, 0.005, self.note_text(sampling_note), transform=ax.transAxes,
                            ha="center", va="bottom", fontsize=10, zorder=5,
                            bbox=dict(facecolor=self.theme.figure, alpha=0.7))

    def _add_map_and_name(self, n, x: float, y: float, font: int) -> None:
        """A 2-D neuron's map (placed in after_layout, once its square's size is known) and its
        name under it: an input's feature, fixed; a hidden or output unit's name and bias."""
        side = self.history.problem.grid_side
        image = self.ax.imshow(np.zeros((side, side, 3)), origin="lower", interpolation="bilinear",
                               extent=(x, x, y, y), aspect="auto", zorder=3)
        self.maps.append((image, n))
        under = y - self.neuron_height / 2 - 0.03
        style = dict(ha="center", va="top", zorder=4, fontsize=font,
                     bbox=dict(facecolor=self.theme.figure, edgecolor="none", alpha=0.7, pad=0.5))
        if n.layer == 0:
            self.ax.text(x, under, feature_text(self.history.problem.features[n.index]), **style)
        else:
            self.neuron_texts.append((self.ax.text(x, under, "", **style), n))

    def _place_maps(self, renderer) -> None:
        """Each map as the largest square (on screen) inside its ellipse, a little inset."""
        ax = self.ax
        box = ax.get_window_extent(renderer)
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        per_x, per_y = box.width / (x1 - x0), box.height / (y1 - y0)  # pixels per data unit
        a, b = self.rx * per_x, self.neuron_height / 2 * per_y  # the ellipse's half-axes, in pixels
        half = MAP_FILL / np.sqrt(1 / a**2 + 1 / b**2)  # the inscribed square's corner: (h/a)² + (h/b)² = 1
        for image, n in self.maps:
            x, y = self.at(n)
            image.set_extent((x - half / per_x, x + half / per_x, y - half / per_y, y + half / per_y))
        ax.set_xlim(x0, x1)  # set_extent may have widened them
        ax.set_ylim(y0, y1)

    def _along(self, e, share: float) -> tuple[float, float]:
        """A point ``share`` of the way along an edge's drawn line, from its source."""
        (x0, y0), (x1, y1) = self.at(e.start), self.at(e.end)
        x0, x1 = x0 + self.rx, x1 - self.rx
        return x0 + share * (x1 - x0), y0 + share * (y1 - y0)

    def note_text(self, sampling_note: str | None) -> str:
        lines = ["How to read it:",
                 "- Edges: blue (negative) to red (positive) weights, one fixed scale for the",
                 "  whole run; width grows with |w|; a neuron's ring: its bias, the same way",
                 *([f"- Dotted grey edges: {zero_weight_key(self.history)} exactly (L1 stopped it; no ∂h flows back)"]
                   if zero_weight_key(self.history) else []),
                 "- Backward flow: purple dotted lines (∂h: gradient reaching a hidden unit)",
                 "- Neurons: {} (input), {} (hidden), {} (output)".format(*self.theme.neuron_names)]
        if self.two_d:
            lines.append("- Maps: each neuron's output over the input plane (x₁ across, x₂ up), its own fixed scale")
        c, h = self.history.config, self.history
        if (c.optimizer, h.steps, c.l1, c.l2) != ("sgd", 1, 0, 0):  # how it learns, when not the seed's way
            lines.append(f"- Training: {optimizer_words(c)}, learning rate {c.lr:g}")
            if h.steps > 1:
                lines.append(f"- {batch_words(h, short=True).capitalize()}; a frame shows an epoch before its steps")
            if penalty_words(c):
                lines.append(f"- Penalty: {penalty_words(c, short=True)} on the weights")
        happened = summary_lines(self.history) + ([sampling_note] if sampling_note else [])
        if happened:
            lines += ["What happened:"] + [f"- {line}" for line in happened]
        return "\n".join(lines)

    # -- after layout: make room for the note, leave out labels that do not fit -------------------
    def after_layout(self, renderer) -> None:
        note = self.note.get_window_extent(renderer)
        box = self.ax.get_window_extent(renderer)
        note_share = (note.y1 - box.y0) / box.height + 0.01
        span = (self.top - self.bottom) / max(1 - note_share, 0.2)
        self.ax.set_ylim(self.top - span, self.top)
        if self.two_d:
            self._place_maps(renderer)
        self._set_widest_texts()
        neuron_boxes = [t.get_window_extent(renderer) for t, _ in self.neuron_texts]
        if any(a.overlaps(b) for k, a in enumerate(neuron_boxes) for b in neuron_boxes[k + 1:]) or (
                self.two_d and self._names_cover_neurons(neuron_boxes, renderer)):
            self.compact = True  # rows too close for values: hidden units show their names only
            self._set_widest_texts()
            neuron_boxes = [t.get_window_extent(renderer) for t, _ in self.neuron_texts]
        blockers = [e.get_window_extent(renderer) for e in self.ellipses] + neuron_boxes + [note]
        blockers += [t.get_window_extent(renderer) for t in self.ellipsis_texts]
        for group in (self.edge_labels, [(t, None) for t in self.flow_texts], self.signs):
            boxes = [t.get_window_extent(renderer) for t, _ in group]
            clash = any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
            clash |= any(a.overlaps(b) for a in boxes for b in blockers)
            for t, _ in group:
                t.set_visible(not clash)
            if not clash:
                blockers += boxes

    def _names_cover_neurons(self, boxes, renderer) -> bool:
        """2-D: whether a name under a neuron reaches into the neuron below it."""
        drawn = [n for column in self.layout.neurons for n in column]
        neurons = {(n.layer, n.index): e.get_window_extent(renderer) for e, n in zip(self.ellipses, drawn)}
        return any(box.overlaps(e) for box, (_, mine) in zip(boxes, self.neuron_texts)
                   for key, e in neurons.items() if key != (mine.layer, mine.index))

    def _set_widest_texts(self) -> None:
        """Fill every label with its widest possible text, to measure it."""
        w, b = -self.history.largest("weights"), -self.history.largest("biases")
        for text, _ in self.edge_labels:
            text.set_text(fmt_fixed(w, 2))
        for text, _ in self.signs:
            text.set_text("−")
        for text, n in self.neuron_texts:
            single_out = n.layer < len(self.layers) - 1 and self.layers[n.layer + 1] == 1
            text.set_text(self._neuron_text(n, b, w if single_out else None))

    compact = False

    def _neuron_text(self, n, b: float, w_out: float | None) -> str:
        last = len(self.layers) - 1
        if self.two_d:  # one line under the neuron's map
            return n.label if self.compact else f"{n.label} {values_text('b', b)}"
        if n.layer == last:
            return f"Output\n({n.label})\n{values_text('b', b)}"
        if self.compact:
            return n.label
        if w_out is not None:  # its one outgoing weight, as the seed shows
            return f"{n.label}\n{values_text(weight_label(self.layers, n.layer, n.index, 0), w_out, weight=True)}\n{values_text('b', b)}"
        return f"{n.label}\n{values_text('b', b)}"

    def changing_artists(self) -> list:
        """Everything over the edges (they change, and must stay under the neurons and labels),
        but the note: it lies clear of them, and is the longest text to draw."""
        return [a for a in super().changing_artists() if a is not self.note]

    # -- a State ---------------------------------------------------------------------------------
    def set_state(self, state) -> None:
        self.title.set_text(f"Network Architecture (Epoch {epoch_text(state, self.history.epochs)})")
        styles = self.palette.edge_styles([state.weights[e.layer][e.i, e.j] for _, e in self.edges], self.theme.figure)
        for (line, _), rgb, width, zero in zip(self.edges, styles.rgb, styles.width, styles.zero):
            line.set_color(rgb)
            line.set_linewidth(width)  # points
            # matplotlib scales a dash pattern by the line's width: given in widths, it is ZERO_DASH in points
            line.set_linestyle((0, tuple(d / width for d in pal.ZERO_DASH)) if zero else "-")
        for line, e in self.flows:  # ∂h through a weight of 0 is 0: no flow over its dotted grey edge
            line.set_visible(bool(state.weights[e.layer][e.i, e.j] != 0))
        for text, e in self.edge_labels:
            text.set_text(weight_text(state.weights[e.layer][e.i, e.j]))
        for ellipse, n in self.rings:
            b = state.biases[n.layer - 1][0, n.index]
            ellipse.set_edgecolor(self.palette.ring_rgb(b))
            ellipse.set_linewidth(pal.edge_width(b, self.palette.biases, *pal.RING_WIDTH))  # points
        dead = state.dead_units()
        for cross, n in self.dead_marks:
            for line in cross:
                line.set_visible(bool(dead[n.layer - 1][n.index]))
        for text, n in self.neuron_texts:  # the GIF also writes b, as the seed did: a still frame has room
            b = state.biases[n.layer - 1][0, n.index]
            single_out = n.layer < len(self.layers) - 1 and self.layers[n.layer + 1] == 1
            text.set_text(self._neuron_text(n, b, state.weights[n.layer][n.index, 0] if single_out else None))
        for text, e in self.signs:
            w = state.weights[e.layer][e.i, e.j]
            rgb = self.palette.weight_rgb(w)
            text.set_text("+" if w > 0 else "−" if w < 0 else "0")
            text.get_bbox_patch().set_facecolor(rgb)
            shown = SIGN_ALPHA * rgb + (1 - SIGN_ALPHA) * pal.hex_rgb(self.theme.figure)  # as drawn over the axes
            text.set_color(pal.text_color_on(shown))
        if self.two_d:  # every map from the State's one forward pass over the grid
            for image, n in self.maps:
                image.set_data(plane.neuron_map_rgb(state, self.norms, n.layer, n.index, self.theme))
