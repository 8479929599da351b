"""The OpenAPI document of the Open311 endpoints (/open311/v2/openapi.json): served, a valid
document, naming every endpoint, and describing what the endpoints really answer."""

import json

import jsonschema_rs
import pytest
import schemathesis
from django.core.cache import cache

from rongmei.inquiry import open311_keys
from rongmei.inquiry.open311_urls import urlpatterns

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def doc(client, demo):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def _valid(doc, schema, data) -> None:
    validator = jsonschema_rs.validator_for({**schema, "components": doc["components"]})
    errors = [str(e) for e in validator.iter_errors(data)]
    assert not errors, errors


def test_document_is_valid_openapi_and_names_every_endpoint(doc):
    assert doc["openapi"].startswith("3.") and doc["info"]["title"]
    assert doc["servers"][0]["url"].endswith("/open311/v2")
    operations = [result.ok() for result in schemathesis.openapi.from_dict(doc).get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /discovery.{format}", "GET /services.{format}", "GET /services/{service_code}.{format}",
        "GET /requests.{format}", "POST /requests.{format}", "GET /requests/{service_request_id}.{format}",
        "GET /tokens/{token}.{format}",
    }
    documented = {path.split(".{")[0].split("/{")[0].strip("/") for path in doc["paths"]}
    served = {str(p.pattern).lstrip("^").split("(")[0].split("\\")[0].strip("/") for p in urlpatterns if p.name != "openapi"}
    assert served == documented


def test_answers_match_the_document(client, doc, demo):
    paths = doc["paths"]

    def schema_of(path, method="get", status="200"):
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    _valid(doc, schema_of("/discovery.{format}"), json.loads(client.get(f"{BASE}/discovery.json").content))
    _valid(doc, schema_of("/services.{format}"), json.loads(client.get(f"{BASE}/services.json").content))
    _valid(doc, schema_of("/services/{service_code}.{format}"),
           json.loads(client.get(f"{BASE}/services/complain.json").content))
    listed = json.loads(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "demo"}).content)
    assert listed
    _valid(doc, schema_of("/requests.{format}"), listed)
    _valid(doc, schema_of("/requests/{service_request_id}.{format}"),
           json.loads(client.get(f"{BASE}/requests/{listed[0]['service_request_id']}.json").content))
    key = open311_keys.create_key(demo["demo"], "文档测试")
    created = client.post(f"{BASE}/requests.json", {
        "api_key": key, "service_code": "complain", "phone": "13812345678",
        "description": "东门社区幸福路从上周开始有五盏路灯晚上不亮，行人很不方便。", "address_string": "幸福路"})
    assert created.status_code == 201
    _valid(doc, schema_of("/requests.{format}", "post", "201"), json.loads(created.content))
    missing = client.get(f"{BASE}/services/nothing.json")
    _valid(doc, schema_of("/services/{service_code}.{format}", status="404"), json.loads(missing.content))
