"""HTTP push: signed ninjs JSON with the delivery's idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from rongmei.distribution.formatters.ninjs import NinjsError
from rongmei.distribution.formatters.push import push_payload, sign, verify_signature

from .samples import flood_item

SECRET = "账号密钥-0123456789"


def test_payload_is_utf8_ninjs_with_signature_and_delivery_headers():
    body, headers = push_payload(flood_item(), secret=SECRET, delivery_key="p7-a12-v3-publish")
    doc = json.loads(body.decode("utf-8"))
    assert doc["uri"] == "urn:rongmei:demo:story:42"
    assert "示例县" in body.decode("utf-8")  # Chinese is sent as is, not \\u-escaped
    assert headers == {
        "Content-Type": "application/json; charset=utf-8",
        "X-Rongmei-Signature": sign(body, SECRET),
        "X-Rongmei-Delivery": "p7-a12-v3-publish",
        "X-Rongmei-Event": "publish",
    }


def test_signature_is_hmac_sha256_of_the_exact_body():
    body = b'{"uri":"urn:rongmei:demo:story:42"}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET) == f"sha256={expected}"
    assert sign(body, SECRET.encode()) == sign(body, SECRET)


def test_receiver_accepts_the_untouched_payload():
    body, headers = push_payload(flood_item(), secret=SECRET, delivery_key="k1")
    assert verify_signature(body, headers["X-Rongmei-Signature"], SECRET)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b, s: (b.replace("示例县".encode(), "某某县".encode()), s), id="body"),
        pytest.param(lambda b, s: (b + b" ", s), id="appended-byte"),
        pytest.param(lambda b, s: (b, s[:-1] + ("0" if s[-1] != "0" else "1")), id="signature"),
        pytest.param(lambda b, s: (b, s.removeprefix("sha256=")), id="no-prefix"),
        pytest.param(lambda b, s: (b, s.upper()), id="case"),
        pytest.param(lambda b, s: (b, ""), id="empty"),
        pytest.param(lambda b, s: (b, None), id="missing"),
        pytest.param(lambda b, s: (b, "sha256=签名"), id="non-ascii"),
    ],
)
def test_tampering_is_detected(tamper):
    body, headers = push_payload(flood_item(), secret=SECRET, delivery_key="k1")
    changed_body, changed_signature = tamper(body, headers["X-Rongmei-Signature"])
    assert not verify_signature(changed_body, changed_signature, SECRET)


def test_another_secret_does_not_verify():
    body, headers = push_payload(flood_item(), secret=SECRET, delivery_key="k1")
    assert not verify_signature(body, headers["X-Rongmei-Signature"], "别的密钥")
    assert not verify_signature(body, headers["X-Rongmei-Signature"], "")


def test_signing_without_a_secret_is_refused_with_advice():
    with pytest.raises(ValueError, match="推送密钥"):
        push_payload(flood_item(), secret="", delivery_key="k1")


@pytest.mark.parametrize("key", ["", "p1 a2", "p1\r\nX-Evil: 1", "投递-1"])
def test_delivery_keys_that_could_break_headers_are_refused(key):
    with pytest.raises(ValueError, match="投递标识"):
        push_payload(flood_item(), secret=SECRET, delivery_key=key)


def test_a_retry_sends_the_same_bytes_and_signature():
    first = push_payload(flood_item(), secret=SECRET, delivery_key="p7-a12-v3-publish")
    again = push_payload(flood_item(), secret=SECRET, delivery_key="p7-a12-v3-publish")
    assert first == again


@pytest.mark.parametrize(
    ("changes", "event"),
    [
        ({"pubstatus": "canceled"}, "takedown"),
        ({"correction_note": "标题中的数字有误"}, "correction"),
        ({"pubstatus": "withheld"}, "withhold"),
    ],
)
def test_takedowns_and_corrections_say_what_they_are(changes, event):
    body, headers = push_payload(flood_item(**changes), secret=SECRET, delivery_key="k1")
    assert headers["X-Rongmei-Event"] == event
    assert json.loads(body)["pubStatus"] == flood_item(**changes).pubstatus


def test_an_invalid_document_is_never_sent(monkeypatch):
    from rongmei.distribution.formatters import push

    monkeypatch.setattr(push, "to_ninjs", lambda item: {"uri": "not a uri"})
    with pytest.raises(NinjsError):
        push_payload(flood_item(), secret=SECRET, delivery_key="k1")
