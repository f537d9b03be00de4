"""The classic training dashboard: the seed notebook's seven matplotlib panels, fixed.

``Dashboard(history)`` builds the figure and every artist once and lays it out once;
``update(state)`` then only changes data, colours and text. The parts no frame changes (axes
frames, ticks, grids, legends, the note) are drawn once into a background; a frame restores it
and draws only the changing artists over it (blitting).
Colours come from ``palette`` (one fixed, symmetric norm per run) and neuron positions from
``layout``, so any architecture the core accepts draws, with an ellipsis for wide layers.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch

from . import palette as pal
from .layout import fit_y_range, network_layout, neuron_label, weight_label
from .panels import PANELS

# Each panel's cell in the seed's 3 x 3 grid.
SEED_CELLS = {"fit": (slice(0, 2), 0), "loss": (2, 0), "network": (slice(0, 2), 1),
              "weights_in": (0, 2), "weights_out": (1, 2), "biases": (2, 1), "gradients": (2, 2)}
FIGSIZE = (22, 15)  # inches, as in the seed: 2640 x 1800 px at 120 dpi
DPI = 120
# Bias and gradient bars by sign, in the weight map's end colours, as the video draws them
# (the seed's red/green biases were the one place it left its blue-red scheme).
NEGATIVE, POSITIVE = (pal.to_hex(c) for c in pal.sign_rgb([-1, 1]))
NAMED_COLOURS = (pal.INPUT_NEURON, pal.HIDDEN_NEURON, pal.OUTPUT_NEURON, pal.BACKWARD_FLOW,
                 pal.DATA_POINTS, pal.PREDICTION, pal.LOSS_CURVE, "#b0b0b0")  # the last: grid lines
SIGN_ALPHA = 0.7  # sign markers are translucent, as in the seed
MAX_CELL_TEXTS = 40  # heatmaps with more cells (or more than 16 rows) show colour only


def epoch_text(epoch: float) -> str:
    return f"{epoch:.0f}" if float(epoch).is_integer() else f"{epoch:.1f}"


def thinned(count: int, most: int) -> list[int]:
    """Indices of at most about ``most`` evenly spaced labels, always keeping the last."""
    step = max(1, int(np.ceil(count / most)))
    keep = list(range(0, count - 1, step))
    if keep and count - 1 - keep[-1] < step / 2:  # too close to the last label to read
        keep.pop()
    return keep + [count - 1]


def figure_size(panels) -> tuple[float, float]:
    """Inches: the seed's 22 x 15 for all seven panels; a subset sits in one row."""
    if len(panels) == len(PANELS):
        return FIGSIZE
    tall = any(p in ("fit", "network") for p in panels)
    return (FIGSIZE[0] / 3 * len(panels), FIGSIZE[1] * (2 / 3 if tall else 1 / 3))


def matrix_name(index: int) -> str:
    return f"w{index + 1}"


class Dashboard:
    def __init__(self, history, panels=tuple(PANELS), dpi: int = DPI):
        self.history = history
        self.layers = tuple(history.config.layers)
        self.palette = pal.Palette.for_history(history)
        self.panels = [p for p in PANELS if p in panels]
        self.fig = Figure(figsize=figure_size(self.panels), dpi=dpi, facecolor="white")
        FigureCanvasAgg(self.fig)  # draws off-screen into an RGBA buffer, no GUI backend
        self.axes = self._make_axes()
        self.updaters = []
        for name, ax in self.axes.items():
            self.updaters.append(getattr(self, f"_build_{name}")(ax))
        self.update(history.at(0))
        self.fig.tight_layout()  # once: every later frame changes only numbers, not the layout
        if "network" in self.axes:
            self._make_room_for_note()
        self._draw_background()

    # -- figure --------------------------------------------------------------------------------
    def _make_axes(self) -> dict:
        if len(self.panels) == len(PANELS):
            grid = GridSpec(3, 3, figure=self.fig)
            return {p: self.fig.add_subplot(grid[SEED_CELLS[p]]) for p in self.panels}
        grid = GridSpec(1, len(self.panels), figure=self.fig)  # a subset sits in one row
        return {p: self.fig.add_subplot(grid[0, k]) for k, p in enumerate(self.panels)}

    def update(self, state) -> None:
        for updater in self.updaters:
            updater(state)

    def render_rgb(self, state) -> np.ndarray:
        """The frame for ``state`` as an (H, W, 3) uint8 array."""
        self.update(state)
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for ax, artists in self.changing:
            for artist in artists:
                ax.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())[..., :3]

    def _draw_background(self) -> None:
        """Mark what frames change as animated, draw the rest once, and keep that image."""
        self.changing = []
        for name, ax in self.axes.items():
            if name == "gradients":  # its y-axis is rescaled every frame: redraw it whole
                artists = [ax]
            else:
                spines = ax.spines.values() if ax.axison else []  # a heatmap keeps its frame on top
                artists = [*ax.images, *ax.collections, *ax.patches, *ax.lines, *ax.texts, ax.title,
                           *spines]
                artists.sort(key=lambda a: a.get_zorder())  # the order Axes.draw uses
            for artist in artists:
                artist.set_animated(True)
            self.changing.append((ax if name != "gradients" else self.fig, artists))
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    # -- 1. data fit ---------------------------------------------------------------------------
    def _build_fit(self, ax):
        h = self.history
        x, y = h.X[:, 0], h.y[:, 0]
        ax.scatter(x, y, color=pal.DATA_POINTS, alpha=0.3, label="True Data")
        (line,) = ax.plot(h.grid[:, 0], h.prediction[0][:, 0], color=pal.PREDICTION, linewidth=2,
                          label="Prediction")
        ax.legend(loc="upper right")
        ax.grid(True)
        low, high = fit_y_range(h)  # fixed, so the curve moves and the axes do not
        span = y.max() - y.min()
        ax.set_xlim(h.grid[0, 0] - 0.05, h.grid[-1, 0] + 0.05)
        ax.set_ylim(low - 0.08 * span, high + 0.08 * span)
        title = ax.set_title("", fontsize=12)

        def update(state):
            line.set_ydata(state.prediction[:, 0])
            title.set_text(f"Data Fit (Epoch {epoch_text(state.epoch)})\nLoss: {state.loss:.4f}")
        return update

    # -- 2. loss ---------------------------------------------------------------------------------
    def _build_loss(self, ax):
        loss = self.history.loss
        (curve,) = ax.plot([], [], "-", color=pal.LOSS_CURVE, label="Loss")
        (marker,) = ax.plot([], [], "o", color=pal.LOSS_MARKER, markersize=8, clip_on=False)
        ax.set_title("Training Loss", fontsize=12)
        ax.set_xlabel("Epoch")
        ax.grid(True)
        ax.set_xlim(0, len(loss) - 1)
        ax.set_ylim(0, loss.max() * 1.1)
        epochs = np.arange(len(loss))

        def update(state):
            shown = int(np.floor(state.epoch)) + 1
            curve.set_data(np.r_[epochs[:shown], state.epoch], np.r_[loss[:shown], state.loss])
            marker.set_data([state.epoch], [state.loss])
        return update

    # -- 3. network ------------------------------------------------------------------------------
    def _build_network(self, ax):
        layout = network_layout(self.layers)
        n_layers = len(self.layers)
        # The seed's layers sit 1.5 apart in x in [-2.5, 2.5]; 1.8 leaves room for both a sign
        # marker and a dL/dh label on each hidden -> output edge.
        spacing = min(1.8, 3.6 / (n_layers - 1))
        rx = min(0.4, 0.3 * spacing)  # neuron half-width in x units; y units are 1 per neuron
        last = n_layers - 1
        font = 9 if layout.height <= 9 else 7

        def at(neuron):
            return (neuron.layer - last / 2) * spacing, neuron.y

        ax.set_xlim(-2.5, 2.5)
        top = max(n.y for col in layout.neurons for n in col)
        self.net_top = top + 1.0
        self.net_bottom = min(n.y for col in layout.neurons for n in col) - 0.6
        ax.set_ylim(self.net_bottom - 0.5, self.net_top)
        ax.axis("off")
        title = ax.set_title("", fontsize=12)
        colours = [pal.INPUT_NEURON] + [pal.HIDDEN_NEURON] * (n_layers - 2) + [pal.OUTPUT_NEURON]
        neuron_texts = []  # (text, neuron)
        for column in layout.neurons:
            for n in column:
                x, y = at(n)
                ax.add_patch(Ellipse((x, y), 2 * rx, 0.8, color=colours[n.layer], alpha=0.8, zorder=2))
                if n.layer == 0:
                    ax.text(x, y, f"Input\n({n.label})", ha="center", va="center", zorder=4)
                else:
                    text = ax.text(x, y, "", ha="center", va="center", zorder=4,
                                   fontsize=font if n.layer < last else 10,
                                   bbox=dict(facecolor="white", alpha=0.7, boxstyle="round"))
                    neuron_texts.append((text, n))
        for e in layout.ellipses:
            ax.text(at(e)[0], e.y, f"⋮\n({e.hidden_count} more)", ha="center", va="center",
                    fontsize=font, zorder=4)

        edges = []  # (line, edge, label text or None)
        for e in layout.edges:
            (x0, y0), (x1, y1) = at(e.start), at(e.end)
            line = Line2D([x0 + rx, x1 - rx], [y0, y1], zorder=1, solid_capstyle="butt")
            ax.add_line(line)
            label = None
            # A fan-out from one neuron has room for value labels (the last matrix has signs).
            if self.layers[e.layer] == 1 and e.layer < last - 1:
                label = ax.text((x0 + x1) / 2, (y0 + y1) / 2, "", ha="center", va="center",
                                fontsize=8, zorder=3, bbox=dict(facecolor="white", alpha=0.7))
            edges.append((line, e, label))

        # The last matrix, as in the seed: sign markers and the backward flow dL/dh.
        signs = []  # (text, edge)
        self.sign_texts, self.flow_texts = [], []
        for e in layout.edges:
            if e.layer != last - 1:
                continue
            (x0, y0), (x1, y1) = at(e.start), at(e.end)
            x0, x1 = x0 + rx, x1 - rx
            sign = ax.text((x0 + x1) / 2, (y0 + y1) / 2, "", ha="center", va="center",
                           fontsize=12, zorder=3, bbox=dict(alpha=SIGN_ALPHA, boxstyle="circle"))
            signs.append((sign, e))
            self.sign_texts.append(sign)
            ax.plot([x1, x0], [y1, y0], color=pal.BACKWARD_FLOW, linestyle=":", alpha=0.7,
                    linewidth=1.5, zorder=1.5)
            if e.j == layout.neurons[-1][0].index and spacing >= 1.8:  # one per source, if room
                s = 0.22  # near the source end, clear of the sign marker at the midpoint
                self.flow_texts.append(ax.text(
                    x0 + s * (x1 - x0), y0 + s * (y1 - y0), "∂" + e.start.label, ha="center", va="center",
                    color=pal.BACKWARD_FLOW, fontsize=9, zorder=3,
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5)))

        self.note = ax.text(0.5, 0.005, self._note_text(), transform=ax.transAxes, ha="center",
                            va="bottom", fontsize=10, zorder=5,
                            bbox=dict(facecolor="white", alpha=0.7))
        self.network_edges = edges
        norm = self.palette.weights

        def update(state):
            title.set_text(f"Network Architecture (Epoch {epoch_text(state.epoch)})")
            for line, e, label in edges:
                w = state.weights[e.layer][e.i, e.j]
                line.set_color(self.palette.weight_rgb(w))
                line.set_linewidth(pal.edge_width(w, norm, 0.5, 6.0))
                if label is not None:
                    label.set_text(f"{w:.2f}")
            for text, n in neuron_texts:
                b = state.biases[n.layer - 1][0, n.index]
                if n.layer == last:
                    text.set_text(f"Output\n({n.label})\nb={b:.2f}")
                elif self.layers[n.layer + 1] == 1:  # its one outgoing weight, as the seed shows
                    w = state.weights[n.layer][n.index, 0]
                    text.set_text(f"{n.label}\n{matrix_name(n.layer)}={w:.2f}\nb={b:.2f}")
                else:
                    text.set_text(f"{n.label}\nb={b:.2f}")
            for text, e in signs:
                w = state.weights[e.layer][e.i, e.j]
                rgb = self.palette.weight_rgb(w)
                text.set_text("+" if w > 0 else "−")
                text.get_bbox_patch().set_facecolor(rgb)
                shown = SIGN_ALPHA * rgb + (1 - SIGN_ALPHA)  # as drawn over the white axes
                text.set_color(pal.text_color_on(shown))
        return update

    def _note_text(self) -> str:
        return ("Color Coding:\n"
                "- Forward Connections: Blue (negative) to Red (positive) weights,\n"
                "  one fixed scale for the whole run; width grows with |w|\n"
                "- Backward Flow: Purple dotted lines (∂h: gradient reaching a hidden unit)\n"
                "- Neurons: Skyblue (Input), Lightgreen (Hidden), Salmon (Output)\n"
                "- Heatmap text: black or white, whichever reads on the cell")

    def _make_room_for_note(self):
        """Lower the network's y-range so its bottom neuron clears the colour-coding note."""
        ax = self.axes["network"]
        renderer = self.fig.canvas.get_renderer()
        note = self.note.get_window_extent(renderer)
        box = ax.get_window_extent(renderer)
        note_frac = (note.y1 - box.y0) / box.height + 0.01
        top, bottom = self.net_top, self.net_bottom
        span = (top - bottom) / (1 - note_frac)
        ax.set_ylim(top - span, top)

    # -- 4. weight heatmaps ----------------------------------------------------------------------
    def _weight_title(self, first: bool) -> str:
        n = len(self.layers) - 1
        if n == 1:
            return "Input → Output Weights"
        if n == 2:
            return "Input → Hidden Weights" if first else "Hidden → Output Weights"
        if first:
            return f"Input → Hidden 1 Weights ({matrix_name(0)}, first of {n} matrices)"
        return f"Hidden {n - 1} → Output Weights ({matrix_name(n - 1)}, last of {n} matrices)"

    def _build_weights_in(self, ax):
        return self._build_heatmap(ax, first=True)

    def _build_weights_out(self, ax):
        return self._build_heatmap(ax, first=False)

    def _build_heatmap(self, ax, first: bool):
        # Rows are the hidden units in both panels, as in the seed (w1 transposed).
        index = 0 if first else len(self.layers) - 2
        row_layer = index + 1 if first else index

        def matrix(state):
            w = state.weights[index]
            return w.T if first else w

        m = matrix(self.history.at(0))
        vmax = self.palette.weights.vmax
        image = ax.imshow(m, cmap=pal.CMAP_NAME, norm=Normalize(-vmax, vmax), aspect="auto",
                          interpolation="nearest")
        ax.set_title(self._weight_title(first), fontsize=12)
        rows, cols = m.shape
        ax.set_ylabel("Hidden Units" if 0 < row_layer < len(self.layers) - 1 else "Units")
        if rows <= 16:
            ax.set_yticks(range(rows), [neuron_label(self.layers, row_layer, r) for r in range(rows)])
        if first:
            ax.set_xticks([])
        else:
            ax.set_xlabel("Output Unit")
            ax.set_xticks(range(cols), [neuron_label(self.layers, index + 1, c) for c in range(cols)])
        cells = []
        if m.size <= MAX_CELL_TEXTS and rows <= 16:  # smaller cells cannot hold a value
            cells = [(r, c, ax.text(c, r, "", ha="center", va="center", fontsize=10))
                     for r in range(rows) for c in range(cols)]
        self.heatmap_cells = getattr(self, "heatmap_cells", {})
        self.heatmap_cells["weights_in" if first else "weights_out"] = (ax, cells)

        def update(state):
            m = matrix(state)
            image.set_data(m)
            for r, c, text in cells:
                w = m[r, c]
                text.set_text(f"{w:.2f}" if first else f"{w:+.2f}")
                text.set_color(pal.text_color_on(self.palette.weight_rgb(w)))
        return update

    # -- 5. biases -------------------------------------------------------------------------------
    def _build_biases(self, ax):
        labels, positions, x = [], [], 0.0
        for layer in range(1, len(self.layers)):
            for k in range(self.layers[layer]):
                labels.append(neuron_label(self.layers, layer, k) if layer < len(self.layers) - 1
                              else "out" if self.layers[-1] == 1 else f"out{k + 1}")
                positions.append(x)
                x += 1
            x += 0.6  # a gap between layers
        bars = ax.bar(positions, np.zeros(len(positions)), width=0.4)
        self.bias_bars = list(bars)
        shown = thinned(len(labels), 16)
        ax.set_xticks([positions[k] for k in shown], [labels[k] for k in shown])
        ax.set_title("Bias Values", fontsize=12)
        ax.grid(True)
        every_bias = np.concatenate([b.ravel() for b in self.history.snapshots["biases"]])
        lo, hi = min(every_bias.min(), 0.0), max(every_bias.max(), 0.0)
        pad = 0.1 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
        ax.axhline(0, color="black", linewidth=0.8)
        self.bias_legend = ax.legend(handles=[Patch(color=POSITIVE, label="positive bias"),
                                              Patch(color=NEGATIVE, label="negative bias")],
                                     loc="best")

        def update(state):
            values = np.concatenate([b.ravel() for b in state.biases])
            for bar, b in zip(bars, values):
                bar.set_height(b)
                bar.set_color(NEGATIVE if b < 0 else POSITIVE)
        return update

    # -- 6. gradients ----------------------------------------------------------------------------
    def _build_gradients(self, ax):
        # The first and last matrices' gradients, as two labelled groups: never averaged or mixed.
        shown = sorted({0, len(self.layers) - 2})
        labels, positions, x = [], [], 0.0
        group_centres = []
        for index in shown:
            d_in, d_out = self.layers[index], self.layers[index + 1]
            start = x
            for i in range(d_in):
                for j in range(d_out):
                    labels.append(weight_label(self.layers, index, i, j))
                    positions.append(x)
                    x += 1
            group_centres.append(((start + x - 1) / 2, index))
            x += 1  # a gap between the matrices
        bars = ax.bar(positions, np.zeros(len(positions)), width=0.8)
        many = len(positions) > 12
        ticks = thinned(len(labels), 24)
        ax.set_xticks([positions[k] for k in ticks], [labels[k] for k in ticks],
                      rotation=90 if many else 0, fontsize=8 if many else 10)
        ax.grid(True)
        ax.axhline(0, color="black", linewidth=0.8)
        n = len(self.layers) - 1
        groups = " | ".join(matrix_name(i) for i in shown)
        which = f"first and last of {n} matrices; " if n > 2 else ""
        ax.set_title(f"Weight Gradients ∂L/∂w: {groups}\n({which}axis rescaled each frame)",
                     fontsize=12)
        values_text = []
        if len(positions) <= 24:
            values_text = [ax.text(p, 0, "", ha="center", fontsize=8 if many else 9,
                                   rotation=90 if many else 0) for p in positions]
        self.gradient_bars = list(bars)

        def update(state):
            values = np.concatenate([state.grad_weights[i].ravel() for i in shown])
            top = float(np.abs(values).max()) or 1e-12
            ax.set_ylim(-1.35 * top, 1.35 * top)
            for bar, g in zip(bars, values):
                bar.set_height(g)
                bar.set_color(NEGATIVE if g < 0 else POSITIVE)
            for text, g in zip(values_text, values):
                text.set_text(f"{g:.2g}")
                text.set_y(g)
                text.set_va("bottom" if g >= 0 else "top")
        return update
