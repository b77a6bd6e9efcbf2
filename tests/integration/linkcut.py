"""
A TCP relay between the service and its XMPP server's component port, which
a test can cut and mend: the component link goes down while both programs
run on, as when the network between them fails.
"""

import socket
import threading


class ComponentRelay:
    """
    Relays connections from L{port} on loopback to C{targetPort}.

    While cut, the relay closes the connections it relays and accepts no
    new one: a connection made meanwhile waits in the listening socket's
    backlog (the service sees its connection made, and waits for the
    server's answer) until the relay is mended.

    @ivar port: the port the service connects to.
    """

    def __init__(self, targetPort, interface="127.0.0.1"):
        self.target = (interface, targetPort)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((interface, 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self._relaying = threading.Event()
        self._relaying.set()
        self._lock = threading.Lock()
        self._sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._relaying.wait()
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets.extend((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            _close(end)

    def cut(self):
        """
        Close every relayed connection; accept none until L{mend}.
        """
        self._relaying.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for end in sockets:
            _close(end)

    def mend(self):
        """
        Relay again, beginning with the connections that waited.
        """
        self._relaying.set()

    def close(self):
        self.cut()
        self.listener.close()
        self._relaying.set()


def _close(end):
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    end.close()
