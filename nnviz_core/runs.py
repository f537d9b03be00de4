"""Where a History comes from: a saved run, or a fresh training run from a config.

One resolver for the CLI and the Manim scenes, so a setting means the same everywhere:
defaults < the ``[nnviz]`` section of a cfg file < explicit overrides (CLI flags).
``run = file.npz`` in the section (or ``--run``) renders a saved History instead of training.
"""
from __future__ import annotations

from pathlib import Path

from .config import CFG_SECTION, RunConfig, flag_for, read_cfg_section
from .errors import ConfigError, NnvizError
from .history import History
from .train import train

DEFAULT_CFG = "manim.cfg"


def history_for_section(section: dict[str, str], source: str = "manim.cfg",
                        overrides: dict | None = None, run_path: str | Path | None = None,
                        base_dir: str | Path = ".", progress=None) -> History:
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
        return History.load(run_path)
    fields = {k: v for k, v in section.items() if k != "run"}
    try:  # one validation of the merged settings, so a flag may fix a bad cfg value
        config = RunConfig().updated({**fields, **overrides})
    except ConfigError as exc:
        if exc.field in overrides:
            raise  # the front end names its own flag
        raise NnvizError(f"{source} [{CFG_SECTION}] {exc.named(exc.field)}") from None
    return train(config, progress=progress)


def resolve_history(cfg_path: str | Path | None = None, overrides: dict | None = None,
                    run_path: str | Path | None = None, progress=None) -> History:
    """As ``history_for_section``, with the section read from ``cfg_path``; without one, from
    ./manim.cfg when there is one. A cfg file that was named but is missing is an error."""
    if cfg_path is None:
        cfg_path = DEFAULT_CFG if Path(DEFAULT_CFG).is_file() else None
    elif not Path(cfg_path).is_file():
        raise NnvizError(f"--config {cfg_path}: no such file; give the path of a cfg file with an "
                         f"[{CFG_SECTION}] section, or leave --config out")
    section = read_cfg_section(cfg_path) if cfg_path else {}
    base_dir = Path(cfg_path).parent if cfg_path else Path(".")
    return history_for_section(section, str(cfg_path or DEFAULT_CFG), overrides, run_path, base_dir, progress)
