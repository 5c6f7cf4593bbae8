"""report.html rendered by a real browser (Debian's headless Chromium): every image decodes, the tables are there.

Skipped with a one-line reason where no Chromium is installed (``apt-get install chromium``).
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_data import make_two_stage_run

from pymoo_gan.report.run_report import write_run_report

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium installed (apt-get install chromium)")

# A page beside report.html that loads it in a frame and writes what the browser made of it into the DOM, which
# `--dump-dom` prints once the page and its frame have loaded.
PROBE = """<html><body><pre id="result">pending</pre>
<iframe id="report" src="report.html" width="1280" height="900"></iframe>
<script>
document.getElementById('report').addEventListener('load', function () {
  var out = document.getElementById('result');
  try {
    var doc = this.contentDocument;
    out.textContent = JSON.stringify({
      title: doc.title,
      tables: doc.querySelectorAll('table').length,
      text: doc.body.innerText.length,
      images: Array.from(doc.images).map(function (i) {
        return {src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0}; })});
  } catch (e) { out.textContent = 'error: ' + e; }
});
</script></body></html>"""


def render(page: Path) -> dict:
    """What Chromium reports of ``page`` (a report.html): title, table count, text length, each image's state."""
    probe = page.parent / "browser_probe.html"
    probe.write_text(PROBE, encoding="utf-8")
    dom = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                          "--virtual-time-budget=10000", "--dump-dom", probe.resolve().as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    result = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S).group(1)
    assert result.startswith("{"), f"the probe did not read the page: {result}"
    return json.loads(result.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_report_renders_in_chromium(tmp_path, fmt):
    root = tmp_path / "run"
    make_two_stage_run(root, formats=(fmt,))
    seen = render(Path(write_run_report(root, formats=(fmt,))))
    assert seen["title"] == "pymoo-gan run: tiny & <run>"
    assert seen["tables"] >= 4 and seen["text"] > 500
    assert len(seen["images"]) >= 5
    broken = [i["src"] for i in seen["images"] if not i["ok"]]
    assert not broken, f"images the browser could not show: {broken}"


def test_probe_sees_a_broken_image(tmp_path):
    """The check can fail: an image whose file is missing is reported as not shown."""
    root = tmp_path / "run"
    make_two_stage_run(root, formats=("png",))
    page = Path(write_run_report(root))
    (root / "stage1" / "pareto.png").unlink()
    seen = render(page)
    assert [i["src"] for i in seen["images"] if not i["ok"]] == ["stage1/pareto.png"]
