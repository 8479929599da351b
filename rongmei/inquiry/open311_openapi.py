"""The OpenAPI 3 document of our Open311 GeoReport v2 endpoints, served at
/open311/v2/openapi.json.

GeoReport v2 has no OpenAPI document of its own; this one describes the API as implemented
in ``rongmei.inquiry.open311`` (the decisions listed there: jurisdiction, POST mapping,
status, privacy, dates, rate limits), so that integrators can generate a client and the
fuzz suite (tests/test_fuzz_api.py) can read it. Every path ends in its format (``.xml`` or
``.json``); the schemas describe the JSON form, the XML form carries the same fields.
"""

from __future__ import annotations

import json

from django.http import HttpResponse

from rongmei.inquiry.models import Kind
from rongmei.inquiry.open311 import CHANGESET, MAX_IDS, MAX_RESULTS, SPECIFICATION

JSON, XML = "application/json", "text/xml"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}, XML: {"schema": {"type": "string"}}}}


def _errors(*codes: int) -> dict:
    texts = {400: "参数缺少或有误", 403: "api_key 缺少或无效", 404: "没有这个中心、服务类型、问政件，或不支持的格式",
             405: "不支持的请求方法", 429: "请求过于频繁（带 Retry-After），一分钟后再试"}
    return {str(code): _answer(texts[code], _ref("Errors")) for code in codes}


FORMAT = {"name": "format", "in": "path", "required": True, "description": "应答格式：xml（标准要求的格式）或 json",
          "schema": {"type": "string", "enum": ["json", "xml"]}}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False,
                "description": "融媒体中心标识（如 demo）；只有一个中心时可省略",
                "schema": {"type": "string", "maxLength": 50}}


def _string(description: str, max_length: int) -> dict:
    return {"type": "string", "description": description, "maxLength": max_length}


SCHEMAS = {
    "Errors": {
        "type": "array", "description": "标准的错误格式；description 以出错的参数名开头，含中文说明",
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    },
    "Discovery": {
        "type": "object", "required": ["changeset", "endpoints"],
        "properties": {
            "changeset": {"type": "string"}, "contact": {"type": "string"}, "key_service": {"type": "string"},
            "endpoints": {"type": "array", "items": {
                "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {"specification": {"type": "string"}, "url": {"type": "string"},
                               "changeset": {"type": "string"}, "type": {"type": "string"},
                               "formats": {"type": "array", "items": {"type": "string"}}}}},
        },
    },
    "Service": {
        "type": "object", "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string", "enum": list(Kind.values)}, "service_name": {"type": "string"},
            "description": {"type": "string"}, "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"}, "group": {"type": "string"},
        },
    },
    "ServiceDefinition": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {"type": "array", "items": {
                "type": "object", "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"}, "code": {"type": "string"},
                    "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text",
                                                            "singlevaluelist", "multivaluelist"]},
                    "required": {"type": "boolean"}, "datatype_description": {"type": "string"},
                    "order": {"type": "integer"}, "description": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "object", "properties": {
                        "key": {"type": "string"}, "name": {"type": "string"}}}},
                }}},
        },
    },
    "ServiceRequest": {
        "type": "object", "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "description": "一件问政的公开信息：从不含电话、姓名和邮箱；正文和办理说明中的手机号已打码",
        "properties": {
            "service_request_id": {"type": "string", "description": "查询码"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": {"type": "string"}, "service_name": {"type": "string"},
            "service_code": {"type": "string"}, "description": {"type": "string"},
            "agency_responsible": {"type": "string"}, "service_notice": {"type": "string"},
            "requested_datetime": {"type": "string"}, "updated_datetime": {"type": ["string", "null"]},
            "expected_datetime": {"type": ["string", "null"]}, "address": {"type": "string"},
            "address_id": {"type": "string"}, "zipcode": {"type": "string"},
            "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
            "media_url": {"type": "string"},
        },
    },
    "Created": {
        "type": "array", "items": {
            "type": "object", "required": ["service_request_id", "service_notice"],
            "properties": {"service_request_id": {"type": "string"}, "service_notice": {"type": "string"},
                           "account_id": {"type": ["string", "null"]}}},
    },
    "Token": {
        "type": "array", "items": {
            "type": "object", "required": ["service_request_id", "token"],
            "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}}},
    },
    "NewRequest": {
        "type": "object", "required": ["api_key", "service_code"],
        "description": "提交一件问政。地点必填其一：lat 与 long、address_string 或 address_id。",
        "properties": {
            "api_key": _string("中心发放的 API 密钥（只能放在表单里，不要放在地址中）", 200),
            "jurisdiction_id": _string("融媒体中心标识；可省略（由 api_key 确定）", 50),
            "service_code": {"type": "string", "enum": list(Kind.values), "description": "服务类型"},
            "description": _string("内容：写清楚时间、地点和具体情况（10 到 2000 字）", 4000),
            "phone": _string("联系电话，用于回访，不会公开", 40),
            "first_name": _string("名", 50), "last_name": _string("姓", 50),
            "email": _string("邮箱（可选）", 200),
            "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "纬度（WGS84）"},
            "long": {"type": "number", "minimum": -180, "maximum": 180, "description": "经度（WGS84）"},
            "address_string": _string("地址", 200), "address_id": _string("地址编号", 100),
            "media_url": _string("附件链接（http/https，不会被抓取）", 500),
            "device_id": _string("忽略", 100), "account_id": _string("忽略", 100),
            "attribute[title]": _string("标题：4 到 60 个字；不填则取内容第一行", 120),
            "attribute[emergency]": {"type": "string", "enum": ["true", "false"], "description": "是否紧急"},
        },
    },
}


def document(base_url: str = "/open311/v2") -> dict:
    """The OpenAPI 3.1 document; ``base_url`` becomes the server URL."""
    request_id = {"name": "service_request_id", "in": "path", "required": True, "description": "查询码",
                  "schema": {"type": "string", "maxLength": 40}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "融媒 Open311 GeoReport v2 接口",
            "version": CHANGESET,
            "description": "网络问政的 Open311 GeoReport v2 接口（" + SPECIFICATION + "）。只有提交（POST requests）需要"
            "中心发放的 api_key；查询公开的问政件不需要登录。应答不含群众的电话、姓名和邮箱。"
            f"列表最多返回 {MAX_RESULTS} 件，按查询码查询每次最多 {MAX_IDS} 个，查询按来源地址限频（429）。",
        },
        "servers": [{"url": base_url}],
        "tags": [{"name": "Open311"}],
        "paths": {
            "/discovery.{format}": {"get": {
                "operationId": "discovery", "summary": "服务发现", "tags": ["Open311"], "parameters": [FORMAT],
                "responses": {"200": _answer("服务发现文档", _ref("Discovery")), **_errors(404)},
            }},
            "/services.{format}": {"get": {
                "operationId": "services", "summary": "服务类型列表（咨询、建议、投诉、求助、爆料）", "tags": ["Open311"],
                "parameters": [FORMAT, JURISDICTION],
                "responses": {"200": _answer("服务类型", {"type": "array", "items": _ref("Service")}), **_errors(400, 404)},
            }},
            "/services/{service_code}.{format}": {"get": {
                "operationId": "service_definition", "summary": "服务定义：可选属性 title 与 emergency", "tags": ["Open311"],
                "parameters": [{"name": "service_code", "in": "path", "required": True, "description": "服务类型",
                                "schema": {"type": "string", "maxLength": 40}}, FORMAT, JURISDICTION],
                "responses": {"200": _answer("服务定义", _ref("ServiceDefinition")), **_errors(400, 404)},
            }},
            "/requests.{format}": {
                "get": {
                    "operationId": "requests", "summary": "公开的问政件，或按查询码查询", "tags": ["Open311"],
                    "parameters": [
                        FORMAT, JURISDICTION,
                        {"name": "service_request_id", "in": "query", "required": False,
                         "description": f"逗号分隔的查询码（最多 {MAX_IDS} 个）；给出时忽略其他参数",
                         "schema": {"type": "string", "maxLength": 2000}},
                        {"name": "service_code", "in": "query", "required": False, "description": "逗号分隔的服务类型",
                         "schema": {"type": "string", "maxLength": 200}},
                        {"name": "start_date", "in": "query", "required": False,
                         "description": "W3C 时间，如 2026-11-19T10:00:00+08:00", "schema": {"type": "string", "maxLength": 40}},
                        {"name": "end_date", "in": "query", "required": False,
                         "description": "W3C 时间；与 start_date 相隔不超过 90 天", "schema": {"type": "string", "maxLength": 40}},
                        {"name": "status", "in": "query", "required": False, "description": "open、closed 或两者（逗号分隔）",
                         "schema": {"type": "string", "maxLength": 20}},
                    ],
                    "responses": {"200": _answer("问政件", {"type": "array", "items": _ref("ServiceRequest")}),
                                  **_errors(400, 404, 429)},
                },
                "post": {
                    "operationId": "create_request", "summary": "提交问政（须带 api_key）", "tags": ["Open311"],
                    "parameters": [FORMAT],
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": _ref("NewRequest")}}},
                    "responses": {"201": _answer("已收到：查询码与说明", _ref("Created")),
                                  "200": _answer("相同内容已提交过：原件的查询码", _ref("Created")),
                                  **_errors(400, 403, 404, 429)},
                },
            },
            "/requests/{service_request_id}.{format}": {"get": {
                "operationId": "request", "summary": "按查询码取一件问政", "tags": ["Open311"],
                "parameters": [request_id, FORMAT, JURISDICTION],
                "responses": {"200": _answer("问政件", {"type": "array", "items": _ref("ServiceRequest")}),
                              **_errors(400, 404, 429)},
            }},
            "/tokens/{token}.{format}": {"get": {
                "operationId": "token", "summary": "token 即查询码（提交后立即给出）", "tags": ["Open311"],
                "parameters": [{"name": "token", "in": "path", "required": True, "description": "token",
                                "schema": {"type": "string", "maxLength": 40}}, FORMAT, JURISDICTION],
                "responses": {"200": _answer("查询码", _ref("Token")), **_errors(400, 404, 429)},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }


def openapi_json(request):
    """GET /open311/v2/openapi.json"""
    body = json.dumps(document(request.build_absolute_uri("/open311/v2")), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
