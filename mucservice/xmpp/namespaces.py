"""
Every XML namespace, and every other protocol name the service writes
(disco features, form types, command nodes): the one place they are
spelled.
"""

# RFC 6120 and the component protocol (XEP-0114).
NS_COMPONENT = "jabber:component:accept"
NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_XML = "http://www.w3.org/XML/1998/namespace"

# Multi-User Chat (XEP-0045) and the extensions rooms use.
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = NS_MUC + "#user"
NS_MUC_ADMIN = NS_MUC + "#admin"
NS_MUC_OWNER = NS_MUC + "#owner"
NS_ROOMCONFIG = NS_MUC + "#roomconfig"
NS_ROOMINFO = NS_MUC + "#roominfo"
NS_REGISTER = NS_MUC + "#register"
NS_REQUEST = NS_MUC + "#request"
#: XEP-0410: a room that answers its occupants' self-pings itself.
NS_SELF_PING = NS_MUC + "#self-ping-optimization"
#: XEP-0045 section 7.4: a room that keeps the id of the messages it reflects.
FEATURE_STABLE_ID = NS_MUC + "#stable_id"
NS_STANZA_ID = "urn:xmpp:sid:0"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
NS_DELAY = "urn:xmpp:delay"
#: XEP-0091, obsolete, which some clients still read.
NS_LEGACY_DELAY = "jabber:x:delay"
NS_FORWARD = "urn:xmpp:forward:0"
#: XEP-0249: direct invitations, whose element a mediated invitation carries too.
NS_CONFERENCE = "jabber:x:conference"

# Hats (XEP-0317) and their ad-hoc commands (XEP-0050).
NS_HATS = "urn:xmpp:hats:0"
#: The namespace Prosody 0.12 puts hats in (C{--hats-legacy-namespace}).
NS_HATS_LEGACY = "xmpp:prosody.im/protocol/hats:1"
NS_COMMANDS = "http://jabber.org/protocol/commands"
#: The FORM_TYPE of the forms of the hat commands.
HATS_FORM_TYPE = "urn:xmpp:hats:commands"
NODE_HATS_DON = "urn:xmpp:hats:commands:don"
NODE_HATS_DOFF = "urn:xmpp:hats:commands:doff"
NODE_HATS_LIST = "urn:xmpp:hats:commands:list"

# Room avatars (XEP-0486): a room's vCard (XEP-0054), named by the hash of
# XEP-0153 in the muc#roominfo form.
NS_VCARD = "vcard-temp"
FIELD_AVATAR_HASH = "muc#roominfo_avatarhash"

# Service administration: the ad-hoc commands on the service's JID, for the
# administrators of the service (--admin), and the FORM_TYPE of their forms.
ADMIN_FORM_TYPE = "urn:mucservice:admin"
NODE_ADMIN_LIST_ROOMS = ADMIN_FORM_TYPE + ":list-rooms"
NODE_ADMIN_SHOW_ROOM = ADMIN_FORM_TYPE + ":show-room"
NODE_ADMIN_DESTROY_ROOM = ADMIN_FORM_TYPE + ":destroy-room"
NODE_ADMIN_SET_OWNER = ADMIN_FORM_TYPE + ":set-owner"
NODE_ADMIN_KICK = ADMIN_FORM_TYPE + ":kick"
NODE_ADMIN_GIVE_HAT = ADMIN_FORM_TYPE + ":give-hat"
NODE_ADMIN_TAKE_HAT = ADMIN_FORM_TYPE + ":take-hat"
NODE_ADMIN_EXPORT_ROOM = ADMIN_FORM_TYPE + ":export-room"
NODE_ADMIN_IMPORT_ROOM = ADMIN_FORM_TYPE + ":import-room"
NODE_ADMIN_ANNOUNCE = ADMIN_FORM_TYPE + ":announce"

# Offline delivery, as Tigase's MUC offers it.
#: The disco feature of a room that offers it.
FEATURE_OFFLINE = "http://tigase.org/protocol/muc#offline"

# The archive (XEP-0313) and messages taken back (XEP-0424, XEP-0425), each
# in its current namespace and the older one clients still use.
NS_MAM = "urn:xmpp:mam:2"
#: The disco feature of before-id, after-id, ids, flip-page and metadata.
FEATURE_MAM_EXTENDED = NS_MAM + "#extended"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_RETRACT_LEGACY = "urn:xmpp:message-retract:0"
NS_MODERATE = "urn:xmpp:message-moderate:1"
NS_MODERATE_LEGACY = "urn:xmpp:message-moderate:0"
#: XEP-0422, which the older retractions and moderations wrap themselves in.
NS_FASTEN = "urn:xmpp:fasten:0"
#: The disco features of a service that keeps tombstones of messages taken back.
FEATURE_TOMBSTONE = NS_RETRACT + "#tombstone"
FEATURE_TOMBSTONE_LEGACY = NS_RETRACT_LEGACY + "#tombstone"

# Other protocols.
NS_DATA = "jabber:x:data"
NS_VALIDATE = "http://jabber.org/protocol/xdata-validate"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_HINTS = "urn:xmpp:hints"
NS_PING = "urn:xmpp:ping"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_ADDRESS = "http://jabber.org/protocol/address"
NS_IQ_REGISTER = "jabber:iq:register"
