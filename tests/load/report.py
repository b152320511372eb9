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
    for group in ("page", "save", "login"):
        times = sorted(report.get(group, {}).get("times", []))
        failures = report.get(group, {}).get("failures", 0)
        count = len(times)
        rate = failures / count * 100 if count else 0
        print(
            f"| {people} | {group}s | {count} | {count / float(seconds):.1f} | {percentile(times, 0.5):.0f} "
            f"| {percentile(times, 0.95):.0f} | {percentile(times, 0.99):.0f} | {failures} ({rate:.2f}%) |"
        )


if __name__ == "__main__":
    main(*sys.argv[1:4])
