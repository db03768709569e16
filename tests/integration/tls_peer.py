#!/usr/bin/env python3
"""tests/integration/tls_peer.py: a hostile TLS peer on 127.0.0.1 for the
lamp's failure tests (tls_faults.sh, tls_peers.sh; docs/robustness.md,
"Slow and broken peers").  It listens, and for each connection reads its
mode from MODE_FILE (so a test script changes it between connections):

  pass          forwards to the upstream broker untouched
  tamper-once   forwards, but flips one byte in the first application-data
                record the server sends after its ChangeCipherSpec; once
                only, later connections pass
  badheader-once  forwards, but gives the first application-data record
                the server sends after its ChangeCipherSpec the record
                version 2.3 (malformed); once only, like tamper-once
  alert:N       answers the ClientHello with a plaintext fatal alert of
                description N, and closes
  silent        accepts and never answers (reads and drops what comes)
  trickle       forwards, the server's bytes one a second
  hangup        forwards the server's first record (its ServerHello), then
                closes both sides: a close in the middle of the handshake
  mute          forwards the handshake, then drops what the server sends
                (the CONNACK never comes)

What it sees goes to LOG, one line per fact, "conn N ..." (N from 1):
the ClientHello's session id and session ticket lengths (both 0: the
client asks for a full handshake), records the client sends after the
handshake by type (an alert is type 21), what it tampered or injected.

Usage: tls_peer.py PORT UPSTREAM_PORT MODE_FILE LOG
"""
import socket
import sys
import threading
import time

REC_CCS, REC_ALERT, REC_HANDSHAKE, REC_APPDATA = 20, 21, 22, 23
EXT_SESSION_TICKET = 35


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def say(self, n, text):
        with self.lock:
            self.f.write("conn %d %s\n" % (n, text))


def records(buf):
    """Splits complete TLS records off the front of buf: (list, rest)."""
    out = []
    while len(buf) >= 5:
        length = int.from_bytes(buf[3:5], "big")
        if len(buf) < 5 + length:
            break
        out.append(bytes(buf[:5 + length]))
        buf = buf[5 + length:]
    return out, buf


def record_stream(sock):
    """The complete TLS records sock delivers, until its end."""
    buf = b""
    while True:
        data = sock.recv(16384)
        if not data:
            return
        recs, buf = records(buf + data)
        yield from recs


def shut_wr(sock):
    """Passes an end of stream on (the other side may be gone already)."""
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def client_hello_resumption(rec):
    """(session id length, session ticket extension length) of a
    ClientHello record, or None if it is not one (RFC 5246 7.4.1.2)."""
    body = rec[5:]
    if rec[0] != REC_HANDSHAKE or len(body) < 39 or body[0] != 1:
        return None
    p = 4 + 2 + 32                      # header, client_version, random
    sid = body[p]
    p += 1 + sid
    suites = int.from_bytes(body[p:p + 2], "big")
    p += 2 + suites
    p += 1 + body[p]                    # compression methods
    ticket = 0
    if p + 2 <= len(body):
        end = p + 2 + int.from_bytes(body[p:p + 2], "big")
        p += 2
        while p + 4 <= end:
            etype = int.from_bytes(body[p:p + 2], "big")
            elen = int.from_bytes(body[p + 2:p + 4], "big")
            if etype == EXT_SESSION_TICKET:
                ticket = elen
            p += 4 + elen
    return sid, ticket


class Peer:
    def __init__(self, port, upstream, mode_file, log):
        self.port, self.upstream, self.mode_file = port, upstream, mode_file
        self.log = log
        self.count = 0
        self.done_once = set()  # the "-once" modes that have had their connection
        self.lock = threading.Lock()

    def mode(self):
        try:
            with open(self.mode_file) as f:
                return f.read().strip() or "pass"
        except OSError:
            return "pass"

    def serve(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        # The harness waits for this line (a probe connection would count).
        self.log.f.write("listening on %d\n" % self.port)
        while True:
            conn, _ = ls.accept()
            with self.lock:
                self.count += 1
                n = self.count
            threading.Thread(target=self.handle, args=(conn, n), daemon=True).start()

    def handle(self, client, n):
        mode = self.mode()
        if mode.endswith("-once"):
            with self.lock:
                if mode in self.done_once:
                    mode = "pass"
                else:
                    self.done_once.add(mode)
        self.log.say(n, "mode " + mode)
        try:
            if mode == "silent":
                self.from_client(client, None, n)
            elif mode.startswith("alert:"):
                self.answer_alert(client, n, int(mode[6:]))
            else:
                server = socket.create_connection(("127.0.0.1", self.upstream))
                t = threading.Thread(target=self.from_server, args=(server, client, n, mode),
                                     daemon=True)
                t.start()
                self.from_client(client, server, n)
                t.join()
                server.close()
        except OSError as e:
            self.log.say(n, "error %s" % e)
        client.close()
        self.log.say(n, "closed")

    def answer_alert(self, client, n, description):
        hello = next(record_stream(client), None)
        if hello is None:
            return
        self.note_client_hello(hello, n)
        client.sendall(bytes([REC_ALERT, 3, 3, 0, 2, 2, description]))
        self.log.say(n, "sent alert %d" % description)
        client.shutdown(socket.SHUT_WR)
        while client.recv(4096):
            pass

    def note_client_hello(self, rec, n):
        hello = client_hello_resumption(rec)
        if hello:
            self.log.say(n, "client_hello session_id %d ticket %d" % hello)

    def from_client(self, client, server, n):
        """Client to server: records parsed and logged, then forwarded
        (to nowhere when server is None)."""
        seen_hello, after_ccs = False, False
        for rec in record_stream(client):
            if not seen_hello:
                seen_hello = True
                self.note_client_hello(rec, n)
            elif rec[0] == REC_CCS:
                after_ccs = True
            elif after_ccs and rec[0] != REC_HANDSHAKE:
                self.log.say(n, "client record type %d length %d" % (rec[0], len(rec) - 5))
            elif rec[0] == REC_ALERT:
                self.log.say(n, "client alert level %d description %d" % (rec[5], rec[6]))
            if server:
                server.sendall(rec)
        if server:
            shut_wr(server)

    def from_server(self, server, client, n, mode):
        try:
            self.pump_server(server, client, n, mode)
        except OSError as e:  # the lamp gave up (a timeout) while we trickled
            self.log.say(n, "server side ended: %s" % e)

    def pump_server(self, server, client, n, mode):
        if mode == "trickle":
            while True:
                data = server.recv(16384)
                if not data:
                    break
                for i in range(len(data)):
                    if i == 0:
                        self.log.say(n, "trickling %d bytes of the server's, one a second" % len(data))
                    client.sendall(data[i:i + 1])
                    time.sleep(1)
        else:
            self.forward_records(server, client, n, mode)
        shut_wr(client)

    def forward_records(self, server, client, n, mode):
        after_ccs = False
        for rec in record_stream(server):
            if rec[0] == REC_CCS:
                after_ccs = True
            elif mode == "mute" and after_ccs and rec[0] == REC_APPDATA:
                self.log.say(n, "muted: dropped server record type 23 length %d" % (len(rec) - 5))
                continue
            elif mode == "tamper-once" and after_ccs and rec[0] == REC_APPDATA:
                mode = "pass"
                rec = rec[:-1] + bytes([rec[-1] ^ 0x01])  # a bit of the GCM tag
                self.log.say(n, "tampered server record type 23 length %d" % (len(rec) - 5))
            elif mode == "badheader-once" and after_ccs and rec[0] == REC_APPDATA:
                mode = "pass"
                rec = rec[:1] + bytes([2]) + rec[2:]
                self.log.say(n, "malformed the header of server record type 23")
            client.sendall(rec)
            if mode == "hangup":
                self.log.say(n, "hung up after the server's first record")
                client.shutdown(socket.SHUT_RDWR)
                server.close()
                return


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    port, upstream = int(sys.argv[1]), int(sys.argv[2])
    Peer(port, upstream, sys.argv[3], Log(sys.argv[4])).serve()


if __name__ == "__main__":
    main()
