# threat: open a network connection
# problem: stdio-sum
# destructive: no
# expect: zero
# Targets: the runner's loopback listeners, external addresses.
# The sandbox has a network namespace of its own with no interface up, so
# the runner's TCP and UDP sockets on the host's 127.0.0.1, its abstract
# unix socket, and anything outside are unreachable. The program prints
# the answer if any connection or datagram went through; the runner also
# checks that its sockets received nothing.
import socket
import sys

ok = []
for family, addr in [(socket.AF_INET, ("127.0.0.1", __PLAUDIT_TCP_PORT__)),
                     (socket.AF_INET6, ("::1", __PLAUDIT_TCP_PORT__)),
                     (socket.AF_INET, ("1.1.1.1", 53)),
                     (socket.AF_INET, ("8.8.8.8", 443))]:
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(addr)
        ok.append(addr)
    except OSError:
        pass
for addr in [("127.0.0.1", __PLAUDIT_UDP_PORT__), ("8.8.8.8", 53)]:
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"escaped", addr)
        ok.append(addr)
    except OSError:
        pass
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0__PLAUDIT_ABSTRACT__")
    ok.append("abstract")
except OSError:
    pass
try:
    socket.getaddrinfo("example.com", 80)
    ok.append("dns")
except OSError:
    pass
if ok:
    a, b = map(int, sys.stdin.read().split())
    print(a + b)
    print("reached", ok, file=sys.stderr)
else:
    print("no network")
