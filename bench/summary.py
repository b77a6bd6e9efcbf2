"""
One table of the latest figures of C{make bench}: what
L{bench/component.py} and L{bench/e2e.py} wrote as JSON, then how they stand
against the targets of issue 12. Figures, never pass/fail: a target line
says whether it is met on the machine the figures came from, which the
heading names.

    .venv/bin/python bench/summary.py [--component PATH] [--e2e PATH]
"""

import argparse
import json
import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")

COLUMNS = ("scenario", "deliveries/s", "per CPU s", "join ms p50/p99", "last copy ms",
           "fill s wall/CPU", "RSS bytes", "stall ms")


def _room(component, size):
    for room in component.get("rooms", []):
        if room["occupants"] == size:
            return room
    return None


def _pair(a, b, form="%.2f"):
    return (form + " / " + form) % (a, b)


def roomRows(component):
    """
    @return: a row of L{COLUMNS} for each scenario of component.py.
    """
    rows = []
    for room in component.get("rooms", []):
        join, fill = room["join_ms"], room["fill_seconds"]
        rows.append(("room of %d%s" % (room["occupants"], ", cap on" if room["capped"] else ""),
                     "%.0f" % room["deliveries_per_second"],
                     "%.0f" % (room["deliveries_per_cpu_second"] or 0),
                     _pair(join["last_tenth_p50"], join["last_tenth_p99"]),
                     "%.1f" % room["copy_latency_ms"]["last"],
                     _pair(fill["wall"], fill["cpu"], "%.1f"),
                     "%.0f (%.0f)/occupant" % (room["rss_bytes"]["per_occupant"],
                                               room["rss_bytes"].get("marginal_per_occupant")
                                               or 0),
                     "%.1f" % room["worst_stall_ms"]))
        if "uncapped_join_ms" in room:
            uncapped = room["uncapped_join_ms"]
            rows.append(("room of %d, cap off" % room["occupants"], "", "",
                         _pair(uncapped["p50"], uncapped["p99"]), "", "", "", ""))
    if "many_rooms" in component:
        many = component["many_rooms"]
        rows.append(("%d rooms of %d" % (many["rooms"], many["occupants_per_room"]), "", "", "",
                     "", _pair(many["fill_seconds"]["wall"], many["fill_seconds"]["cpu"],
                               "%.1f"),
                     "%.0f/room" % many["rss_bytes"]["per_room"], ""))
    if "empty_rooms" in component:
        empty = component["empty_rooms"]
        rows.append(("%d empty persistent rooms" % empty["rooms"], "", "", "", "", "",
                     "%.0f/room" % empty["rss_bytes"]["per_room"], ""))
    return rows


def e2eRows(e2e):
    """
    @return: a row of L{COLUMNS} for each MUC and number of clients of
        e2e.py (figures of before the null+ids have none of it).
    """
    rows = []
    figures = e2e.get("figures", {})
    for size in sorted(figures.get("mucservice", {}), key=int):
        for muc in ("mucservice", "null", "null+ids", "prosody"):
            if muc not in figures:
                continue
            row = figures[muc][size]
            rows.append(("e2e %s clients, %s" % (size, muc),
                         "%.0f" % row["deliveries_per_second"], "",
                         "%.2f / max %.0f" % (row["join_ms_p50"], row["join_ms_max"]),
                         "", "", "", ""))
    return rows


def targets(component, e2e):
    """
    @return: a line for each target of issue 12 that the figures measure.
    """
    lines = []

    def target(what, figure, wanted, met):
        lines.append("%-64s %-20s %-12s %s" % (what, figure, wanted, "met" if met else "NOT met"))

    thousand, tenThousand = _room(component, 1000), _room(component, 10000)
    if thousand:
        rate = thousand["deliveries_per_second"]
        perCPU = thousand["deliveries_per_cpu_second"] or 0
        target("room of 1,000: deliveries/s (wall; per CPU second)",
               "%.0f; %.0f" % (rate, perCPU), ">= 300,000", rate >= 300_000)
        p99 = thousand["join_ms"]["last_tenth_p99"]
        target("joins 900 to 1,000: p99", "%.2f ms" % p99, "< 20 ms", p99 < 20)
    if tenThousand:
        p99 = tenThousand["join_ms"]["last_tenth_p99"]
        target("joins 9,000 to 10,000%s: p99" % (", cap on" if tenThousand["capped"] else ""),
               "%.2f ms" % p99, "< 50 ms", p99 < 50)
    for room in (thousand, tenThousand):
        if room:
            perOccupant = room["rss_bytes"]["per_occupant"]
            target("room of %d: RSS per occupant" % room["occupants"], "%.0f B" % perOccupant,
                   "<= 2,048 B", perOccupant <= 2048)
    if "empty_rooms" in component:
        perRoom = component["empty_rooms"]["rss_bytes"]["per_room"]
        target("empty persistent room: RSS", "%.0f B" % perRoom, "<= 10,240 B", perRoom <= 10240)
    # The ratios as e2e.py wrote them: each the median of the rounds' own.
    ratios = e2e.get("ratios", {})
    sizes = sorted(ratios, key=int)
    for size in sizes:
        ratio = ratios[size]
        target("e2e %s clients: mucservice / null (/ null+ids, / Prosody's MUC)" % (size,),
               "%.2f (%.2f, %.2f)" % (ratio["mucservice/null"], ratio["mucservice/null+ids"],
                                      ratio["mucservice/Prosody"]),
               ">= 0.9", ratio["mucservice/null"] >= 0.9)
    if sizes:
        # What the ids XEP-0359 and XEP-0421 require cost the server by
        # themselves: the most any MUC that sends them reaches against null.
        lines.append("%-64s %s" % (
            "e2e null+ids / null, %s clients (the ids alone)" % ", ".join(sizes),
            ", ".join("%.2f" % ratios[size]["null+ids/null"] for size in sizes)))
    return lines


def table(rows):
    """
    @return: the rows under L{COLUMNS}, as a reStructuredText table.
    """
    cells = [COLUMNS] + list(rows)
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule] + ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                      for row in cells]
    lines.insert(2, rule)
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
    print(table(roomRows(component) + e2eRows(e2e)))
    print("Targets of issue 12:")
    for line in targets(component, e2e):
        print("  " + line)


if __name__ == "__main__":
    main()
