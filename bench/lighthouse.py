"""Lighthouse scores of the demo hotel's website: home, a room page and the first booking step.

    npm ci --prefix bench                  # once: Lighthouse, pinned in bench/package-lock.json
    .venv/bin/python bench/lighthouse.py              # one run per page
    .venv/bin/python bench/lighthouse.py --runs 3     # three runs per page; the median-performance run counts

Serves the app as bench/_server.py does (fresh bench/out/lighthouse.sqlite3 with the demo hotels,
gunicorn with 2 workers x 4 threads, INNKEEPER_MODE=demo with DEBUG=false, static files from whitenoise)
and runs the Lighthouse CLI against http://demo.localhost:PORT/... with Debian's Chromium
(CHROME_PATH=/usr/bin/chromium, headless). Lighthouse's defaults otherwise: mobile form factor, simulated
slow 4G and 4x CPU slowdown. Categories: performance, accessibility, best-practices, seo.

Prints the four scores per page, the performance metrics (FCP, LCP, TBT, CLS, Speed Index), every
accessibility, best-practices and SEO audit that scored below 1 (id, title, the offending elements), and
performance audits below 0.9. The full reports are in bench/out/lighthouse/<page>.report.{json,html}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import _server  # noqa: E402

BENCH = _common.ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
REPORTS = _common.OUT / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
HOTEL = "demo"
PAGES = [  # name, path
    ("home", "/en/"),
    ("room", "/en/rooms/deluxe/"),
    ("book", "/en/book/"),
]
METRICS = [  # audit id, label
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
]
TIMEOUT_S = 180


def lighthouse(url: str, out_stem: Path, attempts: int = 3) -> dict:
    """One Lighthouse run; returns the JSON report (also saved as out_stem.report.{json,html}).

    A run that fails to record the page load (Chromium's trace now and then lacks its navigation start:
    NO_NAVSTART, or similar) is tried again, up to ``attempts`` times, with a note on stdout.
    """
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output=html", f"--output-path={out_stem}",
           f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    report_path = Path(f"{out_stem}.report.json")
    for attempt in range(1, attempts + 1):
        report_path.unlink(missing_ok=True)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        error = (report or {}).get("runtimeError")
        if done.returncode == 0 and report and not error:
            return report
        if isinstance(error, dict):
            reason = error.get("code") or error.get("message")
        else:
            reason = error or (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        if attempt < attempts:
            print(f"  (lighthouse attempt {attempt} on {url} failed, trying again: {str(reason)[:200]})",
                  flush=True)
            time.sleep(1)
    raise SystemExit(f"lighthouse failed {attempts} times on {url}:\n"
                     f"{done.stdout[-2000:]}{done.stderr[-4000:]}")


def score(report: dict, category: str) -> int | None:
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def failing(report: dict, category: str, below: float = 1.0) -> list[dict]:
    """Audits of ``category`` with a score below ``below``: not the informative, manual or not-applicable
    ones, nor those the report hides (in Lighthouse 12 the performance "insights", which repeat the
    diagnostics in a newer form)."""
    audits = report["audits"]
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("group") == "hidden":
            continue
        if audit.get("score") is not None and audit["scoreDisplayMode"] not in ("notApplicable", "manual",
                                                                                  "informative") \
                and audit["score"] < below:
            found.append(audit)
    return found


def offenders(audit: dict, limit: int = 6) -> list[str]:
    """What an audit blames, one line each: an element (selector + HTML), a URL, or a message."""
    details = audit.get("details") or {}
    items = details.get("items") or []
    if isinstance(items, dict):  # an insight's checklist: {key: {label, value: passed?}}
        return [f"{check.get('label', key)} ({key})" for key, check in items.items()
                if isinstance(check, dict) and check.get("value") is False]
    lines = []
    for item in items:
        if not isinstance(item, dict):
            lines.append(str(item)[:300])
            continue
        node = next((v for v in (item.get("node"), item.get("source"), item)
                     if isinstance(v, dict) and v.get("type") == "node"), None)
        if node:
            label = node.get("nodeLabel", "")
            line = f"{node.get('selector', '?')}  {node.get('snippet', '')}"
            if label and label not in line:
                line += f"  ({label!r})"
            explanation = " ".join((node.get("explanation") or "").split())
            if explanation:
                line += f"\n          {explanation[:300]}"
            lines.append(line)
        else:
            source = item.get("source")
            parts = [str(item[k]) for k in ("description", "source", "url", "value", "issueType", "text")
                     if isinstance(item.get(k), (str, int, float)) and item.get(k) != ""]
            if not parts and isinstance(source, dict) and source.get("url"):
                parts = [f"{source['url']}:{source.get('line', '?')}"]
            lines.append("  ".join(parts)[:300] or json.dumps(item)[:300])
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more (see the HTML report)"]
    if not lines and audit.get("displayValue"):
        lines.append(audit["displayValue"])
    return lines


def median_run(reports: list[dict]) -> dict:
    """The run whose performance score is the median (Lighthouse's advice for several runs)."""
    ordered = sorted(reports, key=lambda r: r["categories"]["performance"]["score"] or 0)
    return ordered[(len(ordered) - 1) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (default 1)")
    parser.add_argument("--path", action="append", default=[], metavar="PATH",
                        help="audit this path of the demo hotel's site too (repeatable), e.g. /ru/about/")
    args = parser.parse_args()
    pages = PAGES + [(f"extra{i + 1}", path) for i, path in enumerate(args.path)]
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run  npm ci --prefix bench", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    if REPORTS.exists():
        shutil.rmtree(REPORTS)
    REPORTS.mkdir(parents=True)
    lh_version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    started = time.perf_counter()

    results: dict[str, tuple[str, dict, list[dict]]] = {}
    with _server.demo_site("lighthouse") as site:
        info = {"vendor": "sqlite", "version": sqlite3.sqlite_version, "url": site.database,
                "debug": site.debug, "migrate_s": site.migrate_s}
        _common.print_header("lighthouse", info, {
            "seed_demo": f"{site.seed_s:.1f} s",
            "server": f"gunicorn 2 workers x 4 threads, INNKEEPER_MODE=demo, DEBUG={site.debug}, whitenoise",
            "lighthouse": f"{lh_version}, mobile (the default), simulated throttling, "
                          f"{args.runs} run(s) per page",
            "browser": f"{chromium}  ({CHROMIUM} {' '.join(CHROME_FLAGS)})",
        })
        for name, path in pages:
            url = site.url(HOTEL, path)
            runs = []
            for i in range(args.runs):
                stem = REPORTS / (name if args.runs == 1 else f"{name}-{i + 1}")
                t0 = time.perf_counter()
                runs.append(lighthouse(url, stem))
                print(f"  {name} run {i + 1}: performance {score(runs[-1], 'performance')} "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
            results[name] = (url, median_run(runs), runs)
    print()

    _common.table(["page", "URL", *CATEGORIES],
                  [[name, path, *[score(report, c) for c in CATEGORIES]]
                   for (name, path), (_url, report, _runs) in zip(pages, results.values(), strict=True)],
                  title="Scores (0-100" + (", median-performance run" if args.runs > 1 else "") + ")")
    if args.runs > 1:
        _common.table(["page", "performance of each run"],
                      [[name, " ".join(str(score(r, "performance")) for r in runs)]
                       for name, (_url, _report, runs) in results.items()])
    _common.table(["page", *[label for _id, label in METRICS]],
                  [[name, *[report["audits"][mid]["displayValue"].replace("\xa0", " ")
                            for mid, _label in METRICS]]
                   for name, (_url, report, _runs) in results.items()],
                  title="Performance metrics (simulated mobile)")

    print("Audits below 1 in accessibility, best-practices and seo; performance audits below 0.9:")
    for name, (url, report, _runs) in results.items():
        found = [(category, audit) for category, below in (("accessibility", 1.0), ("best-practices", 1.0),
                                                           ("seo", 1.0), ("performance", 0.9))
                 for audit in failing(report, category, below)]
        print(f"  {name} ({url.split(str(site.port), 1)[-1]}):" + ("" if found else " none"))
        for category, audit in found:
            shown = f" [{audit['displayValue']}]" if audit.get("displayValue") else ""
            print(f"    {category:14} {audit['score']:.2f}  {audit['id']}: {audit['title']}{shown}")
            for line in offenders(audit):
                print(f"        - {line}")
    print()
    print(f"reports: {REPORTS.relative_to(_common.ROOT)}/<page>.report.html and .json "
          f"({time.perf_counter() - started:.0f} s)")
    _common.print_footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
