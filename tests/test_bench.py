"""
The benchmarks still run: each one, as small as it goes, as a script of its
own (their figures are for people; here only that they work).
"""

import os
import subprocess
import sys

import pytest

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
    ("e2e.py", ["--clients", "2", "--messages", "2", "--rounds", "1"], "mucservice/null"),
    ("archive.py", ["--messages", "2000", "--runs", "3", "--appends", "20"], "p99"),
    ("stanzasize.py", ["--occupants", "3", "--rounds", "2"], "minimum"),
    ("joins.py", ["--sizes", "3", "--capped", "4", "--probes", "2", "--rounds", "1"],
     "mucservice/Prosody"),
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
    assert "e2e 2 clients: mucservice / null" in out.stdout
