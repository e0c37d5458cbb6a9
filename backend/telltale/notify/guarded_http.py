"""An HTTP session that connects only where guard.py allows, checked on every connection.

Names are checked against the address each socket actually reached, so a name that resolves
somewhere else after the URL was accepted (DNS rebinding) is caught too. A few lines over urllib3
rather than `advocate`, the package that did this for requests: it has had no release since 2020
and does not work with urllib3 2.
"""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from .guard import REFUSED, RefusedAddress, check_resolved, is_public


def _peer_checked(connection_class):
    class Checked(connection_class):
        def _new_conn(self):
            try:
                check_resolved(self._dns_host, self.port, allow_private=False)
            except RefusedAddress as exc:
                raise NewConnectionError(self, str(exc)) from None
            sock = super()._new_conn()
            peer = sock.getpeername()[0]
            if not is_public(peer):
                sock.close()
                raise NewConnectionError(self, f"{self.host} reached {peer}, {REFUSED}")
            return sock

    return Checked


class _Pool(HTTPConnectionPool):
    ConnectionCls = _peer_checked(HTTPConnection)


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _peer_checked(HTTPSConnection)


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}


def session(allow_private: bool) -> requests.Session:
    """A requests session that connects only where the rules above allow, and follows no redirect."""
    made = requests.Session()
    # No proxy from the environment: a proxy would make the connection, and the check with it.
    made.trust_env = False
    # A redirect would be a second URL nobody checked at subscription time; push services send none.
    made.max_redirects = 0
    if not allow_private:
        adapter = _GuardedAdapter()
        made.mount("http://", adapter)
        made.mount("https://", adapter)
    return made
