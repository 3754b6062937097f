"""The web app end to end, in a real headless browser: `mangacolor app` as a user meets it.

An example drawing is clicked, a hint is placed with a colour from the colour picker, and
the page that comes back is read from the browser and checked pixel by pixel; then files
that are not images are uploaded, and the app must say so and keep working; a .cbz goes
through the Chapter tab and comes back coloured; a page shows its analysis.

    MANGACOLOR_SCREENSHOT=bench/figures/app.png pytest tests/test_browser.py   # the README's screenshot

Needs Debian's chromium (`apt-get install chromium`) and Python's playwright (the dev
extra); no Playwright browser download.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from mangacolor import data

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("no chromium executable (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [  # the machine may have no network: Chromium must not try to call home
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 120  # s: TensorFlow starts slowly on 2 busy cores
WAIT_MS = 120_000  # a colorization on a busy CPU
EXAMPLE = "sleeping_cat_ron_golan.png"
HINT_AT = (343, 206)  # page pixel (x, y) in the middle of the cat's body, ~57 px from any line
HINT_COLOUR = (48, 80, 192)  # a blue no model paints a cat
MAX_DELTA_E = 10.0
CLEAR_CHROMA = 20.0  # C*ab: clearly a colour, not a tinted gray


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    """Poll the app until it answers; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not answer on {url} within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mangacolor app` (the shipped model) in a subprocess, stopped whatever the tests do."""
    work = tmp_path_factory.mktemp("app")
    port = free_port()
    log = work / "app.log"
    env = {**os.environ, "GRADIO_TEMP_DIR": str(work / "uploads")}  # no uploads left in /tmp
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mangacolor.cli", "app", "--port", str(port)],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: sync_api.Browser, app_url: str) -> Iterator[sync_api.Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    sync_api.expect.set_options(timeout=WAIT_MS)  # expect's own default is 5 s
    page.goto(app_url)
    yield page
    page.close()


# ---------------------------------------------------------------- helpers


def image_src(page: sync_api.Page, elem_id: str) -> str | None:
    img = page.locator(f"#{elem_id} img")
    return img.get_attribute("src") if img.count() else None


def wait_for_new_image(page: sync_api.Page, elem_id: str, old_src: str | None) -> str:
    """The src of the image in component `elem_id` once it differs from `old_src` and has loaded."""
    page.wait_for_function(
        """([id, old]) => {
            const img = document.querySelector(`#${id} img`);
            return img && img.src !== old && img.complete && img.naturalWidth > 0;
        }""",
        arg=[elem_id, old_src],
    )
    return image_src(page, elem_id)


def fetch_image(page: sync_api.Page, url: str) -> np.ndarray:
    """An image the app serves, as uint8 RGB, fetched in the browser's context."""
    response = page.request.get(url)
    assert response.ok, f"{url}: {response.status}"
    return np.asarray(Image.open(io.BytesIO(response.body())).convert("RGB"))


def click_example(page: sync_api.Page, name: str) -> np.ndarray:
    """Click an example drawing; the colorized page that comes back."""
    old = image_src(page, "result")
    page.locator(f"#examples img[src*='{name}']").click()
    return fetch_image(page, wait_for_new_image(page, "result", old))


def pick_colour(page: sync_api.Page, rgb: tuple[int, int, int]) -> None:
    """Set the hint colour as a user does: open the picker, type the hex code, close it."""
    hex_code = "#{:02x}{:02x}{:02x}".format(*rgb)
    page.locator("#picker button.dialog-button").click()
    field = page.locator("#picker input[type=text]")
    field.fill(hex_code)
    field.press("Enter")
    page.locator("h1").click()  # a click outside closes the picker
    sync_api.expect(page.locator("#picker button.dialog-button")).to_have_css("background-color", f"rgb{rgb}")


def click_page_pixel(page: sync_api.Page, elem_id: str, x: int, y: int) -> None:
    """Click the displayed image of `elem_id` where page pixel (x, y) is shown, mapping as
    gradio's front end maps a click back (the image is scaled to fit, never enlarged, centred)."""
    img = page.locator(f"#{elem_id} img")
    img.scroll_into_view_if_needed()
    natural_w, natural_h = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    box = img.bounding_box()
    scale = min(box["width"] / natural_w, box["height"] / natural_h, 1.0)
    left = box["x"] + (box["width"] - natural_w * scale) / 2
    top = box["y"] + (box["height"] - natural_h * scale) / 2
    page.mouse.click(left + x * scale, top + y * scale)


def delta_e(a: np.ndarray, b: tuple[int, int, int]) -> float:
    """CIEDE2000 between an RGB pixel and an RGB colour."""
    lab = rgb2lab(np.array([[a, b]], np.uint8))
    return float(deltaE_ciede2000(lab[0, 0], lab[0, 1]))


def assert_colour_page_of(page_rgb: np.ndarray, source: Path) -> None:
    """A colour image (clear chroma somewhere) of exactly the source file's size."""
    width, height = Image.open(source).size
    assert page_rgb.shape == (height, width, 3)
    lab = rgb2lab(page_rgb)
    assert np.hypot(lab[..., 1], lab[..., 2]).max() > CLEAR_CHROMA


def hint_square_centre(marked: np.ndarray, colour: tuple[int, int, int]) -> tuple[float, float]:
    """(x, y) of the square the app draws in the hint's colour on its copy of the page."""
    ys, xs = np.nonzero((marked == colour).all(axis=-1))
    assert xs.size, "no hint drawn on the page"
    return float(xs.mean()), float(ys.mean())


def save_screenshot(page: sync_api.Page, tmp_path: Path) -> None:
    """The whole page, into tmp_path and, for the README, into $MANGACOLOR_SCREENSHOT."""
    targets = [tmp_path / "app.png"]
    if os.environ.get("MANGACOLOR_SCREENSHOT"):
        targets.append(Path(os.environ["MANGACOLOR_SCREENSHOT"]))
    png = page.screenshot(full_page=True)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)


def example_path(name: str) -> Path:
    return next(Path(p.color) for p in data.sample_pairs(kind="bw") if Path(p.color).name == name)


# ---------------------------------------------------------------- the tests


def test_an_example_with_a_hint_comes_back_in_colour_with_the_hint(page: sync_api.Page, tmp_path: Path):
    source = example_path(EXAMPLE)
    automatic = click_example(page, EXAMPLE)
    assert_colour_page_of(automatic, source)
    for elem_id in ("result", "layer"):  # both can be saved
        sync_api.expect(page.locator(f"#{elem_id}").get_by_role("button", name="Download")).to_be_visible()

    pick_colour(page, HINT_COLOUR)
    old_result, old_marked = image_src(page, "result"), image_src(page, "marked")
    click_page_pixel(page, "marked", *HINT_AT)
    hinted = fetch_image(page, wait_for_new_image(page, "result", old_result))
    marked = fetch_image(page, wait_for_new_image(page, "marked", old_marked))

    assert_colour_page_of(hinted, source)
    x, y = hint_square_centre(marked, HINT_COLOUR)
    assert abs(x - HINT_AT[0]) <= 2 and abs(y - HINT_AT[1]) <= 2  # the click landed where aimed
    at_hint = np.median(hinted[HINT_AT[1] - 2 : HINT_AT[1] + 3, HINT_AT[0] - 2 : HINT_AT[0] + 3], axis=(0, 1))
    assert delta_e(at_hint, HINT_COLOUR) < MAX_DELTA_E
    assert delta_e(automatic[HINT_AT[1], HINT_AT[0]], HINT_COLOUR) > MAX_DELTA_E  # the hint made it so
    layer = fetch_image(page, page.locator("#layer a[download]").get_attribute("href"))
    assert layer.shape == hinted.shape
    save_screenshot(page, tmp_path)


def test_a_file_that_is_not_an_image_gets_a_message_and_the_app_goes_on(page: sync_api.Page, tmp_path: Path):
    text = b"this is a shopping list, not a drawing\n"
    (tmp_path / "page.png").write_bytes(text)  # an image's name, text inside: our message
    (tmp_path / "notes.txt").write_bytes(text)  # not an image by name: gradio's front end refuses it
    upload = page.locator("#source input[type=file]")
    upload.set_input_files(tmp_path / "page.png")
    sync_api.expect(page.get_by_text(re.compile(r"page\.png is not an image"))).to_be_visible()
    upload.set_input_files(tmp_path / "notes.txt")
    sync_api.expect(page.get_by_text(re.compile(r"Invalid file type: notes\.txt"))).to_be_visible()

    assert_colour_page_of(click_example(page, EXAMPLE), example_path(EXAMPLE))


def test_a_chapter_comes_back_as_a_cbz_of_coloured_pages_in_reading_order(page: sync_api.Page, tmp_path: Path):
    sources = {"page10.png": example_path(EXAMPLE), "page2.png": example_path("saxophone_jarno_vasamaa.png")}
    chapter = tmp_path / "chapter.cbz"
    with zipfile.ZipFile(chapter, "w") as cbz:
        for name, source in sources.items():  # out of order in the archive
            cbz.write(source, name)
    page.get_by_role("tab", name="Chapter").click()
    page.locator("#chapter input[type=file]").set_input_files(chapter)
    page.get_by_role("button", name="Colorize the chapter").click()
    sync_api.expect(page.locator("#chapter_report")).to_contain_text("2 page(s) coloured into chapter_colour.cbz")
    link = page.locator("#chapter_out a[download]").first
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    with zipfile.ZipFile(io.BytesIO(response.body())) as cbz:
        assert cbz.namelist() == ["page2.png", "page10.png"]
        for name, source in sources.items():
            assert_colour_page_of(np.asarray(Image.open(io.BytesIO(cbz.read(name))).convert("RGB")), source)


def test_a_page_shows_its_analysis_beside_its_colours(page: sync_api.Page, tmp_path: Path):
    from mangacolor.data.synthetic_pages import make_page, sample_drawings
    from mangacolor.visualize import BUBBLE_COLOUR, PANEL_COLOUR

    Image.fromarray(make_page(sample_drawings(), seed=0).bw).save(tmp_path / "page.png")
    old = image_src(page, "analysis")
    page.locator("#source input[type=file]").set_input_files(tmp_path / "page.png")
    shown = fetch_image(page, wait_for_new_image(page, "analysis", old))
    assert shown.shape == (1754, 1240, 3)
    for colour in (PANEL_COLOUR, BUBBLE_COLOUR):  # panel boxes and bubble outlines drawn
        assert (shown == colour).all(axis=-1).sum() > 1000, colour
    page.get_by_role("button", name="Colorize", exact=True).click()
    page.locator("#result").scroll_into_view_if_needed()  # images load lazily, where they show
    coloured = fetch_image(page, wait_for_new_image(page, "result", None))
    assert_colour_page_of(coloured, tmp_path / "page.png")
