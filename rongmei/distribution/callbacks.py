"""WeChat's server push (服务器配置), plaintext mode: the signature check and the event XML.

The push is signed by sha1 over the sorted (token, timestamp, nonce); the body is XML
like::

    <xml><ToUserName><![CDATA[gh_…]]></ToUserName><FromUserName>…</FromUserName>
    <CreateTime>1656402111</CreateTime><MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[PUBLISHJOBFINISH]]></Event>
    <PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status>
    <article_id>…</article_id><article_detail><count>1</count><item><idx>1</idx>
    <article_url>…</article_url></item></article_detail></PublishEventInfo></xml>

Safe mode (AES-encrypted bodies) is not supported: configure the account in plaintext or
compatible mode. The parser resolves no entities and fetches nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def wechat_signature_ok(token: str, query) -> bool:
    signature = query.get("signature", "")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not (signature and timestamp and nonce):
        return False
    return hmac.compare_digest(wechat_signature(token, timestamp, nonce), signature)


def parse_wechat_event(body: bytes) -> dict[str, str]:
    """The event's fields, flattened: Event, MsgType, publish_id, publish_status, article_id,
    article_url (the first item's). {} for a body that is not such XML."""
    if not body or len(body) > 64 * 1024:
        return {}
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return {}
    out = {child.tag: (child.text or "").strip() for child in root if len(child) == 0}
    info = root.find("PublishEventInfo")
    if info is not None:
        for name in ("publish_id", "publish_status", "article_id", "fail_idx"):
            node = info.find(name)
            if node is not None:
                out[name] = (node.text or "").strip()
        url = info.find("article_detail/item/article_url")
        if url is not None:
            out["article_url"] = (url.text or "").strip()
    return out
