"""A Docker Engine API replay server on a unix socket, for the real docker SDK client.

No Docker engine can run on these machines, so the Docker source is tested by replaying Engine
API responses through the real ``docker.DockerClient(base_url="unix://...")``. The bodies in
``data/docker/`` follow the Docker Engine API v1.47 reference (Docker 27.3): ``GET /version``
(``SystemVersion``), ``GET /containers/json`` (``ContainerSummary`` list), ``GET
/containers/{id}/json`` (``ContainerInspectResponse``) and ``GET /containers/{id}/stats?
stream=false`` (``ContainerStatsResponse``; cgroup v2 memory stats for most containers, cgroup
v1 for ``shop-catalog-service-1``). The labels are the ones Compose v2.29 sets. Like the engine,
the server applies the ``filters`` query parameter (``label=key=value``) and the ``all`` flag,
and strips the ``/v1.47`` version prefix. Every request is recorded, so tests can check what the
client asked.
"""

from __future__ import annotations

import json
import re
import socketserver
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "docker"


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    replay: DockerReplay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # NOTE: the base logs client_address[0], which a unix socket does not have.

    def do_GET(self) -> None:
        replay = self.server.replay
        url = urllib.parse.urlsplit(self.path)
        path = re.sub(r"^/v[0-9.]+", "", url.path)
        query = urllib.parse.parse_qs(url.query)
        replay.requests.append((path, query))
        status, body = replay.answer(path, query)
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Api-Version", "1.47")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class DockerReplay:
    """Serve ``data/docker/`` on ``socket_path`` until ``stop()``."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.containers: list[dict[str, Any]] = json.loads((DATA / "containers.json").read_text())
        self._names = {c["Id"]: c["Names"][0].lstrip("/") for c in self.containers}
        self._server = _Server(str(socket_path), _Handler)
        self._server.replay = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"unix://{self.socket_path}"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/version":
            return 200, json.loads((DATA / "version.json").read_text())
        if path == "/containers/json":
            return 200, self._list(query)
        match = re.fullmatch(r"/containers/([0-9a-f]+)/(json|stats)", path)
        if match and match[1] in self._names:
            name = self._names[match[1]]
            file = DATA / ("inspect" if match[2] == "json" else "stats") / f"{name}.json"
            if file.is_file():
                return 200, json.loads(file.read_text())
        return 404, {"message": f"No such container: {path}"}

    def _list(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        filters = json.loads(query.get("filters", ["{}"])[0])
        wanted = filters.get("label", [])
        show_all = query.get("all", ["0"])[0] in ("1", "true", "True")
        result = []
        for container in self.containers:
            labels = container["Labels"]
            if not show_all and container["State"] != "running":
                continue
            if all(_label_matches(labels, item) for item in wanted):
                result.append(container)
        return result

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _label_matches(labels: dict[str, str], item: str) -> bool:
    key, sep, value = item.partition("=")
    return key in labels and (not sep or labels[key] == value)
