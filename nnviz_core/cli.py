"""The ``nnviz`` command: train, info, gif, render.

Every user error is one line on stderr and exit status 2, with no traceback and no file left.
"""
from __future__ import annotations

import argparse
import json
import sys

from .config import FIELD_HELP, RunConfig
from .errors import ConfigError, NnvizError
from .progress import ProgressBar

TRAINING_FIELDS = list(FIELD_HELP)  # each becomes a flag: snapshot_every -> --snapshot-every


class UserError(NnvizError):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (no usage dump) and exit 2."""

    def error(self, message):
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def flag_for(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_training_flags(parser: argparse.ArgumentParser, with_run: bool = True) -> None:
    group = parser.add_argument_group("training run (defaults < manim.cfg [nnviz] < flags)")
    for field in TRAINING_FIELDS:
        group.add_argument(flag_for(field), dest=field, metavar=field.upper(), help=FIELD_HELP[field])
    group.add_argument("--config", default="manim.cfg", metavar="CFG",
                       help="cfg file whose [nnviz] section sets the run (default: manim.cfg, if present)")
    if with_run:
        group.add_argument("--run", metavar="RUN.npz", help="render a saved run instead of training")


def training_overrides(args) -> dict:
    return {f: getattr(args, f) for f in TRAINING_FIELDS if getattr(args, f, None) is not None}


def history_from_args(args):
    """The History the flags ask for: loaded with --run, else trained once."""
    from .runs import resolve_history

    return resolve_history(args.config, training_overrides(args), getattr(args, "run", None),
                           progress=ProgressBar("training"))


def cmd_train(args) -> int:
    history = history_from_args(args)
    path = history.save(args.out)
    print(f"wrote {path}  ({len(history)} snapshots, final loss {history.final_loss:.6g})")
    return 0


def cmd_info(args) -> int:
    from .history import History

    history = History.load(args.run_file)
    info = {"file": args.run_file, "config": history.config.to_dict(),
            "snapshot_epochs": [int(e) for e in history.snapshot_epochs],
            "initial_loss": float(history.loss[0]), "final_loss": history.final_loss}
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    c = history.config
    print(f"run file        {args.run_file}")
    for field in TRAINING_FIELDS:
        value = getattr(c, field)
        print(f"{field:<15} {','.join(map(str, value)) if field == 'layers' else value}")
    epochs = info["snapshot_epochs"]
    print(f"snapshots       {len(epochs)}: epochs {', '.join(map(str, epochs))}")
    print(f"loss            {info['initial_loss']:.6g} at epoch 0 -> {info['final_loss']:.6g} at epoch {c.epochs}")
    return 0


def build_parser() -> Parser:
    parser = Parser(prog="nnviz", description="Show how a small neural network learns.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("train", help="train a network and save its history (.npz)")
    add_training_flags(p, with_run=False)
    p.add_argument("--out", default="run.npz", help="where to write the run (default: run.npz)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("info", help="describe a saved run")
    p.add_argument("run_file", metavar="RUN.npz")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ConfigError as exc:
        message = f"nnviz: {exc.named(flag_for(exc.field))}"
    except NnvizError as exc:
        message = f"nnviz: {exc}" if not str(exc).startswith("nnviz") else str(exc)
    except KeyboardInterrupt:
        message = "nnviz: interrupted"
    print(message, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
