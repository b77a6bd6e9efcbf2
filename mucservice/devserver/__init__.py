"""
Development tools: the throwaway Prosody on loopback and the launcher of
C{make run}, which the integration tests use too.

Nothing in the running service imports this package (C{tests/test_layers.py}
checks it): it starts programs, writes configuration files and may install
Debian packages, none of which belongs in a component process.
"""
