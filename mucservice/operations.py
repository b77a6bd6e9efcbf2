"""
What operators run the service with, beside what it serves: the options of
C{twistd mucservice} for running it under a supervisor such as systemd.
"""

#: The exit status when the XMPP server refuses the component for good
#: (C{EX_CONFIG} of sysexits.h): the unit of C{contrib/} names it in
#: C{RestartPreventExitStatus=}, so that systemd does not restart a service
#: whose configuration is wrong.
EXIT_CONFIG = 78


class OperationOptions:
    """
    A mixin for L{usage.Options<twisted.python.usage.Options>}: the options
    of running the service (their parameters are gathered by
    L{usage.Options} from every class of the options).
    """

    optFlags = [
        ["exit-on-auth-failure", None,
         "Exit with status %d when the XMPP server refuses the component for a reason no "
         "retry cures (not-authorized, host-unknown, ...), instead of retrying for ever." % (
             EXIT_CONFIG,)],
    ]
