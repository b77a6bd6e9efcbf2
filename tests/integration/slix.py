"""
slixmpp as the client of the integration tests: a real, widely used client
library (its C{xep_0045}, C{xep_0313} and C{xep_0425} plugins) speaking to
mucservice through a real Prosody.

slixmpp is asyncio; the tests are plain blocking functions. A L{SlixClient}
runs one slixmpp C{ClientXMPP} on an asyncio loop of its own, in a thread of
its own, and offers blocking helpers: each runs a coroutine on that loop
and waits for it at most a timeout, and L{SlixClient.expect} waits for a
received stanza. Nothing sleeps for a fixed time. L{SlixClient.close}
disconnects, stops the loop and joins the thread; the C{slixClients}
fixture of C{conftest.py} closes every client it made, also when a test
failed.

The server of the tests offers no TLS (loopback only): the client connects
in plain text and authenticates with SCRAM, which slixmpp allows
unencrypted only when told.
"""

import asyncio
import queue
import threading
import time

import slixmpp
from slixmpp.exceptions import IqError, PresenceError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

#: Seconds a helper waits for what it asked for.
TIMEOUT = 10


class SlixClient:
    """
    One connected slixmpp client and its thread.

    @ivar xmpp: the C{slixmpp.ClientXMPP}; touch it only on its loop
        (L{call}, L{run}).
    @ivar jid: the full JID it is bound to, as text.
    """

    def __init__(self, jid, password, host, port, plugins=()):
        """
        Connect, authenticate, bind, and send initial presence.

        @param plugins: the slixmpp plugins to load, besides C{xep_0030},
            C{xep_0004} and C{xep_0045}.
        @raise AssertionError: the session did not start within L{TIMEOUT}.
        """
        self.loop = asyncio.new_event_loop()
        self._received = queue.Queue()
        self._buffer = []
        self._thread = threading.Thread(target=self._runLoop, name="slixmpp " + jid,
                                        daemon=True)
        self._thread.start()
        try:
            self.xmpp = self.call(self._make, jid, password,
                                  ("xep_0030", "xep_0004", "xep_0045") + tuple(plugins))
            self.run(self._start(host, port))
        except BaseException:
            self._stopLoop()
            raise
        self.jid = self.call(lambda: self.xmpp.boundjid.full)

    def _runLoop(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def _make(self, jid, password, plugins):
        xmpp = slixmpp.ClientXMPP(jid, password, loop=self.loop, plugin_config={
            "feature_mechanisms": {"unencrypted_scram": True, "unencrypted_plain": True}})
        xmpp.enable_plaintext, xmpp.enable_starttls, xmpp.enable_direct_tls = True, False, False
        for plugin in plugins:
            xmpp.register_plugin(plugin)
        # Every message and presence, also those slixmpp raises no event for
        # (its "message" event wants a body: a status 104 has none).
        for name in ("message", "presence"):
            xmpp.register_handler(Callback("harness " + name,
                                           MatchXPath("{jabber:client}" + name),
                                           self._received.put))
        return xmpp

    async def _start(self, host, port):
        started = asyncio.ensure_future(self.xmpp.wait_until("session_start", TIMEOUT))
        failed = asyncio.ensure_future(self.xmpp.wait_until("failed_all_auth", TIMEOUT))
        self.xmpp.connect(host, port)
        done, _ = await asyncio.wait([started, failed], return_when=asyncio.FIRST_COMPLETED)
        for future in (started, failed):
            future.cancel()
        if failed in done and not failed.cancelled() and failed.exception() is None:
            raise AssertionError("slixmpp could not authenticate as %s" % (self.xmpp.boundjid,))
        self.xmpp.send_presence()
        await self.xmpp.get_roster(timeout=TIMEOUT)

    # Running code on the client's loop

    def run(self, coroutine, timeout=TIMEOUT):
        """
        Run a coroutine on the client's loop and wait for its result.

        @raise AssertionError: it did not finish within C{timeout} seconds.
        @raise Exception: what the coroutine raised (an C{IqError} for an
            error answer, a C{PresenceError} for a refused join).
        """
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coroutine, timeout),
                                                  self.loop)
        try:
            return future.result(timeout + 1)
        except (asyncio.TimeoutError, TimeoutError):
            future.cancel()
            raise AssertionError("%s: no answer in %ss" % (getattr(self, "jid", "?"), timeout))

    def call(self, function, *args):
        """
        Call a plain function on the client's loop (slixmpp is not
        thread-safe) and return its result.
        """
        async def calling():
            return function(*args)

        return self.run(calling())

    def plugin(self, name):
        """
        @return: the slixmpp plugin C{name} (call its methods through
            L{run} or L{call}).
        """
        return self.xmpp.plugin[name]

    # What the client receives

    def expect(self, predicate, timeout=TIMEOUT, what="a stanza"):
        """
        Wait for a received message or presence that C{predicate} accepts,
        and take it; the others stay, in the order they came.

        @param predicate: takes a slixmpp stanza, returns whether it is the
            one.
        @raise AssertionError: none came within C{timeout} seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            for index, stanza in enumerate(self._buffer):
                if predicate(stanza):
                    return self._buffer.pop(index)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("%s: no %s in %ss; received:\n%s" % (
                    self.jid, what, timeout, "\n".join(str(s) for s in self._buffer)
                    or "(nothing)"))
            try:
                self._buffer.append(self._received.get(timeout=remaining))
            except queue.Empty:
                pass

    # What MUC clients do

    def join(self, room, nick, password=None):
        """
        Join a room with C{xep_0045}, waiting for the whole join sequence.

        @return: C{(own presence, subject message, occupants' presence,
            history messages)}, as C{join_muc_wait} gives them.
        @raise PresenceError: the room refused.
        """
        return self.run(self.plugin("xep_0045").join_muc_wait(
            slixmpp.JID(room), nick, password=password, maxstanzas=20, timeout=TIMEOUT))

    def features(self, jid):
        """
        @return: the disco#info features of C{jid}, as a set.
        """
        async def info():
            answer = await self.plugin("xep_0030").get_info(jid=jid, timeout=TIMEOUT)
            return {feature for feature in answer["disco_info"]["features"]}

        return self.run(info())

    def close(self):
        """
        Disconnect and stop the client's thread; safe to call twice.
        """
        if not self.loop.is_closed() and self._thread.is_alive():
            try:
                self.run(self._disconnect(), timeout=5)
            except AssertionError:
                pass
        self._stopLoop()

    async def _disconnect(self):
        if self.xmpp.transport is not None:
            await self.xmpp.disconnect(wait=2)

    @staticmethod
    async def _cancelTasks():
        # slixmpp's own tasks end here, not when the closed loop is collected.
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _stopLoop(self):
        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._cancelTasks(), self.loop).result(5)
            except (TimeoutError, RuntimeError):
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        if not self._thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


__all__ = ["IqError", "PresenceError", "SlixClient", "TIMEOUT"]
