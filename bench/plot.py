"""
The plot of L{bench/component.py}'s figures (matplotlib, the extra
C{bench} of setup.cfg): groupchat throughput, and join and delivery
latency, against room size; and the join latency against occupancy as each
room fills.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as pyplot  # noqa: E402


def plotRooms(results, path):
    """
    Draw the figures of the rooms of C{results} into the PNG file C{path}.
    """
    rooms = results["rooms"]
    sizes = [r["occupants"] for r in rooms]
    figure, (left, middle, right) = pyplot.subplots(1, 3, figsize=(16, 4.5))
    left.plot(sizes, [r["deliveries_per_second"] for r in rooms], marker="o",
              label="wall clock")
    left.plot(sizes, [r["deliveries_per_cpu_second"] for r in rooms], marker="s",
              label="per CPU second of the service")
    left.set(xscale="log", xlabel="occupants", ylabel="deliveries/s",
             title="groupchat throughput")
    left.legend()
    for key in ("p50", "p99"):
        middle.plot(sizes, [r["join_ms"]["last_tenth_" + key] for r in rooms], marker="o",
                    label="join %s (last tenth of the fill)" % key)
    middle.plot(sizes, [r["copy_latency_ms"]["last"] for r in rooms], marker="o",
                label="last copy of a message")
    uncapped = [(r["occupants"], r["uncapped_join_ms"]["p50"]) for r in rooms
                if "uncapped_join_ms" in r]
    if uncapped:
        middle.plot(*zip(*uncapped), marker="x", linestyle="none", markersize=10,
                    label="join p50 without the presence cap")
    middle.set(xscale="log", yscale="log", xlabel="occupants", ylabel="ms", title="latency")
    middle.legend(fontsize="small")
    for room in rooms:
        series = room["join_ms_by_occupancy"]
        right.plot([s["occupancy"] for s in series], [s["p99"] for s in series], marker=".",
                   label="room of %d%s" % (room["occupants"],
                                           ", cap on" if room["capped"] else ""))
    right.set(xscale="log", yscale="log", xlabel="occupancy when joining",
              ylabel="join p99 (ms)", title="join latency as the room fills")
    right.legend(fontsize="small")
    machine = results["machine"]
    figure.suptitle("mucservice behind a socket, %s, %d CPUs, Python %s (shared, loaded machine)"
                    % (results["date"], machine["cpus"], machine["python"]), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
