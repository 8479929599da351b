"""Open311 GeoReport v2 at /open311/v2/: the standard's shapes in XML and JSON, the POST
mapping onto a case, errors and status codes, and what GET never shows."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from lxml import etree

from rongmei.core.models import AuditEvent, Department
from rongmei.inquiry import open311_keys, services
from rongmei.inquiry.models import Case, Open311Key

BASE = "/open311/v2"
PHONE = "13812345678"
DESCRIPTION = "东门社区幸福路从上周开始有五盏路灯晚上不亮，行人很不方便。"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def key(demo):
    return open311_keys.create_key(demo["demo"], "城市服务 App")


@pytest.fixture
def post(client, key):
    def send(fmt="json", **params):
        data = {"api_key": key, "jurisdiction_id": "demo", "service_code": "complain", "description": DESCRIPTION,
                "phone": PHONE, "address_string": "城关镇东门社区幸福路"}
        data.update(params)
        return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})
    return send


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(response.content)


def jsn(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def assert_error(response, status, fmt):
    assert response.status_code == status
    if fmt == "json":
        body = jsn(response)
        assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status and body[0]["description"]
        return [e["description"] for e in body]
    root = xml(response)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"] * len(root) and len(root)
    assert [c.tag for c in root[0]] == ["code", "description"] and root[0].findtext("code") == str(status)
    return [e.findtext("description") for e in root]


REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


# --- Services ----------------------------------------------------------------------------------------

def test_services_list_in_json_and_xml(demo, client):
    body = jsn(client.get(f"{BASE}/services.json"))
    assert [s["service_code"] for s in body] == ["consult", "suggest", "complain", "help", "tip"]
    assert [s["service_name"] for s in body] == ["咨询", "建议", "投诉", "求助", "爆料"]
    assert all(s["type"] == "realtime" and s["metadata"] is True and s["description"] and s["keywords"] and s["group"]
               for s in body)
    assert list(body[0]) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and [s.tag for s in root] == ["service"] * 5
    assert [c.tag for c in root[2]] == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert root[2].findtext("service_code") == "complain" and root[2].findtext("metadata") == "true"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "demo"}).status_code == 200
    assert_error(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "nowhere"}), 404, "xml")


def test_service_definition(demo, client):
    body = jsn(client.get(f"{BASE}/services/complain.json"))
    assert body["service_code"] == "complain"
    codes = {a["code"]: a for a in body["attributes"]}
    assert set(codes) == {"title", "emergency"}
    emergency = codes["emergency"]
    assert emergency["datatype"] == "singlevaluelist" and emergency["required"] is False and emergency["variable"] is True
    assert {v["key"] for v in emergency["values"]} == {"true", "false"}

    root = xml(client.get(f"{BASE}/services/complain.xml"))
    assert root.tag == "service_definition" and [c.tag for c in root] == ["service_code", "attributes"]
    attrs = root.find("attributes")
    assert [a.tag for a in attrs] == ["attribute", "attribute"]
    second = attrs[1]
    assert [c.tag for c in second][:7] == ["variable", "code", "datatype", "required", "datatype_description", "order",
                                           "description"]
    assert [v.tag for v in second.find("values")] == ["value", "value"]
    assert [c.tag for c in second.find("values")[0]] == ["key", "name"]

    assert_error(client.get(f"{BASE}/services/potholes.json"), 404, "json")
    assert_error(client.get(f"{BASE}/services/potholes.xml"), 404, "xml")


def test_discovery_unknown_format_and_method(demo, client):
    body = jsn(client.get(f"{BASE}/discovery.json"))
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]
    assert_error(client.get(f"{BASE}/services.csv"), 404, "xml")
    assert client.get(f"{BASE}/services").status_code == 404
    response = client.delete(f"{BASE}/requests.json")
    assert_error(response, 405, "json")
    assert "POST" in response["Allow"]


# --- POST requests -------------------------------------------------------------------------------------

def test_post_creates_a_case_and_returns_its_code(demo, post):
    long_text = DESCRIPTION + "已经向社区反映过两次，还是没有人来修。"
    response = post(lat="30.123456", long="120.654321", first_name="小明", last_name="张", email="zhang@example.com",
                    description=long_text, **{"attribute[emergency]": "true"})
    assert response.status_code == 201
    body = jsn(response)
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(code=body[0]["service_request_id"])
    assert case.center == demo["demo"] and case.source == Case.Source.OPEN311 and case.kind == "complain"
    assert case.text == long_text and case.title == long_text[:30] + "…" and case.phone == PHONE
    assert case.name == "张小明" and not case.show_name and case.email == "zhang@example.com"
    assert case.address == "城关镇东门社区幸福路" and float(case.lat) == 30.123456 and float(case.lng) == 120.654321
    assert case.emergency and case.status == Case.Status.SUBMITTED
    assert case.code in body[0]["service_notice"] and body[0]["account_id"] is None
    event = AuditEvent.objects.get(action="inquiry.open311_submit", object_id=str(case.pk))
    assert event.actor_repr == "Open311：城市服务 App"

    again = post(description=long_text)  # the same text from the same phone within a day: the same case
    assert again.status_code == 200 and jsn(again)[0]["service_request_id"] == case.code
    assert Case.objects.get(pk=case.pk).duplicates == 1


def test_post_in_xml_with_title_and_without_jurisdiction(demo, post):
    response = post("xml", jurisdiction_id=None, service_code="consult", description="请问新生儿医保在哪里办理，需要带什么材料？",
                    phone="13900001111", **{"attribute[title]": "新生儿医保怎么办"})
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice", "account_id"]
    case = Case.objects.get(code=root[0].findtext("service_request_id"))
    assert case.title == "新生儿医保怎么办" and case.kind == "consult"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_key_missing_invalid_or_of_another_center_is_403(demo, post, fmt):
    before = Case.objects.count()
    assert "api_key" in assert_error(post(fmt, api_key=None), 403, fmt)[0]
    assert_error(post(fmt, api_key="not-a-key"), 403, fmt)
    other = open311_keys.create_key(demo["linxian"], "邻县")
    assert_error(post(fmt, api_key=other), 403, fmt)
    off = open311_keys.create_key(demo["demo"], "停用")
    Open311Key.objects.filter(key_hash=open311_keys.hash_key(off)).update(is_active=False)
    assert_error(post(fmt, api_key=off), 403, fmt)
    assert Case.objects.count() == before


def test_demo_key_only_in_demo_mode(demo, post, settings):
    key, created = open311_keys.ensure_demo_key(demo["demo"])
    assert (key.name, key.center) == ("演示", demo["demo"])
    assert open311_keys.ensure_demo_key(demo["demo"]) == (key, False)
    settings.RONGMEI_DEMO = False
    assert not open311_keys.verify(demo["demo"], "demo-open311-key")
    assert_error(post(api_key="demo-open311-key"), 403, "json")
    settings.RONGMEI_DEMO = True
    assert open311_keys.verify(demo["demo"], "demo-open311-key")
    assert not open311_keys.verify(demo["linxian"], "demo-open311-key")
    assert post(api_key="demo-open311-key").status_code == 201


def test_keys_are_stored_hashed(demo):
    plain = open311_keys.create_key(demo["demo"], "测试")
    stored = Open311Key.objects.get(name="测试")
    assert plain not in stored.key_hash and len(stored.key_hash) == 64
    assert open311_keys.verify(demo["demo"], plain) and not open311_keys.verify(demo["demo"], plain + "x")
    open311_keys.revoke(stored)
    assert not open311_keys.verify(demo["demo"], plain)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(demo, post, fmt):
    before = Case.objects.count()
    assert "service_code" in assert_error(post(fmt, service_code=None), 400, fmt)[0]
    assert "potholes" in assert_error(post(fmt, service_code="potholes"), 400, fmt)[0]
    assert "description" in assert_error(post(fmt, description=None), 400, fmt)[0]
    assert assert_error(post(fmt, description="太短了"), 400, fmt)[0].startswith("description: 内容至少 10 个字")
    assert "phone" in assert_error(post(fmt, phone=""), 400, fmt)[0]
    assert assert_error(post(fmt, phone="123"), 400, fmt)[0].startswith("phone: 请填写能联系到您的手机号")
    assert "location" in assert_error(post(fmt, address_string=None), 400, fmt)[0]
    assert_error(post(fmt, address_string=None, lat="30.1"), 400, fmt)
    assert_error(post(fmt, lat="north", long="120"), 400, fmt)
    assert_error(post(fmt, **{"attribute[emergency]": "maybe"}), 400, fmt)
    assert_error(post(fmt, media_url="javascript:alert(1)"), 400, fmt)
    assert len(assert_error(post(fmt, description=None, phone=None), 400, fmt)) == 2
    assert "jurisdiction_id" in assert_error(post(fmt, jurisdiction_id="nowhere"), 404, fmt)[0]
    assert Case.objects.count() == before


def test_post_with_only_lat_long_or_address_id(demo, post):
    assert post(address_string=None, lat="30.1", long="120.2").status_code == 201
    response = post(address_string=None, address_id="A-1001", phone="13911112222")
    assert Case.objects.get(code=jsn(response)[0]["service_request_id"]).address == "地址编号 A-1001"


def test_post_is_rate_limited_per_key(demo, post, settings):
    settings.RONGMEI_OPEN311_RATE = "2/m"
    assert post(phone="13900000001").status_code == 201
    assert post(phone="13900000002").status_code == 201
    response = post(phone="13900000003")
    assert_error(response, 429, "json")
    assert response["Retry-After"] == "60"
    other = open311_keys.create_key(demo["demo"], "另一个 App")
    assert post(api_key=other, phone="13900000004").status_code == 201  # counted per key


# --- GET requests ----------------------------------------------------------------------------------------

@pytest.fixture
def cases(demo, post):
    """Four cases through Open311: a, b, c published (c closed, set directly), "hidden" not."""
    made = {}
    for name, kind, phone in (("a", "complain", "13800000001"), ("b", "consult", "13800000002"),
                              ("c", "help", "13800000003"), ("hidden", "complain", "13800000004")):
        response = post(service_code=kind, phone=phone, description=f"{DESCRIPTION}（{name}）")
        made[name] = Case.objects.get(code=jsn(response)[0]["service_request_id"])
    Case.objects.filter(pk__in=[made[n].pk for n in "abc"]).update(is_public=True)
    Case.objects.filter(pk=made["c"].pk).update(status=Case.Status.CLOSED, closed_at=made["c"].created_at)
    return {name: Case.objects.get(pk=case.pk) for name, case in made.items()}


def codes(response):
    return {r["service_request_id"] for r in jsn(response)}


def test_get_requests_lists_published_cases_with_filters(demo, client, cases):
    url = f"{BASE}/requests.json"
    a, b, c, hidden = cases["a"], cases["b"], cases["c"], cases["hidden"]
    listed = codes(client.get(url, {"jurisdiction_id": "demo"}))
    assert {a.code, b.code, c.code} <= listed and hidden.code not in listed
    assert_error(client.get(url), 400, "json")  # two centers: jurisdiction_id needed
    assert codes(client.get(url, {"jurisdiction_id": "linxian"})).isdisjoint(listed)

    open_ = codes(client.get(url, {"jurisdiction_id": "demo", "status": "open"}))
    assert {a.code, b.code} <= open_ and c.code not in open_
    closed = codes(client.get(url, {"jurisdiction_id": "demo", "status": "closed"}))
    assert c.code in closed and a.code not in closed
    assert {a.code, c.code} <= codes(client.get(url, {"jurisdiction_id": "demo", "status": "open,closed"}))
    assert_error(client.get(url, {"jurisdiction_id": "demo", "status": "pending"}), 400, "json")

    by_kind = codes(client.get(url, {"jurisdiction_id": "demo", "service_code": "consult,help"}))
    assert {b.code, c.code} <= by_kind and a.code not in by_kind

    Case.objects.filter(pk=a.pk).update(created_at=a.created_at - dt.timedelta(days=40))
    recent = {"jurisdiction_id": "demo", "start_date": (b.created_at - dt.timedelta(days=1)).isoformat()}
    assert b.code in codes(client.get(url, recent)) and a.code not in codes(client.get(url, recent))
    older = {"jurisdiction_id": "demo", "start_date": "2000-01-01T00:00:00+08:00"}
    assert a.code not in codes(client.get(url, older))  # start only: 90 days from it
    window = {"jurisdiction_id": "demo", "start_date": (a.created_at - dt.timedelta(days=41)).isoformat(),
              "end_date": (a.created_at - dt.timedelta(days=39)).isoformat().replace("+", " ")}  # unencoded "+"
    assert codes(client.get(url, window)) == {a.code}
    too_long = {"jurisdiction_id": "demo", "start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"}
    assert "90 days" in assert_error(client.get(url, too_long), 400, "json")[0]
    assert_error(client.get(url, {"jurisdiction_id": "demo", "start_date": "yesterday"}), 400, "json")

    # service_request_id overrides everything else and shows unpublished cases too (the code is the key)
    named = client.get(url, {"service_request_id": f"{a.code},{hidden.code}", "status": "closed"})
    assert codes(named) == {a.code, hidden.code}
    assert codes(client.get(url, {"service_request_id": a.code, "jurisdiction_id": "linxian"})) == set()


def test_get_one_request_in_both_formats(demo, client, cases):
    case = cases["a"]
    body = jsn(client.get(f"{BASE}/requests/{case.code}.json"))
    assert len(body) == 1 and list(body[0]) == REQUEST_FIELDS
    one = body[0]
    assert one["service_request_id"] == case.code and one["status"] == "open" and one["service_code"] == "complain"
    assert one["service_name"] == "投诉" and one["description"] == case.text and one["address"] == case.address
    assert one["requested_datetime"].endswith("+08:00") and "T" in one["requested_datetime"]
    assert one["expected_datetime"] == case.ack_due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()
    assert one["status_notes"].startswith("已收到您的投诉") and one["lat"] is None and one["media_url"] == ""

    root = xml(client.get(f"{BASE}/requests/{case.code}.xml", {"jurisdiction_id": "demo"}))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert root[0].findtext("service_request_id") == case.code and root[0].findtext("lat") == ""
    assert client.get(f"{BASE}/requests/{case.code.lower()}.json").status_code == 200

    assert_error(client.get(f"{BASE}/requests/WZNOSUCH00.json"), 404, "json")
    assert_error(client.get(f"{BASE}/requests/WZNOSUCH00.xml"), 404, "xml")
    assert_error(client.get(f"{BASE}/requests/{case.code}.json", {"jurisdiction_id": "linxian"}), 404, "json")


def test_routing_sets_expected_datetime_and_agency(demo, client, cases, people):
    housing = Department.objects.get(center=demo["demo"], name="示例县住房和城乡建设局")
    case = services.accept(case=cases["a"], user=people["coordinator"], departments=[housing])
    one = jsn(client.get(f"{BASE}/requests/{case.code}.json"))[0]
    assert one["expected_datetime"] == case.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()
    assert one["expected_datetime"].endswith("T18:00:00+08:00")
    assert one["agency_responsible"] == "示例县住房和城乡建设局" and one["status"] == "open"
    # the system's own texts name the department in full (首次出现用全称, issue 13)
    assert "示例县住房和城乡建设局" in one["status_notes"] and "示例县住房和城乡建设局" in one["service_notice"]


def test_rejected_and_merged_cases_are_closed_with_notes(demo, client, cases, people):
    rejected = services.reject(case=cases["hidden"], user=people["coordinator"], reason="不属于本县管辖范围")
    one = jsn(client.get(f"{BASE}/requests/{rejected.code}.json"))[0]
    assert one["status"] == "closed" and one["status_notes"] == "不予受理：不属于本县管辖范围"
    assert one["updated_datetime"] == rejected.closed_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")
    merged = services.merge(case=cases["b"], user=people["coordinator"], into=cases["a"])
    one = jsn(client.get(f"{BASE}/requests/{merged.code}.json"))[0]
    assert one["status"] == "closed" and "合并" in one["status_notes"]


def test_phone_name_and_email_never_appear(demo, client, post):
    response = post(description=f"路灯坏了很久了，请尽快修理，我的另一个电话是13987654321，谢谢。", first_name="秘密",
                    last_name="王", email="secret@example.com", media_url="https://example.com/photo.jpg")
    case = Case.objects.get(code=jsn(response)[0]["service_request_id"])
    Case.objects.filter(pk=case.pk).update(is_public=True)
    outputs = [client.get(f"{BASE}/requests/{case.code}.json"), client.get(f"{BASE}/requests/{case.code}.xml"),
               client.get(f"{BASE}/requests.json", {"jurisdiction_id": "demo"}),
               client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "demo"}),
               client.get(f"{BASE}/requests.json", {"service_request_id": case.code}),
               client.get(f"{BASE}/tokens/{case.code}.json")]
    for output in outputs:
        text = output.content.decode()
        assert output.status_code == 200 and case.code in text
        for secret in (PHONE, "13987654321", "王秘密", "秘密", "secret@example.com"):
            assert secret not in text
    one = jsn(outputs[0])[0]
    assert "139****4321" in one["description"] and "附件链接" not in one["description"]
    assert one["media_url"] == "https://example.com/photo.jpg"
    assert "附件链接：https://example.com/photo.jpg" in case.text  # the staff see the link

    landline = post(phone="0571-88001234", description="请联系0571-88001234，小区门口的井盖丢了，很危险。")
    text = client.get(f"{BASE}/requests/{jsn(landline)[0]['service_request_id']}.json").content.decode()
    assert "0571-88001234" not in text and "057****1234" in text


def test_looking_up_by_code_is_limited(demo, client, cases, settings):
    too_many = ",".join(f"WZ{i:08d}" for i in range(51))
    assert "50" in assert_error(client.get(f"{BASE}/requests.json", {"service_request_id": too_many}), 400, "json")[0]
    settings.RONGMEI_OPEN311_LOOKUP_RATE = "3/m"
    code = cases["a"].code
    assert client.get(f"{BASE}/requests/{code}.json").status_code == 200
    assert client.get(f"{BASE}/tokens/{code}.json").status_code == 200
    assert client.get(f"{BASE}/requests.json", {"service_request_id": code}).status_code == 200
    response = client.get(f"{BASE}/requests/{code}.xml")
    assert_error(response, 429, "xml")
    assert response["Retry-After"] == "60"
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "demo"}).status_code == 200  # the list is not limited


def test_tokens(demo, client, cases):
    code = cases["a"].code
    assert jsn(client.get(f"{BASE}/tokens/{code}.json")) == [{"service_request_id": code, "token": code}]
    root = xml(client.get(f"{BASE}/tokens/{code}.xml"))
    assert root.tag == "service_requests" and [c.tag for c in root[0]] == ["service_request_id", "token"]
    assert_error(client.get(f"{BASE}/tokens/nothing.json"), 404, "json")
    assert_error(client.get(f"{BASE}/tokens/nothing.xml"), 404, "xml")
