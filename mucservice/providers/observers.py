"""
The observer list shared by providers that announce changes.
"""

from twisted.logger import Logger


class ObserverList:
    """
    Observers of one kind, called in the order they subscribed; one that
    raises is logged and does not keep the others from being told.
    """

    log = Logger()

    def __init__(self):
        self._observers = []

    def add(self, observer):
        if observer not in self._observers:
            self._observers.append(observer)

    def remove(self, observer):
        if observer in self._observers:
            self._observers.remove(observer)

    def notify(self, methodName, *args):
        for observer in list(self._observers):
            try:
                getattr(observer, methodName)(*args)
            except Exception:
                self.log.failure("observer {observer!r} failed in {method}", event="bug",
                                 observer=observer, method=methodName)
