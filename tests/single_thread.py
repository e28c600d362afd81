"""One thread per test for OpenMP (scikit-learn's and numba's) and numba's pool.

The suite's conftest limits the thread pools loaded when it is imported; scikit-learn's OpenMP
runtime loads later (with its histogram gradient boosting), and on two busy cores its spinning
threads cost more than they give. Tests compare answers, never timings (benchmarks/ do that);
a test that needs several threads sets them itself. Modules (or conftests) make it
an autouse fixture: ``one_thread = pytest.fixture(autouse=True)(single_thread)``.
"""

import numba
from threadpoolctl import threadpool_limits


def single_thread():
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    with threadpool_limits(limits=1, user_api="openmp"):
        yield
    numba.set_num_threads(previous)
