"""
The service's log, as C{twistd mucservice} writes it: text as twistd
writes it by default, or one JSON object per line for log shippers
(C{--log-format json}), of the events at C{--log-level} or above.

Every event the service logs (L{twisted.logger}) names what happened in
its field C{event} (C{link.down}, C{room.created}, ...; the README lists
them), so that a shipper can tell events apart without reading their text.
No event carries the component secret, a room password or a message body.

How twistd chooses the log: as it starts the application it uses its own
C{--logger} if given, else the L{ILogObserver} component of the
application, else a text file (C{--logfile}, C{--syslog}). A plugin's
C{makeService} returns a service that twistd puts into a new application;
the root of the service tree (L{ServiceRoot}) sets the observer its options
ask for as that application's component when it is put there. So
C{--log-format} and C{--log-level} need nothing of twistd but what a
C{.tac} file would do, and twistd's C{--logger}, if given, still wins. The
observer writes where twistd would have: to standard output with
C{--nodaemon} or C{--logfile=-}, else to C{--logfile} (C{twistd.log} by
default), rotated on C{SIGUSR1} as twistd does.
"""

import json
import signal
import sys
from datetime import datetime, timezone

from twisted.application import service
from twisted.logger import (
    FilteringLogObserver,
    ILogObserver,
    LegacyLogObserverWrapper,
    LogLevel,
    LogLevelFilterPredicate,
    formatEvent,
    textFileLogObserver,
)
from twisted.python import logfile
from zope.interface import implementer

#: The levels of C{--log-level}, from the most to the least verbose.
LEVELS = {"debug": LogLevel.debug, "info": LogLevel.info, "warn": LogLevel.warn,
          "error": LogLevel.error, "critical": LogLevel.critical}

#: The formats of C{--log-format}.
FORMATS = ("text", "json")

#: What an event holds for Twisted, not for a reader: not copied to JSON.
_INTERNAL = frozenset(["message", "format", "isError", "system", "time", "failure", "why"])

_PLAIN = (str, int, float, bool, type(None))


def eventAsJSON(event):
    """
    @return: the event as a JSON object of one line: C{time} (ISO 8601,
        UTC), C{level}, C{namespace}, C{message} (the event's text), its
        own fields that are plain values (text, numbers, lists of them),
        and C{traceback} if it carries a failure.
    """
    record = {"time": datetime.fromtimestamp(event.get("log_time", 0), timezone.utc)
              .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
              "level": getattr(event.get("log_level"), "name", "info"),
              "namespace": event.get("log_namespace", "")}
    for key, value in event.items():
        if key.startswith("log_") or key in _INTERNAL or key in record:
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(v, _PLAIN) for v in value):
            record[key] = list(value)
        elif isinstance(value, _PLAIN):
            record[key] = value
    record["message"] = formatEvent(event)
    failure = event.get("log_failure")
    if failure is not None:
        record["traceback"] = failure.getTraceback()
    return json.dumps(record, ensure_ascii=False, default=str)


@implementer(ILogObserver)
class JSONLinesObserver:
    """
    Writes each event as one line of JSON (L{eventAsJSON}).
    """

    def __init__(self, outFile):
        self.outFile = outFile

    def __call__(self, event):
        self.outFile.write(eventAsJSON(event) + "\n")
        self.outFile.flush()


def _parseChoice(choices, what):
    def coerce(value):
        if value not in choices:
            raise ValueError("must be one of: " + ", ".join(choices))
        return value

    coerce.coerceDoc = "%s: %s." % (what, ", ".join(choices))
    return coerce


parseFormat = _parseChoice(FORMATS, "One of")
parseLevel = _parseChoice(tuple(LEVELS), "One of")


def checkDestination(logFormat, twistdOptions):
    """
    @param twistdOptions: twistd's options, or L{None} outside twistd.
    @raise ValueError: C{logFormat} cannot be written where twistd's
        options send the log.
    """
    if logFormat == "json" and twistdOptions is not None and twistdOptions.get("syslog"):
        raise ValueError("--log-format json writes lines to a file or to standard output, "
                         "not to twistd's --syslog")


def _destination(twistdOptions):
    """
    @return: the file twistd would log to, given its options.
    """
    path = twistdOptions.get("logfile")
    if path == "-" or (twistdOptions.get("nodaemon") and not path):
        return sys.stdout
    logFile = logfile.LogFile.fromFullPath(path or "twistd.log")
    if not twistdOptions.get("nodaemon"):
        from twisted.internet import reactor

        signal.signal(signal.SIGUSR1,
                      lambda *args: reactor.callFromThread(logFile.rotate))
    return logFile


def makeObserver(logFormat, level, twistdOptions):
    """
    @param logFormat: one of L{FORMATS}.
    @param level: one of L{LEVELS}.
    @param twistdOptions: twistd's options: where the log goes.
    @return: the observer of the service's log.
    """
    if twistdOptions.get("syslog"):
        from twisted.python import syslog

        base = LegacyLogObserverWrapper(
            syslog.SyslogObserver(twistdOptions.get("prefix") or "twisted").emit)
    elif logFormat == "json":
        base = JSONLinesObserver(_destination(twistdOptions))
    else:
        base = textFileLogObserver(_destination(twistdOptions))
    return FilteringLogObserver(base, [LogLevelFilterPredicate(defaultLogLevel=LEVELS[level])])


class ServiceRoot(service.MultiService):
    """
    The root of the service tree: when twistd puts it into its application,
    it gives the application the log observer the options ask for, if any.

    @ivar logObserver: an L{ILogObserver}, or L{None} for twistd's own.
    """

    logObserver = None

    def setServiceParent(self, parent):
        if self.logObserver is not None and hasattr(parent, "setComponent"):
            parent.setComponent(ILogObserver, self.logObserver)
        return service.MultiService.setServiceParent(self, parent)
