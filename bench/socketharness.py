"""
The XMPP server's side of XEP-0114 on loopback, for L{bench/component.py}:
a listening socket that accepts the handshake of the real C{twistd
mucservice} it starts, then plays every client over the one stream.

It counts what the service writes without parsing it (the C{<message} and
C{<presence} openings, kept right across reads), so that reading keeps up
with a service writing hundreds of thousands of stanzas a second, and it
waits for markers (a status code, an id) in what comes.
"""

import hashlib
import os
import socket
import subprocess
import time
import uuid

from mucservice.devserver.run import twistdCommand

SERVICE = "muc.bench"
USERS = "bench.example"
NS_MUC = "http://jabber.org/protocol/muc"
NS_OWNER = NS_MUC + "#owner"
NS_DATA = "jabber:x:data"
SELF = b"code='110'"

#: Limits raised out of the way: one sender says everything, users join fast.
LIMITS = ["--message-rate", "1000000000/1", "--presence-rate", "1000000000/1",
          "--join-rate", "1000000000/1", "--max-body-length", "100000",
          "--room-creation-rate", "1000000000/1", "--max-rooms-per-user", "1000000"]


class Stream:
    """
    The server's end of the component stream: sends text and reads what the
    service writes, counting stanzas.

    @ivar buffer: what was read and not yet passed by L{waitFor}.
    @ivar received: the bytes read in all.
    """

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.messages = 0
        self.presences = 0
        self.received = 0

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def read(self, timeout=30.0):
        """
        Read what has come, adding it to L{buffer}.

        @return: the bytes read, with the few before them (so that a marker
            cut in two is found).
        """
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("the service closed the stream")
        self.received += len(chunk)
        before = bytes(self.buffer[-16:])
        self.buffer += chunk
        data = before + chunk
        self.messages += data.count(b"<message") - before.count(b"<message")
        self.presences += data.count(b"<presence") - before.count(b"<presence")
        return data

    def waitFor(self, marker, timeout=120.0):
        """
        Read until C{marker} (bytes) has come, and pass it.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.buffer.find(marker)
            if found >= 0:
                del self.buffer[:found + len(marker)]
                return
            # What cannot hold the start of the marker is done with.
            del self.buffer[:max(0, len(self.buffer) - len(marker))]
            if time.monotonic() > deadline:
                raise RuntimeError("waited in vain for %r" % (marker,))
            self.read(max(0.01, deadline - time.monotonic()))

    def forget(self):
        """
        Drop what was read and not waited for (a burst counted, not
        searched).
        """
        del self.buffer[:max(0, len(self.buffer) - 16)]


class Harness:
    """
    A listening socket playing the server, and the real service connected to
    it, with memory stores and no pinger unless C{extraArgs} say otherwise
    (a later option wins).
    """

    def __init__(self, folder, extraArgs=()):
        self.folder = folder
        self.secret = uuid.uuid4().hex
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        port = self.listener.getsockname()[1]
        args = twistdCommand() + [
            "-n", "--pidfile=", "--logfile=" + os.path.join(folder, "mucservice.log"),
            "mucservice", "--jid", SERVICE, "--secret", self.secret, "--port", str(port),
            "--room-store", "memory", "--hat-store", "memory", "--pinger", "none",
            "--offline-delivery", "none", "--db", "sqlite:" + os.path.join(folder, "x.sqlite")]
        self.process = subprocess.Popen(args + LIMITS + list(extraArgs), cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.stream = self.accept()

    def accept(self, timeout=30):
        self.listener.settimeout(timeout)
        sock, _ = self.listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = Stream(sock)
        stream.waitFor(b"<stream:stream")
        streamID = uuid.uuid4().hex
        stream.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream="
                    "'http://etherx.jabber.org/streams' from='%s' id='%s'>" % (SERVICE, streamID))
        expected = hashlib.sha1((streamID + self.secret).encode("utf-8")).hexdigest()
        stream.waitFor(b">%s</handshake>" % expected.encode("ascii"))
        stream.send("<handshake/>")
        return stream

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.listener.close()

    def cpuSeconds(self):
        """
        @return: the service's user and system CPU seconds so far.
        """
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self):
        """
        @return: the service's resident memory, in bytes.
        """
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0


def user(n, room=0):
    return "u%d-%d@%s/r" % (room, n, USERS)


def join(stream, room, n, roomIndex=0):
    """
    A synthetic occupant joins (no history).

    @return: the seconds until its self-presence came, and until its join
        ended (the subject).
    """
    start = time.perf_counter()
    stream.send("<presence from='%s' to='%s/u%d'><x xmlns='%s'><history maxstanzas='0'/></x>"
                "</presence>" % (user(n, roomIndex), room, n, NS_MUC))
    stream.waitFor(SELF)
    own = time.perf_counter() - start
    stream.waitFor(b"<subject")
    return own, time.perf_counter() - start


def leave(stream, room, n, roomIndex=0):
    """
    A synthetic occupant leaves; @return: when its own unavailable came.
    """
    stream.send("<presence from='%s' to='%s/u%d' type='unavailable'/>"
                % (user(n, roomIndex), room, n))
    stream.waitFor(SELF)


def configure(stream, room, roomIndex=0, **fields):
    """
    The room's owner (occupant 0) submits the configuration form with
    C{fields} (field name to value), and waits for the answer (given once
    stored).
    """
    values = "".join("<field var='%s'><value>%s</value></field>" % item
                     for item in fields.items())
    stream.send("<iq type='set' id='c' from='%s' to='%s'><query xmlns='%s'><x xmlns='%s' "
                "type='submit'>%s</x></query></iq>"
                % (user(0, roomIndex), room, NS_OWNER, NS_DATA, values))
    stream.waitFor(b"id='c'")


def createRoom(stream, room, roomIndex=0, **fields):
    """
    The first occupant creates the room and configures it (an instant room
    if no C{fields}).
    """
    join(stream, room, 0, roomIndex)
    configure(stream, room, roomIndex, **fields)


#: The room index of the occupants of L{warmUp}: no scenario's.
WARM_UP_INDEX = 999999


def warmUp(stream, occupants=10):
    """
    A room comes and goes before a scenario first reads the service's
    memory: C{occupants} join it, one of them says something, all leave.

    What the service allocates the first time it does anything at all
    (lazily imported modules, compiled patterns, its first buffers: about
    1 MB) is then in the level a scenario starts from, and is not counted
    against the occupants or rooms the scenario measures.
    """
    room = "warmup@" + SERVICE
    createRoom(stream, room, WARM_UP_INDEX)
    for n in range(1, occupants):
        join(stream, room, n, WARM_UP_INDEX)
    stream.send("<message from='%s' to='%s' type='groupchat' id='warm'><body>warm</body>"
                "</message>" % (user(1, WARM_UP_INDEX), room))
    stream.waitFor(b"id='warm'")
    for n in reversed(range(occupants)):
        leave(stream, room, n, WARM_UP_INDEX)
