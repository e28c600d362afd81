"""BLAS threads off inside our own parallel loops (they would oversubscribe the cores)."""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


def single_threaded_blas():
    """Context manager: BLAS runs on one thread while numba's threads split the chunks."""
    global _controller
    if _controller is None:  # inspecting the loaded libraries is slow: do it once
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
