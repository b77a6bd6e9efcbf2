"""
C{mucservice-admin}, a program of its own beside the service: it drives the
service's administration commands over XMPP (L{cli}, L{client}).

Nothing in the running service imports this package.
"""
