"""
One table of the latest figures of C{make bench}: what
L{bench/component.py} and L{bench/e2e.py} wrote as JSON, against the
targets of issue 12. Figures, never pass/fail: a row says whether its
target is met on the machine the figures came from, which the table names.

    .venv/bin/python bench/summary.py [--component PATH] [--e2e PATH]
"""

import argparse
import json
import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _room(component, size):
    for room in component.get("rooms", []):
        if room["occupants"] == size:
            return room
    return None


def rows(component, e2e):
    """
    @return: C{(what, figure, target, met)} rows, C{met} L{None} where there
        is no target.
    """
    result = []
    for room in component.get("rooms", []):
        size = "%d%s" % (room["occupants"], ", cap on" if room["capped"] else "")
        result += [
            ("room of %s: groupchat deliveries/s" % size,
             "%.0f" % room["deliveries_per_second"], "", None),
            ("room of %s: deliveries per CPU second" % size,
             "%.0f" % (room["deliveries_per_cpu_second"] or 0), "", None),
            ("room of %s: join p50 / p99, last tenth (ms)" % size,
             "%.2f / %.2f" % (room["join_ms"]["last_tenth_p50"],
                              room["join_ms"]["last_tenth_p99"]), "", None),
            ("room of %s: first / last copy (ms)" % size,
             "%.2f / %.2f" % (room["copy_latency_ms"]["first"],
                              room["copy_latency_ms"]["last"]), "", None),
            ("room of %s: fill, wall / CPU (s)" % size,
             "%.1f / %.1f" % (room["fill_seconds"]["wall"], room["fill_seconds"]["cpu"]),
             "", None),
            ("room of %s: RSS per occupant (B)" % size,
             "%.0f" % room["rss_bytes"]["per_occupant"], "", None),
            ("room of %s: CPU s per 1,000 deliveries" % size,
             "%.4f" % room["cpu_seconds_per_1000_deliveries"], "", None),
            ("room of %s: worst stall (ms)" % size, "%.1f" % room["worst_stall_ms"], "", None),
        ]
        if "uncapped_join_ms" in room:
            result.append(("room of %d: join p50 / p99 with the cap off (ms)"
                           % room["occupants"],
                           "%.1f / %.1f" % (room["uncapped_join_ms"]["p50"],
                                            room["uncapped_join_ms"]["p99"]), "", None))
    thousand, tenThousand = _room(component, 1000), _room(component, 10000)
    if thousand:
        rate = thousand["deliveries_per_second"]
        result.append(("TARGET room of 1,000: deliveries/s", "%.0f" % rate, ">= 300,000",
                       rate >= 300_000))
        p99 = thousand["join_ms"]["last_tenth_p99"]
        result.append(("TARGET joins 900-1,000: p99 (ms)", "%.2f" % p99, "< 20", p99 < 20))
    if tenThousand:
        p99 = tenThousand["join_ms"]["last_tenth_p99"]
        result.append(("TARGET joins 9,000-10,000, cap on: p99 (ms)", "%.2f" % p99, "< 50",
                        p99 < 50))
    for room in (thousand, tenThousand):
        if room:
            perOccupant = room["rss_bytes"]["per_occupant"]
            result.append(("TARGET room of %d: RSS per occupant (B)" % room["occupants"],
                           "%.0f" % perOccupant, "<= 2,048", perOccupant <= 2048))
    if "many_rooms" in component:
        many = component["many_rooms"]
        result.append(("%d rooms of 10: RSS per room / per occupant (B)" % many["rooms"],
                       "%.0f / %.0f" % (many["rss_bytes"]["per_room"],
                                        many["rss_bytes"]["per_occupant"]), "", None))
    if "empty_rooms" in component:
        perRoom = component["empty_rooms"]["rss_bytes"]["per_room"]
        result.append(("TARGET empty persistent room: RSS (B)", "%.0f" % perRoom,
                       "<= 10,240", perRoom <= 10240))
    figures = e2e.get("figures", {})
    for size in sorted(figures.get("mucservice", {}), key=int):
        ours = figures["mucservice"][size]["deliveries_per_second"]
        null = figures["null"][size]["deliveries_per_second"]
        prosody = figures["prosody"][size]["deliveries_per_second"]
        result.append(("e2e %s clients: deliveries/s mucservice / null / Prosody" % size,
                       "%.0f / %.0f / %.0f" % (ours, null, prosody), "", None))
        result.append(("e2e %s clients: join p50 mucservice / null / Prosody (ms)" % size,
                       " / ".join("%.2f" % figures[muc][size]["join_ms_p50"]
                                  for muc in ("mucservice", "null", "prosody")), "", None))
        result.append(("TARGET e2e %s clients: mucservice / null" % size,
                       "%.2f" % (ours / null), ">= 0.9", ours / null >= 0.9))
        result.append(("e2e %s clients: mucservice / Prosody's MUC" % size,
                       "%.2f" % (ours / prosody), "", None))
    return result


def table(rows):
    """
    @return: the rows as a reStructuredText table.
    """
    header = ("what", "figure", "target", "met")
    cells = [header] + [(what, figure, target, "" if met is None else ("yes" if met else "NO"))
                        for what, figure, target, met in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule, "  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip(), rule]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells[1:]]
    return "\n".join(lines + [rule])


def load(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--component", default=os.path.join(RESULTS, "component.json"))
    parser.add_argument("--e2e", default=os.path.join(RESULTS, "e2e.json"))
    options = parser.parse_args(argv)
    component, e2e = load(options.component), load(options.e2e)
    machine = component.get("machine") or e2e.get("machine") or {}
    print("mucservice benchmarks, %s; %s CPUs%s%s"
          % (component.get("date") or e2e.get("date") or "no figures",
             machine.get("cpus", "?"),
             ", " + machine["processor"] if machine.get("processor") else "",
             ", load average %.1f when it started" % machine["load_average"][0]
             if machine.get("load_average") else ""))
    print(table(rows(component, e2e)))


if __name__ == "__main__":
    main()
