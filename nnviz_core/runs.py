"""Where a History comes from: a saved run, or a fresh training run from a config.

One resolver for the CLI and the Manim scenes, so a setting means the same everywhere:
defaults < manim.cfg ``[nnviz]`` < explicit overrides (CLI flags). ``run = file.npz`` in the
section (or ``--run``) renders a saved History instead of training.
"""
from __future__ import annotations

from pathlib import Path

from .config import RunConfig, config_from_section, read_cfg_section
from .errors import NnvizError
from .history import History
from .train import train


def resolve_history(cfg_path: str | Path | None = "manim.cfg", overrides: dict | None = None,
                    run_path: str | Path | None = None, progress=None) -> History:
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    section = read_cfg_section(cfg_path) if cfg_path and Path(cfg_path).is_file() else {}
    if run_path is None and section.get("run"):
        run_path = Path(cfg_path).parent / section["run"]  # relative to the cfg file
    if run_path is not None:
        if overrides:
            flag = "--" + sorted(overrides)[0].replace("_", "-")
            raise NnvizError(f"{flag} cannot be combined with a saved run ({run_path}): the run "
                             "already fixes its config; drop one of them")
        return History.load(run_path)
    base = config_from_section(section, str(cfg_path)) if section else RunConfig()
    return train(base.updated(overrides), progress=progress)
