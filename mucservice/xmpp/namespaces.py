"""
XML namespaces that more than one protocol handler uses. The MUC family
itself, with the ids the room stamps, lives in L{mucservice.xmpp.broadcast}.
"""

NS_DATA = "jabber:x:data"
NS_HINTS = "urn:xmpp:hints"
NS_PING = "urn:xmpp:ping"
NS_IQ_REGISTER = "jabber:iq:register"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_XML = "http://www.w3.org/XML/1998/namespace"
