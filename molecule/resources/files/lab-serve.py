"""Lab fixture: answer with this host's name, so a test sees which real server replied.

- HTTP on port 80 and HTTPS on port 443 (a self-signed certificate made at the first
  start), on every address of both families: /index.html is the host's name, /ready
  exists while the test wants the health checks to pass.
- UDP on port 9053: a DNS query gets an empty answer, NOERROR while /ready exists and
  SERVFAIL otherwise (for keepalived's DNS_CHECK); any other datagram gets the name.
  The reply leaves from the address the datagram came to (a VIP on lo), as DR needs.
- SCTP on the default scenario's SCTP VIP, port 9000: the name, to every association.
  Bound to that one address, so the association has no other path to try.
"""
import functools
import http.server
import os
import socket
import ssl
import struct
import subprocess
import threading

ROOT = "/srv/lab-web"
TLS = "/var/lib/lab-serve"
UDP_PORT = 9053
SCTP_VIP, SCTP_PORT = "192.0.2.136", 9000
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IP_FREEBIND = 15  # bind before the role puts the VIP on lo
NOERROR, SERVFAIL = 0, 2


class Web(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def https_server(handler):
    if not os.path.exists(f"{TLS}/cert.pem"):
        os.makedirs(TLS, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=lab",
                        "-days", "3650", "-keyout", f"{TLS}/key.pem", "-out", f"{TLS}/cert.pem"],
                       check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{TLS}/cert.pem", f"{TLS}/key.pem")
    server = Web(("::", 443), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def answer(datagram):
    if len(datagram) >= 12 and not datagram[2] & 0x80:  # a DNS query: echo its id and question
        rcode = NOERROR if os.path.exists(f"{ROOT}/ready") else SERVFAIL
        return datagram[:2] + struct.pack(">H", 0x8000 | rcode) + datagram[4:6] + bytes(6) + datagram[12:]
    with open(f"{ROOT}/index.html", "rb") as page:
        return page.read()


def serve_udp():
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_IP, IP_PKTINFO, 1)
    udp.bind(("0.0.0.0", UDP_PORT))
    while True:
        datagram, ancillary, _flags, client = udp.recvmsg(512, socket.CMSG_SPACE(12))
        to = next(data[8:12] for level, kind, data in ancillary if (level, kind) == (socket.SOL_IP, IP_PKTINFO))
        udp.sendmsg([answer(datagram)], [(socket.SOL_IP, IP_PKTINFO, struct.pack("I4s4s", 0, to, bytes(4)))], 0, client)


def serve_sctp():
    sctp = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    sctp.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
    sctp.bind((SCTP_VIP, SCTP_PORT))
    sctp.listen()
    while True:
        association, _client = sctp.accept()
        with association, open(f"{ROOT}/index.html", "rb") as page:
            association.sendall(page.read())


handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=ROOT)
threading.Thread(target=serve_udp, daemon=True).start()
threading.Thread(target=serve_sctp, daemon=True).start()
threading.Thread(target=https_server(handler).serve_forever, daemon=True).start()
Web(("::", 80), handler).serve_forever()
