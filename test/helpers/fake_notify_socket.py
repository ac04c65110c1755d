"""Plays systemd's side of sd_notify for tests: binds a unix datagram socket (a path, or "@name"
for the abstract namespace) and prints every message as one JSON line. File descriptors passed
with a message (systemd-notify's BARRIER=1) are closed at once, as systemd does, which releases
the sender. Prints "READY" once bound. Usage: fake_notify_socket.py ADDRESS
"""
import array
import json
import os
import socket
import sys
import time

address = sys.argv[1]
bind_to = "\0" + address[1:] if address.startswith("@") else address
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(bind_to)
print("READY", flush=True)
fd_space = socket.CMSG_SPACE(16 * array.array("i").itemsize)
while True:
    data, ancillary, _flags, _addr = sock.recvmsg(65536, fd_space)
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"at": int(time.time() * 1000), "text": data.decode("utf-8", "replace")}), flush=True)
