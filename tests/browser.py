"""A headless Chromium from the OS packages, to look at a page the way a person does.

``render(page)`` opens an HTML file twice in a fresh headless Chromium: once to
measure (a copy with a script added that writes, after layout, the page's height
and every chart's box and element count into the DOM, which ``--dump-dom``
prints), then to take a screenshot of the whole page at that height. The page
itself runs no script; the copy's script only reads the layout.

``chromium()`` finds the browser: ``$CHROME_BIN``, else ``chromium``,
``chromium-browser``, ``google-chrome`` on PATH. As a script, it writes a page's
screenshot (for the docs)::

    uv run python -m tests.browser output/report.html docs/report.png
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

WIDTH = 1200
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where the sandbox refuses to start
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-extensions",
    "--force-device-scale-factor=1",
    "--default-background-color=ffffffff",
)
_MEASURE = """
<script>
(() => {
  const boxes = [...document.querySelectorAll("figure")].map((figure) => {
    const svg = figure.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : {x: 0, y: 0, width: 0, height: 0};
    const shapes = svg ? svg.querySelectorAll("path, rect, use, image").length : 0;
    const texts = svg ? [...svg.querySelectorAll("text")].map((t) => t.textContent) : [];
    return {id: figure.id, x: box.x + scrollX, y: box.y + scrollY, width: box.width,
            height: box.height, shapes, texts};
  });
  const out = document.createElement("pre");
  out.id = "measured";
  out.hidden = true;
  out.textContent = JSON.stringify({height: document.documentElement.scrollHeight, boxes});
  document.body.append(out);
})();
</script>
"""


@dataclass(frozen=True)
class Box:
    """Where a chart was laid out, and what its SVG holds."""

    id: str
    x: float
    y: float
    width: float
    height: float
    shapes: int
    texts: list[str]


@dataclass(frozen=True)
class Rendered:
    height: int
    boxes: list[Box]
    screenshot: Path


def chromium() -> str | None:
    """The browser's path, or None."""
    named = os.environ.get("CHROME_BIN")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return next((path for name in _NAMES if (path := shutil.which(name))), None)


def render(page: Path, screenshot: Path, *, browser: str | None = None) -> Rendered:
    """Lay ``page`` out in Chromium, measure its charts, and screenshot it whole."""
    binary = browser or chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found")
    with tempfile.TemporaryDirectory(prefix="harvest-browser-") as work:
        copy = Path(work) / page.name
        copy.write_text(
            page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>", 1),
            encoding="utf-8",
        )
        dom = _run(binary, work, f"--window-size={WIDTH},1000", "--dump-dom", copy.as_uri())
        found = re.search(r'<pre id="measured" hidden="">(.*?)</pre>', dom, re.S)
        if found is None:
            raise RuntimeError("the page was not measured: " + dom[-500:])
        measured = json.loads(_unescape(found.group(1)))
        height = min(int(measured["height"]), 16000)  # Chromium's largest screenshot
        _run(binary, work, f"--window-size={WIDTH},{height}", f"--screenshot={screenshot}",
             page.resolve().as_uri())  # fmt: skip
    return Rendered(height, [Box(**box) for box in measured["boxes"]], screenshot)


def blank_share(image: Image.Image, box: Box) -> float:
    """The share of the box's pixels that are the page's white."""
    crop = image.convert("RGB").crop(
        (int(box.x), int(box.y), int(box.x + box.width), int(box.y + box.height))
    )
    pixels = crop.width * crop.height
    if not pixels:
        return 1.0
    white = crop.getcolors(pixels) or []
    return sum(count for count, colour in white if colour == (255, 255, 255)) / pixels


def colours(image: Image.Image, box: Box) -> int:
    """How many colours the box's pixels hold."""
    crop = image.convert("RGB").crop(
        (int(box.x), int(box.y), int(box.x + box.width), int(box.y + box.height))
    )
    return len(crop.getcolors(crop.width * crop.height) or [])


def _run(binary: str, profile: str, *args: str) -> str:
    result = subprocess.run(
        [binary, *_FLAGS, f"--user-data-dir={profile}/profile", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": profile},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{binary} exited {result.returncode}: {result.stderr[-2000:]}")
    return result.stdout


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.browser PAGE.html SCREENSHOT.png")
    rendered = render(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{rendered.screenshot}: {WIDTH}x{rendered.height}, {len(rendered.boxes)} charts")
