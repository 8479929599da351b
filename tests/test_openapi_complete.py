"""The staff API's OpenAPI document is complete enough for a generated client (issue 14).

For every operation of /api/openapi.json: a unique operationId, a Chinese summary, a tag,
a typed success answer (an object with properties, a page, or a list of typed objects; never
a bare `object` or an untyped dict), typed request bodies, the error answers documented with
the shared error schema (ErrorOut: `detail` + `errors`), and lists (GET answering many) paged
by cursor: `cursor` and `limit` query parameters and a page schema `{"items": [...], "next"}`.

Each rule is checked over all operations and every breach is reported at once, one line per
operation and what it lacks, so a router that cut a corner is named with the fix.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(login):
    answer = login("admin").get("/api/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _resolve(document, schema: dict | None) -> dict:
    seen = 0
    while schema and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
        seen += 1
        assert seen < 20
    if schema and "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(document, schema["allOf"][0])
    return schema or {}


def _json_schema(content: dict | None) -> dict | None:
    if not content:
        return None
    media = content.get("application/json")
    return None if media is None else media.get("schema", {})


def _typed_object(document, schema) -> bool:
    schema = _resolve(document, schema)
    return schema.get("type") == "object" and bool(schema.get("properties")) or (
        "properties" in schema and bool(schema["properties"]))


def _untyped(document, schema) -> str | None:
    """Why `schema` is not a typed answer, or None when it is."""
    resolved = _resolve(document, schema)
    if resolved.get("type") == "array":
        items = resolved.get("items", {})
        return None if _typed_object(document, items) or _resolve(document, items).get("type") in (
            "string", "integer", "number", "boolean") else "a list of untyped items"
    if _typed_object(document, resolved):
        return None
    if resolved.get("type") == "object" or "additionalProperties" in resolved or not resolved:
        return "an object without properties (a bare dict)"
    if "anyOf" in resolved or "oneOf" in resolved:
        variants = resolved.get("anyOf") or resolved.get("oneOf")
        bad = [why for why in (_untyped(document, v) for v in variants if v.get("type") != "null") if why]
        return bad[0] if bad else None
    return f"a bare {resolved.get('type', 'value')}"


def _is_page(document, schema) -> bool:
    resolved = _resolve(document, schema)
    props = resolved.get("properties", {})
    # {"items": [...], "next": …}, possibly with more (search adds its total).
    return {"items", "next"} <= set(props) and _resolve(document, props["items"]).get("type") == "array"


def _success(op) -> list[tuple[str, dict | None]]:
    return [(code, _json_schema(answer.get("content"))) for code, answer in op["responses"].items()
            if code.startswith("2")]


def _problems(document) -> list[str]:
    problems: list[str] = []
    ids = Counter(op.get("operationId") for _, op in _operations(document))
    for name, op in _operations(document):
        def lacks(what):
            problems.append(f"{name} ({op.get('operationId')}): {what}")

        if not op.get("operationId"):
            lacks("no operationId")
        elif ids[op["operationId"]] > 1:
            lacks("operationId used by another operation too: give the function a unique, room-prefixed name")
        if not CJK.search(op.get("summary") or ""):
            lacks("no Chinese summary (summary=\"…\" in the route decorator)")
        if not op.get("tags"):
            lacks("no tag (Router(tags=[…]))")
        success = _success(op)
        if not success:
            lacks("no 2xx answer documented")
        for code, schema in success:
            if schema is None:
                if code != "204":
                    lacks(f"{code} has no JSON schema (only 204 may be empty)")
                continue
            why = _untyped(document, schema)
            if why:
                lacks(f"{code} answers {why}: declare a Schema")
        errors = {code: answer for code, answer in op["responses"].items() if code.startswith("4")}
        if not errors:
            lacks("no 4xx answer documented: add **ERRORS to response=")
        for code, answer in errors.items():
            schema = _resolve(document, _json_schema(answer.get("content")))
            if "detail" not in schema.get("properties", {}) or "detail" not in schema.get("required", []):
                lacks(f"{code} is not documented with ErrorOut (a schema with a required 'detail'): use **ERRORS")
        for needed in ("403", "422"):
            if needed not in errors:
                lacks(f"{needed} not documented: use response={{200: …, **ERRORS}}")
        body = op.get("requestBody")
        if body:
            content = body.get("content", {})
            schema = _json_schema(content)
            if schema is not None:
                why = _untyped(document, schema)
                if why:
                    lacks(f"request body is {why}: declare a Schema")
            elif not ({"multipart/form-data", "application/x-www-form-urlencoded"} & set(content)):
                lacks(f"request body has no JSON or form schema ({', '.join(content)})")
        query = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        if name.startswith("GET "):
            for code, schema in success:
                if schema is None:
                    continue
                if _resolve(document, schema).get("type") == "array":
                    lacks(f"{code} answers a bare list: return paginate(…) with response={{200: page_of(XOut), **ERRORS}}")
                elif _is_page(document, schema) and not {"cursor", "limit"} <= query:
                    lacks(f"a page without {' and '.join(sorted({'cursor', 'limit'} - query))} query parameters "
                          "(cursor: str | None = CursorQuery, limit: int = LimitQuery)")
            if "cursor" in query and not any(schema and _is_page(document, schema) for _, schema in success):
                lacks("takes a cursor but does not answer a page {items, next}")
    return problems


def test_staff_document_is_complete(document):
    problems = _problems(document)
    assert not problems, f"{len(problems)} gaps in /api/openapi.json:\n" + "\n".join(problems)


def test_the_document_has_the_operations_of_every_room(document):
    paths = set(document["paths"])
    assert {"/api/v1/me", "/api/v1/stories", "/api/v1/audit-events", "/api/v1/departments", "/api/v1/org-units"} <= paths
    assert len(list(_operations(document))) >= 15


def test_the_checks_catch_what_they_are_for(document):
    """The rules above bite: a copy of the document with typical shortcuts is refused."""
    import copy

    broken = copy.deepcopy(document)
    stories = broken["paths"]["/api/v1/stories"]
    stories["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "array", "items": {"$ref": "#/components/schemas/StoryOut"}}
    stories["get"]["parameters"] = [p for p in stories["get"]["parameters"] if p["name"] != "cursor"]
    stories["post"]["summary"] = "Create story"
    stories["post"]["responses"] = {"201": {"content": {"application/json": {"schema": {"type": "object"}}}},
                                    "422": {"content": {"application/json": {"schema": {"type": "object"}}}}}
    me = broken["paths"]["/api/v1/me"]["get"]
    me["operationId"] = stories["post"]["operationId"]
    del me["tags"]
    found = "\n".join(_problems(broken))
    for expected in ("GET /api/v1/stories", "answers a bare list", "POST /api/v1/stories", "no Chinese summary",
                     "a bare dict", "422 is not documented with ErrorOut", "403 not documented",
                     "operationId used by another", "GET /api/v1/me", "no tag"):
        assert expected in found, expected


def test_schema_names_are_unique_across_rooms():
    """ninja names a schema in the document by its class name: two rooms' `CommentOut` end up
    as one entry and one room's answers are documented (and checked) with the other's shape.
    Every schema class the API may use must have a name of its own."""
    import rongmei.api  # noqa: F401  (loads every room's router)
    from ninja import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("rongmei.") and ".tests." not in cls.__module__:
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    twice = {name: sorted(mods) for name, mods in names.items() if len(mods) > 1}
    assert not twice, f"Schema class names used in more than one module (rename one, e.g. with the room's prefix): {twice}"
