"""Where a History comes from: a saved run, or a fresh training run from a config.

One resolver for the CLI and the Manim scenes, so a setting means the same everywhere:
defaults < the ``[nnviz]`` section of a cfg file < explicit overrides (CLI flags).
``run = file.npz`` in the section (or ``--run``) renders a saved History instead of training.
A relative ``run`` or ``dataset = points.csv`` in a cfg file is taken from the cfg file's folder.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from .config import CFG_SECTION, RunConfig, flag_for, read_cfg_section
from .errors import ConfigError, NnvizError
from .history import History
from .memory import check_replay_memory
from .palette import DEFAULT_THEME, THEMES
from .points import file_digest, is_points_file
from .train import train

DEFAULT_CFG = "manim.cfg"
# [nnviz] keys that choose how a run is shown, not the run: name -> (allowed, default)
PRESENTATION = {"theme": (tuple(THEMES), DEFAULT_THEME)}
# [nnviz] keys of a comparison (CompareRuns): "field: values", and the saved runs nnviz render passes
COMPARISON = ("compare", "compare_runs")


def presentation(section: dict[str, str], source: str = "manim.cfg", overrides: dict | None = None) -> dict:
    """The section's presentation settings (``theme``), checked; a flag in ``overrides`` wins."""
    chosen = {}
    for key, (allowed, default) in PRESENTATION.items():
        flag = (overrides or {}).get(key)
        value = (flag if flag is not None else section.get(key, default)).strip()
        if value not in allowed:
            where = flag_for(key) if flag is not None else f"{source} [{CFG_SECTION}] {key}"
            raise NnvizError(f"{where} {value}: choose one of {', '.join(allowed)}")
        chosen[key] = value
    return chosen


def history_for_section(section: dict[str, str], source: str = "manim.cfg",
                        overrides: dict | None = None, run_path: str | Path | None = None,
                        base_dir: str | Path = ".", progress=None, keep_diverged: bool = False) -> History:
    """The History a ``[nnviz]`` section (plus overrides) asks for.

    ``source`` names the section's file in error messages; a relative ``run`` key is taken
    relative to ``base_dir`` (the cfg file's folder).
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if run_path is None and section.get("run"):
        run_path = Path(base_dir) / section["run"]
    if run_path is not None:
        if overrides:
            flag = flag_for(sorted(overrides)[0])
            raise NnvizError(f"{flag} cannot be combined with a saved run ({run_path}): the run "
                             "already fixes its config; drop one of them")
        history = History.load(run_path)
        check_replay_memory(history, run_path)  # where it is drawn, not where it is loaded
        note = changed_data(history.config, run_path)
        if note:
            print(f"nnviz: note: {note}", file=sys.stderr)
        return history
    config = base_config(section, source, overrides, base_dir)
    with said_as_in(section, overrides, source):  # training refuses a run that cannot fit in memory
        return train(config, progress=progress, keep_diverged=keep_diverged)


def changed_data(config: RunConfig, run_path) -> str | None:
    """A saved run's .csv file, when it is there and no longer the one the run was trained on:
    what to say (the run still shows the points it holds, its own; the file matters only to a new
    training). None when the file is unchanged, missing, or the run is of a built-in dataset."""
    if not config.data_sha256:
        return None
    now = file_digest(config.dataset)
    if now is None or now == config.data_sha256:
        return None
    return (f"{config.dataset} changed since {run_path} was trained on it (sha256 {config.data_sha256[:12]}... "
            f"then, {now[:12]}... now); this shows the run's own points, train again to use the new ones")


def base_config(section: dict[str, str], source: str, overrides: dict | None = None,
                base_dir: str | Path = ".") -> RunConfig:
    """The RunConfig of a section's run settings plus overrides, validated once, so a flag may
    fix a bad cfg value. A relative .csv ``dataset`` of the section is in ``base_dir``."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    fields = {k: v for k, v in section.items() if k not in ("run", *PRESENTATION, *COMPARISON)}
    dataset = fields.get("dataset", "").strip()
    if is_points_file(dataset) and not Path(dataset).is_absolute():
        fields["dataset"] = str(Path(base_dir) / dataset)
    with said_as_in(fields, overrides, source):
        try:  # the flags on top of the cfg's run, so a cfg's layers that follow its data follow a flag's data too
            return RunConfig().updated(fields).updated(overrides)
        except ConfigError:  # one of them is bad: checked together, a flag may fix a bad cfg value
            return RunConfig().updated({**fields, **overrides})


@contextmanager
def said_as_in(section: dict, overrides: dict, source: str):
    """A ConfigError about a setting that came from ``section`` (and no flag overrode) names the
    cfg file's key; any other (a flag, a default) is left to the front end, which names its flag."""
    try:
        yield
    except ConfigError as exc:
        if exc.field not in section or exc.field in overrides:
            raise
        raise NnvizError(f"{source} [{CFG_SECTION}] {exc.named(exc.field)}") from None


def comparison_for_section(section: dict[str, str], source: str = "manim.cfg", overrides: dict | None = None,
                           spec: str | None = None, base_dir: str | Path = ".", progress=None):
    """The runs a section's ``compare`` (or ``spec``, from --compare) asks for: saved ones when
    the section lists them in ``compare_runs`` (as nnviz render passes them), else trained."""
    from .compare import Comparison, compare, parse_compare

    where = "--compare" if spec is not None else f"{source} [{CFG_SECTION}] compare"
    spec = spec if spec is not None else section.get("compare")
    if not spec:
        raise NnvizError(f"{source}: a comparison needs [{CFG_SECTION}] compare = setting: value, value "
                         "(e.g. lr: 0.02, 0.1, 1.5) or --compare lr=0.02,0.1,1.5")
    field, values = parse_compare(spec, where)
    saved = [p.strip() for p in section.get("compare_runs", "").split("|") if p.strip()]
    if saved:
        return Comparison(field, tuple(values), tuple(History.load(Path(base_dir) / p) for p in saved))
    return compare(base_config(section, source, overrides, base_dir), field, values, where, progress)


def cfg_section(cfg_path: str | Path | None = None) -> tuple[dict, str, Path]:
    """The ``[nnviz]`` section of ``cfg_path`` (or of ./manim.cfg when there is one), its file's
    name for messages, and its folder. A cfg file that was named but is missing is an error."""
    if cfg_path is None:
        cfg_path = DEFAULT_CFG if Path(DEFAULT_CFG).is_file() else None
    elif not Path(cfg_path).is_file():
        raise NnvizError(f"--config {cfg_path}: no such file; give the path of a cfg file with an "
                         f"[{CFG_SECTION}] section, or leave --config out")
    section = read_cfg_section(cfg_path) if cfg_path else {}
    return section, str(cfg_path or DEFAULT_CFG), Path(cfg_path).parent if cfg_path else Path(".")


def resolve_history(cfg_path: str | Path | None = None, overrides: dict | None = None,
                    run_path: str | Path | None = None, progress=None, keep_diverged: bool = False) -> History:
    """As ``history_for_section``, with the section read from ``cfg_path`` (see cfg_section)."""
    section, source, base_dir = cfg_section(cfg_path)
    return history_for_section(section, source, overrides, run_path, base_dir, progress, keep_diverged)


def resolve_comparison(cfg_path: str | Path | None = None, overrides: dict | None = None,
                       spec: str | None = None, progress=None):
    """As ``comparison_for_section``, with the section read from ``cfg_path`` (see cfg_section)."""
    section, source, base_dir = cfg_section(cfg_path)
    return comparison_for_section(section, source, overrides, spec, base_dir, progress)


def resolve_presentation(cfg_path: str | Path | None = None, overrides: dict | None = None) -> dict:
    """As ``presentation``, with the section read from ``cfg_path`` (see cfg_section)."""
    section, source, _ = cfg_section(cfg_path)
    return presentation(section, source, overrides)
