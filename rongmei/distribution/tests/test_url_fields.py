"""Issue 11: every address on an account (endpoint, addresses in its settings) and every
link on a publication is http(s) — or the scheme the kind needs (smtp://, sftp://) —
refused in the model and the services, not only the form; bad input changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from rongmei.distribution import outbox, services
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.distribution.tests.test_handoff import clerk, deliver_all, village  # noqa: F401

BAD = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,x", "//evil.example/"]


@pytest.mark.parametrize("bad", BAD)
def test_account_endpoints_must_use_the_kinds_scheme(demo, bad):
    center = demo["demo"]
    for kind, extra in (("http_push", {}), ("wechat", {"options": {"appid": "wx-x"}}), ("weibo", {}),
                        ("email", {}), ("newspaper", {})):
        with pytest.raises(ValidationError) as err:
            services.create_account(center=center, user=None, kind=kind, name=f"坏地址-{kind}", base_url=bad, **extra)
        assert "base_url" in err.value.message_dict, kind
    with pytest.raises(ValidationError) as err:
        services.create_account(center=center, user=None, kind="http_push", name="回调", base_url="https://ok.example/",
                                options={"callback_url": bad})
    assert "链接只能以 http:// 或 https:// 开头" in str(err.value)
    assert not ChannelAccount.objects.filter(center=center, name__in=["回调", *(f"坏地址-{k}" for k in "x")]).exists()


def test_the_right_schemes_still_pass_and_an_update_cannot_smuggle_one_in(demo, operator):
    center = demo["demo"]
    push = services.create_account(center=center, user=None, kind="http_push", name="订阅方", base_url="https://sub.example/in")
    services.create_account(center=center, user=None, kind="email", name="邮箱", base_url="smtps://mail.example:465")
    services.create_account(center=center, user=None, kind="newspaper", name="排版", base_url="sftp://print.example:22/in")
    with pytest.raises(ValidationError):
        services.update_account(account=push, user=operator, base_url="javascript:alert(1)")
    with pytest.raises(ValidationError):
        services.update_account(account=push, user=operator, options={"landing_url": "javascript:alert(1)"})
    push.refresh_from_db()
    assert push.base_url == "https://sub.example/in" and push.options == {}


def test_a_platforms_answer_never_stores_a_script_link():
    assert outbox.Outcome.ok(remote_id="1", remote_url="javascript:alert(1)").remote_url == ""
    assert outbox.Outcome.ok(remote_url="https://mp.example/s/1").remote_url == "https://mp.example/s/1"
    assert outbox.Outcome.ok(remote_url="/distribution/accounts/1/rundown/").remote_url.startswith("/distribution/")


def test_the_hand_confirmed_link_is_checked_by_the_shared_rule(demo, operator, signed_story, village):  # noqa: F811
    services.publish(story=signed_story, user=operator, account_ids=[village.pk])
    deliver_all()
    publication = Publication.objects.get(account=village)
    for bad in ["https://", "https://mp.example/s/1 onclick", "https:\\\\evil.example"]:
        with pytest.raises(ValidationError) as err:
            services.confirm_handoff(publication=publication, user=operator, url=bad)
        assert "http://" in str(err.value)
    publication.refresh_from_db()
    assert publication.status == Publication.Status.AWAITING and publication.remote_url == ""
