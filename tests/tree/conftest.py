"""Every test here runs on one thread (see ``tests/single_thread.py``)."""

import pytest
from single_thread import single_thread

one_thread = pytest.fixture(autouse=True)(single_thread)
