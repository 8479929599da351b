"""The screens and the API through the Django test client: each role's pages, the counter's
forms and their refusals on the page, the call → order → fixed → confirmed flow, another
center's ids (404 on screens and API), the permissions, the 工作台 boxes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.cable import services
from rongmei.cable.models import (
    Call,
    Device,
    Package,
    Subscriber,
    WorkOrder,
)
from rongmei.core.models import ApiToken, Area


@pytest.fixture
def other(demo, people):
    """A subscriber, a box and an order of the neighbour center."""
    center = demo["linxian"]
    town = Area.objects.get(center=center, parent=None, name="临江镇")
    pkg = Package.objects.create(center=center, name="邻县标清", monthly_fee=Decimal(18), definition="sd")
    sub = Subscriber.objects.create(center=center, account="YX0000001", name="邻县用户", phone="13700000000", township=town,
                                    address="临江村", package=pkg, paid_until=dt.date(2030, 1, 1), opened_on=dt.date(2020, 1, 1))
    box = Device.objects.create(center=center, serial="LX-1", model="m", definition="sd", status="in_use", subscriber=sub)
    call = Call.objects.create(center=center, kind="fault", subscriber=sub, notes="无信号", taken_at=timezone.now())
    order = WorkOrder.objects.create(center=center, subscriber=sub, call=call, fault="无信号", technician=people.technician,
                                     dispatched_at=timezone.now(), deadline_hours=24, due_at=timezone.now())
    return {"sub": sub, "box": box, "call": call, "order": order, "package": pkg}


def test_each_role_sees_its_pages(login, world):
    clerk, agent, tech, manager = login("cableclerk"), login("cableagent"), login("technician"), login("cablemanager")
    for url in ("/cable/", "/cable/transactions/", "/cable/calls/", "/cable/orders/", f"/cable/subscribers/{world.sub.pk}/"):
        assert clerk.get(url).status_code == 200, url
        assert agent.get(url).status_code == 200, url
        assert tech.get(url).status_code == 403, url  # a technician sees only the orders dispatched to them
    assert clerk.get("/cable/subscribers/new/").status_code == 200
    assert agent.get("/cable/subscribers/new/").status_code == 403
    assert agent.get("/cable/calls/new/").status_code == 200
    assert clerk.get("/cable/calls/new/").status_code == 403
    assert tech.get("/cable/orders/mine/").status_code == 200
    for url in ("/cable/stats/", "/cable/setup/", "/cable/stats/export.xlsx"):
        assert manager.get(url).status_code == 200, url
        assert clerk.get(url).status_code == 403, url
    assert login("reporter").get("/cable/").status_code == 403


def test_search_masks_phone_and_finds_by_last_digits(login, world):
    page = login("cableclerk").get("/cable/?q=1111").content.decode()
    assert world.sub.account in page and "139****1111" in page and "13900001111" not in page


def test_clerk_swaps_on_the_page_and_a_taken_box_is_refused_on_the_page(login, world, people):
    clerk = login("cableclerk")
    old = Device.objects.get(serial="TSD001")
    url = reverse("cable:subscriber_action", args=[world.sub.pk, "swap"])
    services.open_account(world.center, people.cableclerk, name="李四", phone="13900002222", township=world.town,
                          address="青山村1号", package=world.hd, device="THD001")
    response = clerk.post(url, {"old_device": old.pk, "new_device": "THD001", "version": world.sub.version})
    assert response.status_code == 409 and "该机顶盒已分配给用户" in response.content.decode()
    response = clerk.post(url, {"old_device": old.pk, "new_device": "THD002", "package": world.hd.pk, "version": world.sub.version})
    assert response.status_code == 302
    page = clerk.get(response["Location"]).content.decode()
    assert "THD002" in page and "高标清互换" in page and "测试高清" in page
    stale = clerk.post(reverse("cable:subscriber_action", args=[world.sub.pk, "payment"]),
                       {"months": "1", "version": world.sub.version})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()


def test_counter_forms_refuse_bad_input_on_the_page(login, world):
    clerk = login("cableclerk")
    r = clerk.post(reverse("cable:subscriber_action", args=[world.sub.pk, "payment"]), {"months": "0"})
    assert r.status_code == 400 and "缴费月数须大于 0" in r.content.decode()
    r = clerk.post(reverse("cable:subscriber_action", args=[world.sub.pk, "resume"]), {})
    assert r.status_code == 409 and "不需要复机" in r.content.decode()
    r = clerk.post(reverse("cable:subscriber_new"), {"name": "王五", "phone": "139", "township": world.town.pk, "address": "x",
                                                     "package": world.sd.pk, "device": "TSD002", "months": "1"})
    assert r.status_code == 400 and "联系电话" in r.content.decode() and 'value="王五"' in r.content.decode()
    r = clerk.post(reverse("cable:subscriber_new"), {"name": "王五", "phone": "13900005555", "township": world.town.pk,
                                                     "village": world.village.pk, "address": "x", "package": world.sd.pk,
                                                     "device": "TSD002", "months": "2"})
    assert r.status_code == 302
    assert Subscriber.objects.get(name="王五").devices.get().serial == "TSD002"
    assert clerk.post(reverse("cable:subscriber_action", args=[world.sub.pk, "nonsense"])).status_code == 404


def test_call_to_fixed_to_confirmed_on_the_screens(login, world, people):
    agent, tech = login("cableagent"), login("technician")
    page = agent.get("/cable/calls/new/?q=张三").content.decode()
    assert world.sub.account in page and 'data-testid="call-form"' in page  # one match: picked
    r = agent.post("/cable/calls/new/", {"subscriber": world.sub.pk, "kind": "fault", "notes": "无信号",
                                         "technician": people.technician.pk})
    order = WorkOrder.objects.get(subscriber=world.sub)
    assert r.status_code == 302 and r["Location"] == f"/cable/orders/{order.pk}/"
    assert order.code in tech.get("/cable/orders/mine/").content.decode()
    assert tech.post(f"/cable/orders/{order.pk}/arrive/", {"version": order.version, "next": "mine"})["Location"] == "/cable/orders/mine/"
    r = tech.post(f"/cable/orders/{order.pk}/finish/", {"fixed": "1", "result": ""})
    assert r.status_code == 400 and "请填写处理结果" in r.content.decode()
    assert tech.post(f"/cable/orders/{order.pk}/finish/", {"fixed": "1", "result": "换分支器"}).status_code == 302
    assert agent.post(f"/cable/orders/{order.pk}/confirm/", {"satisfaction": "satisfied"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "fixed" and order.satisfaction == "satisfied"
    assert login("cableclerk").post(f"/cable/orders/{order.pk}/arrive/").status_code == 403


def test_a_technician_sees_only_their_own_orders(login, world, people, other):
    order = WorkOrder.objects.get(call=services.take_call(world.center, people.cableagent, subscriber=world.sub, kind="fault",
                                                          notes="无信号", technician=people.technician))
    assert login("technician").get(f"/cable/orders/{order.pk}/").status_code == 200
    WorkOrder.objects.filter(pk=order.pk).update(technician=people.cablemanager)
    assert login("technician").get(f"/cable/orders/{order.pk}/").status_code == 403


def test_another_centers_ids_are_404_on_screens(login, other):
    clerk, manager, tech = login("cableclerk"), login("cablemanager"), login("technician")
    sub, order, call = other["sub"].pk, other["order"].pk, other["call"].pk
    assert clerk.get(f"/cable/subscribers/{sub}/").status_code == 404
    assert clerk.post(f"/cable/subscribers/{sub}/payment/", {"months": "1"}).status_code == 404
    assert manager.get(f"/cable/orders/{order}/").status_code == 404
    assert tech.get(f"/cable/orders/{order}/").status_code == 404  # dispatched to him, but in the other center
    assert tech.post(f"/cable/orders/{order}/arrive/").status_code == 404
    assert login("cableagent").post(f"/cable/calls/{call}/close/", {"answer": "x"}).status_code == 404
    assert manager.post(f"/cable/packages/{other['package'].pk}/toggle/").status_code == 404
    assert manager.post(f"/cable/devices/{other['box'].pk}/status/", {"status": "faulty"}).status_code == 404
    assert "邻县用户" not in clerk.get("/cable/?q=邻县").content.decode()


def test_setup_screens(login, world):
    manager = login("cablemanager")
    r = manager.post("/cable/setup/settings/", {"urban_hours": "12", "rural_hours": "0"})
    assert r.status_code == 400 and "乡镇修复时限应为" in r.content.decode()
    assert manager.post("/cable/setup/settings/", {"urban_hours": "12", "rural_hours": "36", "urban": [world.town.pk]}).status_code == 302
    assert services.deadline_hours(world.sub) == 12
    assert manager.post("/cable/setup/devices/", {"serials": "Q1\nQ2", "model": "九联", "definition": "hd"}).status_code == 302
    r = manager.post("/cable/setup/package/", {"name": "", "monthly_fee": "-1", "definition": "hd"})
    assert r.status_code == 400 and "请填写套餐名称" in r.content.decode()


def test_home_boxes(login, world, people):
    services.pay(world.sub, people.cableclerk, 1)
    assert "今日营业厅业务" in login("cableclerk").get("/").content.decode()
    assert "热线待办" in login("cableagent").get("/").content.decode()
    assert "我的维修工单" in login("technician").get("/").content.decode()
    page = login("cablemanager").get("/").content.decode()
    assert 'data-testid="cable-box-manager"' in page and "按时修复率" in page


# --- API ----------------------------------------------------------------------------------------

def _api(login, username):
    return login(username)


def test_api_lists_and_search(login, world):
    c = login("cableclerk")
    data = c.get("/api/v1/cable/subscribers", {"q": "13900001111"}).json()
    assert [s["account"] for s in data["items"]] == [world.sub.account] and data["items"][0]["phone"] == "139****1111"
    for url in ("/api/v1/cable/transactions", "/api/v1/cable/calls", "/api/v1/cable/orders", "/api/v1/cable/packages",
                "/api/v1/cable/devices?status=stock"):
        r = c.get(url)
        assert r.status_code == 200 and "items" in r.json(), url
    assert c.get("/api/v1/cable/transactions?kind=bogus").status_code == 422
    assert c.get("/api/v1/cable/stats/2026").status_code == 403
    year = login("cablemanager").get(f"/api/v1/cable/stats/{timezone.localdate().year}").json()
    assert year["months"] and "on_time_rate" in year["total"]


def test_api_counter_and_order_flow(login, world, people):
    clerk, agent, tech = login("cableclerk"), login("cableagent"), login("technician")
    url = f"/api/v1/cable/subscribers/{world.sub.pk}/transactions"
    r = clerk.post(url, {"kind": "payment", "months": 0}, content_type="application/json")
    assert r.status_code == 422 and "缴费月数须大于 0" in str(r.json())
    old = Device.objects.get(serial="TSD001").pk
    r = clerk.post(url, {"kind": "swap", "old_device_id": old, "new_device_serial": "THD001", "version": world.sub.version},
                   content_type="application/json")
    assert r.status_code == 201 and r.json()["new_device"] == "THD001"
    r = clerk.post(url, {"kind": "payment", "months": 1, "version": world.sub.version}, content_type="application/json")
    assert r.status_code == 409 and "已被他人修改" in r.json()["detail"]
    r = clerk.post(url, {"kind": "resume"}, content_type="application/json")
    assert r.status_code == 409
    r = clerk.post("/api/v1/cable/subscribers", {"name": "API 用户", "phone": "13900006666", "township_id": world.town.pk,
                                                 "address": "x", "package_id": world.hd.pk, "device_serial": "THD001"},
                   content_type="application/json")
    assert r.status_code == 409 and "该机顶盒已分配给用户" in r.json()["detail"]
    r = agent.post("/api/v1/cable/calls", {"subscriber_id": world.sub.pk, "kind": "fault", "notes": "无信号",
                                           "technician_id": people.technician.pk}, content_type="application/json")
    assert r.status_code == 201 and r.json()["order_id"]
    order_id = r.json()["order_id"]
    assert [o["id"] for o in tech.get("/api/v1/cable/orders").json()["items"]] == [order_id] or \
        order_id in [o["id"] for o in tech.get("/api/v1/cable/orders").json()["items"]]
    r = tech.post(f"/api/v1/cable/orders/{order_id}/status", {"status": "fixed", "result": "好了"}, content_type="application/json")
    assert r.status_code == 422 and "还没有登记到场" in str(r.json())
    assert tech.post(f"/api/v1/cable/orders/{order_id}/status", {"status": "on_site"}, content_type="application/json").json()["status"] == "on_site"
    assert tech.post(f"/api/v1/cable/orders/{order_id}/status", {"status": "fixed", "result": "好了"},
                     content_type="application/json").json()["status"] == "fixed"
    r = agent.post(f"/api/v1/cable/orders/{order_id}/confirm", {"satisfaction": "satisfied"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["satisfaction"] == "satisfied"
    assert clerk.post(f"/api/v1/cable/orders/{order_id}/status", {"status": "on_site"},
                      content_type="application/json").status_code == 403


def test_api_another_centers_ids_are_404(login, other):
    clerk, tech, manager = login("cableclerk"), login("technician"), login("cablemanager")
    assert clerk.get(f"/api/v1/cable/subscribers/{other['sub'].pk}").status_code == 404
    assert clerk.post(f"/api/v1/cable/subscribers/{other['sub'].pk}/transactions", {"kind": "stop"},
                      content_type="application/json").status_code == 404
    assert manager.get(f"/api/v1/cable/orders/{other['order'].pk}").status_code == 404
    assert tech.post(f"/api/v1/cable/orders/{other['order'].pk}/status", {"status": "on_site"},
                     content_type="application/json").status_code == 404
    r = login("cableagent").post("/api/v1/cable/calls", {"subscriber_id": other["sub"].pk, "kind": "consult", "notes": "x"},
                                 content_type="application/json")
    assert r.status_code == 422
    assert other["sub"].account not in str(clerk.get("/api/v1/cable/subscribers?q=邻县").json())
    assert ApiToken  # the token path is the same router (core tests cover token scoping)


@pytest.mark.parametrize("who,path", [
    ("cableclerk", "/api/v1/cable/subscribers"), ("cableclerk", "/api/v1/cable/transactions"),
    ("cableagent", "/api/v1/cable/calls"), ("cableagent", "/api/v1/cable/orders?state=all"),
    ("technician", "/api/v1/cable/orders?state=all"), ("cableclerk", "/api/v1/cable/devices"),
    ("cableclerk", "/api/v1/cable/packages"),
])
def test_api_lists_read_a_page_in_a_fixed_number_of_queries(login, demo, who, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(who)
    counts = []
    for limit in (2, 40):
        with CaptureQueriesContext(connection) as q:
            r = client.get(path, {"limit": limit})
        assert r.status_code == 200, r.content[:300]
        counts.append(len(q))
    assert counts[1] <= counts[0] + 1, (path, counts)
