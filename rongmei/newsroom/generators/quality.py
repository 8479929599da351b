"""Would an editor sign this generated version as it is? The rules, and the labelled set.

A generated summary, digest, teaser or lead is only useful if the desk can sign it without
touching it. These are the faults that make an editor rewrite one, checked mechanically:

- it starts or ends on a quotation whose speaker is not named there (“……。” alone), or
  keeps a speaker without the words ("……会长聂长贵说。");
- it says the same sentence twice (a radio lead read again at the end of the script);
- it nests brackets (【【提醒】……】) or stacks two bracketed labels (【标题】【提醒】);
- it breaks its channel's length limit or stops on a comma or semicolon;
- a #话题# is not a topic of the piece (#首场#, #版本号#), or a tag the editor typed is lost.

`check_story` runs every channel's generator over one story of the labelled set
(`tests/data/generation/*.yaml`, loaded by `load_labelled_set`) and says, per version,
which rules fail and whether it also has what the editor's accepted version has. The
quality test and `bench/generation_quality.py` both use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .quotes import bare_speaker, ends_on_unattributed_quote, starts_on_unattributed_quote
from .text import SENTENCE_ENDS, split_sentences, weibo_length
from .types import RenditionDraft, StoryInput

# Channel limits the versions are held to (the generators' own constants, restated here
# so that a generator that drifts past its limit is caught, not excused).
LIMITS: dict[str, tuple[int, Callable[[str], int]]] = {
    "summary": (120, len),
    "digest": (120, len),
    "weibo": (140, weibo_length),
    "tv_lead": (120, len),
    "radio_lead": (90, len),
    "short_video": (55, len),
}
VERSIONS = tuple(LIMITS)
VERSION_LABELS = {
    "summary": "网站摘要", "digest": "微信摘要", "weibo": "微博导读", "tv_lead": "电视导语",
    "radio_lead": "广播导语", "short_video": "短视频文案与话题",
}
_NESTED_BRACKETS = re.compile(r"【[^】]*【|】\s*【")
_GOOD_ENDINGS = tuple(SENTENCE_ENDS.replace("；", "").replace(";", "")) + ("”", "」", "）", "』", "》")
_TOPIC = re.compile(r"#([^#\s]+)#")


@dataclass
class VersionResult:
    story: str                    # file stem
    version: str                  # a key of VERSIONS
    text: str
    topics: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)   # broken rules, in Chinese
    misses: list[str] = field(default_factory=list)     # what the accepted version has and this lacks

    @property
    def passes_rules(self) -> bool:
        return not self.failures

    @property
    def needs_no_edit(self) -> bool:
        return not self.failures and not self.misses


@dataclass(frozen=True)
class LabelledStory:
    name: str
    story: StoryInput
    lead: str                     # the editor's own lead, acceptable in every lead version
    must_mention: tuple[str, ...]
    topics: frozenset[str]


# ---------------------------------------------------------------- rules


def repeated_sentences(texts: Iterable[str]) -> list[str]:
    """Sentences said more than once across `texts` (compared as heard: without
    punctuation and without a leading 【提醒】 label)."""
    seen: set[str] = set()
    repeated = []
    for text in texts:
        for sentence in split_sentences(text):
            key = re.sub(r"[^\w]", "", re.sub(r"^【[^】]{1,10}】", "", sentence.strip()))
            if len(key) < 6:
                continue
            if key in seen:
                repeated.append(sentence)
            seen.add(key)
    return repeated


def has_double_brackets(text: str) -> bool:
    """【【提醒】……】 or 【标题】【提醒】: one bracketed label is the most a line carries."""
    return bool(_NESTED_BRACKETS.search(text))


def ends_cleanly(text: str) -> bool:
    """A summary ends at the end of a sentence, not on a comma, colon or semicolon."""
    return text.strip().endswith(_GOOD_ENDINGS)


def topic_words(text: str) -> list[str]:
    return _TOPIC.findall(text)


def clean_tag(tag: str) -> str:
    """An editor's tag as a topic: letters and digits only (what `parts.topics` keeps)."""
    return "".join(ch for ch in tag if ch.isalnum())


def _weibo_teaser_text(teaser: str, headline: str) -> str:
    """The summary inside a Weibo teaser: without its bracketed headline, topics and link."""
    text = re.sub(r"https?://\S+", "", teaser)
    text = _TOPIC.sub("", text).strip()
    for head in (f"【{headline}】", headline):
        if text.startswith(head):
            return text[len(head):].lstrip("：:").strip()
    return re.sub(r"^【[^】]*】", "", text).strip()


def check_text_rules(text: str) -> list[str]:
    """The rules every summary-like text obeys, as Chinese failure notes."""
    failures = []
    if not text.strip():
        return ["内容为空"]
    if starts_on_unattributed_quote(text):
        failures.append("以未交代说话人的引语开头")
    if ends_on_unattributed_quote(text):
        failures.append("以未交代说话人的引语结尾")
    if any(bare_speaker(s) for s in split_sentences(text)):
        failures.append("说话人与他的话分开了（只剩“某某说。”）")
    if not ends_cleanly(text):
        failures.append(f"没有在句末结束（以“{text.strip()[-1]}”结尾）")
    repeats = repeated_sentences([text])
    if repeats:
        failures.append(f"句子重复：{repeats[0]}")
    return failures


# ---------------------------------------------------------------- one story


Generate = Callable[[str, StoryInput], RenditionDraft]


def check_story(labelled: LabelledStory, generate: Generate) -> list[VersionResult]:
    """Every version of one labelled story, judged by the rules and the editor's labels."""
    story = labelled.story
    drafts = {ch: generate(ch, story) for ch in ("web", "wechat", "weibo", "tv", "radio", "short_video")}
    results = [
        _lead_version(labelled, "summary", drafts["web"].fields.get("summary", "")),
        _lead_version(labelled, "digest", drafts["wechat"].fields.get("digest", "")),
        _weibo_version(labelled, drafts["weibo"]),
        _tv_version(labelled, drafts["tv"]),
        _radio_version(labelled, drafts["radio"]),
        _short_video_version(labelled, drafts["short_video"]),
    ]
    return results


def _limit_failure(version: str, text: str) -> list[str]:
    limit, measure = LIMITS[version]
    size = measure(text)
    return [f"超过{limit}字上限（{size}字）"] if size > limit else []


def _misses(labelled: LabelledStory, text: str) -> list[str]:
    if _same(text, labelled.lead):
        return []
    return [f"没有说到“{fact}”" for fact in labelled.must_mention if fact not in text]


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s", "", a) == re.sub(r"\s", "", b)


def _lead_version(labelled: LabelledStory, version: str, text: str) -> VersionResult:
    result = VersionResult(labelled.name, version, text)
    result.failures = check_text_rules(text) + _limit_failure(version, text)
    if has_double_brackets(text):
        result.failures.append("括号重叠（【【…】…】）")
    result.misses = _misses(labelled, text)
    return result


def _topic_failures(labelled: LabelledStory, topics: Sequence[str], *, required: int) -> list[str]:
    failures = []
    for topic in topics:
        if topic not in labelled.topics:
            failures.append(f"话题#{topic}#不是稿件的主题")
    typed = [clean_tag(t) for t in labelled.story.tags if clean_tag(t)][:required]
    for tag in typed:
        if tag not in topics:
            failures.append(f"编辑填写的标签“{tag}”没有作为话题带上")
    return failures


def _weibo_version(labelled: LabelledStory, draft: RenditionDraft) -> VersionResult:
    teaser = draft.fields.get("short_text", "")
    topics = [t.strip("#") for t in draft.fields.get("topics", [])]
    in_teaser = topic_words(teaser)
    result = VersionResult(labelled.name, "weibo", teaser, topics=in_teaser)
    inner = _weibo_teaser_text(teaser, labelled.story.headline)
    result.failures = check_text_rules(inner) + _limit_failure("weibo", teaser)
    if has_double_brackets(teaser) or has_double_brackets(draft.body):
        result.failures.append("括号重叠（【【…】…】）")
    result.failures += _topic_failures(labelled, sorted(set(topics) | set(in_teaser)), required=0)
    typed = [clean_tag(t) for t in labelled.story.tags if clean_tag(t)][:3]
    for tag in typed:
        if tag not in in_teaser:
            result.failures.append(f"微博导读里没有编辑填写的话题#{tag}#")
    # The reader of a teaser reads its bracketed headline too.
    result.misses = _misses(labelled, _TOPIC.sub("", teaser))
    return result


def _tv_version(labelled: LabelledStory, draft: RenditionDraft) -> VersionResult:
    lead = draft.fields.get("lead", "")
    result = _lead_version(labelled, "tv_lead", lead)
    narration = [row.get("narration", "") for row in draft.fields.get("segments", [])]
    repeats = repeated_sentences([lead, *narration])
    if repeats and not any(f.startswith("句子重复") for f in result.failures):
        result.failures.append(f"导语与解说重复：{repeats[0]}")
    return result


def _radio_version(labelled: LabelledStory, draft: RenditionDraft) -> VersionResult:
    lead = draft.fields.get("lead", "")
    result = _lead_version(labelled, "radio_lead", lead)
    repeats = repeated_sentences([lead, *draft.fields.get("paragraphs", [])])
    if repeats and not any(f.startswith("句子重复") for f in result.failures):
        result.failures.append(f"导语在稿中又读一遍：{repeats[0]}")
    return result


def _short_video_version(labelled: LabelledStory, draft: RenditionDraft) -> VersionResult:
    caption = draft.fields.get("caption", "")
    topics = [t.strip("#") for t in draft.fields.get("tags", [])]
    result = VersionResult(labelled.name, "short_video", caption, topics=topics)
    result.failures = _limit_failure("short_video", caption) + _topic_failures(labelled, topics, required=5)
    if has_double_brackets(caption):
        result.failures.append("括号重叠（【【…】…】）")
    return result


# ---------------------------------------------------------------- the labelled set


def load_labelled_set(directory: Path, pattern: str = "*.yaml") -> list[LabelledStory]:
    """Every story under `directory` matching `pattern`, sorted by file name (see its README.md)."""
    import yaml  # a test and benchmark dependency only

    stories = []
    for path in sorted(directory.glob(pattern)):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        stories.append(_labelled(path.stem, data))
    return stories


def _labelled(name: str, data: dict) -> LabelledStory:
    accepted = data.get("accepted") or {}
    story = StoryInput(
        center_name="示例县融媒体中心",
        headline=data["headline"],
        kicker=data.get("kicker", ""),
        subheadline=data.get("subheadline", ""),
        summary=data.get("summary", ""),
        body_html=body_to_html(data["body"]),
        column=data.get("column", ""),
        tags=tuple(data.get("tags") or ()),
        location=data.get("location", ""),
        source="示例县融媒体中心",
        url=data.get("url", ""),
        user_words=tuple(data.get("user_words") or ()),
    )
    topics = {clean_tag(t) for t in accepted.get("topics", [])} | {clean_tag(t) for t in story.tags}
    return LabelledStory(
        name=name,
        story=story,
        lead=accepted.get("lead", ""),
        must_mention=tuple(accepted.get("must_mention", ())),
        topics=frozenset(t for t in topics if t),
    )


def body_to_html(body: str) -> str:
    """The labelled set's plain body as the sanitized HTML the editor's page saves.

    Blank lines part paragraphs; "> " is a block quotation, "## " a subhead, "- " and
    "1. " list items.
    """
    html, items, ordered = [], [], False

    def close_list() -> None:
        if items:
            tag = "ol" if ordered else "ul"
            html.append(f"<{tag}>{''.join(f'<li>{escape(i)}</li>' for i in items)}</{tag}>")
            items.clear()

    for raw in body.split("\n"):
        line = raw.strip()
        if not line:
            continue
        bullet = re.match(r"^(?:- |(\d+)\. )(.*)$", line)
        if bullet:
            if not items:
                ordered = bool(bullet.group(1))
            items.append(bullet.group(2))
            continue
        close_list()
        if line.startswith("> "):
            html.append(f"<blockquote><p>{escape(line[2:])}</p></blockquote>")
        elif line.startswith("## "):
            html.append(f"<h2>{escape(line[3:])}</h2>")
        else:
            html.append(f"<p>{escape(line)}</p>")
    close_list()
    return "\n".join(html)


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    versions: int
    rule_passing: int
    no_edit: int

    def share(self, count: int) -> float:
        return count / self.versions if self.versions else 0.0


def figures(results: Sequence[VersionResult]) -> Figures:
    return Figures(
        versions=len(results),
        rule_passing=sum(r.passes_rules for r in results),
        no_edit=sum(r.needs_no_edit for r in results),
    )
