"""
C{mucservice-admin}, a program of its own beside the service: it drives the
service's administration commands over XMPP (L{cli}, L{client}) and imports
the rooms of a Prosody data directory (L{prosody}, L{luadata}).

Nothing in the running service imports this package.
"""
