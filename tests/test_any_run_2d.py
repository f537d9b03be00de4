"""The property test of tests/test_any_run.py on seeded 2-D runs: classification (every
dataset, feature sets, widths, k classes) and 2-D regression, from gentle learning rates to the
edge of divergence. The same tests, in a file of their own so that the suite's processes share
the work (make test runs a file to a process)."""
from __future__ import annotations

import pytest

from test_any_run import (EXAMPLES, random_plane_configs, run_id, trained,  # noqa: F401 (collected here)
                          test_dashboard_stills_are_legible_and_true, test_every_frame_of_the_clock_is_a_real_epoch_or_between_two,
                          test_every_loss_sentence_agrees_with_the_loss_curve, test_lecture_stills_are_legible_and_true)

RUNS = random_plane_configs(max(EXAMPLES // 2, 3))


@pytest.fixture(scope="module", params=RUNS, ids=run_id)
def history(request):
    return trained(request.param)


@pytest.fixture(scope="module", params=RUNS[1:] if EXAMPLES <= 6 else RUNS, ids=run_id)
def lecture_history(request):  # the lecture: all but the first run (a circle, as tests/test_lecture_2d.py plays)
    return trained(request.param)
