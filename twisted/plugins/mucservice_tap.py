"""
The C{twistd mucservice} command.

Only names are given here; L{mucservice.tap} is imported when the command is
run, so that C{twistd --help} stays fast.
"""

from twisted.application.service import ServiceMaker

mucservice = ServiceMaker(
    "mucservice",
    "mucservice.tap",
    "An XMPP Multi-User Chat service (XEP-0045) running as an external component",
    "mucservice",
)
