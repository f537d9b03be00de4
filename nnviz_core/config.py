"""RunConfig: everything that defines a training run, validated in one place.

The same checks serve the CLI flags, manim.cfg's ``[nnviz]`` section and saved runs; each front
end names the bad setting in its own words via ``ConfigError.field``.
"""
from __future__ import annotations

import configparser
import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .data import DATASETS, INPUT_DIM, OUTPUT_DIM
from .errors import ConfigError, NnvizError

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
INITS = ("auto", "seed", "he", "xavier")
MAX_SNAPSHOTS = 100_000  # checkpoints of weights: a bound on memory and file size
CFG_SECTION = "nnviz"


@dataclass(frozen=True)
class RunConfig:
    layers: tuple[int, ...] = (1, 10, 1)
    activation: str = "relu"
    lr: float = 0.1
    epochs: int = 100  # epochs 0..epochs are evaluated, as in the seed
    snapshot_every: int = 5
    seed: int = 0
    dataset: str = "quadratic"
    samples: int = 100
    noise: float = 0.1
    # auto: the seed's N(0, 0.5²) for its own 1-10-1 ReLU, else He (relu family) / Xavier.
    init: str = "auto"

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        _check(self)

    # -- conversions -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["layers"] = list(self.layers)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        return cls().updated(d)

    def updated(self, changes: dict) -> "RunConfig":
        """A copy with some fields changed; text values (from flags or cfg files) are parsed."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigError(name, changes[name], f"unknown setting; known: {', '.join(FIELD_HELP)}")
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})


FIELD_HELP = {
    "layers": "layer sizes, input to output, e.g. 1,10,1",
    "activation": f"hidden activation: {', '.join(ACTIVATIONS)}",
    "lr": "learning rate (> 0)",
    "epochs": "epochs to train (>= 1); epochs 0..N are evaluated",
    "snapshot_every": "keep a snapshot every N epochs (the last epoch is always kept)",
    "seed": "random seed for data noise and initial weights",
    "dataset": f"dataset: {', '.join(DATASETS)}",
    "samples": "number of training points (>= 2)",
    "noise": "standard deviation of the label noise (>= 0)",
    "init": f"weight initialisation: {', '.join(INITS)}",
}


def flag_for(field: str) -> str:
    """The CLI flag of a field: snapshot_every -> --snapshot-every."""
    return "--" + field.replace("_", "-")


def _coerce(name: str, value):
    """Turn text (from a cfg file or a flag) into the field's type, or raise ConfigError."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if name == "layers":
            return tuple(int(p) for p in text.split(","))  # "1,,1" fails here, as it should
        if name in ("epochs", "snapshot_every", "seed", "samples"):
            return int(text)
        if name in ("lr", "noise"):
            return float(text)
    except ValueError:
        raise ConfigError(name, value, "expected " + FIELD_HELP[name]) from None
    return text


def _check(c: RunConfig) -> None:
    def need(ok, name, allowed):
        if not ok:
            raise ConfigError(name, getattr(c, name), allowed)

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    need(len(c.layers) >= 2 and all(is_int(n) and n >= 1 for n in c.layers),
         "layers", "need at least 2 layers, each a whole number >= 1 (e.g. 1,10,1)")
    need(c.activation in ACTIVATIONS, "activation", f"choose one of {', '.join(ACTIVATIONS)}")
    need(isinstance(c.lr, (int, float)) and math.isfinite(c.lr) and c.lr > 0,
         "lr", "the learning rate must be a number > 0 (e.g. 0.1)")
    need(is_int(c.epochs) and 1 <= c.epochs <= 1_000_000, "epochs", "must be a whole number from 1 to 1000000")
    need(is_int(c.snapshot_every) and c.snapshot_every >= 1, "snapshot_every", "must be a whole number >= 1")
    need(is_int(c.seed) and 0 <= c.seed < 2**32, "seed", "must be a whole number from 0 to 2**32-1")
    need(c.dataset in DATASETS, "dataset", f"choose one of {', '.join(DATASETS)}")
    need(is_int(c.samples) and 2 <= c.samples <= 1_000_000, "samples", "must be a whole number from 2 to 1000000")
    need(isinstance(c.noise, (int, float)) and math.isfinite(c.noise) and c.noise >= 0,
         "noise", "must be a number >= 0")
    need(c.init in INITS, "init", f"choose one of {', '.join(INITS)}")
    need(c.epochs // c.snapshot_every + 2 <= MAX_SNAPSHOTS, "snapshot_every",
         f"{c.epochs} epochs would keep over {MAX_SNAPSHOTS} snapshots; "
         f"use at least {c.epochs // (MAX_SNAPSHOTS - 2) + 1}")
    need(c.layers[0] == INPUT_DIM[c.dataset], "layers",
         f"the {c.dataset} dataset has {INPUT_DIM[c.dataset]} input(s), so the first layer must be {INPUT_DIM[c.dataset]}")
    need(c.layers[-1] == OUTPUT_DIM[c.dataset], "layers",
         f"the {c.dataset} dataset has {OUTPUT_DIM[c.dataset]} output(s), so the last layer must be {OUTPUT_DIM[c.dataset]}")


# -- manim.cfg ---------------------------------------------------------------------------------
def read_cfg_section(path: str | Path = "manim.cfg") -> dict[str, str]:
    """The raw ``[nnviz]`` key/values of a cfg file ({} when the file or section is missing)."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise NnvizError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file's syntax") from None
    return dict(parser[CFG_SECTION]) if parser.has_section(CFG_SECTION) else {}
