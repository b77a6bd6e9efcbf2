"""
The providers named C{none}: a service that is deliberately switched off.

C{--pinger none} never pings (occupants leave only when they say so);
C{--offline-delivery none} sends no copies to absent members.
"""

from zope.interface import implementer

from mucservice.interfaces import IOfflineDelivery, IPinger


@implementer(IPinger)
class NoPinger:
    def start(self, host):
        pass

    def stop(self):
        pass

    def errorReceived(self, realJID, condition):
        pass

    def streamRestored(self):
        pass

    def activity(self, realJID):
        pass


@implementer(IOfflineDelivery)
class NoOfflineDelivery:
    sendsCopies = False

    def start(self, host):
        pass

    def stop(self):
        pass

    def deliver(self, roomJID, entry, recipients):
        pass

    def bounced(self, roomJID, userJID, condition):
        pass


def makeNoPinger(argstring, context):
    return NoPinger()


def makeNoOfflineDelivery(argstring, context):
    return NoOfflineDelivery()
