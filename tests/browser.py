"""Open a page in a real headless Chromium and report what a reader would meet.

One helper for every browser test (case-study reports, the course's local web page):
``inspect_page(url, screenshot)`` loads the page with Debian's ``chromium`` through Playwright
and returns console errors, page errors, requests that left the page's own origin or failed,
images that did not decode, and the screenshot's pixel variance (a blank page has none).
Chromium comes from the system (``.ci/run`` installs it with apt-get); the test is skipped
locally when it is missing and fails in CI.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI expects Debian's chromium (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    n_images: int = 0
    pixel_std: float = 0.0
    text: str = ""
    values: dict = field(default_factory=dict)

    def assert_clean(self, min_pixel_std: float = 5.0) -> None:
        problems = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "requests outside the page": self.foreign_requests,
            "failed requests": self.failed_requests,
            "images that did not decode": self.broken_images,
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"the page is not clean: {found}"
        assert self.pixel_std > min_pixel_std, (
            f"the screenshot looks blank (std {self.pixel_std:.2f})"
        )


def inspect_page(
    url: str,
    screenshot: Path,
    *,
    allowed_origins: tuple[str, ...] = (),
    evaluate: dict[str, str] | None = None,
    viewport: tuple[int, int] = (1280, 900),
) -> PageReport:
    """Load ``url``, take a full-page screenshot to ``screenshot`` and report what happened.

    Requests are allowed to ``file:`` and ``data:`` URLs and to ``allowed_origins`` (the
    local server of the page under test); anything else counts as a foreign request.
    ``evaluate`` maps names to JavaScript expressions whose values are returned in ``values``.
    """
    from playwright.sync_api import sync_playwright

    report = PageReport()

    def own(request_url: str) -> bool:
        return request_url.startswith(("file:", "data:", "about:")) or any(
            request_url.startswith(origin) for origin in allowed_origins
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on(
                "console",
                lambda m: report.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: report.page_errors.append(str(e)))
            page.on(
                "request",
                lambda r: None if own(r.url) else report.foreign_requests.append(r.url),
            )
            page.on("requestfailed", lambda r: report.failed_requests.append(r.url))
            page.goto(url, wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.alt || i.src.slice(0, 60), "
                "i.complete, i.naturalWidth, i.naturalHeight])"
            )
            report.n_images = len(images)
            report.broken_images = [
                alt
                for alt, complete, width, height in images
                if not (complete and width and height)
            ]
            report.text = page.inner_text("body")
            for name, expression in (evaluate or {}).items():
                report.values[name] = page.evaluate(expression)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    import matplotlib.image

    pixels = matplotlib.image.imread(screenshot)[..., :3].astype(np.float64)
    report.pixel_std = float(pixels.std() * (255.0 if pixels.max() <= 1.0 else 1.0))
    return report
