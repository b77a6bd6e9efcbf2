"""
mucservice: an XMPP Multi-User Chat service (XEP-0045) that runs as an
external component (XEP-0114) beside any XMPP server.
"""

__version__ = "0.1.0.dev0"
