"""Requests as JSON, so an answer can be re-run later (Refresh, CSV, Show SQL, thread follow-ups,
schedules) without storing its rows. Values are re-coerced through the playbook's parameter specs
when loaded, so a stored request is checked exactly like a fresh one."""

from __future__ import annotations

import json
from typing import Any

from playbooks.library import Library
from playbooks.params import ParamError, json_safe

from .request import Reading, Request

VERSION = 1


class StoredRequestError(ValueError):
    """A stored request that no longer fits the playbooks (playbook removed, parameter changed)."""


def request_to_json(request: Request) -> dict[str, Any]:
    return {
        "v": VERSION,
        "playbook": request.playbook,
        "params": json_safe(request.params),
        "question": request.question,
        "readings": [{"name": r.name, "value": json_safe(r.value), "words": r.words} for r in request.readings],
        "explicit": sorted(request.explicit),
        "range_label": request.range_label,
        "notes": list(request.notes),
    }


def request_from_json(data: dict[str, Any] | str, library: Library) -> Request:
    if isinstance(data, str):
        data = json.loads(data)
    playbook = library.get(str(data.get("playbook")))
    if playbook is None:
        raise StoredRequestError(f"the playbook {data.get('playbook')!r} no longer exists")
    params: dict[str, Any] = {}
    for name, value in (data.get("params") or {}).items():
        spec = playbook.param(name)
        try:
            params[name] = spec.coerce(value) if spec is not None else value
        except ParamError as exc:
            raise StoredRequestError(f"{playbook.id}: {exc.message}") from None
    readings = tuple(Reading(r["name"], r.get("value"), r.get("words", "")) for r in data.get("readings") or ())
    return Request(playbook=playbook.id, params=params, question=str(data.get("question") or ""), readings=readings,
                   explicit=frozenset(data.get("explicit") or ()), range_label=str(data.get("range_label") or ""),
                   notes=tuple(str(n) for n in data.get("notes") or ()))


def dumps(request: Request) -> str:
    return json.dumps(request_to_json(request), sort_keys=True)
