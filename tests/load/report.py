"""Percentiles and errors of a load test run from the JSON that tests/load/locustfile.py writes.

python tests/load/report.py REPORT.json PEOPLE SECONDS   -> one Markdown table row per group
"""

import json
import sys


def percentile(sorted_times, share):
    if not sorted_times:
        return 0
    index = min(len(sorted_times) - 1, max(0, round(share * len(sorted_times)) - 1))
    return sorted_times[index]


def main(path, people, seconds):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    for group in ("page", "save", "login", "ramp page", "ramp save"):
        times = sorted(report.get(group, {}).get("times", []))
        failures = report.get(group, {}).get("failures", 0)
        count = len(times)
        rate = failures / count * 100 if count else 0
        print(
            f"| {people} | {group}s | {count} | {count / float(seconds):.1f} | {percentile(times, 0.5):.0f} "
            f"| {percentile(times, 0.95):.0f} | {percentile(times, 0.99):.0f} | {failures} ({rate:.2f}%) |"
        )


def by_name(path, people):
    """The steady state's requests one by one: where the time goes."""
    with open(path, encoding="utf-8") as f:
        names = json.load(f).get("by name", {})
    for name, times in sorted(names.items()):
        times = sorted(times)
        print(
            f"| {people} | {name} | {len(times)} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} "
            f"| {percentile(times, 0.99):.0f} |"
        )


if __name__ == "__main__":
    if sys.argv[1] == "--by-name":
        by_name(*sys.argv[2:4])
        sys.exit()
    main(*sys.argv[1:4])
