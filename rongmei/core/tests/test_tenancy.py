"""A person working in one center never sees another center's rows, in pages or API."""

import pytest

from rongmei.core import services
from rongmei.core.models import AuditEvent, Center, Department, OrgUnit, User
from rongmei.core.tenancy import get_scoped_or_404, scoped


@pytest.fixture
def foreign(demo):
    """Rows of the neighbour center that demo-only users must not reach."""
    linxian = demo["linxian"]
    return {
        "department": Department.objects.filter(center=linxian).first(),
        "person": User.objects.get(username="lx_reporter"),
        "event": AuditEvent.objects.filter(center=linxian).first(),
    }


def test_scoped_helper(demo):
    assert set(scoped(Department, demo["demo"]).values_list("center_id", flat=True)) == {demo["demo"].id}
    assert not scoped(Department, None).exists()
    from django.http import Http404

    other = Department.objects.filter(center=demo["linxian"]).first()
    with pytest.raises(Http404):
        get_scoped_or_404(Department, demo["demo"], pk=other.pk)


def test_pages_404_for_another_centers_objects(login, foreign):
    admin_of_demo_only = login("reviewer3")  # has audit and org permissions, in demo only
    assert admin_of_demo_only.get(f"/org/departments/{foreign['department'].pk}/").status_code == 404
    assert admin_of_demo_only.get(f"/audit/{foreign['event'].pk}/").status_code == 404


def test_people_pages_404_for_someone_of_another_center(login, foreign, demo):
    client = login("admin")
    client.post("/centers/switch/", {"center": demo["demo"].pk})
    assert client.get(f"/people/{foreign['person'].pk}/").status_code == 404
    assert client.post(f"/people/{foreign['person'].pk}/active/", {"active": "0"}).status_code == 404
    foreign["person"].refresh_from_db()
    assert foreign["person"].is_active


def test_api_404_for_another_centers_objects(login, foreign, demo):
    client = login("reviewer3")
    response = client.get(f"/api/v1/departments/{foreign['department'].pk}")
    assert response.status_code == 404
    assert "不属于您当前的中心" in response.json()["detail"]
    names = {d["name"] for d in client.get("/api/v1/departments").json()["items"]}
    assert names and all(name.startswith("示例县") for name in names)


def test_switching_center_changes_what_one_sees(login, demo, foreign):
    client = login("editor")  # editor holds a role in both centers
    assert client.get(f"/org/departments/{foreign['department'].pk}/").status_code == 404
    response = client.post("/centers/switch/", {"center": demo["linxian"].pk}, follow=True)
    assert "已切换到邻县融媒体中心" in response.content.decode()
    assert client.get(f"/org/departments/{foreign['department'].pk}/").status_code == 200
    assert client.get("/api/v1/me").json()["center"]["slug"] == "linxian"


def test_cannot_switch_to_a_center_without_a_role(login, demo):
    client = login("reporter")
    response = client.post("/centers/switch/", {"center": demo["linxian"].pk}, follow=True)
    assert "无法切换" in response.content.decode()
    assert client.get("/api/v1/me").json()["center"]["slug"] == "demo"


def test_platform_admin_reaches_every_center(login, demo):
    client = login("admin")
    third = services.create_center(name="第三县融媒体中心", slug="third", region="")
    response = client.post("/centers/switch/", {"center": third.pk}, follow=True)
    assert "已切换到第三县融媒体中心" in response.content.decode()


def test_forms_refuse_units_of_another_center(login, demo):
    client = login("admin")
    foreign_unit = OrgUnit.objects.filter(center=demo["linxian"]).first()
    reporter = User.objects.get(username="reporter")
    response = client.post(f"/people/{reporter.pk}/", {"roles": ["reporter"], "org_unit": foreign_unit.pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not reporter.memberships.filter(org_unit=foreign_unit).exists()


def test_token_of_one_center_sees_only_that_center(demo):
    from django.test import Client

    editor = User.objects.get(username="editor")
    _, plaintext = services.create_api_token(user=editor, center=demo["demo"], name="集成")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    me = client.get("/api/v1/me").json()
    assert me["center"]["slug"] == "demo" and [c["slug"] for c in me["centers"]] == ["demo"]
    other = Department.objects.filter(center=demo["linxian"]).first()
    assert client.get(f"/api/v1/departments/{other.pk}").status_code == 404
    assert Center.objects.count() == 4  # the two counties, their city and the province
