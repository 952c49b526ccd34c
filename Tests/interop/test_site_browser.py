"""The public website in a real browser: headless Chromium, driven over the DevTools protocol,
against the real monitord filled by lims-sim (a year's filings and the bureau's whole chain on
a fast development clock). Each page at desktop and phone widths, screenshots under
.build/site-screenshots/, the DOM checked for the agency, levels and dates, the search and the
language switch followed, a bulletin downloaded and verified with openssl, and basic
accessibility: a lang attribute, one h1, the chart's title and text, labelled controls, no
horizontal scroll at 375 px."""
import base64
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import websocket

from conftest import ROOT, swift_bin_dir

SPEED = 200000
SHOTS = ROOT / ".build" / "site-screenshots"
WIDTHS = {"desktop": (1280, 900, False), "phone": (375, 812, True)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """monitord with its site on plain HTTP, the year before last filed from 1 December and
    the bureau's chain played on it; the site's base URL and the agencies' credit codes."""
    certs = ROOT / "certs" / "dev"
    if not (certs / "ca.pem").exists():
        subprocess.run(["make", "certs"], cwd=ROOT, check=True, capture_output=True)
    data = tmp_path_factory.mktemp("site")
    today = datetime.date.today()
    year = today.year - 2
    start = datetime.datetime(year, 12, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    days_ago = (datetime.datetime.now(datetime.timezone.utc) - start).days
    bin_dir = swift_bin_dir()
    port, site_port = free_port(), free_port()
    server = subprocess.Popen(
        [str(bin_dir / "monitord"), "--listen", f"127.0.0.1:{port}", "--data-dir", str(data / "data"),
         "--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server-key.pem"),
         "--client-ca", str(certs / "ca.pem"), "--ca-key", str(certs / "ca-key.pem"),
         "--signing-key", str(certs / "signing-key.pem"), "--metrics-listen", "off", "--log-level", "warning",
         "--public-listen", f"127.0.0.1:{site_port}", "--public-plain-http",
         "--dev-clock-days-ago", str(days_ago), "--dev-clock-speed", str(SPEED)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(2)]
        assert any("public site on http://" in line for line in lines), lines
        subprocess.run([str(bin_dir / "monctl"), "credit", "indicators", "put", "-f", "config/credit-indicators.yaml",
                        "--server", f"127.0.0.1:{port}"],
                       cwd=ROOT, check=True, capture_output=True)
        simulated = subprocess.run(
            [str(bin_dir / "lims-sim"), "--server", f"127.0.0.1:{port}", "--agencies", "4", "--days", "25",
             "--per-day", "3", "--violations", "0.3", "--clock-speed", str(SPEED), "--work-dir", str(data / "lims"),
             "--bureau-year", str(year)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert simulated.returncode == 0, simulated.stdout + simulated.stderr
        assert "9/9 a direct E" in simulated.stderr, simulated.stderr
        base = f"http://127.0.0.1:{site_port}"
        # The site reads the store again within a second of a write.
        for _ in range(50):
            if f"{year}" in urllib.request.urlopen(base + "/bulletins").read().decode():
                break
            time.sleep(0.2)
        codes = re.findall(r"(91500100MA\w{8})", simulated.stderr)
        yield {"base": base, "year": year, "codes": sorted(set(codes)), "log": simulated.stderr}
    finally:
        server.terminate()
        server.wait(timeout=30)


class Browser:
    """One headless Chromium page over the DevTools protocol."""

    def __init__(self, profile):
        port = free_port()
        self.process = subprocess.Popen(
            [shutil.which("chromium"), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list").read())
                page = next(p for p in pages if p.get("type") == "page")
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError("chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.send("Page.enable")

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})

    def wait_for(self, event):
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == event:
                return message

    def width(self, name):
        width, height, mobile = WIDTHS[name]
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def open(self, url):
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        (SHOTS / f"{name}.png").write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not shutil.which("chromium"):
        pytest.fail("chromium is not installed (make test installs it)")
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


ACCESSIBLE = """(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('no lang');
  if (document.querySelectorAll('h1').length !== 1) problems.push(document.querySelectorAll('h1').length + ' h1');
  for (const control of document.querySelectorAll('input, select, textarea')) {
    const labelled = (control.id && document.querySelector('label[for="' + control.id + '"]')) || control.getAttribute('aria-label');
    if (!labelled) problems.push('unlabelled ' + control.outerHTML);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (!svg.querySelector('title') || !svg.querySelector('desc') || svg.getAttribute('role') !== 'img') problems.push('chart without title');
  }
  for (const img of document.querySelectorAll('img')) if (!img.alt) problems.push('img without alt');
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('scrolls sideways: ' + document.documentElement.scrollWidth);
  if (document.querySelectorAll('script').length) problems.push('script');
  return problems;
})()"""


def test_every_page_at_both_widths(site, browser):
    base, year = site["base"], site["year"]
    agency = site["codes"][0]
    pages = {"home": "/", "agency": f"/agency/{agency}", "publicity": "/publicity", "notices": "/notices",
             "bulletins": "/bulletins", "buyers": "/buyers", "search": f"/agencies?q={agency[:10]}",
             "home-en": "/en", "agency-en": f"/en/agency/{agency}"}
    for width in WIDTHS:
        browser.width(width)
        for name, path in pages.items():
            browser.open(base + path)
            problems = browser.js(ACCESSIBLE)
            assert problems == [], f"{path} at {width}: {problems}"
            browser.shot(f"{name}-{width}")
    assert len(list(SHOTS.glob("*-phone.png"))) >= len(pages)


def test_what_the_pages_say(site, browser):
    base, year = site["base"], site["year"]
    browser.width("desktop")
    browser.open(base + "/")
    assert browser.js("document.documentElement.lang") == "zh-CN"
    assert str(year) in browser.js("document.querySelector('main h2:last-of-type').textContent")
    caption = browser.js("document.querySelector('figcaption').textContent")
    assert re.search(r"A 级 \d+ 家", caption), caption
    assert browser.js("document.querySelector('svg title').textContent") == f"{year} 各信用等级机构数量"
    # The buyers' list holds exactly the A and B agencies the chart counts (all still listed here).
    a, b = (int(re.search(rf"{level} 级 (\d+) 家", caption).group(1)) for level in "AB")
    browser.open(base + "/buyers")
    assert browser.js("document.querySelectorAll('tbody tr').length") == a + b

    # The agency rated E directly: its year's level revoked, the E beside it, its status.
    directed = re.search(r"a direct E: (\w{18}) rated E", site["log"]).group(1)
    browser.open(base + f"/agency/{directed}")
    rows = browser.js("[...document.querySelectorAll('tbody tr')].map(r => r.textContent)")
    assert any("E" in r for r in rows) and any(str(year) in r and "已撤销" in r for r in rows), rows
    assert browser.js("document.querySelector('dl.facts').textContent").find("已移出名录") >= 0
    listed_on = browser.js("[...document.querySelectorAll('dl.facts dd')].map(d => d.textContent)")
    assert any(re.fullmatch(rf"{year}-12-\d\d", d) for d in listed_on), listed_on

    # The public notice of the inspection, dated in the year after the one filed.
    browser.open(base + "/notices")
    dates = browser.js("[...document.querySelectorAll('tbody time')].map(t => t.getAttribute('datetime'))")
    assert dates and all(d.startswith(str(year + 1)) for d in dates), dates

    # Search by typing into the form and submitting it, then switch language.
    browser.open(base + "/")
    code = site["codes"][1]
    browser.js(f"document.getElementById('q').value = '{code[:12]}'; document.querySelector('form.search').submit()")
    browser.wait_for("Page.loadEventFired")
    assert browser.js("location.pathname + location.search") == f"/agencies?q={code[:12]}"
    assert code in browser.js("document.querySelector('tbody').textContent")
    browser.js("document.querySelector('a.lang').click()")
    browser.wait_for("Page.loadEventFired")
    assert browser.js("location.pathname") == "/en/agencies" and browser.js("document.documentElement.lang") == "en"
    assert "Results" in browser.js("document.querySelector('h1').textContent")


def test_a_bulletin_downloaded_and_verified(site, browser, tmp_path):
    base, year = site["base"], site["year"]
    browser.width("desktop")
    browser.open(base + "/bulletins")
    links = browser.js("[...document.querySelectorAll('section.bulletin a')].map(a => a.href)")
    assert len(links) == 3, links
    for link in links:
        name = link.rsplit("/", 1)[1]
        (tmp_path / name).write_bytes(urllib.request.urlopen(link).read())
    command = browser.js("document.querySelector('pre.command').textContent").split()
    assert command[:3] == ["openssl", "pkeyutl", "-verify"]
    checked = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked.stdout + checked.stderr
    bulletin = json.loads((tmp_path / "bulletin.json").read_text())
    assert bulletin["year"] == year and len(bulletin["ratings"]) >= 3
