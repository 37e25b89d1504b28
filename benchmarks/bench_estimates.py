"""What cost estimates add to the request form: ``python benchmarks/bench_estimates.py [--templates N]``.

The form must open within the 3 s life of Slack's trigger_id, and now prices every template it offers.
Prints the time to build the ``/notebook new`` modal with N templates, with and without the estimates
(the baseline is the same modal with pricing stubbed out in this run), and one estimate's cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config.load import parse_policy
from bot.pricing.quote import quote
from bot.slack import costs, modals

MACHINES = ("e2-standard-4", "n1-standard-8", "n2-standard-4", "n2d-standard-8", "c2-standard-8", "g2-standard-8")


def policy_with(n: int) -> str:
    rows = "\n".join(
        f"  - {{id: t{i:04d}, title: Template {i}, kind: workbench, machine_type: {MACHINES[i % len(MACHINES)]}}}"
        for i in range(n)
    )
    return (
        "gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}\n"
        "slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}\n"
        "identity: {allowed_domains: [example.com]}\n"
        f"templates:\n{rows}\n"
    )


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def form_ms(n: int) -> tuple[float, float]:
    """Seconds to build the form for ``n`` templates: with estimates, and with pricing stubbed out."""
    policy = parse_policy(policy_with(n))
    templates = list(policy.templates)
    with_costs = timed(lambda: modals.request_modal(templates, policy).to_dict(), 5)
    suffix, block = costs.option_suffix, costs.template_estimate_block
    modals.option_suffix, modals.template_estimate_block = (lambda t, p: ""), (lambda t, p: None)
    try:
        without = timed(lambda: modals.request_modal(templates, policy).to_dict(), 5)
    finally:
        modals.option_suffix, modals.template_estimate_block = suffix, block
    return with_costs, without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--templates", type=int, nargs="*", default=[10, 100, 1000])
    args = parser.parse_args()
    for n in args.templates:
        with_costs, without = form_ms(n)
        print(
            f"request form, {n:>5} templates: {with_costs * 1000:8.1f} ms with estimates, "
            f"{without * 1000:8.1f} ms without (+{(with_costs - without) * 1000:.1f} ms)"
        )
    policy = parse_policy(policy_with(1))
    one = timed(lambda: quote(policy, policy.templates[0]), 2000)
    print(f"one estimate: {one * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
