"""
The real twistd mucservice command against a real Prosody.
"""

NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


def discoInfo(client, to):
    return client.iq("<iq type='get' to='%s'><query xmlns='%s'/></iq>" % (to, NS_DISCO_INFO))


def assertIsMUCService(reply):
    assert reply.get("type") == "result", reply
    query = reply.find("{%s}query" % NS_DISCO_INFO)
    identities = [(i.get("category"), i.get("type"))
                  for i in query.findall("{%s}identity" % NS_DISCO_INFO)]
    features = {f.get("var") for f in query.findall("{%s}feature" % NS_DISCO_INFO)}
    assert ("conference", "text") in identities
    assert "http://jabber.org/protocol/muc" in features


def test_discoInfo(mucservice, clients):
    """A client's disco#info to the service is answered by mucservice as a MUC service."""
    client = clients()
    reply = discoInfo(client, "muc.localhost")
    assert reply.get("from") == "muc.localhost"
    assertIsMUCService(reply)


def test_unknownIQ(mucservice, clients):
    """An IQ the service does not know is answered with service-unavailable."""
    client = clients()
    reply = client.iq("<iq type='get' to='muc.localhost'><query xmlns='urn:example:x'/></iq>")
    assert reply.get("type") == "error"
    assert reply.find("{jabber:client}error/"
                      "{urn:ietf:params:xml:ns:xmpp-stanzas}service-unavailable") is not None


def test_reconnectsAfterServerRestart(prosody, mucservice, clients):
    """When Prosody dies and comes back, the component reconnects by itself and answers again."""
    prosody.kill()
    mucservice.waitFor("link to the XMPP server is lost")
    prosody.start()
    mucservice.waitConnected(timeout=60)
    assert mucservice.running
    assertIsMUCService(discoInfo(clients(), "muc.localhost"))
