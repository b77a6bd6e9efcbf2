"""
What the differential harness (L{tests.integration.differential}) takes
for the same in what two MUCs send: their domains, the ids and stamps they
make, their occupant ids, their words for people, and the order of what
carries no meaning.
"""

import re
from xml.etree import ElementTree

from tests.integration.xmppclient import localName, namespace, toXML

NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
NS_STANZA_ID = "urn:xmpp:sid:0"
NS_DELAY = "urn:xmpp:delay"
NS_DATA = "jabber:x:data"
NS_COMPONENT = "jabber:component:accept"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"

#: Attributes of these elements are made by the MUC, differently each run.
MADE = {("{%s}stanza-id" % NS_STANZA_ID, "id"), ("{%s}delay" % NS_DELAY, "stamp"),
        ("{%s}result" % NS_MAM, "id")}
#: The text of these elements is made by the MUC: ids of its archive.
MADE_TEXT = {"{%s}first" % NS_RSM, "{%s}last" % NS_RSM}


def normalise(stanza, run, recipient):
    """
    @param stanza: a received stanza, an L{ElementTree.Element}.
    @param run: the L{Run<tests.integration.differential.Run>} it was
        received in.
    @param recipient: the name of the client that received it.
    @return: the stanza as an L{ElementTree.Element} that says the same of
        either MUC.
    """
    stanza = ElementTree.fromstring(ElementTree.tostring(stanza))
    nick = (stanza.get("from") or "").partition("/")[2]
    for element in stanza.iter():
        if namespace(element.tag) == NS_COMPONENT:
            element.tag = "{jabber:client}" + localName(element.tag)
    _dropProse(stanza)
    for element in stanza.iter():
        for key, value in list(element.attrib.items()):
            if (element.tag, key) in MADE:
                element.set(key, "*")
            elif element.tag == "{%s}occupant-id" % NS_OCCUPANT_ID and key == "id":
                element.set(key, "of " + nick)
            elif element is stanza and key == "id" and value not in run.sentIDs:
                element.set(key, "*")
            else:
                element.set(key, _domain(value, run.muc.domain))
        text = (element.text or "").strip()
        if text and element.tag in MADE_TEXT:
            text = "*"
        element.text = _domain(text, run.muc.domain) if text else None
        element.tail = None
    if stanza.get("to") == run.clients[recipient].jid:
        del stanza.attrib["to"]
    if localName(stanza.tag) == "message" and stanza.get("type") == "normal":
        # A message without a type is normal (RFC 6121 section 5.2.2).
        del stanza.attrib["type"]
    if stanza.get(XML_LANG) == "en":
        # Prosody's parser gives every stanza that has no xml:lang its
        # stream's, "en" by default: all that a component sends, and all
        # that clients send.
        del stanza.attrib[XML_LANG]
    if stanza.get(XML_LANG) is None:
        # A message carried inside (an archived one) inherits the stanza's
        # language; Prosody's archive keeps the one its parser gave it.
        for inner in stanza.iter("{jabber:client}message"):
            if inner is not stanza and inner.get(XML_LANG) == "en":
                del inner.attrib[XML_LANG]
    sortChildren(stanza)
    return stanza


def _dropProse(stanza):
    """
    Drop what is written for people, in each MUC's own words: the text of
    errors, the titles and instructions of forms and the labels and
    descriptions of their fields and options; and write the booleans of
    forms one way (C{1} is C{true}, no value is C{false}).
    """
    for error in stanza.iter("{jabber:client}error"):
        for text in error.findall("{%s}text" % (NS_STANZAS,)):
            error.remove(text)
    for form in stanza.iter("{%s}x" % (NS_DATA,)):
        for prose in ("title", "instructions"):
            for element in form.findall("{%s}%s" % (NS_DATA, prose)):
                form.remove(element)
        for field in form.findall("{%s}field" % (NS_DATA,)):
            for desc in field.findall("{%s}desc" % (NS_DATA,)):
                field.remove(desc)
    for element in stanza.iter():
        if element.tag in ("{%s}field" % NS_DATA, "{%s}option" % NS_DATA):
            element.attrib.pop("label", None)
        if element.tag == "{%s}field" % NS_DATA and element.get("type") == "boolean":
            values = element.findall("{%s}value" % NS_DATA) or [
                ElementTree.SubElement(element, "{%s}value" % NS_DATA)]
            for value in values:
                value.text = "true" if (value.text or "").strip() in ("1", "true") else "false"


def _domain(text, domain):
    return re.sub(r"(?<![\w.-])%s(?![\w-])" % re.escape(domain), "MUC", text)


def sortChildren(element):
    """
    Put the attributes and children of C{element}, and of its children, in
    an order of their own, so that their order is not compared.
    """
    attributes = sorted(element.attrib.items())
    element.attrib.clear()
    element.attrib.update(attributes)
    for child in element:
        sortChildren(child)
    children = sorted(element, key=lambda child: (namespace(child.tag), toXML(child)))
    element[:] = children
