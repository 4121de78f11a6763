"""nginx for the local stack: the shipped deploy/nginx/cohort-lrs.conf with this machine's ports,
host name, certificate and log paths (each change checked, so a drift in the shipped file is an error,
not a silently different proxy), inside a main configuration that keeps nginx's files in the state
directory."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local_stack import Stack

SHIPPED_NGINX = Path(__file__).resolve().parent / "nginx" / "cohort-lrs.conf"


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise SystemExit(f"{SHIPPED_NGINX} changed: expected one {old!r} to adapt for the local stack")
    return text.replace(old, new)


def local_nginx_site(stack: Stack, shipped: str) -> str:
    """The shipped site configuration with this machine's ports, host name, certificate and logs."""
    site = _replace_once(
        shipped,
        "    server 127.0.0.1:8081;\n    server 127.0.0.1:8082;\n",
        "".join(f"    server 127.0.0.1:{port};\n" for port in stack.server_ports),
    )
    site = _replace_once(site, "listen 80;", f"listen 127.0.0.1:{stack.http_port};")
    site = _replace_once(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{stack.https_port} ssl http2;")
    site = _replace_once(site, "https://$host$request_uri", f"https://$host:{stack.https_port}$request_uri")
    site = site.replace("server_name lrs.example.gov.uk;", "server_name localhost 127.0.0.1;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {stack.path('tls', 'server.pem')};", site)
    site = re.sub(
        r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {stack.path('tls', 'server.key')};", site
    )
    return _replace_once(
        site, "/var/log/nginx/cohort-lrs.access.log", str(stack.path("logs", "nginx-access.log"))
    )


def nginx_main(stack: Stack) -> str:
    nginx_dir = stack.path("nginx")
    temp = "\n".join(
        f"    {kind}_temp_path {nginx_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as `nobody`, who cannot write the temporary files here.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {stack.path('run', 'nginx.pid')};\n"
        f"error_log {stack.path('logs', 'nginx-error.log')} warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n{temp}\n    include {nginx_dir / 'cohort-lrs.conf'};\n}}\n"
    )
