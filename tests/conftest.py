import pytest

from nnviz_core import RunConfig, train


@pytest.fixture(scope="session")
def seed_history():
    """The seed notebook's run: 1-10-1 ReLU on quadratic, 100 epochs, snapshots every 5."""
    return train(RunConfig())
