#!/usr/bin/env python3
"""Prints one summary of a test run from the logs of `swift test` and pytest: counts, and why anything was
skipped, so a person sees at once what ran. Usage: test_summary.py XCTEST_LOG PYTEST_LOG"""
import re
import sys


def xctest(text):
    passed = len(re.findall(r"^Test Case '.*' passed", text, re.M))
    failed = len(re.findall(r"^Test Case '.*' failed", text, re.M))
    reasons = [f"{name}: {reason}" for name, reason in re.findall(r"^\S+:\d+: (\S+) : Test skipped - (.*)$", text, re.M)]
    skipped = len(re.findall(r"^Test Case '.*' skipped", text, re.M))
    return passed, failed, skipped, reasons, passed + failed + skipped


def pytest(text):
    counts = {}
    last = text.strip().splitlines()[-1] if text.strip() else ""
    for number, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", last):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    by_reason = {}
    for count, where, reason in re.findall(r"^SKIPPED \[(\d+)\] ([^:]+):\d+: (.*)$", text, re.M):
        by_reason.setdefault(reason, []).append((int(count), where.split("/")[-1]))
    reasons = [f"{sum(c for c, _ in places)} in {', '.join(sorted({w for _, w in places}))}: {reason}" for reason, places in by_reason.items()]
    return counts.get("passed", 0), counts.get("failed", 0) + counts.get("error", 0), counts.get("skipped", 0), reasons


def main():
    xc_text = open(sys.argv[1], errors="replace").read() if len(sys.argv) > 1 else ""
    py_text = open(sys.argv[2], errors="replace").read() if len(sys.argv) > 2 else ""
    xp, xf, xs, x_reasons, ran = xctest(xc_text)
    pp, pf, ps, p_reasons = pytest(py_text)
    print()
    print(f"XCTest: {xp} passed, {xf} failed, {xs} skipped" + ("" if ran else " (did not run)"))
    for reason in x_reasons:
        print(f"  skipped: {reason}")
    print(f"pytest: {pp} passed, {pf} failed, {ps} skipped" + ("" if py_text.strip() else " (did not run)"))
    for reason in p_reasons:
        print(f"  skipped: {reason}")
    print(f"summary: {xp + pp} passed, {xf + pf} failed, {xs + ps} skipped")


if __name__ == "__main__":
    main()
