"""网络问政 for citizens on the public site: asking, tracking, supplementing, rating, and the
published cases — through the test client, as a browser would."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rongmei.core.models import Department, User
from rongmei.inquiry import services
from rongmei.inquiry.models import Case, CaseEvent, Reply

BASE = "/site/demo/wenzheng"
PHONE = "13812341234"
TAIL = PHONE[-4:]
TEXT = "人民路 12 号门口的路灯坏了一个多月，晚上很黑，老人孩子出门不安全。"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_data(**overrides) -> dict:
    data = {"kind": "complain", "title": "人民路路灯坏了", "text": TEXT, "address": "城关镇人民路 12 号",
            "phone": PHONE, "name": "王女士", "lat": "", "lng": "", "website": ""}
    data.update(overrides)
    return data


def submit_case(center, **overrides) -> Case:
    fields = {"kind": "complain", "title": "人民路路灯坏了", "text": TEXT, "phone": PHONE, "name": "王女士"}
    fields.update(overrides)
    return services.submit(center=center, sub=services.Submission(**fields))


def housing_bureau(center) -> Department:
    return Department.objects.get(center=center, name="示例县住房和城乡建设局")


def coordinator() -> User:
    return User.objects.get(username="coordinator")


def to_processing(case: Case) -> Case:
    return services.accept(case=case, user=coordinator(), departments=[housing_bureau(case.center)])


def to_replied(case: Case, text: str = "") -> Case:
    to_processing(case)
    answer = services.reply(case=case, user=User.objects.get(username="liaison"), confirm_flags=True,
                            text=text or "经现场核实，人民路 12 号路灯线路老化，已于 3 月 5 日更换线路和灯具，恢复照明。")
    services.approve_reply(reply_obj=answer, user=coordinator())
    case.refresh_from_db()
    assert case.status == Case.Status.REPLIED
    return case


# --- asking ---------------------------------------------------------------------------------------

def test_ask_page(demo):
    response = Client().get(f"{BASE}/ask/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" in html and 'enctype="multipart/form-data"' in html
    assert 'accept="image/*,video/mp4"' in html and "使用我的位置" in html
    assert "紧急（涉及人身安全等）" in html and "公开时显示我的称呼" in html
    assert "<legend>类型" in html and 'aria-hidden="true"' in html and 'name="website"' in html
    assert 'aria-describedby="phone-hint"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_unknown_center_is_404(demo):
    client = Client()
    assert client.get("/site/nowhere/wenzheng/").status_code == 404
    assert client.get("/site/nowhere/wenzheng/ask/").status_code == 404
    assert client.get("/site/nowhere/wenzheng/track/?code=WZ23456789").status_code == 404


def test_submit_with_photo_redirects_to_the_code(demo):
    client = Client(HTTP_USER_AGENT="test-browser")
    response = client.post(f"{BASE}/ask/", form_data(show_name="on", lat="30.123456789", lng="114.5", files=[jpeg()]))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(center=demo["demo"], title="人民路路灯坏了")
    assert response["Location"].startswith(f"{BASE}/track/?code={case.code}")
    assert case.phone == PHONE and case.show_name and case.name == "王女士" and case.source == "web"
    assert len(case.client_hash) == 64 and float(case.lat) == pytest.approx(30.123457)
    media = list(case.media.all())
    assert len(media) == 1 and media[0].kind == "image" and media[0].mime == "image/jpeg"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert case.code in html and "请记下查询码" in html and "复制查询码" in html
    assert media[0].file.url in html
    assert PHONE not in html and "138****1234" in html
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"


def test_invalid_inputs_keep_values_and_store_nothing(demo):
    before = Case.objects.count()
    response = Client().post(f"{BASE}/ask/", form_data(kind="", title="灯", text="太黑", phone="12345", files=[jpeg()]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请选择类型" in html and "标题至少 4 个字" in html and "内容至少 10 个字" in html
    assert "请填写能联系到您的手机号" in html
    assert "请重新选择" in html                              # files are not kept
    assert 'value="城关镇人民路 12 号"' in html and 'value="12345"' in html
    assert 'id="title-error"' in html and 'aria-describedby="title-error title-hint"' in html
    assert 'aria-invalid="true"' in html and "autofocus" in html
    assert Case.objects.count() == before


def test_bad_file_and_bad_location(demo):
    before = Case.objects.count()
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image at all", content_type="image/jpeg")
    response = Client().post(f"{BASE}/ask/", form_data(lat="north", files=[fake]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "地图位置不对" in html and "virus.jpg" in html
    assert Case.objects.count() == before


def test_too_many_files(demo):
    response = Client().post(f"{BASE}/ask/", form_data(files=[jpeg(f"{i}.jpg") for i in range(6)]))
    assert response.status_code == 200
    assert "最多上传 4 张照片和 1 段视频" in response.content.decode()
    assert not Case.objects.filter(title="人民路路灯坏了").exists()


def test_honeypot_stores_nothing(demo):
    before = Case.objects.count()
    response = Client().post(f"{BASE}/ask/", form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "提交没有成功" in response.content.decode()
    assert Case.objects.count() == before


def test_rate_limit_per_phone(demo):
    client = Client()
    for i in range(3):
        response = client.post(f"{BASE}/ask/", form_data(text=f"{TEXT}第{i + 1}次反映。"), REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert response.status_code == 302
    before = Case.objects.count()
    response = client.post(f"{BASE}/ask/", form_data(text=f"{TEXT}第4次反映。"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    html = response.content.decode()
    assert "1 小时内最多提交 3 件" in html and "暂时不能提交" in html
    assert Case.objects.count() == before
    # another phone from that address still gets through
    response = client.post(f"{BASE}/ask/", form_data(phone="13900001111"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_rate_limit_per_address(demo):
    client = Client()
    for i in range(5):
        response = client.post(f"{BASE}/ask/", form_data(phone=f"1390000{i:04d}"))
        assert response.status_code == 302
    before = Case.objects.count()
    response = client.post(f"{BASE}/ask/", form_data(phone="13900009999"))
    assert response.status_code == 429
    assert "10 分钟内最多提交 5 件" in response.content.decode()
    assert Case.objects.count() == before
    assert client.post(f"{BASE}/ask/", form_data(phone="13900009999"), REMOTE_ADDR="10.9.9.9").status_code == 302


def test_same_text_again_gives_the_same_code(demo):
    client = Client()
    first = client.post(f"{BASE}/ask/", form_data())
    second = client.post(f"{BASE}/ask/", form_data())
    assert first["Location"].split("&")[0] == second["Location"].split("&")[0]
    assert "again=1" in second["Location"]
    assert "您已提交过相同内容" in client.get(second["Location"]).content.decode()


def test_csrf_is_enforced(demo):
    client = Client(enforce_csrf_checks=True)
    before = Case.objects.count()
    assert client.post(f"{BASE}/ask/", form_data()).status_code == 403
    page = client.get(f"{BASE}/ask/")
    token = page.cookies["csrftoken"].value
    assert client.post(f"{BASE}/ask/", form_data(csrfmiddlewaretoken=token)).status_code == 302
    assert Case.objects.count() == before + 1


# --- tracking -------------------------------------------------------------------------------------

def test_track_by_code_any_case_and_spaces(demo):
    case = submit_case(demo["demo"])
    messy = " " + case.code[:5].lower() + " " + case.code[5:].lower() + " "
    response = Client().get(f"{BASE}/track/", {"code": messy})
    assert response.status_code == 200
    html = response.content.decode()
    assert case.code in html and TEXT in html and "138****1234" in html and PHONE not in html
    assert 'aria-current="step"' in html and "受理" in html and "评价" in html
    assert "已收到您的投诉" in html                       # the public timeline
    assert "请记下查询码" not in html                      # only right after submitting


def test_track_hides_internal_events(demo):
    case = submit_case(demo["demo"])
    CaseEvent.objects.create(case=case, kind="note", text="内部备注：此人多次投诉", public=False)
    html = Client().get(f"{BASE}/track/", {"code": case.code}).content.decode()
    assert "内部备注" not in html


def test_track_unknown_code(demo):
    client = Client()
    response = client.get(f"{BASE}/track/", {"code": "WZ23456789"})
    assert response.status_code == 404
    assert "没有找到这个查询码" in response.content.decode()
    assert client.get(f"{BASE}/track/", {"code": "hello"}).status_code == 404
    assert client.get(f"{BASE}/track/").status_code == 200


def test_track_lookups_are_rate_limited(demo):
    client = Client()
    for _ in range(30):
        client.get(f"{BASE}/track/", {"code": "WZ23456789"})
    response = client.get(f"{BASE}/track/", {"code": "WZ23456789"})
    assert response.status_code == 429
    assert "查询太频繁" in response.content.decode()


def test_track_shows_deadline_and_department_once_routed(demo):
    case = to_processing(submit_case(demo["demo"]))
    html = Client().get(f"{BASE}/track/", {"code": case.code}).content.decode()
    assert "办理期限" in html and "县住建局" in html


def test_supplement_flow(demo):
    case = to_processing(submit_case(demo["demo"]))
    services.ask_citizen(case=case, user=coordinator(), question="请提供路灯的杆号。")
    client = Client()
    html = client.get(f"{BASE}/track/", {"code": case.code}).content.decode()
    assert "需要您补充" in html and "请提供路灯的杆号" in html and 'name="action" value="supplement"' in html

    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "supplement", "text": "短"})
    assert response.status_code == 200 and "补充内容 5 到 1000 字" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.WAITING

    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "supplement", "phone_tail": "0000",
                                              "text": "杆号是 RM-0231，在公交站牌旁边。"})
    assert response.status_code == 200 and "电话后四位不对" in response.content.decode()
    response = client.post(f"{BASE}/track/", {"code": case.code.lower(), "action": "supplement", "phone_tail": TAIL,
                                              "text": "杆号是 RM-0231，在公交站牌旁边。"})
    assert response.status_code == 302 and "done=supplement" in response["Location"]
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING
    html = client.get(response["Location"]).content.decode()
    assert "已收到您的补充" in html and "杆号是 RM-0231" in html and "需要您补充" not in html

    # nothing to supplement any more
    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "supplement", "text": "再补充一句话。",
                                              "phone_tail": TAIL})
    assert response.status_code == 409


def test_rating_satisfied_closes(demo):
    case = to_replied(submit_case(demo["demo"]))
    client = Client()
    response = client.get(f"{BASE}/track/", {"code": case.code})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请您评价" in html and "更换线路和灯具" in html and "示例县住房和城乡建设局" in html
    wrong = client.post(f"{BASE}/track/", {"code": case.code, "action": "rate", "rating": "unsatisfied", "phone_tail": "9999"})
    assert wrong.status_code == 200 and "电话后四位不对" in wrong.content.decode()  # knowing the code is not enough
    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "rate", "rating": "satisfied",
                                              "comment": "修得很快", "phone_tail": TAIL})
    assert response.status_code == 302 and "done=rated" in response["Location"]
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.rating == "satisfied"
    html = client.get(response["Location"]).content.decode()
    assert "感谢您的评价：满意" in html and "请您评价" not in html


def test_rating_unsatisfied_sends_back(demo):
    case = to_replied(submit_case(demo["demo"]))
    client = Client()
    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "rate", "rating": ""})
    assert response.status_code == 200 and "请选择满意、基本满意或不满意" in response.content.decode()
    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "rate", "rating": "unsatisfied",
                                              "comment": "灯还是不亮", "phone_tail": TAIL})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING and case.reopened == 1
    html = client.get(response["Location"]).content.decode()
    assert "重办" in html and "请您评价" not in html
    # rating twice is refused
    response = client.post(f"{BASE}/track/", {"code": case.code, "action": "rate", "rating": "satisfied", "phone_tail": TAIL})
    assert response.status_code == 409


# --- published cases ------------------------------------------------------------------------------

def test_public_list_and_case_page(demo):
    center = demo["demo"]
    public = to_replied(submit_case(center, title="公开的路灯问题", email="wang@example.com", show_name=True,
                                  text=f"{TEXT}我的电话 13912345678。"),
                        text="您反映的问题（查询码见回执）已处理完毕：路灯线路已于 3 月 5 日更换，恢复照明，欢迎监督。")
    Reply.objects.filter(case=public).update(text=f"关于 {public.code}：路灯线路已于 3 月 5 日更换完毕，恢复照明。")
    services.publish(case=public, user=coordinator())
    hidden = submit_case(center, title="没有公开的问题", phone="13700001111", text="这件还在办理，不能出现在公开列表中。")
    client = Client()

    response = client.get(f"{BASE}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "公开的路灯问题" in html and "没有公开的问题" not in html
    assert "我要问政" in html and f"{BASE}/ranking/" in html and f"{BASE}/ask/" in html
    assert "县住建局" in html and "王女士" in html
    assert PHONE not in html and "13700001111" not in html and public.code not in html

    response = client.get(f"{BASE}/cases/{public.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "公开的路灯问题" in html and "路灯线路已于 3 月 5 日更换完毕" in html and "示例县住房和城乡建设局" in html
    assert PHONE not in html and "13912345678" not in html and "139****5678" in html
    assert "wang@example.com" not in html and public.code not in html

    assert client.get(f"{BASE}/cases/{hidden.pk}/").status_code == 404
    other = submit_case(demo["linxian"], title="邻县的问题")
    assert client.get(f"{BASE}/cases/{other.pk}/").status_code == 404


def test_public_name_is_netizen_unless_chosen(demo):
    case = to_replied(submit_case(demo["demo"], title="不显示称呼的问题", show_name=False))
    services.publish(case=case, user=coordinator())
    html = Client().get(f"{BASE}/cases/{case.pk}/").content.decode()
    assert "网友" in html and "王女士" not in html
