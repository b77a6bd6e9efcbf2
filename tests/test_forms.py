"""
L{mucservice.xmpp.forms}: the data forms of XEP-0045, built and parsed.
"""

from mucservice import _compat  # noqa: F401

# isort: split

from xml.sax.saxutils import escape, quoteattr

from twisted.trial.unittest import SynchronousTestCase
from twisted.words.protocols.jabber.jid import JID
from wokkel import data_form
from wokkel.generic import parseXml

from mucservice import errors
from mucservice.room.config import RoomConfig
from mucservice.xmpp import forms

ROOM = JID("coven@chat.shakespeare.lit")
CRONE = JID("crone1@shakespeare.lit")
WIZARD = JID("wiztemp@shakespeare.lit")

CONFIG_FIELDS = [
    ("muc#roomconfig_roomname", "text-single"),
    ("muc#roomconfig_roomdesc", "text-single"),
    ("muc#roomconfig_lang", "text-single"),
    ("muc#roomconfig_persistentroom", "boolean"),
    ("muc#roomconfig_publicroom", "boolean"),
    ("muc#roomconfig_membersonly", "boolean"),
    ("muc#roomconfig_moderatedroom", "boolean"),
    ("muc#roomconfig_passwordprotectedroom", "boolean"),
    ("muc#roomconfig_roomsecret", "text-private"),
    ("muc#roomconfig_whois", "list-single"),
    ("muc#roomconfig_maxusers", "list-single"),
    ("muc#roomconfig_allowpm", "list-single"),
    ("muc#roomconfig_changesubject", "boolean"),
    ("muc#roomconfig_allowinvites", "boolean"),
    ("muc#roomconfig_presencebroadcast", "list-multi"),
    ("muc#roomconfig_getmemberlist", "list-multi"),
    ("muc#roomconfig_historylength", "text-single"),
    ("muc#roomconfig_enablelogging", "boolean"),
    ("muc#roomconfig_registerednicksonly", "boolean"),
    ("mucservice#roomconfig_offlinedelivery", "boolean"),
    ("muc#roomconfig_enablearchiving", "boolean"),
    ("mucservice#roomconfig_maxuserspresence", "text-single"),
    ("muc#roomconfig_roomadmins", "jid-multi"),
    ("muc#roomconfig_roomowners", "jid-multi"),
]

# Every setting away from its default.
CUSTOM = RoomConfig(name="The Coven", description="Witches only", language="en",
                    persistent=True, public=False, membersOnly=True, moderated=True,
                    passwordProtected=True, password="cauldronburn", whois="anyone",
                    maxUsers=42, allowPM="participants", changeSubject=True,
                    allowInvites=True, presenceBroadcast=("moderator", "participant"),
                    getMemberList=("moderator",), historyLength=50, logging=True,
                    registeredNicksOnly=True, offlineDelivery=False, maxUsersPresence=50)


def field(var, *values, fieldType=None):
    """
    @return: the XML text of a submitted field.
    """
    typeAttr = "" if fieldType is None else " type=%s" % quoteattr(fieldType)
    return "<field var=%s%s>%s</field>" % (
        quoteattr(var), typeAttr, "".join("<value>%s</value>" % escape(v) for v in values))


def submitted(*fields, formType=forms.NS_ROOMCONFIG, xType="submit", hidden=True):
    """
    @return: the parsed C{<x/>} element of a form with C{fields} (XML text).
    """
    head = ""
    if formType is not None:
        head = field("FORM_TYPE", formType, fieldType="hidden" if hidden else None)
    return parseXml("<x xmlns='jabber:x:data' type='%s'>%s%s</x>"
                    % (xType, head, "".join(fields)))


def fieldsOf(element):
    """
    @return: var to (type, values, label, option values) for every field
        of a rendered form.
    """
    result = {}
    for child in element.elements(data_form.NS_X_DATA, "field"):
        values = [str(v) for v in child.elements(data_form.NS_X_DATA, "value")]
        options = [str(next(o.elements(data_form.NS_X_DATA, "value")))
                   for o in child.elements(data_form.NS_X_DATA, "option")]
        result[child["var"]] = (child.getAttribute("type"), values,
                                child.getAttribute("label"), options)
    return result


def asSubmission(form):
    """
    @return: the element of a built form, turned into a submission of its
        current values, as a client that changes nothing would send it.
    """
    element = parseXml(form.toElement().toXml())
    element["type"] = "submit"
    return element


class ConfigFormTests(SynchronousTestCase):
    def test_formType(self):
        """The configuration form is of type form, with the muc#roomconfig FORM_TYPE."""
        element = forms.configForm(RoomConfig(), [], []).toElement()
        self.assertEqual("form", element["type"])
        self.assertEqual(("hidden", [forms.NS_ROOMCONFIG]), fieldsOf(element)["FORM_TYPE"][:2])

    def test_fieldsAndTypes(self):
        """The form has every muc#roomconfig field with its type, each with a label."""
        fields = fieldsOf(forms.configForm(RoomConfig(), [], []).toElement())
        del fields["FORM_TYPE"]
        self.assertEqual(CONFIG_FIELDS, [(var, f[0]) for var, f in fields.items()])
        for var, (_type, _values, label, _options) in fields.items():
            self.assertTrue(label, var)

    def test_defaultValues(self):
        """The form gives the values of a default configuration."""
        fields = fieldsOf(forms.configForm(RoomConfig(), [], []).toElement())
        values = {var: f[1] for var, f in fields.items()}
        self.assertEqual([""], values["muc#roomconfig_roomname"])
        self.assertEqual(["false"], values["muc#roomconfig_persistentroom"])
        self.assertEqual(["true"], values["muc#roomconfig_publicroom"])
        self.assertEqual(["moderators"], values["muc#roomconfig_whois"])
        self.assertEqual(["none"], values["muc#roomconfig_maxusers"])
        self.assertEqual(["anyone"], values["muc#roomconfig_allowpm"])
        self.assertEqual(["moderator", "participant", "visitor"],
                         values["muc#roomconfig_presencebroadcast"])
        self.assertEqual(["moderator", "participant"], values["muc#roomconfig_getmemberlist"])
        self.assertEqual(["20"], values["muc#roomconfig_historylength"])
        self.assertEqual([], values["muc#roomconfig_roomadmins"])

    def test_customValues(self):
        """The form gives the current values of a changed configuration."""
        fields = fieldsOf(forms.configForm(CUSTOM, [], []).toElement())
        values = {var: f[1] for var, f in fields.items()}
        self.assertEqual(["The Coven"], values["muc#roomconfig_roomname"])
        self.assertEqual(["Witches only"], values["muc#roomconfig_roomdesc"])
        self.assertEqual(["en"], values["muc#roomconfig_lang"])
        self.assertEqual(["true"], values["muc#roomconfig_passwordprotectedroom"])
        self.assertEqual(["cauldronburn"], values["muc#roomconfig_roomsecret"])
        self.assertEqual(["anyone"], values["muc#roomconfig_whois"])
        self.assertEqual(["42"], values["muc#roomconfig_maxusers"])
        self.assertEqual(["participants"], values["muc#roomconfig_allowpm"])
        self.assertEqual(["moderator"], values["muc#roomconfig_getmemberlist"])
        self.assertEqual(["50"], values["muc#roomconfig_historylength"])
        self.assertEqual(["true"], values["muc#roomconfig_registerednicksonly"])

    def test_listOptions(self):
        """The list fields offer the values XEP-0045 defines."""
        fields = fieldsOf(forms.configForm(RoomConfig(), [], []).toElement())
        self.assertEqual(["moderators", "anyone"], fields["muc#roomconfig_whois"][3])
        self.assertEqual(["anyone", "participants", "moderators", "none"],
                         fields["muc#roomconfig_allowpm"][3])
        for var in ("muc#roomconfig_presencebroadcast", "muc#roomconfig_getmemberlist"):
            self.assertEqual(["moderator", "participant", "visitor"], fields[var][3])

    def test_maxUsersOptions(self):
        """The room sizes offered are 10 to 1000 and none."""
        fields = fieldsOf(forms.configForm(RoomConfig(), [], []).toElement())
        self.assertEqual(["10", "20", "30", "50", "100", "500", "1000", "none"],
                         fields["muc#roomconfig_maxusers"][3])

    def test_optionsLabelled(self):
        """
        Every option of every list field has a label (clients print
        "(null)" for an option without one): the room sizes are labelled
        with themselves.
        """
        for form in (forms.configForm(CUSTOM, [], []), forms.voiceRequestForm(
                JID("coven@chat.shakespeare.lit"), "thirdwitch")):
            for field in form.toElement().elements(data_form.NS_X_DATA, "field"):
                for option in field.elements(data_form.NS_X_DATA, "option"):
                    self.assertTrue(option.getAttribute("label"), (field["var"], option.toXml()))
        fields = {f["var"]: f for f in forms.configForm(CUSTOM, [], []).toElement().elements(
            data_form.NS_X_DATA, "field")}
        labels = [o["label"] for o in fields["muc#roomconfig_maxusers"].elements(
            data_form.NS_X_DATA, "option")]
        self.assertEqual(["10", "20", "30", "42", "50", "100", "500", "1000", "No limit"], labels)

    def test_maxUsersCurrentOffered(self):
        """A current room size that is not a usual one is offered too, in order."""
        fields = fieldsOf(forms.configForm(CUSTOM, [], []).toElement())
        self.assertEqual(["10", "20", "30", "42", "50", "100", "500", "1000", "none"],
                         fields["muc#roomconfig_maxusers"][3])

    def test_adminsAndOwners(self):
        """Admins and owners are given as bare JIDs."""
        form = forms.configForm(RoomConfig(), [WIZARD], [JID("crone1@shakespeare.lit/desktop")])
        fields = fieldsOf(form.toElement())
        self.assertEqual(["wiztemp@shakespeare.lit"], fields["muc#roomconfig_roomadmins"][1])
        self.assertEqual(["crone1@shakespeare.lit"], fields["muc#roomconfig_roomowners"][1])


class ParseConfigFormTests(SynchronousTestCase):
    def parse(self, *fields, current=None, **kwargs):
        return forms.parseConfigForm(submitted(*fields, **kwargs), current or RoomConfig())

    def assertBad(self, expected, *fields, **kwargs):
        """
        Assert that parsing the form fails with BadRequest, naming C{expected}.
        """
        e = self.assertRaises(errors.BadRequest, self.parse, *fields, **kwargs)
        self.assertIn(expected, e.text)

    def test_full(self):
        """A complete submission gives the configuration, admins and owners it names."""
        config, admins, owners = self.parse(
            field("muc#roomconfig_roomname", "The Coven"),
            field("muc#roomconfig_roomdesc", "Witches only"),
            field("muc#roomconfig_lang", "en"),
            field("muc#roomconfig_persistentroom", "1"),
            field("muc#roomconfig_publicroom", "0"),
            field("muc#roomconfig_membersonly", "true"),
            field("muc#roomconfig_moderatedroom", "True"),
            field("muc#roomconfig_passwordprotectedroom", "1"),
            field("muc#roomconfig_roomsecret", "cauldronburn"),
            field("muc#roomconfig_whois", "anyone"),
            field("muc#roomconfig_maxusers", "42"),
            field("muc#roomconfig_allowpm", "participants"),
            field("muc#roomconfig_changesubject", "1"),
            field("muc#roomconfig_allowinvites", "1"),
            field("muc#roomconfig_presencebroadcast", "moderator", "participant"),
            field("muc#roomconfig_getmemberlist", "moderator"),
            field("muc#roomconfig_historylength", "50"),
            field("muc#roomconfig_enablelogging", "1"),
            field("mucservice#roomconfig_offlinedelivery", "0"),
            field("muc#roomconfig_registerednicksonly", "1"),
            field("mucservice#roomconfig_maxuserspresence", "50"),
            field("muc#roomconfig_roomadmins", "wiztemp@shakespeare.lit"),
            field("muc#roomconfig_roomowners", "crone1@shakespeare.lit",
                  "hecate@shakespeare.lit"))
        self.assertEqual(CUSTOM, config)
        self.assertEqual({WIZARD}, admins)
        self.assertEqual({CRONE, JID("hecate@shakespeare.lit")}, owners)

    def test_presenceCap(self):
        """
        The presence cap is a whole number of 0 or more, or none (also an
        empty value) for no cap; anything else names the field.
        """
        var = "mucservice#roomconfig_maxuserspresence"
        for value, expected in (("0", 0), ("5000", 5000), ("none", None), ("", None)):
            config, _, _ = self.parse(field(var, value))
            self.assertEqual(expected, config.maxUsersPresence, value)
        self.assertBad(var, field(var, "many"))
        self.assertBad("maxUsersPresence", field(var, "-1"))

    def test_partial(self):
        """Fields not submitted keep their current value; admins and owners are None."""
        config, admins, owners = self.parse(field("muc#roomconfig_roomname", "Renamed"),
                                            current=CUSTOM)
        self.assertEqual(CUSTOM.replace(name="Renamed"), config)
        self.assertIsNone(admins)
        self.assertIsNone(owners)

    def test_instantRoom(self):
        """An empty submission without FORM_TYPE (an instant room) keeps the configuration."""
        element = parseXml("<query xmlns='http://jabber.org/protocol/muc#owner'>"
                           "<x xmlns='jabber:x:data' type='submit'/></query>")
        self.assertEqual((CUSTOM, None, None), forms.parseConfigForm(element, CUSTOM))

    def test_formTypeNotHidden(self):
        """A FORM_TYPE field without type='hidden', as XEP-0045's examples send it, is read."""
        config, _, _ = self.parse(field("muc#roomconfig_roomname", "X"), hidden=False)
        self.assertEqual("X", config.name)

    def test_untypedAndMistypedFields(self):
        """Submitted fields are read by their meaning, whatever type the client gives them."""
        config, _, _ = self.parse(
            field("muc#roomconfig_persistentroom", "1", fieldType="text-single"),
            field("muc#roomconfig_historylength", "5", fieldType="list-single"))
        self.assertEqual((True, 5), (config.persistent, config.historyLength))

    def test_unknownFieldsIgnored(self):
        """Fields this service does not know are ignored."""
        config, _, _ = self.parse(field("muc#roomconfig_pubsub", "xmpp:x"),
                                  field("x-custom", "1"))
        self.assertEqual(RoomConfig(), config)

    def test_currentUnchanged(self):
        """Parsing does not change the current configuration."""
        current = RoomConfig()
        self.parse(field("muc#roomconfig_roomname", "X"), current=current)
        self.assertEqual(RoomConfig(), current)

    def test_wrongFormType(self):
        """A form of another FORM_TYPE is a bad request."""
        self.assertBad("muc#roomconfig", field("muc#roomconfig_roomname", "X"),
                       formType="http://jabber.org/protocol/pubsub#node_config")

    def test_notSubmitted(self):
        """A form of type form or cancel is refused: the caller handles cancel first."""
        self.assertBad("submit", xType="form")
        self.assertBad("submit", xType="cancel")

    def test_noForm(self):
        """An element without a data form is a bad request."""
        element = parseXml("<query xmlns='http://jabber.org/protocol/muc#owner'/>")
        self.assertRaises(errors.BadRequest, forms.parseConfigForm, element, RoomConfig())

    def test_badBoolean(self):
        """A boolean that is none of 0, 1, false, true is a bad request naming the field."""
        self.assertBad("muc#roomconfig_membersonly", field("muc#roomconfig_membersonly", "yes"))

    def test_emptyBoolean(self):
        """A boolean without a value is false, XEP-0004's default."""
        config, _, _ = self.parse(field("muc#roomconfig_publicroom"))
        self.assertFalse(config.public)

    def test_badInteger(self):
        """A history length that is no number is a bad request naming the field."""
        self.assertBad("muc#roomconfig_historylength",
                       field("muc#roomconfig_historylength", "many"))

    def test_historyLengthOutOfRange(self):
        """A history length beyond the maximum is a bad request."""
        self.assertBad("historyLength", field("muc#roomconfig_historylength", "201"))

    def test_maxUsers(self):
        """The room size is a number or none; a number not offered is taken too."""
        config, _, _ = self.parse(field("muc#roomconfig_maxusers", "none"), current=CUSTOM)
        self.assertIsNone(config.maxUsers)
        config, _, _ = self.parse(field("muc#roomconfig_maxusers", "7"))
        self.assertEqual(7, config.maxUsers)
        self.assertBad("muc#roomconfig_maxusers", field("muc#roomconfig_maxusers", "lots"))
        self.assertBad("maxUsers", field("muc#roomconfig_maxusers", "0"))

    def test_unknownOption(self):
        """A value a list field does not offer is a bad request naming the field."""
        self.assertBad("muc#roomconfig_whois", field("muc#roomconfig_whois", "members"))
        self.assertBad("muc#roomconfig_allowpm", field("muc#roomconfig_allowpm", "all"))
        self.assertBad("muc#roomconfig_getmemberlist",
                       field("muc#roomconfig_getmemberlist", "moderator", "owner"))

    def test_severalValuesInSingleField(self):
        """Several values in a single-valued field are a bad request naming the field."""
        self.assertBad("muc#roomconfig_roomname",
                       field("muc#roomconfig_roomname", "A", "B"))

    def test_listMultiNormalized(self):
        """Roles come back in their usual order, each once; none at all is allowed."""
        config, _, _ = self.parse(
            field("muc#roomconfig_presencebroadcast", "visitor", "moderator", "visitor"),
            field("muc#roomconfig_getmemberlist"))
        self.assertEqual(("moderator", "visitor"), config.presenceBroadcast)
        self.assertEqual((), config.getMemberList)

    def test_jidsBare(self):
        """Admins and owners are made bare and normalized; empty values are skipped."""
        _, admins, owners = self.parse(
            field("muc#roomconfig_roomadmins", "WizTemp@Shakespeare.lit/laptop", "",
                  "wiztemp@shakespeare.lit"),
            field("muc#roomconfig_roomowners"))
        self.assertEqual({WIZARD}, admins)
        self.assertEqual(set(), owners)

    def test_badJID(self):
        """An admin or owner that is no JID is a bad request naming the field."""
        self.assertBad("muc#roomconfig_roomowners",
                       field("muc#roomconfig_roomowners", "not a jid@example.org"))

    def test_passwordAloneProtects(self):
        """A password submitted alone turns protection on."""
        config, _, _ = self.parse(field("muc#roomconfig_roomsecret", "s3cret"))
        self.assertEqual((True, "s3cret"), (config.passwordProtected, config.password))

    def test_emptyPasswordAloneUnprotects(self):
        """An empty password submitted alone turns protection off."""
        config, _, _ = self.parse(field("muc#roomconfig_roomsecret", ""), current=CUSTOM)
        self.assertEqual((False, ""), (config.passwordProtected, config.password))

    def test_explicitProtectionWins(self):
        """Protection submitted as false stays off even with a password, which is kept."""
        config, _, _ = self.parse(field("muc#roomconfig_passwordprotectedroom", "0"),
                                  field("muc#roomconfig_roomsecret", "s3cret"))
        self.assertEqual((False, "s3cret"), (config.passwordProtected, config.password))

    def test_protectionWithoutPassword(self):
        """Protection without a password is not acceptable."""
        for fields in ([field("muc#roomconfig_passwordprotectedroom", "1")],
                       [field("muc#roomconfig_passwordprotectedroom", "1"),
                        field("muc#roomconfig_roomsecret", "")]):
            self.assertRaises(errors.NotAcceptable, self.parse, *fields)

    def test_roundTrip(self):
        """A configuration form submitted unchanged gives back the same settings."""
        for config in (RoomConfig(), CUSTOM):
            form = forms.configForm(config, [WIZARD], [CRONE])
            self.assertEqual((config, {WIZARD}, {CRONE}),
                             forms.parseConfigForm(asSubmission(form), RoomConfig()))


class FormFromTests(SynchronousTestCase):
    def test_child(self):
        """The form is found among the children of the element given."""
        element = parseXml("<message xmlns='jabber:client'><body>x</body>"
                           + submitted(formType=forms.NS_REQUEST).toXml() + "</message>")
        self.assertEqual(forms.NS_REQUEST, forms.formFrom(element, forms.NS_REQUEST).formNamespace)

    def test_matchingAmongSeveral(self):
        """Of several forms, the one of the FORM_TYPE asked for is taken."""
        element = parseXml("<message xmlns='jabber:client'>"
                           + submitted(field("a", "1"), formType="urn:other").toXml()
                           + submitted(field("b", "2"), formType=forms.NS_REQUEST).toXml()
                           + "</message>")
        self.assertEqual(["b"], list(forms.formFrom(element, forms.NS_REQUEST).fields))

    def test_missingFormType(self):
        """A form without FORM_TYPE is taken, unless requireType is set."""
        element = submitted(formType=None)
        self.assertIsNone(forms.formFrom(element, forms.NS_REGISTER).formNamespace)
        self.assertRaises(errors.BadRequest, forms.formFrom, element, forms.NS_REGISTER,
                          requireType=True)

    def test_cancelReturned(self):
        """A cancel form is returned as it is, for the caller to see."""
        form = forms.formFrom(submitted(xType="cancel", formType=None), forms.NS_ROOMCONFIG)
        self.assertEqual("cancel", form.formType)

    def test_malformed(self):
        """A form with a field twice is a bad request."""
        element = submitted(field("a", "1"), field("a", "2"))
        self.assertRaises(errors.BadRequest, forms.formFrom, element, forms.NS_ROOMCONFIG)


class RoomInfoFormTests(SynchronousTestCase):
    def test_fields(self):
        """The roominfo result form gives name, description, occupants, subject, lang,
        contacts, whether participants may change the subject, whether
        occupants may invite, and the presence cap."""
        element = forms.roomInfoForm(CUSTOM, 3, "Spells", [CRONE]).toElement()
        self.assertEqual("result", element["type"])
        fields = {var: f[:2] for var, f in fieldsOf(element).items()}
        self.assertEqual({
            "FORM_TYPE": ("hidden", [forms.NS_ROOMINFO]),
            "muc#roominfo_description": ("text-single", ["Witches only"]),
            "muc#roominfo_occupants": ("text-single", ["3"]),
            "muc#roominfo_subject": ("text-single", ["Spells"]),
            "muc#roominfo_lang": ("text-single", ["en"]),
            "muc#roominfo_contactjid": ("jid-multi", ["crone1@shakespeare.lit"]),
            "muc#roominfo_subjectmod": ("boolean", ["true"]),
            "muc#roomconfig_changesubject": ("boolean", ["true"]),
            "muc#roomconfig_roomname": ("text-single", ["The Coven"]),
            "muc#roomconfig_allowinvites": ("boolean", ["true"]),
            "mucservice#roomconfig_maxuserspresence": ("text-single", ["50"]),
        }, fields)

    def test_noPresenceCap(self):
        """A room without a presence cap does not name one in its roominfo."""
        fields = fieldsOf(forms.roomInfoForm(RoomConfig(maxUsersPresence=None), 0, "",
                                             None).toElement())
        self.assertNotIn("mucservice#roomconfig_maxuserspresence", fields)

    def test_allowInvites(self):
        """
        Anyone in an open room may invite; in a members-only room, only with
        muc#roomconfig_allowinvites (and its admins and owners, always).
        """
        for config, expected in ((RoomConfig(), ["true"]),
                                 (RoomConfig(membersOnly=True), ["false"]),
                                 (RoomConfig(membersOnly=True, allowInvites=True), ["true"])):
            fields = fieldsOf(forms.roomInfoForm(config, 0, "", None).toElement())
            self.assertEqual(expected, fields["muc#roomconfig_allowinvites"][1])

    def test_unnamed(self):
        """A room without a name gives the name field without a value."""
        fields = fieldsOf(forms.roomInfoForm(RoomConfig(), 0, "", None).toElement())
        self.assertEqual([], fields["muc#roomconfig_roomname"][1])


class RegisterFormTests(SynchronousTestCase):
    def test_form(self):
        """The registration form asks for the nick, required, with the current one."""
        element = forms.registerForm("thirdwitch").toElement()
        self.assertEqual("form", element["type"])
        fields = fieldsOf(element)
        self.assertEqual(["FORM_TYPE", "muc#register_roomnick"], list(fields))
        self.assertEqual([forms.NS_REGISTER], fields["FORM_TYPE"][1])
        self.assertEqual(("text-single", ["thirdwitch"]), fields["muc#register_roomnick"][:2])
        nick = [f for f in element.elements() if f.getAttribute("var") == "muc#register_roomnick"]
        self.assertEqual(1, len(list(nick[0].elements(data_form.NS_X_DATA, "required"))))

    def test_noNick(self):
        """Without a nick, the nick field has no value."""
        fields = fieldsOf(forms.registerForm().toElement())
        self.assertEqual([], fields["muc#register_roomnick"][1])

    def test_extraFields(self):
        """Extra fields come after the nick."""
        extra = data_form.Field("boolean", "{http://tigase.org/protocol/muc}offline",
                                value=False, label="Stay in the room while offline")
        fields = fieldsOf(forms.registerForm("x", extraFields=[extra]).toElement())
        self.assertEqual(["FORM_TYPE", "muc#register_roomnick",
                          "{http://tigase.org/protocol/muc}offline"], list(fields))


class ParseRegisterFormTests(SynchronousTestCase):
    def test_values(self):
        """Every submitted field is returned by name, the nick included."""
        element = parseXml("<query xmlns='jabber:iq:register'>" + submitted(
            field("muc#register_roomnick", "thirdwitch"),
            field("{http://tigase.org/protocol/muc}offline", "1"),
            field("muc#register_faqentry"), field("multi", "a", "b"),
            formType=forms.NS_REGISTER).toXml() + "</query>")
        self.assertEqual({"muc#register_roomnick": "thirdwitch",
                          "{http://tigase.org/protocol/muc}offline": "1",
                          "muc#register_faqentry": "", "multi": ["a", "b"]},
                         forms.parseRegisterForm(element))

    def test_nickRequired(self):
        """A missing or empty nick is not acceptable."""
        for fields in ([], [field("muc#register_roomnick")],
                       [field("muc#register_roomnick", "")]):
            e = self.assertRaises(errors.NotAcceptable, forms.parseRegisterForm,
                                  submitted(*fields, formType=forms.NS_REGISTER))
            self.assertEqual("a nick is required", e.text)

    def test_wrongFormType(self):
        """A form of another FORM_TYPE is a bad request."""
        self.assertRaises(errors.BadRequest, forms.parseRegisterForm,
                          submitted(field("muc#register_roomnick", "x")))

    def test_roundTrip(self):
        """The registration form submitted unchanged gives the nick back."""
        submission = asSubmission(forms.registerForm("thirdwitch"))
        self.assertEqual({"muc#register_roomnick": "thirdwitch"},
                         forms.parseRegisterForm(submission))


class VoiceRequestTests(SynchronousTestCase):
    def test_form(self):
        """The form sent to moderators names the role, JID and nick, not yet allowed."""
        element = forms.voiceRequestForm(ROOM, "thirdwitch",
                                         JID("hag66@shakespeare.lit/pda")).toElement()
        self.assertEqual("form", element["type"])
        fields = {var: f[:2] for var, f in fieldsOf(element).items()}
        self.assertEqual({
            "FORM_TYPE": ("hidden", [forms.NS_REQUEST]),
            "muc#role": ("list-single", ["participant"]),
            "muc#jid": ("jid-single", ["hag66@shakespeare.lit/pda"]),
            "muc#roomnick": ("text-single", ["thirdwitch"]),
            "muc#request_allow": ("boolean", ["false"]),
        }, fields)

    def test_formWithoutJID(self):
        """Without a real JID, the form has no muc#jid field."""
        fields = fieldsOf(forms.voiceRequestForm(ROOM, "thirdwitch").toElement())
        self.assertNotIn("muc#jid", fields)

    def test_occupantRequest(self):
        """An occupant's request, in a message, asks for the participant role."""
        element = parseXml("<message xmlns='jabber:client'>" + submitted(
            field("muc#role", "participant", fieldType="list-single"),
            formType=forms.NS_REQUEST, hidden=False).toXml() + "</message>")
        self.assertEqual(("participant", None, False), forms.parseVoiceRequest(element))

    def test_approval(self):
        """A moderator's approval gives the nick and allow true."""
        element = submitted(field("muc#role", "participant"),
                            field("muc#jid", "hag66@shakespeare.lit/pda"),
                            field("muc#roomnick", "thirdwitch"),
                            field("muc#request_allow", "true"), formType=forms.NS_REQUEST)
        self.assertEqual(("participant", "thirdwitch", True), forms.parseVoiceRequest(element))

    def test_roundTrip(self):
        """The moderators' form submitted unchanged is a request not (yet) allowed."""
        submission = asSubmission(forms.voiceRequestForm(ROOM, "thirdwitch"))
        self.assertEqual(("participant", "thirdwitch", False),
                         forms.parseVoiceRequest(submission))

    def test_errors(self):
        """No FORM_TYPE, another one, a bad boolean or an unknown role: bad requests."""
        for element in (submitted(field("muc#role", "participant"), formType=None),
                        submitted(field("muc#role", "participant")),
                        submitted(field("muc#request_allow", "maybe"),
                                  formType=forms.NS_REQUEST),
                        submitted(field("muc#role", "owner"), formType=forms.NS_REQUEST)):
            self.assertRaises(errors.BadRequest, forms.parseVoiceRequest, element)
