import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_LOCAL = {"localhost", "127.0.0.1", "::1", "", None}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test may reach the network (the IBM service above all): connections to anything
    but this machine fail. Loopback and Unix sockets stay usable."""
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def local(sock, address):
        return sock.family == getattr(socket, "AF_UNIX", None) or (
            isinstance(address, tuple) and address[0] in _LOCAL
        )

    def guarded_connect(sock, address):
        if not local(sock, address):
            raise OSError(f"network use in a test: {address!r}")
        return connect(sock, address)

    def guarded_connect_ex(sock, address):
        if not local(sock, address):
            raise OSError(f"network use in a test: {address!r}")
        return connect_ex(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in _LOCAL:
            raise OSError(f"network use in a test: {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
