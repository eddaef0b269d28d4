"""Merge rendered worker services into an existing compose file, keeping what is there.

Used for ``--in-place`` (the user's compose file) and for a ``docker-compose.workers.yml``
that already holds another application's workers (one override for the whole project).

A round trip through ruamel.yaml keeps the file's comments, key order, quoting and anchors; the
rendered override supplies the nodes to add, so both paths produce the same services. An
``environment:`` shared through an anchor is never edited in place (that would change every
service using it): the API service gets its own mapping that merges the anchor. CRLF line
endings and a UTF-8 byte-order mark are kept.
"""

from __future__ import annotations

import io
from typing import Any

from archcheck.errors import ScaffoldError


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap the user's long lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def patch_compose(original: str, override: str, service: str, label: str) -> str:
    """``original`` with the override's extension keys and services merged in."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.mergevalue import MergeValue

    bom = original.startswith("\ufeff")
    original = original.removeprefix("\ufeff")
    crlf = original.count("\r\n") * 2 > original.count("\n")
    if crlf:  # NOTE: ruamel keeps a CR in comments and blank lines; give it LF only
        original = original.replace("\r\n", "\n")
    y = _yaml()
    try:
        doc = y.load(original)
        extra = y.load(override)
    except YAMLError as exc:
        raise ScaffoldError(
            f"{label}: cannot patch it in place ({exc}); fix the YAML or drop --in-place"
        ) from exc
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("services"), CommentedMap):
        raise ScaffoldError(f"{label} has no services mapping: nothing to patch; drop --in-place")
    keys = list(doc.keys())
    at = keys.index("services")
    for key in [k for k in extra if k != "services"]:
        if key in doc and doc[key] == extra[key]:
            continue  # unchanged: leave the node (and its comments) as they are
        if key in doc:
            doc[key] = extra[key]
        else:
            doc.insert(at, key, extra[key])  # anchors must come before the services using them
            at += 1
    services = doc["services"]
    for name, node in extra["services"].items():
        if name != service or name not in services:
            if services.get(name) != node:
                services[name] = node
            continue
        api = services[service]
        mode = str(node["environment"]["WORKER_MODE"])
        env = api.get("environment")
        if env is None:
            api["environment"] = CommentedMap(WORKER_MODE=mode)
        elif isinstance(env, CommentedMap) and env.anchor.value is not None:
            merge = MergeValue()
            merge.merge_pos = 0
            merge.append(env)
            own = CommentedMap()
            own.add_yaml_merge(merge)
            own["WORKER_MODE"] = mode
            api["environment"] = own
        elif isinstance(env, CommentedMap):
            if env.get("WORKER_MODE") != mode:
                env["WORKER_MODE"] = mode
        elif isinstance(env, CommentedSeq) and f"WORKER_MODE={mode}" in env:
            pass
        elif isinstance(env, CommentedSeq):
            if env.anchor.value is not None:  # shared: give the API its own list
                env = CommentedSeq([i for i in env if not str(i).startswith("WORKER_MODE=")])
                api["environment"] = env
            for i in reversed(range(len(env))):
                if str(env[i]).startswith("WORKER_MODE="):
                    del env[i]
            env.append(f"WORKER_MODE={mode}")
        else:
            raise ScaffoldError(
                f"{label}: services.{service}.environment is neither a list nor a mapping"
            )
    out = io.StringIO()
    y.dump(doc, out)
    text = out.getvalue()
    # NOTE: ruamel writes LF and no BOM; the user's file keeps its line endings and its BOM.
    if crlf:
        text = text.replace("\n", "\r\n")
    return "\ufeff" + text if bom else text
