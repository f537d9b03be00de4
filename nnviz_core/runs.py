"""Where a History comes from: a saved run, or a fresh training run from a config.

One resolver for the CLI and the Manim scenes, so a setting means the same everywhere:
defaults < the ``[nnviz]`` section of a cfg file < explicit overrides (CLI flags).
``run = file.npz`` in the section (or ``--run``) renders a saved History instead of training.
"""
from __future__ import annotations

from pathlib import Path

from .config import RunConfig, config_from_section, read_cfg_section
from .errors import NnvizError
from .history import History
from .train import train


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
            flag = "--" + sorted(overrides)[0].replace("_", "-")
            raise NnvizError(f"{flag} cannot be combined with a saved run ({run_path}): the run "
                             "already fixes its config; drop one of them")
        return History.load(run_path)
    base = config_from_section(section, source) if section else RunConfig()
    return train(base.updated(overrides), progress=progress)


def resolve_history(cfg_path: str | Path | None = "manim.cfg", overrides: dict | None = None,
                    run_path: str | Path | None = None, progress=None) -> History:
    """As ``history_for_section``, reading the section from a cfg file if it exists."""
    exists = cfg_path is not None and Path(cfg_path).is_file()
    section = read_cfg_section(cfg_path) if exists else {}
    base_dir = Path(cfg_path).parent if exists else Path(".")
    return history_for_section(section, str(cfg_path), overrides, run_path, base_dir, progress)
