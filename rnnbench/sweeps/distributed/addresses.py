"""Where the oracle is: HOST:PORT parsing, private addresses, Keras Tuner's variables."""

import ipaddress
import socket

from rnnbench.errors import UserError


def parse_address(text, where):
    """`(host, port)` from `HOST:PORT` (`[v6]:PORT` too)."""
    host, sep, port = str(text).rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"Expected `{where}` to be HOST:PORT with a port in 1..65535, "
                        f"e.g. 10.0.0.5:8000. Received: {text!r}")
    return host, int(port)


def check_private(host, allow_public):
    """Refuses to serve the oracle (its token travels in clear) on a public or wildcard address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as e:
        raise UserError(f"Expected `--serve` to name an address of this host. "
                        f"Received: {host!r} ({e.strerror})") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        if (addr.is_global or addr.is_unspecified) and not allow_public:
            raise UserError(
                f"Refusing to serve the oracle on {host} ({addr}): its calls carry "
                "the sweep's token unencrypted (no TLS), so anyone who can watch the "
                "network can take it and read or end trials. Serve it on a private "
                "address (10.x, 172.16-31.x, 192.168.x, 127.x), or pass --allow-public "
                "if the network is yours.")


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# Keras Tuner's documented variables of its distributed mode.
ORACLE_IP = "KERASTUNER_ORACLE_IP"
ORACLE_PORT = "KERASTUNER_ORACLE_PORT"
TUNER_ID = "KERASTUNER_TUNER_ID"


def oracle_env(host, port, tuner_id):
    return {ORACLE_IP: host, ORACLE_PORT: str(port), TUNER_ID: tuner_id}
