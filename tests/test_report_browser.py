"""The HTML report as a reader sees it: rendered by Debian's chromium (driven by Playwright)."""

from __future__ import annotations

import io
import json
import re
import shutil

import numpy as np
import pytest

from qmlc.reports.report_document import SECTION_TITLES, section_titles

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed: apt-get install -y chromium (.ci/run does)")


@pytest.fixture(scope="module")
def page_visit(flag_report_files, tmp_path_factory):
    """Open the report once: console messages, every request, the headings and verdict cells,
    a full-page screenshot and a printed PDF."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is in the test extras")
    html, _ = flag_report_files
    shots = tmp_path_factory.mktemp("browser")
    seen: dict = {"console": [], "requests": [], "errors": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: seen["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("request", lambda r: seen["requests"].append(r.url))
        # anything that is not the file itself is refused (and recorded above)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "file://") else route.abort())
        page.goto(html.as_uri(), wait_until="load")
        seen["headings"] = page.locator("h2").all_inner_texts()
        seen["verdict"] = page.eval_on_selector_all(
            "#verdict tbody tr", "rows => rows.map(r => Array.from(r.cells).map("
            "c => [c.innerText, c.dataset.value || null]))")
        seen["svg_sizes"] = page.eval_on_selector_all(
            "figure svg", "svgs => svgs.map(s => [s.getBoundingClientRect().width, "
            "s.getBoundingClientRect().height])")
        seen["screenshot"] = page.screenshot(full_page=True, path=str(shots / "report.png"))
        page.emulate_media(media="print")
        seen["print_nav_display"] = page.eval_on_selector("nav", "n => getComputedStyle(n).display")
        seen["pdf"] = page.pdf(format="A4")
        browser.close()
    return seen


def test_no_console_errors_and_no_network(page_visit, flag_report_files):
    html, _ = flag_report_files
    assert page_visit["errors"] == []
    assert [m for m in page_visit["console"] if m[0] in ("error", "warning")] == []
    assert page_visit["requests"] == [html.as_uri()]


def test_every_section_heading_is_shown(page_visit):
    shown = [re.sub(r"^\d+\. ", "", h) for h in page_visit["headings"]]
    assert shown == SECTION_TITLES["carleman"]


def test_screenshot_is_not_blank(page_visit):
    from PIL import Image

    image = Image.open(io.BytesIO(page_visit["screenshot"])).convert("L")
    pixels = np.asarray(image, dtype=float)
    assert image.size[1] > 3000                   # the whole page, not a blank viewport
    assert pixels.std() > 20                      # text and figures, not a flat page
    dark = (pixels < 128).mean()
    assert 0.01 < dark < 0.5                      # ink on paper


def test_figures_are_drawn(page_visit):
    sizes = page_visit["svg_sizes"]
    assert len(sizes) >= 8
    assert all(w > 300 and h > 100 for w, h in sizes)


def test_verdict_cells_show_the_estimates(page_visit, flag_report_files):
    """What the reader sees in the verdict table: every configuration, with its exact T-count
    behind the displayed figure."""
    html, _ = flag_report_files
    data = json.loads(html.with_suffix(".json").read_text())
    rows = page_visit["verdict"]
    assert len(rows) == len(data["estimates"]) == 10
    for row, (key, est) in zip(rows, data["estimates"].items()):
        assert row[0][0].startswith(key.replace("/", " + "))
        assert row[1][1] == repr(est["t_count"])
        assert "× 10" in row[1][0] or row[1][0].replace(",", "") == str(est["t_count"])


def test_printable(page_visit):
    assert page_visit["print_nav_display"] == "none"
    pdf = page_visit["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 3 <= pages <= 40


@pytest.fixture(scope="module")
def device_visit(device_report_files):
    """The report with a Device section (``--device ibm-fake``), as the browser shows it."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is in the test extras")
    html, _, _ = device_report_files
    seen: dict = {"console": [], "errors": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: seen["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.goto(html.as_uri(), wait_until="load")
        seen["headings"] = page.locator("h2").all_inner_texts()
        heading = page.locator("#device h2")
        heading.scroll_into_view_if_needed()
        seen["heading_visible"] = heading.is_visible()
        seen["heading_box"] = heading.bounding_box()
        seen["rows"] = page.eval_on_selector_all(
            "#device tbody tr", "rows => rows.map(r => Array.from(r.cells).map("
            "c => [c.innerText, c.dataset.value || null]))")
        browser.close()
    return seen


def test_device_section_is_shown(device_visit, device_report_files):
    """The Device section's heading is on screen and its ISA rows show the two-qubit counts
    of the report's data (which tests/test_report.py checks against qmlc run --dry-run)."""
    html, _, _ = device_report_files
    data = json.loads(html.with_suffix(".json").read_text())["device"]
    assert device_visit["errors"] == []
    assert [m for m in device_visit["console"] if m[0] in ("error", "warning")] == []
    shown = [re.sub(r"^\d+\. ", "", h) for h in device_visit["headings"]]
    assert shown == section_titles("carleman", device=True)
    box = device_visit["heading_box"]
    assert device_visit["heading_visible"] and box["width"] > 50 and box["height"] > 10
    rows = {row[0][0]: row for row in device_visit["rows"]}
    for circuit in data["circuits"]:
        cell = rows[circuit["name"]][2]               # the "two-qubit gates" column
        assert cell == [f"{circuit['two_qubit_gates']:,}", repr(circuit["two_qubit_gates"])]
