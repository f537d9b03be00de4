"""Bad input of every kind: one line on stderr, exit status 2, no traceback, nothing left behind.

Most cases run `nnviz_core.frontends.cli.main` in-process in a folder of their own; a few run the real
command, to see the process's own exit status and stderr.
"""
import errno
import io
import os
import re
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnviz_core import ConfigError, History, NnvizError, RunConfig, memory, train
from nnviz_core import files
from nnviz_core.frontends.cli import main
from nnviz_core.config import FIELD_TYPES

CFG_FILES = {
    "empty.cfg": "",
    "swish.cfg": "[nnviz]\nactivation = swish\n",
    "layers.cfg": "[nnviz]\nlayers = 1,x,1\n",
    "unknown.cfg": "[nnviz]\nlearning_rate = 0.1\n",
    "broken.cfg": "layers = 1,10,1\n",  # no section header
    "missing-run.cfg": "[nnviz]\nrun = nowhere.npz\n",
    "huge.cfg": "[nnviz]\nlayers = 1,100000,100000,1\n",
    "utf16.cfg": "[nnviz]\nlr = 0.5\n".encode("utf-16"),  # a Windows editor's "Unicode": bytes FF FE
}


@pytest.fixture(scope="module")
def run_bytes(tmp_path_factory):
    return train(RunConfig(epochs=5)).save(tmp_path_factory.mktemp("run") / "run.npz").read_bytes()


def with_member(npz: bytes, name: str, array) -> bytes:
    """The bytes of an .npz with one member replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(npz)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == name:
                buf = io.BytesIO()
                np.save(buf, array)
                data = buf.getvalue()
            zout.writestr(item, data)
    return out.getvalue()


@pytest.fixture
def workdir(tmp_path, monkeypatch, run_bytes):
    """A folder with a file, a folder, a pipe, good and bad run files and cfg files; the cwd."""
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "a_dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "run.npz").write_bytes(run_bytes)
    (tmp_path / "garbage.npz").write_bytes(b"\x00not a zip at all" * 10)
    (tmp_path / "truncated.npz").write_bytes(run_bytes[:len(run_bytes) // 2])
    (tmp_path / "old.npz").write_bytes(with_member(run_bytes, "version.npy", np.array(1)))
    for name, text in CFG_FILES.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


BAD_INPUT = {
    # settings, as flags
    "layers-zero": (["train", "--layers", "1,0,1"], "--layers 1,0,1"),
    "layers-one": (["train", "--layers", "1"], "at least 2 layers"),
    "layers-empty-item": (["train", "--layers", "1,,1"], "--layers"),
    "layers-text": (["train", "--layers", "a,b"], "--layers"),
    "layers-input": (["train", "--layers", "2,10,1"], "has 1 input(s) and one output; use 1,10,1 for quadratic"),
    "layers-output": (["train", "--layers", "1,10,3"], "has 1 input(s) and one output; use 1,10,1 for quadratic"),
    "activation": (["train", "--activation", "swish"], "choose one of relu"),
    "lr-negative": (["train", "--lr", "-1"], "--lr -1"),
    "lr-zero": (["train", "--lr", "0"], "--lr 0"),
    "lr-text": (["train", "--lr", "fast"], "--lr fast"),
    "lr-nan": (["train", "--lr", "nan"], "--lr"),
    "lr-infinite": (["train", "--lr", "inf"], "--lr"),
    "lr-diverges": (["train", "--lr", "50", "--out", "new.npz"], "diverged"),
    "epochs-zero": (["train", "--epochs", "0"], "--epochs 0"),
    "epochs-fraction": (["train", "--epochs", "1.5"], "whole number"),
    "epochs-huge": (["train", "--epochs", "2000000"], "--epochs"),
    "snapshot-zero": (["train", "--snapshot-every", "0"], "--snapshot-every 0"),
    "seed-negative": (["train", "--seed", "-1"], "--seed"),
    "seed-too-big": (["train", "--seed", str(2**32)], "--seed"),
    "dataset": (["train", "--dataset", "mnist"], "--dataset mnist"),
    "samples-one": (["train", "--samples", "1"], "--samples"),
    "samples-text": (["train", "--samples", "many"], "--samples"),
    "noise-negative": (["train", "--noise", "-0.1"], "--noise"),
    "init": (["train", "--init", "zeros"], "--init zeros"),
    "unknown-flag": (["train", "--bogus", "1"], "--bogus"),
    "no-command": ([], "command"),
    "unknown-command": (["frobnicate"], "frobnicate"),
    # memory
    "memory-layers": (["train", "--layers", "1,100000,100000,1"], "memory"),
    "memory-snapshots": (["train", "--layers", "1,2000,2000,1", "--epochs", "1000000", "--snapshot-every", "1"],
                         "snapshot every"),
    "memory-samples": (["gif", "--samples", "1000000", "--layers", "1,5000,1"], "fewer samples"),
    # GIF options
    "gif-fps": (["gif", "--fps", "0"], "--fps"),
    "gif-dpi": (["gif", "--dpi", "5"], "--dpi"),
    "gif-every": (["gif", "--every", "0"], "--every"),
    "gif-smooth": (["gif", "--smooth", "-1"], "--smooth"),
    "gif-panels": (["gif", "--panels", "nope"], "--panels"),
    "gif-jobs": (["gif", "--jobs", "0"], "--jobs"),
    # cfg files
    "cfg-value": (["train", "--config", "swish.cfg"], "swish.cfg [nnviz] activation swish"),
    "cfg-layers": (["gif", "--config", "layers.cfg"], "layers.cfg [nnviz] layers"),
    "cfg-unknown-key": (["train", "--config", "unknown.cfg"], "unknown setting"),
    "cfg-syntax": (["train", "--config", "broken.cfg"], "cannot parse"),
    "cfg-missing": (["train", "--config", "nowhere.cfg"], "--config nowhere.cfg"),
    "cfg-run-missing": (["gif", "--config", "missing-run.cfg"], "nowhere.npz: no such run file"),
    **{f"cfg-not-utf8-{command}": ([command, *scene, "--config", "utf16.cfg"],
                                   "utf16.cfg: cannot read, it is not UTF-8 text (byte 0xff at offset 0)")
       for command, scene in [("train", []), ("gif", []), ("render", ["LossCurve"]), ("script", [])]},
    "cfg-memory": (["train", "--config", "huge.cfg"], "huge.cfg [nnviz] layers 1,100000,100000,1: needs about"),
    # run files
    "run-missing": (["gif", "--run", "nowhere.npz"], "no such run file"),
    "run-garbage": (["gif", "--run", "garbage.npz"], "not a readable nnviz run file"),
    "run-folder": (["render", "LossCurve", "--run", "a_dir"], "a_dir: is a folder"),
    "run-old-version": (["info", "old.npz"], "re-create it with: nnviz train"),
    "run-truncated": (["info", "truncated.npz"], "truncated.npz"),
    "run-and-flag": (["gif", "--run", "run.npz", "--lr", "0.5"], "cannot be combined"),
    # output paths
    "out-missing-folder": (["train", "--out", "missing/run.npz"], "mkdir -p missing"),
    "out-under-a-file": (["train", "--out", "a_file/run.npz"], "a_file is a file, not a folder"),
    "out-is-a-folder": (["train", "--out", "a_dir"], "a_dir/run.npz"),
    "out-trailing-slash": (["train", "--out", "new_dir/"], "it is a folder"),
    "out-pipe": (["train", "--out", "fifo"], "not a regular file"),
    "gif-out-missing-folders": (["gif", "--out", "missing/deep/x.gif"], "folder missing/deep does not exist"),
    "gif-out-under-a-file": (["gif", "--out", "a_file/x.gif"], "a_file is a file"),
    "gif-out-is-a-folder": (["gif", "--out", "a_dir"], "a_dir/NN_vis.gif"),
    "media-dir-is-a-file": (["render", "LossCurve", "--media-dir", "a_file"], "--media-dir a_file"),
    "media-dir-missing-parent": (["render", "LossCurve", "--media-dir", "missing/media"], "does not exist"),
    # scenes
    "scene-unknown": (["render", "NoSuchScene"], "unknown scene 'NoSuchScene'"),
    "scene-case": (["render", "traininglecture"], "did you mean TrainingLecture"),
    "scene-typo": (["render", "FitEvolve"], "did you mean FitEvolves"),
    "scene-none": (["render"], "name a scene"),
    "render-format": (["render", "LossCurve", "--format", "avi"], "--format"),
    "render-quality": (["render", "LossCurve", "--quality", "z"], "--quality"),
}


def assert_refused(code, err, words):
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 3, err
    assert words in err, err


@pytest.mark.parametrize("args, words", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_in_one_line_and_leaves_nothing(workdir, capsys, args, words):
    before = listing(workdir)
    code = main(args)
    assert_refused(code, capsys.readouterr().err, words)
    assert listing(workdir) == before


@pytest.mark.parametrize("args, words", [
    (["train", "--lr", "fast", "--out", "run.npz"], "--lr fast"),
    (["gif", "--out", "a_file/x.gif"], "a_file is a file"),
    (["train", "--layers", "1,100000,100000,1"], "memory"),
    (["render", "NoSuchScene"], "unknown scene")])
def test_the_real_command_exits_2_with_one_line(tmp_path, args, words):
    (tmp_path / "a_file").write_text("")
    before = listing(tmp_path)
    result = subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", *args], capture_output=True,
                            text=True, cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, words)
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert listing(tmp_path) == before


def test_a_reader_that_stops_early_gets_no_traceback():
    read, write = os.pipe()
    os.close(read)  # like `nnviz render --list | head -1` once head has its line
    try:
        result = subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", "render", "--list"], stdout=write,
                                stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write)
    assert result.returncode == 141 and result.stderr == ""


# -- output paths -------------------------------------------------------------------------------
@pytest.mark.parametrize("code, reason", [(errno.EACCES, "no permission to create files in"),
                                          (errno.EPERM, "no permission to create files in"),
                                          (errno.EROFS, "is on a read-only file system"),
                                          (errno.ENOSPC, "no space left")])
@pytest.mark.parametrize("args", [["train", "--out", "run.npz"], ["gif", "--out", "x.gif"],
                                  ["gif"], ["render", "LossCurve", "--media-dir", "media"]])
def test_a_folder_that_refuses_files_is_named_before_any_work(workdir, capsys, monkeypatch, code, reason, args):
    """Root ignores permission bits and no read-only mount is at hand, so the low-level probe
    (create a file in the folder) is made to fail the way the OS would."""
    def refuse(folder):
        raise OSError(code, os.strerror(code), str(folder))

    monkeypatch.setattr(files, "_probe", refuse)
    monkeypatch.setattr("nnviz_core.runs.train", lambda *a, **k: pytest.fail("trained before the check"))
    before = listing(workdir)
    assert_refused(main(args), capsys.readouterr().err, reason)
    assert listing(workdir) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder; the probe test above covers it")
def test_a_read_only_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert_refused(main(["train", "--out", str(locked / "run.npz")]), capsys.readouterr().err, "no permission")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_the_atomic_writer_names_a_file_in_the_way_instead_of_a_traceback(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(NnvizError) as err:
        train(RunConfig(epochs=2)).save(tmp_path / "a_file" / "run.npz")
    assert "\n" not in str(err.value) and "a_file" in str(err.value)
    assert listing(tmp_path) == ["a_file"]


def test_folders_made_for_an_output_are_removed_when_writing_fails(tmp_path):
    target = tmp_path / "new" / "deeper" / "x.bin"
    with pytest.raises(RuntimeError):
        with files.atomic_output(target, make_parents=True) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the renderer failed")
    assert listing(tmp_path) == []
    with files.atomic_output(target, make_parents=True) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and listing(tmp_path) == ["new", "new/deeper", "new/deeper/x.bin"]


def test_gif_makes_its_own_default_folder_and_takes_it_back_on_failure(workdir, capsys, monkeypatch):
    import nnviz_core.frontends.gif as gif

    args = ["gif", "--config", "empty.cfg", "--epochs", "5", "--dpi", "20", "--jobs", "1"]
    before = listing(workdir)
    real_render = gif._render
    monkeypatch.setattr(gif, "_render", lambda epoch: 1 / 0 if epoch == 5 else real_render(epoch))
    with pytest.raises(ZeroDivisionError):
        main(args)
    assert listing(workdir) == before  # no media/, no media/gifs/, no temp file
    monkeypatch.setattr(gif, "_render", real_render)
    assert main(args) == 0
    assert (workdir / "media" / "gifs" / "NN_vis.gif").is_file()
    assert "2 frames" in capsys.readouterr().out


# -- a full disk during a render -----------------------------------------------------------------
@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 kB tmpfs, which a render fills at once; skipped where none can be
    mounted (not root, or no mount in the container): the faked test below still runs."""
    folder = tmp_path / "small disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True) if os.geteuid() == 0 else None
    if not mounted or mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def assert_render_refused_naming_its_log(code, err, words):
    assert_refused(code, err, words)
    assert err.count("\n") == 1, err
    log = Path(re.search(r"manim's output: (\S+\.log)\)", err).group(1))
    text = log.read_text(encoding="utf-8")
    log.unlink()  # kept for the user; a test has read it
    return text


def test_a_full_disk_during_a_render_is_one_line_naming_the_folder_and_the_log(workdir, full_disk, capsys):
    code = main(["render", "LossCurve", "--run", "run.npz", "--quality", "l", "--jobs", "1",
                 "--media-dir", str(full_disk)])
    log = assert_render_refused_naming_its_log(
        code, capsys.readouterr().err, f"cannot render LossCurve into {full_disk}: no space left on the device")
    assert "No space left on device" in log and "Traceback" in log  # manim's own words, in its log


FAKE_MANIM = """#!/bin/sh
echo "Traceback (most recent call last):" >&2
echo "  File \\"manim/scene/scene_file_writer.py\\", line 1, in write_frame" >&2
echo "$LAST_LINE" >&2
exit 1
"""


@pytest.mark.parametrize("last_line, words", [
    ("OSError: [Errno 28] No space left on device: '/m/videos/x.mp4'", "no space left on the device of"),
    ("OSError: [Errno 30] Read-only file system", "is on a read-only file system"),
    ("ValueError: something else", "manim stopped with exit status 1 while rendering LossCurve: ValueError")])
def test_manims_failure_is_one_line_and_its_output_goes_to_a_log(workdir, capsys, monkeypatch, last_line, words):
    """manim faked by a script that fails as manim does, with its traceback on stderr."""
    fake = workdir / "fake-python"
    fake.write_text(FAKE_MANIM)
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    monkeypatch.setenv("LAST_LINE", last_line)
    code = main(["render", "LossCurve", "--run", "run.npz", "--quality", "l", "--jobs", "1",
                 "--media-dir", "a_dir"])
    captured = capsys.readouterr()
    log = assert_render_refused_naming_its_log(code, captured.err, words)
    assert "Traceback" in log and last_line in log and "Traceback" not in captured.out
    if "Errno" in last_line:
        assert f"into {workdir / 'a_dir'}" in captured.err


# -- memory -------------------------------------------------------------------------------------
def test_available_memory_is_read_from_meminfo(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24684100 kB\nMemFree:  1 kB\nMemAvailable:    2048 kB\n")
    monkeypatch.setattr(memory, "MEMINFO", str(meminfo))
    assert memory.available_bytes() == 2048 * 1024
    monkeypatch.setattr(memory, "MEMINFO", str(tmp_path / "missing"))
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_AVPHYS_PAGES": 10, "SC_PAGE_SIZE": 4096}[name])
    assert memory.available_bytes() == 40960
    monkeypatch.setattr(os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert memory.available_bytes() is None
    memory.check_run_memory(RunConfig(layers=(1, 100_000, 100_000, 1)))  # unknown: nothing is refused


@pytest.mark.parametrize("changes", [
    {"layers": (1, 500, 500, 1), "lr": 0.001, "epochs": 40, "snapshot_every": 1},  # mostly checkpoints
    {"layers": (1, 100, 1), "samples": 100_000, "epochs": 3},  # mostly activations
    {"layers": (1, 200, 200, 1), "activation": "leaky_relu", "lr": 0.01, "samples": 20_000, "epochs": 3}])
def test_the_memory_estimate_covers_what_training_allocates(changes):
    """NumPy reports its arrays to tracemalloc, so its peak is what training held at once."""
    config = RunConfig(**changes)
    tracemalloc.start()
    try:
        train(config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = sum(config.memory_needed().values())
    assert 0.75 <= peak / estimate <= 1.02, (peak, estimate)


def test_the_suggested_snapshot_interval_is_the_smallest_that_fits(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2_000_000_000)
    big = dict(layers=(1, 1000, 1000, 1), epochs=100_000)
    with pytest.raises(ConfigError) as err:
        memory.check_run_memory(RunConfig(**big, snapshot_every=10))
    assert err.value.field == "snapshot_every" and "\n" not in str(err.value)
    every = int(re.search(r"keep a snapshot every (\d+) epochs", err.value.allowed).group(1))
    memory.check_run_memory(RunConfig(**big, snapshot_every=every))
    with pytest.raises(ConfigError):
        memory.check_run_memory(RunConfig(**big, snapshot_every=every - 1))


def test_a_saved_run_loads_whatever_memory_is_free_today(workdir, capsys, monkeypatch):
    """Loading and describing a run allocate nothing new; only training it, or replaying it to
    draw, needs memory, and each of those is refused in one line when it is short."""
    monkeypatch.setattr(memory, "available_bytes", lambda: 4096)  # 4 kB free: nothing fits
    history = History.load("run.npz")
    assert history.config == RunConfig(epochs=5)
    assert main(["info", "run.npz"]) == 0
    assert "checkpoints" in capsys.readouterr().out
    assert_refused(main(["train", "--out", "new.npz"]), capsys.readouterr().err, "--layers 1,10,1: needs about")
    assert_refused(main(["script", "--run", "run.npz"]), capsys.readouterr().err,
                   "run.npz: drawing this run needs about")
    assert not (workdir / "new.npz").exists()


def test_running_out_of_memory_anyway_is_one_line(workdir, capsys, monkeypatch):
    def allocate(*args, **kw):
        raise MemoryError("Unable to allocate 80.0 GiB")

    monkeypatch.setattr("nnviz_core.runs.train", allocate)
    assert_refused(main(["train", "--config", "empty.cfg"]), capsys.readouterr().err, "ran out of memory")


# -- one declaration per setting ----------------------------------------------------------------
def test_every_setting_parses_its_own_text_by_its_type():
    defaults = RunConfig()
    for name in FIELD_TYPES:
        value = getattr(defaults, name)
        text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        assert RunConfig().updated({name: f" {text} "}) == defaults, name
    assert RunConfig().updated({"layers": "1, 8, 1", "lr": "1e-2", "seed": "7"}).seed == 7


def test_every_setting_is_a_flag_with_its_help(capsys):
    from nnviz_core.config import FIELD_HELP, flag_for

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, help_text in FIELD_HELP.items():
        assert flag_for(name) in text and " ".join(help_text.split()) in text


# -- an installed package -----------------------------------------------------------------------
def test_render_has_manims_settings_without_the_repository(tmp_path, monkeypatch):
    import configparser
    from pathlib import Path

    from nnviz_core.frontends.render import _cfg_text

    repo_cfg = configparser.ConfigParser()
    repo_cfg.read(Path(__file__).resolve().parents[1] / "manim.cfg")
    monkeypatch.chdir(tmp_path)  # no ./manim.cfg here, as for an installed nnviz
    written = configparser.ConfigParser()
    written.read_string(_cfg_text({"run": str(tmp_path / "run.npz")}))
    assert dict(written["CLI"]) == dict(repo_cfg["CLI"])
    assert written["nnviz"]["run"] == str(tmp_path / "run.npz")
    (tmp_path / "talk.cfg").write_text("[CLI]\nbackground_color = #000000\n[nnviz]\nepochs = 3\n")
    written.read_string(_cfg_text({"run": str(tmp_path / "run.npz")}, tmp_path / "talk.cfg"))
    assert written["CLI"]["background_color"] == "#000000" and written["CLI"]["disable_caching"] == "True"
    assert dict(written["nnviz"]) == {"run": str(tmp_path / "run.npz")}


# -- the repository -----------------------------------------------------------------------------
def test_stray_captures_at_the_top_level_are_kept_out_of_git():
    """`cmd > out.txt 2>&1` at the top level once committed a file of worker tracebacks."""
    root = Path(__file__).resolve().parents[1]
    listed = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    top = [name for name in listed.stdout.splitlines() if "/" not in name]
    assert not [name for name in top if name.endswith((".txt", ".log", ".out"))], top
    ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", "out.txt", "render.log",
                              "nohup.out"], capture_output=True, text=True)
    assert ignored.stdout.split() == ["out.txt", "render.log", "nohup.out"]
