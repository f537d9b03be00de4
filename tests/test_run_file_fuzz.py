"""Damaged run files, made at random (seeded): every one gives the one-line HistoryFileError.

A flipped byte that carries no data (a zip header's date, say) may leave the file loadable; then
it must load exactly the original run. Nothing else may happen: no other exception, no wrong run.
"""
import io
import zipfile

import numpy as np
import pytest

from nnviz_core import History, RunConfig, run_file, train
from nnviz_core.errors import HistoryFileError

FLIPS = 1000


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three small runs' files: two of the same shapes (another seed and rate), one deeper."""
    folder = tmp_path_factory.mktemp("runs")
    configs = {"a": RunConfig(epochs=12, layers=(1, 4, 1)),
               "b": RunConfig(epochs=12, layers=(1, 4, 1), seed=1, lr=0.05),
               "c": RunConfig(epochs=12, layers=(1, 4, 4, 1), activation="tanh")}
    return {name: train(c).save(folder / f"{name}.npz").read_bytes() for name, c in configs.items()}


def members(npz: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(npz)) as z:
        return {name: z.read(name) for name in z.namelist()}


def with_members(npz: bytes, replaced: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(npz)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, replaced.get(item.filename, zin.read(item.filename)))
    return out.getvalue()


def load(tmp_path, data: bytes) -> History:
    path = tmp_path / "damaged.npz"
    path.write_bytes(data)
    return History.load(path)


def assert_refused(tmp_path, data: bytes):
    with pytest.raises(HistoryFileError) as err:
        load(tmp_path, data)
    assert "\n" not in str(err.value) and "damaged.npz" in str(err.value)


def assert_same_run(h: History, original: History):
    assert h.config == original.config and h.diverged_at == original.diverged_at
    for a, b in zip([h.X, h.y, h.grid, h.loss, h.checkpoint_epochs, *h.checkpoint_weights,
                     *h.checkpoint_biases, *h.trace.values()],
                    [original.X, original.y, original.grid, original.loss, original.checkpoint_epochs,
                     *original.checkpoint_weights, *original.checkpoint_biases, *original.trace.values()]):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_flipped_bytes_are_refused_or_change_nothing(tmp_path, runs):
    rng = np.random.default_rng(13)
    good = runs["a"]
    original = load(tmp_path, good)
    refused = 0
    for position, mask in zip(rng.integers(0, len(good), FLIPS), rng.integers(1, 256, FLIPS)):
        data = bytearray(good)
        data[position] ^= mask
        try:
            h = load(tmp_path, bytes(data))
        except HistoryFileError as err:
            assert "\n" not in str(err)
            refused += 1
            continue
        assert_same_run(h, original)
    assert refused >= 0.8 * FLIPS  # almost every byte of a run file is data or its checksum


@pytest.mark.parametrize("tenth", range(10))
def test_a_truncated_file_is_refused(tmp_path, runs, tenth):
    good = runs["a"]
    assert_refused(tmp_path, good[:len(good) * tenth // 10])


@pytest.mark.parametrize("other", ["b", "c"])
def test_an_array_from_another_run_is_refused(tmp_path, runs, other):
    ours, theirs = members(runs["a"]), members(runs[other])
    swapped = [name for name in ours if name in theirs and ours[name] != theirs[name]]
    assert len(swapped) >= 10  # every array that differs between the two runs, one at a time
    for name in swapped:
        assert_refused(tmp_path, with_members(runs["a"], {name: theirs[name]}))
    # and two at once: the config with the arrays that depend on it
    assert_refused(tmp_path, with_members(runs["a"], {"config.npy": theirs["config.npy"],
                                                      "w0.npy": theirs["w0.npy"]}))


# -- files written whole but wrong: the digest matches, so only the shape checks can refuse them --
def resealed(npz: bytes, change) -> bytes:
    """A run file whose arrays ``change(arrays)`` damaged, with its digest computed again over
    the damaged arrays, as a buggy or hostile writer would leave it."""
    with np.load(io.BytesIO(npz), allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    change(arrays)
    arrays["digest"] = np.array(run_file.digest(arrays))
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def nan_in(name, index=0):
    def change(arrays):
        arrays[name] = arrays[name].astype(float)
        arrays[name].flat[index] = np.nan
    return change


WHOLE_BUT_WRONG = {
    "missing-weights": (lambda a: a.pop("w1"), "'w1' is missing"),
    "missing-trace": (lambda a: a.pop("largest"), "'largest' is missing"),
    "short-loss": (lambda a: a.update(loss=a["loss"][:7]), "loss length and divergence epoch disagree"),
    "long-loss": (lambda a: a.update(loss=np.zeros(40)), "'loss' is missing or has the wrong length"),
    "extra-checkpoint": (lambda a: a.update(w0=np.concatenate([a["w0"], a["w0"][:1]])), "'w0' has shape"),
    "wide-trace": (lambda a: a.update(dead_counts=np.zeros((13, 2), np.int32)), "'dead_counts' has shape"),
    "flat-grid": (lambda a: a.update(grid=a["grid"][:, 0]), "grid has the wrong shape"),
    "text-divergence": (lambda a: a.update(diverged_at=np.array("no")), "'diverged_at' is missing"),
    "divergence-without-end": (lambda a: a.update(diverged_at=np.array(5)), "divergence epoch disagree"),
    "nan-weight": (nan_in("w0", 2), "'w0' holds non-finite"),
    "nan-loss": (nan_in("loss", 3), "'loss' holds non-finite"),
    "inf-input": (lambda a: a["X"].__setitem__((0, 0), np.inf), "'X' holds non-finite"),
    "nan-grid": (nan_in("grid", 10), "'grid' holds non-finite"),
    "text-labels": (lambda a: a.update(y=a["y"].astype(str)), "'y' holds non-finite or non-numeric"),
    "moved-checkpoints": (lambda a: a.update(checkpoint_epochs=a["checkpoint_epochs"] + 1),
                          "checkpoint epochs do not match"),
}


@pytest.mark.parametrize("change, words", WHOLE_BUT_WRONG.values(), ids=WHOLE_BUT_WRONG.keys())
def test_a_file_written_whole_but_wrong_is_refused_by_its_shapes(tmp_path, runs, change, words):
    """Each damaged file passes the digest (it was computed over the damage), so the refusal
    shown can only come from the check of shapes, types and finiteness."""
    data = resealed(runs["a"], change)
    with pytest.raises(HistoryFileError) as err:
        load(tmp_path, data)
    message = str(err.value)
    assert "\n" not in message and "damaged.npz" in message and words in message, message
    assert "digest" not in message


def test_a_resealed_file_without_damage_loads_the_same_run(tmp_path, runs):
    """The resealing itself damages nothing: the cases above fail for their damage alone."""
    assert_same_run(load(tmp_path, resealed(runs["a"], lambda arrays: None)), load(tmp_path, runs["a"]))
