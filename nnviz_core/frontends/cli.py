"""The ``nnviz`` command: train, info, gif, render, script.

Every user error is one line on stderr and exit status 2, with no traceback and no file left.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import textwrap

from ..config import FIELD_HELP, RunConfig, flag_for
from ..errors import ConfigError, NnvizError
from ..files import check_output_path
from ..palette import DEFAULT_THEME, THEMES
from ..panels import CLASSIC, PANELS
from ..run_file import OldRunFile
from .progress import ProgressBar

TRAINING_FIELDS = list(FIELD_HELP)  # each becomes a flag: snapshot_every -> --snapshot-every
DEFAULT_GIF = "media/gifs/NN_vis.gif"


class UserError(NnvizError):
    pass


class HelpFormatter(argparse.HelpFormatter):
    """argparse's, but a line never breaks inside a word (cross-entropy, 1-D, x1,x2)."""

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text, width, indent):
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (no usage dump) and exit 2, and its help wraps
    between words."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


def add_training_flags(parser: argparse.ArgumentParser, with_run: bool = True) -> None:
    group = parser.add_argument_group("training run (defaults < manim.cfg [nnviz] < flags)")
    for field in TRAINING_FIELDS:
        group.add_argument(flag_for(field), dest=field, metavar=field.upper(), help=FIELD_HELP[field])
    group.add_argument("--config", metavar="CFG",
                       help="cfg file whose [nnviz] section sets the run (default: ./manim.cfg, if present)")
    if with_run:
        group.add_argument("--run", metavar="RUN.npz", help="render a saved run instead of training")


def add_compare_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--compare", metavar="SETTING=V1,V2", help=f"{what} runs side by side that differ in one "
                        "setting, e.g. lr=0.02,0.1,1.5 or \"layers=1,4,1 | 1,16,1\" (2 to 4 values; default: "
                        "the cfg's [nnviz] compare)")


def add_theme_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help=f"{' or '.join(THEMES)}; default: the cfg's [nnviz] theme, else {DEFAULT_THEME}")


def training_overrides(args) -> dict:
    return {f: getattr(args, f) for f in TRAINING_FIELDS if getattr(args, f, None) is not None}


def history_from_args(args, keep_diverged: bool = False):
    """The History the flags ask for: loaded with --run, else trained once."""
    from ..runs import resolve_history

    return resolve_history(args.config, training_overrides(args), getattr(args, "run", None),
                           progress=ProgressBar("training"), keep_diverged=keep_diverged)


def comparison_from_args(args):
    """The runs --compare (or the cfg's [nnviz] compare) asks for, each trained once."""
    from ..runs import resolve_comparison

    if getattr(args, "run", None):
        raise UserError("nnviz: --run and a comparison do not go together: a comparison trains its runs")
    return resolve_comparison(args.config, training_overrides(args), args.compare, progress=ProgressBar("training"))


def recreate_flags(config: RunConfig) -> str:
    """The `nnviz train` flags that give ``config`` (every field, so none depends on a cfg file)."""
    values = config.to_dict()
    return " ".join(f"{flag_for(k)} {shlex.quote(','.join(map(str, v)) if isinstance(v, list) else str(v))}"
                    for k, v in values.items() if k in FIELD_HELP)


def recreate_command(old: OldRunFile) -> str:
    """How to train an old run file's run again, in this nnviz's format, at the same path."""
    if old.config is None:
        return "nnviz train"
    return f"nnviz train {recreate_flags(old.config)} --out {shlex.quote(str(old.path))}"


def cmd_train(args) -> int:
    from ..errors import TrainingDiverged

    check_output_path(args.out, "--out", example="run.npz")
    try:
        history = history_from_args(args, keep_diverged=args.keep_diverged)
    except TrainingDiverged as exc:
        raise UserError(f"nnviz train: {exc}; or keep the run up to there with --keep-diverged") from None
    path = history.save(args.out)
    diverged = f", diverged at epoch {history.diverged_at}" if history.diverged_at is not None else ""
    print(f"wrote {path}  ({len(history.checkpoint_epochs)} checkpoints, final loss {history.final_loss:.6g}"
          f"{diverged})")
    return 0


def cmd_info(args) -> int:
    from ..chapters import optimizer_words, training_words
    from ..events import loss_path
    from ..history import History

    history = History.load(args.run_file)
    path = loss_path(history)
    info = {"file": args.run_file, "config": history.config.to_dict(),
            "checkpoint_epochs": [int(e) for e in history.checkpoint_epochs],
            "initial_loss": float(history.loss[0]), "final_loss": history.final_loss,
            "loss_name": history.problem.loss.name,
            "diverged_at": history.diverged_at,
            "lowest_loss": path.lowest, "lowest_epoch": path.lowest_epoch,
            "trajectory": f"the loss {path.phrase()}",
            "events": [{"kind": e.kind, "epoch": e.epoch, "end": e.end, "text": e.text}
                       for e in history.events()]}
    c = history.config
    hyper = {"sgd": (), "momentum": ("momentum",), "adam": ("beta1", "beta2", "eps")}[c.optimizer]
    info |= {"learning": training_words(history, lr=True),
             "optimizer": {"name": c.optimizer, "words": optimizer_words(c), "lr": c.lr,
                           **{name: getattr(c, name) for name in hyper}},
             "batch_size": c.batch_size, "steps": history.epochs * history.steps,
             "penalty": {"l1": c.l1, "l2": c.l2}, "test_fraction": c.test_fraction}
    info |= {"training_points": c.training_points, "held_out": c.held_out, "steps_per_epoch": history.steps,
             "final_penalty": float(history.penalty[-1]),
             "final_total_loss": history.final_loss + float(history.penalty[-1])}
    if history.is_classification:
        info["initial_accuracy"], info["final_accuracy"] = float(history.accuracy[0]), float(history.accuracy[-1])
    if history.test_loss is not None:
        info["initial_test_loss"], info["final_test_loss"] = float(history.test_loss[0]), float(history.test_loss[-1])
    if history.test_accuracy is not None:
        info["initial_test_accuracy"] = float(history.test_accuracy[0])
        info["final_test_accuracy"] = float(history.test_accuracy[-1])
    if c.data_sha256:
        info["data_file"] = data_file_info(c)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"run file        {args.run_file}")
    for field in TRAINING_FIELDS:
        value = getattr(c, field)
        print(f"{field:<15} {','.join(map(str, value)) if isinstance(value, tuple) else value}")
    if c.data_sha256:
        d = info["data_file"]
        print(f"data file       {d['path']}: columns {','.join(d['columns'])}, sha256 {d['sha256']} ({d['now']})")
    epochs = info["checkpoint_epochs"]
    shown = ", ".join(map(str, epochs)) if len(epochs) <= 12 else f"{epochs[0]}, {epochs[1]}, ..., {epochs[-1]}"
    print(f"checkpoints     {len(epochs)}: epochs {shown}")
    print(f"loss            {info['initial_loss']:.6g} at epoch 0 -> {info['final_loss']:.6g} at epoch {history.epochs}"
          f" ({info['loss_name']}; lowest {path.lowest:.6g} at epoch {path.lowest_epoch})")
    print(f"trajectory      {info['trajectory']}")
    print(f"learning        {info['learning']}")
    batches = "every training point" if history.steps == 1 else f"batches of {c.batch_size}"
    print(f"steps           {history.steps} per epoch ({batches}; {c.optimizer}); {c.training_points} training "
          f"points, {c.held_out} held out")
    if history.problem.penalised:
        print(f"penalty         {history.penalty[0]:.6g} at epoch 0 -> {info['final_penalty']:.6g} at epoch "
              f"{history.epochs} (l2 {c.l2}, l1 {c.l1}; the loss above is without it, the total ends at "
              f"{info['final_total_loss']:.6g})")
    if history.is_classification:
        print(f"accuracy        {info['initial_accuracy']:.1%} at epoch 0 -> {info['final_accuracy']:.1%} at epoch "
              f"{history.epochs} (of {c.training_points} training points)")
    if history.test_loss is not None:
        test = history.test_loss
        print(f"test loss       {test[0]:.6g} at epoch 0 -> {test[-1]:.6g} at epoch {history.epochs} (of {c.held_out} "
              f"held-out points; lowest {test.min():.6g} at epoch {int(test.argmin())})")
    if history.test_accuracy is not None:
        print(f"test accuracy   {info['initial_test_accuracy']:.1%} at epoch 0 -> {info['final_test_accuracy']:.1%} "
              f"at epoch {history.epochs}")
    for event in history.events():
        print(f"happened        {event.text}")
    return 0


def data_file_info(config: RunConfig) -> dict:
    """A .csv run's file: its path, columns and digest as trained, and how the file is now."""
    from ..points import file_digest

    now = file_digest(config.dataset)
    said = ("not found now; the run holds its points" if now is None else
            "unchanged" if now == config.data_sha256 else
            f"the file has changed since: sha256 {now} now; the run holds the points it was trained on")
    return {"path": config.dataset, "columns": list(config.data_columns), "sha256": config.data_sha256, "now": said}


def bounded(kind, low, high):
    """An argparse type: a number of ``kind`` in [low, high], else a one-line error."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__} from {low} to {high}")
        return value
    return parse


def panel_list(text):
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in names if p not in PANELS and p not in ("all", "classic")]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"{(unknown or [text])[0]!r} is not a panel; choose from "
                                         f"{', '.join(PANELS)} (comma-separated), classic or all")
    if "all" in names:
        return tuple(PANELS)
    return tuple(dict.fromkeys(p for name in names for p in (CLASSIC if name == "classic" else (name,))))


def chosen_presentation(args) -> dict:
    """The presentation settings (``--theme`` or the cfg's ``theme``), checked."""
    from ..runs import resolve_presentation

    return resolve_presentation(args.config, {"theme": args.theme})


def cmd_gif(args) -> int:
    import matplotlib
    from PIL import Image

    matplotlib.use("Agg")  # no display needed
    from .gif import check_gif_memory, write_dashboard_gif

    own_folder = args.out == DEFAULT_GIF  # nnviz makes its own media/gifs/, never a folder you name
    check_output_path(args.out, "--out", make_parents=own_folder, example="NN_vis.gif")
    width, height = check_gif_memory(args.panels, args.dpi, args.jobs)
    theme = THEMES[chosen_presentation(args)["theme"]]
    if args.compare:
        from .gif import write_comparison_gif

        comparison = comparison_from_args(args)
        landscape = "landscape" in args.panels  # every run's path on one plane; the other panels are per run
        path, count = write_comparison_gif(comparison, args.out, args.fps, args.dpi, args.every, args.smooth,
                                           args.jobs, ProgressBar("gif"), make_folders=own_folder, theme=theme,
                                           landscape=landscape)
        with Image.open(path) as im:
            width, height = im.size
    else:
        history = history_from_args(args)  # 1-D or 2-D: the dashboard draws both (the video checks its own)
        path, count = write_dashboard_gif(history, args.out, args.fps, args.dpi, args.every, args.smooth,
                                          args.panels, args.jobs, ProgressBar("gif"), make_folders=own_folder,
                                          theme=theme)
    print(f"wrote {path} ({count} frames, {width}x{height}, {path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_render(args) -> int:
    from .render import check_scene, render_scene, scene_list

    if args.list:
        print(scene_list())
        return 0
    if not args.scene:
        raise UserError("nnviz render: name a scene (see nnviz render --list)")
    check_scene(args.scene)
    check_output_path(args.media_dir, "--media-dir", folder=True)
    chosen = chosen_presentation(args)
    runs = comparison_for_scene(args)
    path = render_scene(args.scene, runs, args.quality, args.format, args.media_dir, args.jobs,
                        args.save_sections, chosen, args.config)
    print(f"wrote {path}")
    return 0


def cmd_script(args) -> int:
    from ..chapters import script, storyboard
    from ..compare import Comparison

    from .render import check_scene

    check_scene(args.scene)
    runs = comparison_for_scene(args)
    if isinstance(runs, Comparison):
        board = storyboard(runs.clock(), load_scene(args.scene).plan, comparison=runs)
    else:
        board = storyboard(runs, load_scene(args.scene).plan)
    print(script(board, args.format, args.scene), end="")
    return 0


def comparison_for_scene(args):
    """What a scene shows: CompareRuns the runs of --compare (or the cfg's compare); LossLandscape
    those runs when there are any (else its one run); the others one run (a --compare for them is
    a mistake, said in one line)."""
    from scenes.registry import SCENES

    compares = SCENES[args.scene].compares
    if compares == "needs":
        return comparison_from_args(args)
    if compares == "may" and (args.compare or cfg_compares(args.config)):
        return comparison_from_args(args)
    if args.compare:
        takes = " and ".join(name for name, e in SCENES.items() if e.compares)
        raise UserError(f"nnviz: --compare is for {takes}, not {args.scene}")
    return history_from_args(args)


def cfg_compares(cfg_path) -> bool:
    """Whether the cfg's [nnviz] section asks for a comparison."""
    from ..runs import cfg_section

    return bool(cfg_section(cfg_path)[0].get("compare"))


def load_scene(name: str):
    """A scene class from the registry; it needs manim (an optional extra)."""
    from scenes.registry import SCENES

    try:
        return SCENES[name].load()
    except ImportError as exc:
        raise UserError(f"nnviz: {name} needs manim ({exc.name} is missing); install it with: "
                        "pip install -e .[video]") from None


def build_parser() -> Parser:
    parser = Parser(prog="nnviz", description="Show how a small neural network learns.",
                    epilog=f"datasets: {FIELD_HELP['dataset'].removeprefix('dataset; ')}. "
                           f"{FIELD_HELP['noise'].replace(' (>= 0)', '', 1)}. "
                           f"features: {FIELD_HELP['features']}. classes: {FIELD_HELP['classes']}. "
                           "See nnviz train --help for every setting.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("train", help="train a network and save its history (.npz)")
    add_training_flags(p, with_run=False)
    p.add_argument("--out", default="run.npz", help="where to write the run (default: run.npz)")
    p.add_argument("--keep-diverged", action="store_true",
                   help="keep a run whose loss diverges (not finite, or past 10⁶ times its start), "
                        "up to the epoch before (by default such a run is refused)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("info", help="describe a saved run")
    p.add_argument("run_file", metavar="RUN.npz")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("gif", help="write the classic seven-panel training dashboard as a GIF",
                       description="The seed notebook's matplotlib dashboard as a GIF; "
                                   "needs no manim.")
    p.add_argument("--out", default=DEFAULT_GIF, help=f"where to write the GIF (default: {DEFAULT_GIF})")
    p.add_argument("--fps", type=bounded(float, 0.1, 50), default=2.0,
                   help="frames per second, 0.1 to 50 (default: 2)")
    p.add_argument("--dpi", type=bounded(int, 10, 300), default=120,
                   help="resolution; 120 gives 2640x1800 px (default: 120)")
    p.add_argument("--every", type=bounded(int, 1, 1_000_000), default=1, metavar="N",
                   help="use every Nth checkpoint; the last epoch is always shown (default: 1)")
    p.add_argument("--smooth", type=bounded(int, 0, 100), default=0, metavar="K",
                   help="K more frames between checkpoints, at the real epochs between them (default: 0)")
    p.add_argument("--panels", type=panel_list, default="classic",
                   help="comma-separated panels, classic (the seed's seven, default) or all: "
                        + "; ".join(f"{name}: {what}" for name, what in PANELS.items()))
    p.add_argument("--jobs", type=bounded(int, 1, 64), default=min(2, os.cpu_count() or 1),
                   help="processes that render frames (default: 2, or 1 on a one-core machine)")
    add_theme_flag(p)
    add_compare_flag(p, "draw")
    add_training_flags(p)
    p.set_defaults(func=cmd_gif)

    p = sub.add_parser("render", help="render a Manim scene (the lecture, the dashboard or a clip)",
                       description="Render a scene with manim, without manim's flags. "
                                   "The run is trained once and handed to manim.")
    p.add_argument("scene", nargs="?", help="scene name, e.g. TrainingLecture (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenes and what each shows")
    p.add_argument("--quality", default="h", choices=["l", "m", "h", "p", "k"],
                   help="l 480p15, m 720p30, h 1080p60 (default), p 1440p60, k 2160p60")
    p.add_argument("--format", default="mp4", choices=["mp4", "webm", "gif", "png"],
                   help="mp4 (default), webm, gif, or png (the closing frame)")
    p.add_argument("--media-dir", default="media", help="where manim writes (default: media)")
    p.add_argument("--jobs", type=bounded(int, 1, 64), default=os.cpu_count() or 1,
                   help="manim processes, each rendering a part of the scene; the parts are joined "
                        "without re-encoding (default: every core). gif and png use one process")
    p.add_argument("--save-sections", action="store_true",
                   help="also write one video per chapter, as manim's --save_sections does")
    add_theme_flag(p)
    add_compare_flag(p, "render (CompareRuns, LossLandscape)")
    add_training_flags(p)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("script", help="print a scene's narration, with chapter titles and start times",
                       description="The words of a scene for the configured run: what the subtitles, "
                                   "the speaker notes and a voice-over say. Renders nothing.")
    p.add_argument("scene", nargs="?", default="TrainingLecture",
                   help="scene name (default: TrainingLecture; see nnviz render --list)")
    p.add_argument("--format", default="md", choices=["md", "txt", "srt"],
                   help="md (default), txt, or srt (subtitles, timed like the video's)")
    add_compare_flag(p, "narrate (CompareRuns, LossLandscape)")
    add_training_flags(p)
    p.set_defaults(func=cmd_script)

    return parser


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C so that temporary files are removed on the way out."""


def _terminated(signum, frame):
    raise Terminated


def main(argv=None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminated) if argv is None else None
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ConfigError as exc:
        message = f"nnviz: {exc.named(flag_for(exc.field))}"
    except OldRunFile as exc:
        message = f"nnviz: {exc}; re-create it with: {recreate_command(exc)}"
    except NnvizError as exc:
        text = str(exc)
        message = text if text.startswith(("nnviz:", "nnviz ")) else f"nnviz: {text}"
    except MemoryError:  # the estimates should refuse such runs first; this is the backstop
        message = ("nnviz: ran out of memory; use smaller layers, fewer samples, a larger "
                   "--snapshot-every or a lower --dpi")
    except BrokenPipeError:  # e.g. `nnviz render --list | head -3`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush is quiet
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:  # a shell reads 128 + the signal's number as "stopped by it"
        print("nnviz: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Terminated:
        print("nnviz: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(message, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
