"""
The benchmarks still run: each one, as small as it goes, as a script of its
own (their figures are for people; here only that they work).
"""

import importlib.util
import json
import os
import string
import subprocess
import sys

import pytest
from twisted.words.xish.xmlstream import XmlStream
from wokkel.generic import parseXml

import mucservice
from mucservice.devserver.ejabberd import ejabberdBinary
from mucservice.devserver.postgres import cannotStart

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(mucservice.__file__)))


@pytest.mark.parametrize("script, args, printed", [
    ("broadcast.py", ["--occupants", "3", "--messages", "3"], "stanzas/s"),
    ("room_memory.py", ["--rooms", "5", "--history", "2"], "room"),
    ("addresses.py", ["--stanzas", "50"], "microseconds"),
    ("stall.py", ["--scenario", "admin-1000", "--runs", "1"], "longest turn"),
    ("component.py", ["--sizes", "5,12", "--rooms", "2", "--empty-rooms", "2", "--messages",
                      "5", "--max-users-presence", "8", "--uncapped-joins", "2"],
     "without the cap"),
    ("e2e.py", ["--clients", "2", "--messages", "2", "--rounds", "1"], "mucservice/null+ids"),
    ("archive.py", ["--messages", "2000", "--runs", "3", "--appends", "20"], "p99"),
    ("stanzasize.py", ["--occupants", "3", "--rounds", "2"], "minimum"),
    ("joins.py", ["--sizes", "3", "--capped", "4", "--probes", "2", "--rounds", "1"],
     "cap on / moderators alone: mucservice/Prosody"),
    ("churn.py", ["--waves", "1", "--sessions", "20", "--rooms", "4", "--wait", "0",
                  "--backlog-room", "5", "--backlog", "3"], "after wave 1"),
])
def test_benchmarkRuns(script, args, printed):
    """Each benchmark runs to its end and prints its figures."""
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script)] + args,
                         capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 0, out.stderr
    assert printed in out.stdout


def test_instancesBenchmarkRuns():
    """
    The benchmark of several instances behind ejabberd runs to its end with
    one and two instances, where ejabberd and PostgreSQL can start.
    """
    if ejabberdBinary() is None:
        pytest.skip("ejabberd is not installed (apt-get install ejabberd)")
    why = cannotStart()
    if why is not None:
        pytest.skip("PostgreSQL cannot start here: " + why)
    test_benchmarkRuns("instances.py", ["--instances", "1,2", "--rooms", "2", "--occupants",
                                        "2", "--messages", "2", "--rounds", "1"],
                       "messages/s")


def test_summary(tmp_path):
    """
    The plot of component.py is drawn, and summary.py makes one table of
    the figures of component.py and e2e.py, with the targets, as make
    bench does.
    """
    pytest.importorskip("matplotlib")
    component, e2e = tmp_path / "component.json", tmp_path / "e2e.json"
    for script, args in (("component.py", ["--sizes", "5", "--rooms", "0", "--empty-rooms", "0",
                                           "--messages", "3", "--json", str(component),
                                           "--plot", str(tmp_path / "plot.png")]),
                         ("e2e.py", ["--clients", "2", "--messages", "2", "--rounds", "1",
                                     "--json", str(e2e)])):
        out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script)] + args,
                             capture_output=True, text=True, timeout=300, cwd=ROOT,
                             env=dict(os.environ, PYTHONPATH=ROOT))
        assert out.returncode == 0, out.stderr
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "summary.py"),
                          "--component", str(component), "--e2e", str(e2e)],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "room of 5 " in out.stdout
    assert "e2e 2 clients, null" in out.stdout
    assert "e2e 2 clients, null+ids" in out.stdout
    assert "e2e 2 clients: mucservice / null (/ null+ids, / Prosody's MUC)" in out.stdout
    assert "e2e null+ids / null, 2 clients (the ids alone)" in out.stdout
    written = json.loads(e2e.read_text())
    row = written["figures"]["mucservice"]["2"]
    assert {"prosody_cpu_us_per_delivery", "prosody_busy"} <= set(row)
    assert len(written["deliveries_per_round"]["null+ids"]["2"]) == 1
    ratios = written["ratios"]["2"]
    assert sorted(ratios) == ["mucservice/Prosody", "mucservice/null", "mucservice/null+ids",
                              "null+ids/null"]


def benchModule(name):
    """
    @return: the module of the script C{bench/name.py}, loaded.
    """
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "bench", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pairedRatio():
    """
    e2e.py's ratio of two MUCs is the median of the rounds' own ratios, with
    the lowest and the highest, so that a machine whose speed changes from
    round to round moves both sides of each alike: here the machine runs
    twice and three times as fast in the second and third rounds, and
    mucservice at 0.9, 0.8 and 0.85 of the null component. The ratio of the
    medians, taken from different rounds, would have said 0.8.
    """
    e2e = benchModule("e2e")

    def runs(*rates):
        return [{"deliveries_per_second": rate} for rate in rates]

    figures = {"mucservice": runs(9000, 16000, 25500), "null": runs(10000, 20000, 30000)}
    assert e2e.pairedRatio(figures, "mucservice", "null") == pytest.approx((0.85, 0.8, 0.9))
    with pytest.raises(ValueError):
        e2e.pairedRatio({"mucservice": runs(1, 2), "null": runs(1)}, "mucservice", "null")


def test_joinsWaitForRest():
    """
    joins.py probes a room once its fillers have received nothing for a
    whole quiet period, not as soon as their self-presences have come: here
    copies still come during the first three periods, and it waits a
    fourth. It gives up, loudly, on a room that never rests.
    """
    drainer = benchModule("joins").Drainer()
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        if len(slept) <= 3:
            drainer.reads += 1

    drainer.waitQuiet(quiet=0.5, sleep=sleep)
    assert slept == [0.5] * 4

    def busy(seconds):
        drainer.reads += 1

    with pytest.raises(RuntimeError):
        drainer.waitQuiet(quiet=1, sleep=busy, timeout=5)


def nullMUC(ids):
    """
    @return: a L{NullMUC} of bench/nullcomponent.py on a stream that keeps
        what it is sent, as parsed elements.
    """
    module = benchModule("nullcomponent")
    sent = []
    stream = XmlStream()
    stream.send = lambda text: sent.extend(
        parseXml("<s xmlns='jabber:component:accept'>%s</s>" % (text,)).elements())
    muc = module.NullMUC(ids)
    muc.connected(stream)
    for n, real in enumerate(("a@x/r", "b@x/r")):
        stream.dispatch(parseXml("<presence xmlns='jabber:component:accept' from='%s' "
                                 "to='r@null.x/n%d'/>" % (real, n)))
    for n in range(2):
        stream.dispatch(parseXml("<message xmlns='jabber:component:accept' from='a@x/r' "
                                 "to='r@null.x' type='groupchat' id='m%d'><body>hi</body>"
                                 "</message>" % (n,)))
    return [s for s in sent if s.name == "message" and s.body is not None], sent


def test_nullComponentIds():
    """
    With --ids, the null component marks each copy with a stanza id by the
    room (one per message) and the sender's occupant id (one per occupant,
    also in its self-presence), each 128 bits in 22 characters of base64url;
    without, it adds neither.
    """
    copies, sent = nullMUC(ids=True)
    assert len(copies) == 4
    stanzaIDs = [next(c.elements("urn:xmpp:sid:0", "stanza-id")) for c in copies]
    occupantIDs = {next(c.elements("urn:xmpp:occupant-id:0", "occupant-id"))["id"]
                   for c in copies}
    assert {s["by"] for s in stanzaIDs} == {"r@null.x"}
    assert len({s["id"] for s in stanzaIDs}) == 2
    presences = [s for s in sent if s.name == "presence"]
    own = next(presences[0].elements("urn:xmpp:occupant-id:0", "occupant-id"))["id"]
    assert occupantIDs == {own}
    for value in [s["id"] for s in stanzaIDs] + [own]:
        assert len(value) == 22
        assert value.strip(string.ascii_letters + string.digits + "-_") == ""
    plain, sent = nullMUC(ids=False)
    assert len(plain) == 4
    assert all(len(list(s.elements())) == 1 for s in plain)
    assert "occupant-id" not in "".join(s.toXml() for s in sent)
