"""The self-contained HTML report: one file, no network, every user text escaped, the summary,
charts, tables, assumptions with sources and audit trail; loaded in a real headless Chromium
(skipped with the reason when none is installed)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from gpulca.reports import html as report_html
from gpulca.reports import tables as rp

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"
SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def result(module_bw: Path) -> Any:
    from gpulca.pipeline.run import run_study

    return run_study(EXAMPLE, data_dir=module_bw)


@pytest.fixture(scope="module")
def hostile(result: Any) -> Any:
    """The result with markup, scripts and a formula in every text a user types."""
    phases = {**result.study.phases, "ablation": f"Ablations {SCRIPT}",
              "exploration": FORMULA}
    study = dataclasses.replace(result.study, phases=phases, study=result.study.study.model_copy(
        update={"name": f"study {IMAGE}", "description": f"about {SCRIPT} & more"}))
    scores = result.scores.copy()
    scores["phase_label"] = scores["phase"].map(phases)
    return dataclasses.replace(result, study=study, scores=scores,
                               warnings=[f"warning {SCRIPT}"])


@pytest.fixture(scope="module")
def page(hostile: Any) -> str:
    scores = hostile.scores.copy()
    scores["score"] *= 0.5
    variant = dataclasses.replace(hostile, variant=f"cheap {IMAGE}", scores=scores)
    report = rp.build_report([hostile, variant], {f"cheap {IMAGE}": [f"site.pue: 1.5 -> {SCRIPT}"]})
    return report_html.build_html(report)


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def test_one_file_without_network(page: str) -> None:
    tags = _elements(page)
    for tag, attrs in tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:image/", "#")), (tag, name, value)
    assert not {tag for tag, _ in tags} & {"script", "link", "iframe", "object", "embed",
                                           "form", "base"}
    assert "@import" not in page and "url(" not in page
    csp = [a["content"] for t, a in tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [report_html.CSP] and "default-src 'none'" in csp[0]
    assert ('<meta name="viewport" content="width=device-width, initial-scale=1">' in page)
    assert "@media print" in page and "@media (max-width" in page


def test_every_user_text_is_escaped(page: str) -> None:
    tags = _elements(page)
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert {tag for tag, _ in tags} <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "code", "nav", "ol", "li", "a", "main", "section", "div", "table", "caption", "thead",
        "tbody", "tr", "th", "td", "figure", "img", "figcaption", "details", "summary", "ul"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "study &lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page  # text, never a link
    images = [a for t, a in _elements(page) if t == "img"]
    assert images and all(str(a["src"]).startswith("data:image/svg+xml;base64,")
                          for a in images)


def test_summary_charts_tables_assumptions_and_audit(page: str, hostile: Any) -> None:
    ids = [a.get("id") for t, a in _elements(page) if t == "section"]
    assert ids == ["summary", "charts", "tables", "assumptions", "methods", "audit"]
    text = re.sub(r"\s+", " ", page)
    assert "Headline results (variant base)" in text and "Reading" in text
    assert "Ranking of the 2 variants by climate change (1 = lowest)" in text
    assert "the Assumptions section gives the source" in text.replace("The Assumptions",
                                                                       "the Assumptions")
    assert "By research phase (all life-cycle stages)" in text
    assert "By variant: totals and change against base" in text
    for row in rp.main_assumptions(hostile)[:3]:
        assert report_html.esc(row[3]) in text  # every main assumption with its source
    assert "Applied overrides" in text and "SHA-256" in text and "Version of bw2calc" in text
    assert "Hardware lifetime" in text and "years" in text


def test_same_report_same_bytes(result: Any) -> None:
    report = rp.build_report([result])
    assert report_html.html_bytes(report) == report_html.html_bytes(report)


# -- a real browser -------------------------------------------------------------------------------

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium installed (Debian: apt-get install chromium): the HTML report is "
                "not loaded in a browser")


def _run_browser(binary: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--hide-scrollbars", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         *arguments], capture_output=True, text=True, timeout=120, check=False)


def _console(stderr: str) -> list[str]:
    """Console messages and blocked loads Chromium logged."""
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line or "Content Security Policy" in line or
            "net::ERR" in line or "Refused to" in line]


def test_chromium_loads_the_report_without_console_errors(page: str, tmp_path: Path) -> None:
    binary = _chromium()
    probe = tmp_path / "probe.html"
    probe.write_text('<!DOCTYPE html><p>probe</p><script>console.error("probe-error")</script>')
    seen = _run_browser(binary, tmp_path / "profile0", "--dump-dom", probe.as_uri())
    assert any("probe-error" in line for line in _console(seen.stderr)), \
        "the console check would not see an error: " + seen.stderr[-2000:]

    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    loaded = _run_browser(binary, tmp_path / "profile1", "--dump-dom", path.as_uri())
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert _console(loaded.stderr) == []
    assert "Headline results" in loaded.stdout and "Audit trail" in loaded.stdout

    from matplotlib.image import imread

    for width, height in ((390, 1400), (1280, 1600)):  # a phone and a desktop
        shot = tmp_path / f"report-{width}.png"
        taken = _run_browser(binary, tmp_path / f"profile{width}", f"--screenshot={shot}",
                             f"--window-size={width},{height}", path.as_uri())
        assert shot.exists(), taken.stderr[-2000:]
        assert _console(taken.stderr) == []
        pixels = imread(shot)
        assert pixels.shape[1] == width
        top = pixels[: height // 3]
        assert top.std() > 0.05  # the summary is drawn, not a blank page
