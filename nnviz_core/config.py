"""RunConfig: everything that defines a training run, validated in one place.

Each field is declared once, in the class: its type (which also turns text from flags and cfg
files into a value), its default, its help text and the values it accepts. The same checks serve
the CLI flags, manim.cfg's ``[nnviz]`` section and saved runs; each front end names the bad
setting in its own words via ``ConfigError.field``. Memory is not checked here, so a saved run
loads whatever memory is free today: ``memory.check_run_memory`` refuses a run that cannot fit
where it is trained or drawn.
"""
from __future__ import annotations

import configparser
import dataclasses
import json
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import trace
from .data import DATASETS, class_count, grid_size, output_count
from .errors import ConfigError, NnvizError
from .optim import SLOTS
from .problems import FEATURES, default_features

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
INITS = ("auto", "seed", "he", "xavier")
OPTIMIZERS = ("sgd", "momentum", "adam")  # their update rules: nnviz_core.optim
CFG_SECTION = "nnviz"


@dataclass(frozen=True)
class Rule:
    """The values a field accepts: ``ok(value)`` for a value of the field's type, ``allowed`` is
    what the error says otherwise, ``choices`` are listed in the help."""
    ok: Callable[[typing.Any], bool]
    allowed: str
    choices: tuple = ()


def one_of(choices) -> Rule:
    choices = tuple(choices)
    return Rule(lambda v: v in choices, f"choose one of {', '.join(choices)}", choices)


def whole(low: int, high: int | None = None) -> Rule:
    span = f">= {low}" if high is None else f"from {low} to {high}"
    return Rule(lambda v: low <= v and (high is None or v <= high), f"must be a whole number {span}")


def number(low: float, high: float | None = None, *, open_low: bool = False, example: str = "") -> Rule:
    """A number from ``low`` (or above it, when ``open_low``) to below ``high`` (None: no top)."""
    span = (f"> {low}" if open_low else f">= {low}") if high is None else f"from {low} to below {high}"
    eg = f" (e.g. {example})" if example else ""
    return Rule(lambda v: (v > low if open_low else v >= low) and (high is None or v < high),
                f"must be a number {span}{eg}")


def setting(default, help: str, rule: Rule):
    """A RunConfig field: its default, its help text (with the choices, if any) and its rule."""
    if rule.choices:
        help = f"{help}: {', '.join(rule.choices)}"
    return dataclasses.field(default=default, metadata={"help": help, "rule": rule})


ALL_FEATURES = tuple(name for table in FEATURES.values() for name in table)
FEATURE_LISTS = {inputs: ", ".join(table) for inputs, table in FEATURES.items()}  # "x, x^2, sin(x)"


def _names(test) -> str:
    """The datasets that pass ``test``, each with what it is: "circle (a disc inside a ring), ..."."""
    return ", ".join(f"{n} ({d.description})" for n, d in DATASETS.items() if test(d))


DATASET_HELP = ("dataset; 1-D regression: " + _names(lambda d: d.inputs == 1)
                + "; 2-D regression: " + _names(lambda d: d.inputs == 2 and not d.is_classification)
                + "; 2-D classification: " + _names(lambda d: d.is_classification)
                + ". A regression has a linear output and MSE; two classes, one sigmoid output and binary "
                  "cross-entropy; k classes, k softmax outputs and cross-entropy. 2-D data lies in about [-1, 1]²")


def _noise_help() -> str:
    """What noise does to each dataset, the datasets it does the same to together."""
    said: dict[str, list[str]] = {}
    for name, d in DATASETS.items():
        said.setdefault(d.noise, []).append(name)
    return "noise (>= 0): " + "; ".join(f"{', '.join(names)}: {what}" for what, names in said.items())


NOISE_HELP = _noise_help()


@dataclass(frozen=True)
class RunConfig:
    layers: tuple[int, ...] = setting(
        (1, 10, 1), "layer sizes, input to output, e.g. 1,10,1; when not given, it follows the data: "
                    "features,10,1 for 1-D data, features,8,outputs for 2-D (outputs: 1 for a regression "
                    "or two classes, k for k classes)",
        Rule(lambda v: len(v) >= 2 and all(n >= 1 for n in v),
             "need at least 2 layers, each a whole number >= 1 (e.g. 1,10,1)"))
    activation: str = setting("relu", "hidden activation", one_of(ACTIVATIONS))
    lr: float = setting(0.1, "learning rate (> 0)",
                        Rule(lambda v: v > 0, "the learning rate must be a number > 0 (e.g. 0.1)"))
    # epochs 0..epochs are evaluated, as in the seed
    epochs: int = setting(100, "epochs to train (>= 1); epochs 0..N are evaluated", whole(1, 1_000_000))
    snapshot_every: int = setting(5, "keep a snapshot every N epochs (the last epoch is always kept)",
                                  whole(1))
    seed: int = setting(0, "random seed for data noise, initial weights, held out points and batch order",
                        whole(0, 2**32 - 1))
    dataset: str = setting("quadratic", DATASET_HELP,
                           Rule(lambda v: v in DATASETS, f"choose one of {', '.join(DATASETS)}"))
    samples: int = setting(100, "number of points (>= 2), training and held out (test_fraction) together",
                           whole(2, 1_000_000))
    noise: float = setting(0.1, NOISE_HELP, Rule(lambda v: v >= 0, "must be a number >= 0"))
    # The input layer: the raw inputs when not given (x, or x1,x2).
    features: tuple[str, ...] = setting(
        ("x",), f"the input layer, comma-separated; 1-D data: any of {FEATURE_LISTS[1]}; 2-D data: any of "
                f"{FEATURE_LISTS[2]} (default: the raw inputs, x or x1,x2)",
        Rule(lambda v: len(v) >= 1 and len(set(v)) == len(v) and all(f in ALL_FEATURES for f in v),
             f"choose one or more different ones of {FEATURE_LISTS[1]} (1-D data) or {FEATURE_LISTS[2]} "
             "(2-D data), comma-separated"))
    classes: int = setting(2, "classes of the spiral (its arms): 2 or 3; the other classification datasets "
                              "have 2", whole(2, 3))
    # auto: the seed's N(0, 0.5²) for its own 1-10-1 ReLU, else He (relu family) / Xavier.
    init: str = setting("auto", "weight initialisation", one_of(INITS))
    # How the weights move (nnviz_core.optim). The defaults are the seed's full-batch gradient descent.
    batch_size: int = setting(
        0, "training points per step; 0 (default): all of them in one step per epoch (full batch gradient "
           "descent); else each epoch takes ceil(n / batch_size) steps on the training points in a seeded "
           "shuffled order, the last batch holding the rest", whole(0))
    optimizer: str = setting(
        "sgd", "the update rule, with g a step's gradient (sgd: w -= lr*g; momentum: v = momentum*v + g, "
               "w -= lr*v; adam: m = beta1*m + (1 - beta1)*g, v = beta2*v + (1 - beta2)*g^2, w -= "
               "lr*m^/(sqrt(v^) + eps) with m^, v^ m and v corrected for their start at 0)", one_of(OPTIMIZERS))
    momentum: float = setting(0.9, "momentum: how much of its velocity carries to the next step, from 0 to "
                                   "below 1 (optimizer momentum only)", number(0, 1, example="0.9"))
    beta1: float = setting(0.9, "adam: the decay of its running mean gradient m, from 0 to below 1",
                           number(0, 1, example="0.9"))
    beta2: float = setting(0.999, "adam: the decay of its running mean squared gradient v, from 0 to below 1",
                           number(0, 1, example="0.999"))
    eps: float = setting(1e-8, "adam: eps in w -= lr*m^/(sqrt(v^) + eps) (> 0)",
                         number(0, open_low=True, example="1e-8"))
    # Penalties on the weights (not the biases): nnviz_core.problems (Problem.penalty).
    l2: float = setting(0.0, "L2 penalty (>= 0): adds l2*sum(w^2) over every weight (not the biases) to the "
                             "loss that is minimised, so 2*l2*w to each weight's gradient", number(0))
    l1: float = setting(0.0, "L1 penalty (>= 0): adds l1*sum(|w|) over every weight (not the biases); after "
                             "each step every weight moves lr*l1 towards 0 and stops at 0 (a proximal step), so "
                             "weights it drives to zero are exactly 0", number(0))
    # Held-out points, drawn after the data and the weights: the default run's stream is unchanged.
    test_fraction: float = setting(
        0.0, "share of the points held out of training (seeded), from 0 to below 1; their loss (and "
             "accuracy) is reported every epoch as the test loss", number(0, 1, example="0.2"))

    def __post_init__(self):
        for name, kind in FIELD_TYPES.items():
            value = getattr(self, name)
            if typing.get_origin(kind) is tuple and isinstance(value, list):
                object.__setattr__(self, name, tuple(value))  # e.g. layers from JSON
        _check(self)

    # -- conversions -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        return cls().updated(d)

    def updated(self, changes: dict) -> "RunConfig":
        """A copy with some fields changed; text values (from flags or cfg files) are parsed."""
        unknown = set(changes) - set(FIELD_TYPES)
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigError(name, changes[name], f"unknown setting; known: {', '.join(FIELD_TYPES)}")
        new = {k: _coerce(k, v) for k, v in changes.items()}
        return dataclasses.replace(self, **new, **self._following(new))

    def _following(self, new: dict) -> dict:
        """Features and layers not in ``new`` that follow the problem: where this config's are its
        own problem's defaults, the changed problem's defaults (so --dataset circle alone gives
        x1,x2 and 2,8,1, and --compare features=... on it resizes the input layer)."""
        follow = {}
        try:
            dataset = new.get("dataset", self.dataset)
            if "features" not in new and self.features == default_features(self.dataset):
                follow["features"] = default_features(dataset)
            if "layers" not in new and self.layers == self.default_layers():
                features = new.get("features", follow.get("features", self.features))
                follow["layers"] = default_layers(dataset, new.get("classes", self.classes), features)
        except (KeyError, TypeError):  # a bad new value: its own check names it
            return {}
        return follow

    def default_layers(self) -> tuple[int, ...]:
        return default_layers(self.dataset, self.classes, self.features)

    def memory_needed(self) -> dict[str, int]:
        """Bytes this run holds at its peak, by what holds them (see train.py and history.py):

        - ``weights``: the weights and biases, their gradients, the update's new arrays, and a
          temporary the size of the largest layer;
        - ``activations``: every layer's z and a, and what the backward pass holds on its way
          down (dz and da of a layer and of the one below it, and f'(z)), on the training
          inputs and on the drawing grid (256 points, or 48² for 2-D data);
        - ``checkpoints``: weights and biases, and the optimiser's memory of them, at every snapshot;
        - ``trace``: the loss and the few numbers the History keeps for every epoch;
        - ``batch_losses``: the loss of every step's batch.
        """
        per_layer = parameter_counts(self.layers)
        widths = self.layers[1:]
        neighbours = max((a + b for a, b in zip(widths, widths[1:])), default=widths[0])
        grid = grid_size(DATASETS[self.dataset].inputs)
        slots = len(self.optimizer_slots)  # each held, and replaced by its update, beside the weights
        floats = {
            "weights": (3 + 2 * slots) * sum(per_layer) + max(per_layer),
            "activations": (self.samples + grid) * (2 * sum(widths) + 2 * neighbours + max(widths)),
            "checkpoints": self.snapshots * (1 + slots) * sum(per_layer),
            "trace": (self.epochs + 1) * trace.floats_per_epoch(self),
            "batch_losses": self.epochs * self.steps_per_epoch,
        }
        return {name: 8 * count for name, count in floats.items()}

    @property
    def class_count(self) -> int:
        """The classes this run sorts its points into; 0 for a regression."""
        return class_count(self.dataset, self.classes)

    @property
    def held_out(self) -> int:
        """Points kept out of training: test_fraction of the samples, rounded (half up)."""
        return math.floor(self.test_fraction * self.samples + 0.5)

    @property
    def training_points(self) -> int:
        return self.samples - self.held_out

    @property
    def steps_per_epoch(self) -> int:
        """Updates in one epoch: ceil(n / batch_size), 1 for full batch (batch_size 0 or >= n)."""
        n = self.training_points
        return 1 if self.batch_size == 0 else -(-n // self.batch_size)

    @property
    def optimizer_slots(self) -> tuple[str, ...]:
        """What the optimiser remembers between steps, one array per weight and bias each."""
        return SLOTS[self.optimizer]

    @property
    def snapshots(self) -> int:
        """At most this many checkpoints are kept (every snapshot_every-th epoch and the last)."""
        return self.epochs // self.snapshot_every + 2


def default_layers(dataset: str, classes: int, features) -> tuple[int, ...]:
    """The layers of a problem when none are given: features, 10 (1-D data) or 8 (2-D), outputs."""
    hidden = 10 if DATASETS[dataset].inputs == 1 else 8
    return (len(features), hidden, output_count(dataset, classes))


FIELD_TYPES = typing.get_type_hints(RunConfig)  # name -> type, e.g. layers -> tuple[int, ...]
FIELD_HELP = {f.name: f.metadata["help"] for f in dataclasses.fields(RunConfig)}
RULES = {f.name: f.metadata["rule"] for f in dataclasses.fields(RunConfig)}


def parameter_counts(layers) -> list[int]:
    """Weights and biases of each layer: (d_in + 1) * d_out."""
    return [(d_in + 1) * d_out for d_in, d_out in zip(layers[:-1], layers[1:])]


def flag_for(field: str) -> str:
    """The CLI flag of a field: snapshot_every -> --snapshot-every."""
    return "--" + field.replace("_", "-")


def _parse(kind, text: str):
    """Text as a value of type ``kind``: "1, 8, 1" -> (1, 8, 1) for tuple[int, ...]."""
    if typing.get_origin(kind) is tuple:
        return tuple(_parse(typing.get_args(kind)[0], part) for part in text.split(","))
    return kind(text.strip())


def _coerce(name: str, value):
    """Turn text (from a cfg file or a flag) into the field's type, or raise ConfigError."""
    if not isinstance(value, str):
        return value
    try:
        return _parse(FIELD_TYPES[name], value)  # "1,,1" fails here, as it should
    except ValueError:
        raise ConfigError(name, value, RULES[name].allowed) from None


def _has_type(value, kind) -> bool:
    if typing.get_origin(kind) is tuple:
        return isinstance(value, tuple) and all(_has_type(v, typing.get_args(kind)[0]) for v in value)
    if isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, kind)


def _check(c: RunConfig) -> None:
    for name, kind in FIELD_TYPES.items():
        value, rule = getattr(c, name), RULES[name]
        if not (_has_type(value, kind) and rule.ok(value)):
            raise ConfigError(name, value, rule.allowed)
    data = DATASETS[c.dataset]
    unusable = [f for f in c.features if f not in FEATURES[data.inputs]]
    if unusable:
        raise ConfigError("features", c.features, f"{unusable[0]} is not a feature of {data.inputs}-D data "
                                                  f"like {c.dataset}; choose from {', '.join(FEATURES[data.inputs])}")
    if c.classes != 2 and data.classes != 0:
        raise ConfigError("classes", c.classes, f"only the spiral has a choice of classes; {c.dataset} "
                          + ("is a regression" if data.classes is None else f"has {data.classes}"))
    if c.test_fraction > 0 and not 1 <= c.held_out <= c.samples - 2:
        raise ConfigError("test_fraction", c.test_fraction,
                          f"holds out {c.held_out} of the {c.samples} points; choose a share that holds out at "
                          f"least 1 and keeps 2 for training, or 0")
    inputs, outputs = len(c.features), output_count(c.dataset, c.classes)
    if c.layers[0] != inputs or c.layers[-1] != outputs:
        fits = ",".join(map(str, (inputs, *c.layers[1:-1], outputs)))
        outs = {0: "one output", 2: "one output (two classes)"}.get(class_count(c.dataset, c.classes),
                                                                   f"{outputs} outputs (one per class)")
        raise ConfigError("layers", c.layers, f"{c.dataset} with {','.join(c.features)} has {inputs} "
                                              f"input(s) and {outs}; use {fits} for {c.dataset} with "
                                              f"{','.join(c.features)}")


# -- manim.cfg ---------------------------------------------------------------------------------
def read_cfg_section(path: str | Path = "manim.cfg") -> dict[str, str]:
    """The raw ``[nnviz]`` key/values of a cfg file ({} when the file or section is missing)."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise NnvizError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file's syntax") from None
    except UnicodeDecodeError as exc:  # e.g. saved as UTF-16 by a Windows editor (bytes FF FE)
        raise NnvizError(f"{path}: cannot read, it is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                         f"at offset {exc.start}); save it as UTF-8") from None
    return dict(parser[CFG_SECTION]) if parser.has_section(CFG_SECTION) else {}
