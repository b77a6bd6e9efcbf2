"""
What the README says the service does not support answers as it says.
"""

from tests.fakeservice import ServiceTestCase


class UniqueRoomNameTests(ServiceTestCase):
    def test_uniqueNotAnswered(self):
        """A XEP-0307 request for a unique room name is service-unavailable."""
        reply = self.ask("<iq type='get' id='u1' from='alice@example.org/x' "
                         "to='muc.example.org'><unique "
                         "xmlns='http://jabber.org/protocol/muc#unique'/></iq>")
        self.assertError("service-unavailable", reply, id="u1")
