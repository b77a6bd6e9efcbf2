"""
What operators run the service with, beside what it serves: the options of
C{twistd mucservice} for watching it (C{--metrics-port}) and for running it
under a supervisor such as systemd, and what L{setUp} adds to the service
tree for them.
"""

import sys

from twisted.python import usage

from mucservice import configfile, logs
from mucservice.xmpp.sizes import LIMIT
from mucservice.xmpp.traffic import TRAFFIC

#: The exit status when the XMPP server refuses the component for good
#: (C{EX_CONFIG} of sysexits.h): the unit of C{contrib/} names it in
#: C{RestartPreventExitStatus=}, so that systemd does not restart a service
#: whose configuration is wrong.
EXIT_CONFIG = 78


def _port(value):
    port = int(value)
    if not 0 < port < 65536:
        raise ValueError("not a TCP port")
    return port


_port.coerceDoc = "A TCP port."


class OperationOptions:
    """
    A mixin for L{usage.Options<twisted.python.usage.Options>}: the options
    of running the service (their parameters are gathered by
    L{usage.Options} from every class of the options).
    """

    optParameters = [
        ["config", None, None,
         "Read options from this TOML file first; those of the command line win."],
        ["metrics-port", None, None,
         "Serve Prometheus metrics at http://INTERFACE:PORT/metrics [default: off]", _port],
        ["metrics-interface", None, "127.0.0.1",
         "The address the metrics endpoint listens on."],
        ["log-format", None, "text",
         "How the log is written: text (as twistd writes it) or json (an object a line)",
         logs.parseFormat],
        ["log-level", None, "info",
         "The least level logged", logs.parseLevel],
    ]

    optFlags = [
        ["exit-on-auth-failure", None,
         "Exit with status %d when the XMPP server refuses the component for a reason no "
         "retry cures (not-authorized, host-unknown, ...), instead of retrying for ever." % (
             EXIT_CONFIG,)],
    ]

    def parseOptions(self, options=None):
        """
        Parse the command line, after the settings of its C{--config FILE}
        if it has one (L{mucservice.configfile}).
        """
        argv = sys.argv[1:] if options is None else list(options)
        path = configfile.configPath(argv)
        if path is not None:
            argv = configfile.ConfigFile(path).arguments(self, argv) + argv
        usage.Options.parseOptions(self, argv)

    def twistdOptions(self):
        """
        @return: the options of twistd, when the service is run by twistd;
            else L{None}.
        """
        return getattr(self, "parent", None)

    def checkOperations(self):
        """
        Check what needs several options, twistd's included.

        @raise usage.UsageError: they do not go together.
        """
        try:
            logs.checkDestination(self["log-format"], self.twistdOptions())
        except ValueError as e:
            raise usage.UsageError(str(e))


def setUp(root, config, reactor, rooms, component, providers):
    """
    Add to the service tree what operating it needs: the counts of the
    component link start from zero, the metrics endpoint runs if
    C{--metrics-port} is given, and under twistd the log is written as
    C{--log-format} and C{--log-level} say (if they say other than
    twistd's own).

    @param root: the L{ServiceRoot<mucservice.logs.ServiceRoot>}.
    @param rooms: the L{RoomService<mucservice.room.service.RoomService>}.
    @param component: the L{MUCComponent<mucservice.xmpp.component.MUCComponent>}.
    @param providers: service option to provider.
    """
    TRAFFIC.reset()
    LIMIT.dropped = 0
    twistdOptions = config.twistdOptions()
    if twistdOptions is not None and (config["log-format"], config["log-level"]) != (
            "text", "info"):
        root.logObserver = logs.makeObserver(config["log-format"], config["log-level"],
                                             twistdOptions)
    if config["metrics-port"]:
        from mucservice.metrics import MetricsEndpoint

        MetricsEndpoint(config["metrics-port"], config["metrics-interface"], reactor, rooms,
                        component.link, providers).setServiceParent(root)
