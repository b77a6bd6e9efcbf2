"""
Group commits of the messages the SQLite room store writes: messages added
while a write of messages is under way wait for it, and then go together
in the next transaction (L{appendMessages
<mucservice.providers.sqlite_archive.appendMessages>}).
"""

from twisted.internet import defer

from mucservice.providers.sqlite_archive import appendMessages


class AppendBatches:
    """
    Group commit: messages added while a write of messages is under way
    wait for it, and then go together in the next transaction. A store that
    is idle writes a message at once; a busy one writes many in one
    transaction. Any other transaction first sends on what waits, so that
    the store's order of work is the order asked.

    @ivar run: the store's way to run a transaction, C{run(func, *args)}.
    """

    def __init__(self, run):
        self.run = run
        self._waiting = []
        self._writing = 0

    def append(self, roomJID, row, maxLength):
        """
        @return: a Deferred that fires once the message is written, and
            fails as L{appendMessages} says for it, or with the failure of
            its transaction.
        """
        d = defer.Deferred()
        self._waiting.append((roomJID, row, maxLength, d))
        if not self._writing:
            self.flush()
        return d

    def flush(self):
        """
        Send on the messages that wait, if any, as one transaction.
        """
        if not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        self._writing += 1

        def written(outcomes):
            self._writing -= 1
            for (_, _, _, d), outcome in zip(batch, outcomes):
                if outcome is None:
                    d.callback(None)
                else:
                    d.errback(outcome)
            if not self._writing:
                self.flush()

        def failed(failure):
            self._writing -= 1
            for _, _, _, d in batch:
                d.errback(failure)
            if not self._writing:
                self.flush()

        self.run(appendMessages, [message[:3] for message in batch]).addCallbacks(written,
                                                                                  failed)
