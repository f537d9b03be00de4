"""Runs side by side: one setting, several values, everything else shared.

    compare = lr: 0.02, 0.1, 1.5          ([nnviz] in a cfg file)
    --compare lr=0.02,0.1,1.5             (the CLI)
    --compare "layers=1,4,1 | 1,16,1"     (values that hold commas: separate them with |)

Every run starts from the same config, so they share the seed and the data unless the compared
setting is one of them; their starting weights are the same only where the setting changes
neither the network's shape nor the draws before them (``shared_start`` says what is shared). A run that diverges is a result here, not an error: it is kept up to its
last finite epoch (``History.diverged_at``).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

from .config import RunConfig, flag_for
from .errors import ConfigError, NnvizError, TrainingDiverged
from .train import train

MIN_RUNS, MAX_RUNS = 2, 4


@dataclass(frozen=True)
class Comparison:
    field: str
    values: tuple[str, ...]  # as written, for labels
    histories: tuple  # one History per value, in order

    @property
    def labels(self) -> list[str]:
        """ "lr = 0.1": each run's name in a legend."""
        return [f"{self.field} = {v}" for v in self.values]

    @property
    def headings(self) -> list[str]:
        """Each run's column title: its label, and for a batch size what it makes of an epoch,
        "batch_size = 16 (7 steps/epoch)"."""
        if self.field == "batch_size":
            return [f"{label} ({'full batch' if h.steps == 1 else f'{h.steps} steps/epoch'})"
                    for label, h in zip(self.labels, self.histories)]
        return self.labels

    def clock(self):
        """The run the shared clock follows: the longest that did not diverge (the others stop
        where they did)."""
        steady = [h for h in self.histories if h.diverged_at is None] or list(self.histories)
        return max(steady, key=lambda h: h.epochs)


def shared_start(histories) -> tuple[bool, str]:
    """What the runs share before training, read from the runs themselves: whether their data
    (training and held-out points) are the same, and their starting weights: "same", "scaled"
    (the same draws, each layer at its own scale: another activation's or init's) or "own"
    (other shapes, as with other layers, or other draws)."""
    first = histories[0]
    same = lambda a, b: a.shape == b.shape and np.array_equal(a, b)
    data = all(same(h.X, first.X) and same(h.y, first.y) and same(h.X_test, first.X_test) and same(h.y_test, first.y_test)
               for h in histories[1:])
    starts = [h.at_epoch(0) for h in histories]
    pairs = [(a, b) for s in starts[1:] for a, b in zip([*starts[0].weights, *starts[0].biases], [*s.weights, *s.biases])]
    if any(len(s.weights) != len(starts[0].weights) for s in starts) or any(a.shape != b.shape for a, b in pairs):
        return data, "own"
    if all(np.array_equal(a, b) for a, b in pairs):
        return data, "same"

    def scaled(a, b) -> bool:  # b == k a for one k > 0 (zero biases stay zero)
        k = float(np.vdot(a, b) / np.vdot(a, a)) if np.any(a) else 1.0
        return k > 0 and np.allclose(b, k * a, rtol=1e-9, atol=0)

    return data, "scaled" if all(scaled(a, b) for a, b in pairs) else "own"


def shown_at(history, epoch: float):
    """A run's state at the shared clock's epoch: its last finite one once it has diverged."""
    return history.at(min(epoch, history.epochs))


def parse_compare(text: str, where: str = "--compare") -> tuple[str, list[str]]:
    """``"lr: 0.02, 0.1"`` or ``"lr=0.02,0.1"`` -> ("lr", ["0.02", "0.1"]); values with commas of
    their own (layers) are separated by ``|``."""
    match = re.fullmatch(r"\s*([A-Za-z_\-][A-Za-z0-9_\-]*)\s*[:=]\s*(.*?)\s*", text or "")  # l2, beta1 too
    fields = [f.name for f in dataclasses.fields(RunConfig)]
    if not match:
        raise NnvizError(f"{where} {text!r}: write one setting and its values, e.g. lr=0.02,0.1,1.5 "
                         "(layers: 1,4,1 | 1,16,1)")
    field = match.group(1).replace("-", "_")
    if field not in fields:
        raise NnvizError(f"{where} {text!r}: {match.group(1)} is not a setting; compare one of {', '.join(fields)}")
    separator = "|" if "|" in match.group(2) or field in ("layers", "features") else ","
    values = [v.strip() for v in match.group(2).split(separator) if v.strip()]
    if not MIN_RUNS <= len(values) <= MAX_RUNS:
        raise NnvizError(f"{where} {text!r}: give {MIN_RUNS} to {MAX_RUNS} values to compare, "
                         f"not {len(values)}")
    if len(set(values)) != len(values):
        raise NnvizError(f"{where} {text!r}: the values repeat; give {MIN_RUNS} to {MAX_RUNS} different ones")
    return field, values


def comparison_configs(base: RunConfig, field: str, values: list[str], where: str = "--compare") -> list[RunConfig]:
    """One config per value, each checked by RunConfig's own rules."""
    configs = []
    for value in values:
        try:
            configs.append(base.updated({field: value}))
        except ConfigError as exc:
            raise NnvizError(f"{where} value {exc.named(flag_for(field) if where == '--compare' else field)}") from None
    return configs


def compare(base: RunConfig, field: str, values: list[str], where: str = "--compare", progress=None) -> Comparison:
    """Train one run per value; a diverging run is kept up to its last finite epoch."""
    configs = comparison_configs(base, field, values, where)
    histories = []
    for config in configs:
        try:
            histories.append(train(config, progress=progress, keep_diverged=True))
        except TrainingDiverged as exc:  # diverged at its very first epoch: nothing to show
            raise NnvizError(f"{where} {field}={config_value(config, field)}: {exc}") from None
    return Comparison(field, tuple(values), tuple(histories))


def config_value(config: RunConfig, field: str) -> str:
    value = getattr(config, field)
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
