"""
The service's log: JSON lines, the level filter, where twistd's options
send them, and how the service tree hands its observer to twistd's
application.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import io
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile

from twisted.application import service
from twisted.internet import task
from twisted.logger import ILogObserver, Logger, LogLevel, capturedLogs
from twisted.python import usage
from twisted.scripts.twistd import ServerOptions
from twisted.trial.unittest import SynchronousTestCase

import mucservice
from mucservice import logs, tap

BASE = ["--jid", "muc.example.org", "--secret", "s", "--room-store", "memory",
        "--hat-store", "memory"]


def logged(emit):
    """
    @param emit: logs through the L{Logger} it is given.
    @return: the events it logged.
    """
    with capturedLogs() as events:
        emit(Logger(namespace="test"))
    return list(events)


def underTwistd(twistdArgs, *args):
    """
    @return: the options of C{twistd TWISTDARGS mucservice BASE ARGS}, as
        twistd parses them (ours are its C{subOptions}).
    """
    config = ServerOptions()
    config.parseOptions(list(twistdArgs) + ["mucservice"] + BASE + list(args))
    return config.subOptions


class JSONTests(SynchronousTestCase):
    def test_fields(self):
        """
        An event becomes one JSON object: time, level, namespace, the
        message, and the event's own plain fields.
        """
        (event,) = logged(lambda log: log.warn("room {room} has {n} {what}", event="x.y",
                                               room="r@m", n=3, what=object(), many=["a", 1]))
        event["log_time"] = 1800000000.25
        line = logs.eventAsJSON(event)
        self.assertNotIn("\n", line)
        record = json.loads(line)
        self.assertEqual("2027-01-15T08:00:00.250Z", record.pop("time"))
        self.assertEqual({"level": "warn", "namespace": "test", "event": "x.y", "room": "r@m",
                          "n": 3, "many": ["a", 1]},
                         {k: v for k, v in record.items() if k != "message"})
        self.assertTrue(record["message"].startswith("room r@m has 3 <object object at"))

    def test_failure(self):
        """An event with a failure carries its traceback."""
        def emit(log):
            try:
                raise ZeroDivisionError("division by zero")
            except ZeroDivisionError:
                log.failure("it failed", event="bug")

        record = json.loads(logs.eventAsJSON(logged(emit)[0]))
        self.flushLoggedErrors(ZeroDivisionError)
        self.assertEqual(("critical", "it failed"), (record["level"], record["message"]))
        self.assertIn("ZeroDivisionError", record["traceback"])

    def test_lines(self):
        """The JSON observer writes one parseable line per event."""
        out = io.StringIO()
        observer = logs.JSONLinesObserver(out)
        for event in logged(lambda log: (log.info("one"), log.error("two {x}", x="2"))):
            observer(event)
        lines = out.getvalue().splitlines()
        self.assertEqual(["one", "two 2"], [json.loads(line)["message"] for line in lines])


class ObserverTests(SynchronousTestCase):
    def write(self, observer):
        for event in logged(lambda log: (log.debug("d"), log.info("i"), log.warn("w"),
                                         log.error("e"))):
            observer(event)

    def test_levelAndStandardOutput(self):
        """
        With --nodaemon, JSON lines go to standard output, of the events at
        the level asked or above.
        """
        out = io.StringIO()
        self.patch(sys, "stdout", out)
        self.write(logs.makeObserver("json", "warn", {"nodaemon": True, "logfile": None}))
        self.assertEqual(["w", "e"], [json.loads(line)["message"]
                                      for line in out.getvalue().splitlines()])

    def test_textToLogfile(self):
        """Text goes to --logfile, as twistd would write it, at the level asked."""
        folder = tempfile.mkdtemp(prefix="mucservice-test-")
        self.addCleanup(shutil.rmtree, folder, True)
        path = os.path.join(folder, "twistd.log")
        observer = logs.makeObserver("text", "debug", {"nodaemon": True, "logfile": path})
        self.write(observer)
        with open(path) as f:
            text = f.read()
        self.assertEqual(4, len(text.splitlines()))
        self.assertIn("[test#debug] d", text)


class TwistdTests(SynchronousTestCase):
    def test_defaultLeavesTwistdAlone(self):
        """With neither option, the service gives twistd no log observer."""
        root = tap.makeService(underTwistd(["-n"]), task.Clock())
        application = service.Application("mucservice")
        root.setServiceParent(application)
        self.assertIsNone(application.getComponent(ILogObserver, None))

    def test_observerGivenToApplication(self):
        """
        With --log-format json, the service tree gives twistd's application
        a JSON observer for its log, filtered at --log-level.
        """
        out = io.StringIO()
        self.patch(sys, "stdout", out)
        config = underTwistd(["-n"], "--log-format", "json", "--log-level", "error")
        root = tap.makeService(config, task.Clock())
        application = service.Application("mucservice")
        root.setServiceParent(application)
        observer = application.getComponent(ILogObserver)
        for event in logged(lambda log: (log.warn("no"), log.error("yes"))):
            observer(event)
        (line,) = out.getvalue().splitlines()
        self.assertEqual(("error", "yes"), (json.loads(line)["level"], json.loads(line)["message"]))

    def test_jsonNotToSyslog(self):
        """JSON lines cannot go to twistd's --syslog: a usage error."""
        with self.assertRaises(usage.UsageError) as caught:
            underTwistd(["--syslog"], "--log-format", "json")
        self.assertIn("not to twistd's --syslog", str(caught.exception))

    def test_badChoices(self):
        """An unknown format or level is a usage error that lists the choices."""
        for option, value, choices in (("--log-format", "xml", "text, json"),
                                       ("--log-level", "loud", "debug, info, warn")):
            with self.assertRaises(usage.UsageError) as caught:
                tap.Options().parseOptions(BASE + [option, value])
            self.assertIn(choices, str(caught.exception))

    def test_levels(self):
        """Every level of --log-level is one of twisted.logger's."""
        self.assertEqual(set(LogLevel.iterconstants()), set(logs.LEVELS.values()))


def test_eventsDocumented():
    """Every event name the service logs is in the README's table of log events."""
    package = pathlib.Path(mucservice.__file__).parent
    named = {name for path in package.rglob("*.py")
             for name in re.findall(r'event="([a-z.-]+)"', path.read_text())}
    readme = (package.parent / "README.rst").read_text()
    documented = set(re.findall(r"^``([a-z.-]+)``  ", readme, re.MULTILINE))
    assert len(named) > 15
    assert named <= documented, named - documented
