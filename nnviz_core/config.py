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
from .data import DATASETS, Dataset, class_count, dataset_of, grid_size, output_count
from .errors import ConfigError, NnvizError
from .optim import SLOTS
from .points import LAYOUTS, MAX_CLASSES, is_points_file, read_points, refusal
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
                  "cross-entropy; k classes, k softmax outputs and cross-entropy. 2-D data lies in about [-1, 1]². "
                  "Or your own points: a .csv file (UTF-8, comma-separated, one point a row; in a cfg file, a path "
                  "from the cfg's folder). With a header, its names say what the columns are: x,y or x1,x2,y (a "
                  "regression), x,label or x1,x2,label (classes); without one, 2 columns are x,y and 3 are x1,x2,y: "
                  "the last column is always a regression's y. Labels are whole numbers 0..k-1, every one used, k "
                  f"from 2 to {MAX_CLASSES}. The file's points replace the generated ones: leave samples, noise and "
                  "classes out")


def _noise_help() -> str:
    """What noise does to each dataset, the datasets it does the same to together."""
    said: dict[str, list[str]] = {}
    for name, d in DATASETS.items():
        said.setdefault(d.noise, []).append(name)
    return ("noise (>= 0): " + "; ".join(f"{', '.join(names)}: {what}" for what, names in said.items())
            + "; a .csv file's points: none added")


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
                           Rule(lambda v: v in DATASETS or is_points_file(v),
                                f"choose one of {', '.join(DATASETS)}, or a .csv file of your own points"))
    samples: int = setting(100, "number of points (>= 2), training and held out (test_fraction) together; a "
                                ".csv dataset has its own", whole(2, 1_000_000))
    noise: float = setting(0.1, NOISE_HELP, Rule(lambda v: v >= 0, "must be a number >= 0"))
    # The input layer: the raw inputs when not given (x, or x1,x2).
    features: tuple[str, ...] = setting(
        ("x",), f"the input layer, comma-separated; 1-D data: any of {FEATURE_LISTS[1]}; 2-D data: any of "
                f"{FEATURE_LISTS[2]} (default: the raw inputs, x or x1,x2)",
        Rule(lambda v: len(v) >= 1 and len(set(v)) == len(v) and all(f in ALL_FEATURES for f in v),
             f"choose one or more different ones of {FEATURE_LISTS[1]} (1-D data) or {FEATURE_LISTS[2]} "
             "(2-D data), comma-separated"))
    classes: int = setting(2, "classes of the spiral (its arms): 2 or 3; the other classification datasets "
                              "have 2, a .csv file its labels' k", whole(2, MAX_CLASSES))
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
    # What a .csv dataset's file held when it was read (nnviz_core.points), kept with the run so
    # that a saved run needs no file and a changed file is noticed. Not settings: no flag or key.
    data_columns: tuple[str, ...] = dataclasses.field(default=(), metadata={"rule": Rule(
        lambda v: v == () or v in LAYOUTS, f"must be one of {', '.join(','.join(lay) for lay in LAYOUTS)}")})
    data_sha256: str = dataclasses.field(default="", metadata={"rule": Rule(
        lambda v: v == "" or (len(v) == 64 and all(ch in "0123456789abcdef" for ch in v)),
        "must be a SHA-256 digest in hex")})

    def __post_init__(self):
        for name, kind in TYPES.items():
            value = getattr(self, name)
            if typing.get_origin(kind) is tuple and isinstance(value, list):
                object.__setattr__(self, name, tuple(value))  # e.g. layers from JSON
        _check(self)

    # -- conversions -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Every field; a built-in dataset's run leaves out the (empty) facts of a .csv file, so
        its JSON is what it was before files could be read."""
        d = dataclasses.asdict(self)
        if not self.data_columns:
            d = {k: v for k, v in d.items() if k not in DATA_FACTS}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        """A saved config: a .csv dataset's facts are taken as saved, its file is not read."""
        facts = {k: _coerce(k, d[k]) for k in DATA_FACTS if k in d}
        return cls().updated({k: v for k, v in d.items() if k not in DATA_FACTS}, facts)

    def updated(self, changes: dict, facts: dict | None = None) -> "RunConfig":
        """A copy with some settings changed; text values (from flags or cfg files) are parsed. A
        .csv dataset not read yet is read here (``facts``: a saved run's, instead of reading)."""
        unknown = set(changes) - set(FIELD_HELP)
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigError(name, changes[name], f"unknown setting; known: {', '.join(FIELD_HELP)}")
        new = {k: _coerce(k, v) for k, v in changes.items()}
        new |= self._own_points(new, facts)
        return dataclasses.replace(self, **new, **self._following(new))

    def _own_points(self, new: dict, facts: dict | None) -> dict:
        """The fields a .csv dataset fixes (OWN_POINTS and its facts), for a copy with ``new``:
        read from the file when it is a new one, kept when it is this config's own file, and back
        to the defaults when a built-in dataset replaces the file."""
        dataset = new.get("dataset", self.dataset)
        if facts is not None:
            return facts
        if not is_points_file(dataset):
            if not self.data_columns:
                return {}
            return {name: new.get(name, getattr(RunConfig, name)) for name in OWN_POINTS} | EMPTY_FACTS
        if dataset != self.dataset or not self.data_columns:
            earlier = {} if self.data_columns else {f: getattr(self, f) for f in OWN_POINTS}
            return own_points(dataset, earlier | new)
        for name in OWN_POINTS:  # the same file: its count, no noise, its classes
            mine = getattr(self, name)
            if name in new and new[name] not in (getattr(RunConfig, name), mine):
                raise ConfigError(name, new[name], refusal(name, dataset, self.data_columns, self.samples, self.classes))
        return {name: getattr(self, name) for name in OWN_POINTS}

    @property
    def data(self) -> Dataset:
        """What the run learns: a built-in dataset, or the one of its .csv file."""
        return dataset_of(self.dataset, self.data_columns)

    def _following(self, new: dict) -> dict:
        """Features and layers not in ``new`` that follow the problem: where this config's are its
        own problem's defaults, the changed problem's defaults (so --dataset circle alone gives
        x1,x2 and 2,8,1, and --compare features=... on it resizes the input layer)."""
        follow = {}
        try:
            dataset = dataset_of(new.get("dataset", self.dataset), new.get("data_columns", self.data_columns))
            if "features" not in new and self.features == default_features(self.data):
                follow["features"] = default_features(dataset)
            if "layers" not in new and self.layers == self.default_layers():
                features = new.get("features", follow.get("features", self.features))
                follow["layers"] = default_layers(dataset, new.get("classes", self.classes), features)
        except (KeyError, TypeError):  # a bad new value: its own check names it
            return {}
        return follow

    def default_layers(self) -> tuple[int, ...]:
        return default_layers(self.data, self.classes, self.features)

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
        grid = grid_size(self.data.inputs)
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
        return class_count(self.data, self.classes)

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


def default_layers(dataset: str | Dataset, classes: int, features) -> tuple[int, ...]:
    """The layers of a problem when none are given: features, 10 (1-D data) or 8 (2-D), outputs."""
    hidden = 10 if dataset_of(dataset).inputs == 1 else 8
    return (len(features), hidden, output_count(dataset, classes))


TYPES = typing.get_type_hints(RunConfig)  # name -> type, e.g. layers -> tuple[int, ...]
# The settings (each a flag and a cfg key), not the facts of a .csv file a run keeps.
FIELD_HELP = {f.name: f.metadata["help"] for f in dataclasses.fields(RunConfig) if "help" in f.metadata}
FIELD_TYPES = {name: TYPES[name] for name in FIELD_HELP}
RULES = {f.name: f.metadata["rule"] for f in dataclasses.fields(RunConfig)}
DATA_FACTS = ("data_columns", "data_sha256")
EMPTY_FACTS = {"data_columns": (), "data_sha256": ""}
OWN_POINTS = ("samples", "noise", "classes")  # the settings a .csv file's points fix


def own_points(dataset: str, given: dict) -> dict:
    """Read a .csv dataset: the fields its points fix, its count as samples, no noise, its
    labels' k as classes (2, the default, for a regression), and its facts. ``given`` values of
    those settings other than their default or the file's own are refused."""
    points = read_points(dataset)
    fixed = {"samples": len(points.X), "noise": 0.0, "classes": points.classes or getattr(RunConfig, "classes")}
    for name, value in fixed.items():
        default = getattr(RunConfig, name)
        if given.get(name, default) not in (default, value):
            raise ConfigError(name, given[name], refusal(name, dataset, points.columns, fixed["samples"],
                                                         points.classes))
    return fixed | {"data_columns": points.columns, "data_sha256": points.sha256}


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
        return _parse(TYPES[name], value)  # "1,,1" fails here, as it should
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
    for name, kind in TYPES.items():
        value, rule = getattr(c, name), RULES[name]
        if not (_has_type(value, kind) and rule.ok(value)):
            raise ConfigError(name, value, rule.allowed)
    own = is_points_file(c.dataset)
    if own != bool(c.data_columns) or own != bool(c.data_sha256):
        raise ConfigError("dataset", c.dataset, "a .csv dataset's file is read by RunConfig().updated({'dataset': "
                                                "path}); a built-in dataset has no file's columns or digest")
    data = c.data
    name = data.file or c.dataset
    unusable = [f for f in c.features if f not in FEATURES[data.inputs]]
    if unusable:
        raise ConfigError("features", c.features, f"{unusable[0]} is not a feature of {data.inputs}-D data "
                                                  f"like {name}; choose from {', '.join(FEATURES[data.inputs])}")
    if own and c.classes != (class_count(data, c.classes) or 2):
        raise ConfigError("classes", c.classes, refusal("classes", c.dataset, c.data_columns, c.samples, 0))
    if c.classes != 2 and data.classes != 0:
        raise ConfigError("classes", c.classes, f"only the spiral has a choice of classes; {c.dataset} "
                          + ("is a regression" if data.classes is None else f"has {data.classes}"))
    if c.dataset == "spiral" and c.classes > 3:
        raise ConfigError("classes", c.classes, "the spiral has 2 or 3 arms (classes 2 or 3)")
    if c.test_fraction > 0 and not 1 <= c.held_out <= c.samples - 2:
        raise ConfigError("test_fraction", c.test_fraction,
                          f"holds out {c.held_out} of the {c.samples} points; choose a share that holds out at "
                          f"least 1 and keeps 2 for training, or 0")
    inputs, outputs = len(c.features), output_count(data, c.classes)
    if c.layers[0] != inputs or c.layers[-1] != outputs:
        fits = ",".join(map(str, (inputs, *c.layers[1:-1], outputs)))
        outs = {0: "one output", 2: "one output (two classes)"}.get(c.class_count,
                                                                   f"{outputs} outputs (one per class)")
        raise ConfigError("layers", c.layers, f"{name} with {','.join(c.features)} has {inputs} "
                                              f"input(s) and {outs}; use {fits} for {name} with "
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
