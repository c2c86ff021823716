"""Whose X-Forwarded-For names the client: only the reverse proxies the admin names.

The web server under Streamlit (uvicorn) takes a request's address from X-Forwarded-For when the
request comes from an address in its FORWARDED_ALLOW_IPS, which it reads when it starts; left to
itself it trusts 127.0.0.1, so every client of a proxy there that passes the header through could
choose its own address, guess passwords past the sign-in throttle and write any address into the
audit log. ``study app --trusted-proxy ADDRESS`` names the proxies; without one the header is
never honoured, and the server refuses to start unless the setting reached uvicorn.

No Streamlit here: the command line checks the setting before it starts the server.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from study.errors import BadValue

SETTING = "STUDY_TRUSTED_PROXIES"  # what `study app` hands the server: the proxies, comma-separated
UVICORN_SETTING = "FORWARDED_ALLOW_IPS"


def trusted_proxies(values: Iterable[str]) -> tuple[str, ...]:
    """The proxies' addresses (``127.0.0.1``, ``::1``) or networks (``10.0.0.0/8``), checked."""
    proxies = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            proxies.append(str(ipaddress.ip_network(value, strict=False)) if "/" in value
                           else str(ipaddress.ip_address(value)))
        except ValueError:
            raise BadValue(f"{value!r} is not an IP address or network of a proxy",
                             "name each reverse proxy by its address, e.g. 127.0.0.1, or its network, "
                             "e.g. 10.0.0.0/8") from None
    return tuple(dict.fromkeys(proxies))


def server_settings(proxies: Iterable[str]) -> dict[str, str]:
    """The environment the app server starts with: the proxies for study and for uvicorn."""
    named = ",".join(trusted_proxies(proxies))
    return {SETTING: named, UVICORN_SETTING: named}


def check_server_settings(environment: Mapping[str, str]) -> None:
    """Refuse to serve when uvicorn would trust other proxies than the admin named (for example
    when started by ``streamlit run`` rather than ``study app``, so trusting 127.0.0.1)."""
    wanted = server_settings(environment.get(SETTING, "").split(","))[UVICORN_SETTING]
    if environment.get(UVICORN_SETTING) != wanted:
        raise RuntimeError(f"the app server would honour X-Forwarded-For from "
                           f"{environment.get(UVICORN_SETTING) or '127.0.0.1 (uvicorn default)'}, not only from "
                           f"the proxies named ({wanted or 'none'}): start it with `study app`")
