"""`nnviz train` and `nnviz info`, with good and bad input."""
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nnviz_core import History
from nnviz_core.frontends.cli import main



def empty_cfg(folder):
    """A cfg file with no [nnviz] section: the defaults, whatever ./manim.cfg says."""
    path = folder / "empty.cfg"
    path.touch()
    return path

def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_train_writes_a_loadable_run_and_info_describes_it(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["train", "--layers", "1,8,8,1", "--activation", "tanh", "--epochs", "20",
                 "--config", str(empty_cfg(tmp_path)), "--out", str(out)]) == 0
    h = History.load(out)
    assert h.config.layers == (1, 8, 8, 1) and h.config.activation == "tanh"
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1,8,8,1" in text and "tanh" in text and f"{h.final_loss:.6g}" in text
    assert main(["info", "--json", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["checkpoint_epochs"] == [0, 5, 10, 15, 20]
    assert [e["text"] for e in info["events"]] == [e.text for e in h.events()] and h.events()
    assert h.events()[0].text in text
    assert info["final_loss"] == h.final_loss


def test_train_reads_the_nnviz_section_of_manim_cfg(tmp_path):
    (tmp_path / "manim.cfg").write_text("[nnviz]\nepochs = 10\nsnapshot_every = 2\n")
    result = run_cli("train", "--out", "r.npz", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(History.load(tmp_path / "r.npz").checkpoint_epochs) == [0, 2, 4, 6, 8, 10]


@pytest.mark.parametrize("args, flag", [
    (["--layers", "1,0,1"], "--layers"), (["--lr", "-1"], "--lr"), (["--epochs", "0"], "--epochs"),
    (["--activation", "swish"], "--activation"), (["--dataset", "mnist"], "--dataset"),
    (["--lr", "fast"], "--lr"), (["--layers", "2,10,1"], "--layers"), (["--bogus"], "--bogus")])
def test_bad_flags_give_one_line_exit_2_and_no_file(tmp_path, args, flag):
    result = run_cli("train", *args, "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and flag in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_divergence_is_one_line_naming_the_epoch(tmp_path):
    result = run_cli("train", "--lr", "50", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "epoch" in result.stderr and "--lr" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_cfg_value_names_the_file_and_key(tmp_path):
    (tmp_path / "manim.cfg").write_text("[nnviz]\nactivation = swish\n")
    result = run_cli("train", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "manim.cfg" in result.stderr and "activation" in result.stderr


def test_info_on_a_corrupt_file_is_one_line(tmp_path):
    bad = tmp_path / "run.npz"
    bad.write_bytes(b"PK\x03\x04 broken")
    result = run_cli("info", str(bad))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "nnviz train" in result.stderr


def test_unwritable_out_leaves_nothing(tmp_path):
    locked = tmp_path / "missing-dir" / "run.npz"
    result = run_cli("train", "--epochs", "5", "--out", str(locked), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert not locked.parent.exists()


def test_a_named_cfg_file_must_exist(tmp_path):
    result = run_cli("train", "--config", "tlak.cfg", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--config tlak.cfg" in result.stderr and not (tmp_path / "run.npz").exists()


def test_a_flag_overrides_a_bad_cfg_value(tmp_path):
    (tmp_path / "manim.cfg").write_text("[nnviz]\nactivation = swish\nepochs = 4\n")
    result = run_cli("train", "--activation", "tanh", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert History.load(tmp_path / "run.npz").config.activation == "tanh"


def test_too_many_snapshots_for_memory_are_refused_with_the_fix(tmp_path):
    result = run_cli("train", "--layers", "1,2000,2000,1", "--epochs", "1000000", "--snapshot-every", "1",
                     "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--snapshot-every 1:" in result.stderr and "snapshot every" in result.stderr and "GB" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_gif_setting_leaves_no_folder(tmp_path):
    result = run_cli("gif", "--lr", "-1", cwd=tmp_path)  # the default --out, whose folder nnviz may make
    assert result.returncode == 2 and "--lr" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum, words", [(signal.SIGINT, "nnviz: interrupted"), (signal.SIGTERM, "nnviz: terminated")])
def test_ctrl_c_exits_130_as_a_shell_expects(tmp_path, signum, words):
    """The real command, stopped by ``timeout -s INT`` (or TERM) mid-training: 128 + the signal,
    one line, no file. SIGINT is set back to its default for the child, since a shell starts
    background jobs with it ignored and the child would inherit that."""
    nnviz = Path(sys.executable).with_name("nnviz")
    empty_cfg(tmp_path)
    result = subprocess.run(["timeout", "--preserve-status", "-s", signum.name, "3", str(nnviz), "train", "--epochs", "1000000",
                             "--layers", "1,32,1", "--snapshot-every", "100000", "--config", "empty.cfg"],
                            cwd=tmp_path, capture_output=True, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert result.returncode == 128 + signum, result.stderr
    assert result.stderr == words + "\n" and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.cfg"]


REPO = Path(__file__).resolve().parents[1]


def test_manim_with_a_bad_nnviz_setting_exits_2_in_one_line_and_leaves_no_media(tmp_path):
    """manim makes its media tree before the scene reads the cfg's run: a refused render takes
    back the empty directories it made, and only those."""
    import os

    cfg = (REPO / "manim.cfg").read_text()
    assert "\nlr = 0.1\n" in cfg
    (tmp_path / "manim.cfg").write_text(cfg.replace("\nlr = 0.1\n", "\nlr = fast\n"))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    render = [sys.executable, "-m", "manim", "-ql", str(REPO / "scenes" / "training.py"), "TrainingLecture"]

    def refused():
        result = subprocess.run(render, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
        assert "manim.cfg" in result.stderr and "lr" in result.stderr and "fast" in result.stderr

    refused()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manim.cfg"]  # no media/
    # What was there before stays, empty or not: only what the render made goes.
    (tmp_path / "media" / "videos" / "mine").mkdir(parents=True)
    (tmp_path / "media" / "notes.txt").write_text("keep")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "media").rglob("*"))
    refused()
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "media").rglob("*")) == before
