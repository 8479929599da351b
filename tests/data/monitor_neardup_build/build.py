"""Builds tests/data/monitor_neardup.jsonl from the hand-written stories."""
import json
import random
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import stories1, stories2, stories3, stories4  # noqa: E401

CLUSTERS = {**stories1.CLUSTERS, **stories2.CLUSTERS, **stories3.CLUSTERS, **stories4.CLUSTERS}

ADDED = [
    "记者了解到，此前已有市民通过12345政务服务热线反映过相关情况，有关部门表示将持续跟进，及时回应群众关切。",
    "【延伸阅读】近年来，示例县不断完善基层治理体系，推动各类问题在基层一线发现、在基层一线解决。",
    "对此，不少网友在评论区留言点赞，也有网友建议相关部门把工作做在前面，防患于未然。",
    "本台将继续关注事件进展。如果您有新闻线索，欢迎拨打融媒体中心新闻热线0000-8888888。",
    "据悉，相关工作已列入县委县政府今年为民办实事项目清单，县里将定期通报进展情况。",
    "温馨提示：如需了解更多信息，可关注“示例发布”微信公众号，或登录示例县人民政府门户网站查询。",
]
OUTLETS = [
    ("示例县融媒体中心", "示例发布"), ("示例日报", "示例新闻网"), ("今日示例", "示例之声"),
    ("掌上示例客户端", "示例头条"), ("市广播电视台", "市新闻网"),
]
EDITORS = ["张敏", "刘洋", "陈晨", "杨帆", "赵磊", "吴霞"]
SYNONYMS = [
    ("近日", "日前"), ("表示", "介绍"), ("目前", "眼下"), ("据了解", "记者了解到"), ("要求", "强调"),
    ("提醒", "再次提醒"), ("立即", "第一时间"), ("群众", "老百姓"), ("随后", "之后"), ("已经", "已"),
    ("正在", "仍在"), ("多次", "多回"), ("进一步", "深入"), ("示例县", "该县"), ("负责人", "有关负责同志"),
    ("发现", "查出"), ("现场", "一线"), ("居民", "住户"), ("组织", "安排"), ("将", "会"),
]


def media(paragraphs, rng):
    outlet, site = rng.choice(OUTLETS)
    editor = rng.choice(EDITORS)
    reporter = rng.choice(EDITORS)
    head = f"{outlet}讯（记者 {reporter}）" + paragraphs[0]
    body = [head] + paragraphs[1:]
    body = [p.replace("示例县", "我县", 1) if i and rng.random() < 0.5 else p for i, p in enumerate(body)]
    return body + [f"来源：{site}　编辑：{editor}　审核：{rng.choice(EDITORS)}"]


def add(paragraphs, rng):
    extra = rng.choice(ADDED)
    at = rng.choice([len(paragraphs), len(paragraphs) - 1, 2])
    return paragraphs[:at] + [extra] + paragraphs[at:]


def remove(paragraphs, rng):
    """A paragraph left out; where that would leave under 150 characters, a sentence."""
    options = [at for at in range(1, len(paragraphs)) if len("".join(paragraphs)) - len(paragraphs[at]) >= 150]
    if options:
        at = rng.choice(options)
        return paragraphs[:at] + paragraphs[at + 1:]
    at = max(range(1, len(paragraphs)), key=lambda i: len(paragraphs[i]))
    sentences = [x for x in paragraphs[at].split("。") if x]
    if len(sentences) > 1:
        cut = "。".join(sentences[:-1]) + "。"
    else:
        cut = paragraphs[at][: len(paragraphs[at]) // 2] + "。"
    return paragraphs[:at] + [cut] + paragraphs[at + 1:]


def lede(paragraphs, story):
    return [story["lede"]] + paragraphs[1:]


def shorten(paragraphs, rng):
    """The first sentences only: about 65 % of the text, cut at a sentence end, never under
    150 characters (a short story loses only its last sentences)."""
    sentences = [(i, x + "。") for i, p in enumerate(paragraphs) for x in p.split("。") if x]
    total = sum(len(x) for _, x in sentences)
    best = None
    for keep in range(len(sentences) - 1, 0, -1):
        size = sum(len(x) for _, x in sentences[:keep])
        if size < 150:
            break
        best = keep
        if size <= total * 0.65:
            break
    assert best, ("too short to shorten", paragraphs[0][:20], total)
    out = {}
    for i, x in sentences[:best]:
        out[i] = out.get(i, "") + x
    return list(out.values())


def reword(paragraphs, rng):
    joined = "".join(paragraphs)
    present = [pair for pair in SYNONYMS if pair[0] in joined]
    pairs = rng.sample(present, min(6, len(present)))
    assert pairs
    out = []
    for p in paragraphs:
        for a, b in pairs:
            p = p.replace(a, b)
        out.append(p)
    return out


EDITS = {
    "paragraph_added": lambda s, p, r: add(p, r),
    "paragraph_removed": lambda s, p, r: remove(p, r),
    "different_lede": lambda s, p, r: lede(p, s),
    "media_changed": lambda s, p, r: media(p, r),
    "shortened": lambda s, p, r: shorten(p, r),
    "reworded": lambda s, p, r: reword(p, r),
    "lede+media": lambda s, p, r: media(lede(p, s), r),
    "removed+added": lambda s, p, r: add(remove(p, r), r),
    "shortened+media": lambda s, p, r: media(shorten(p, r), r),
    "reworded+added": lambda s, p, r: add(reword(p, r), r),
}
ORDER = list(EDITS)


def text(paragraphs):
    return "\n".join(paragraphs)


def main(path):
    rng = random.Random(20261206)
    pairs = []
    stories = []
    for subject, group in CLUSTERS.items():
        for story in group:
            stories.append((subject, story))
    variants = {}
    for n, (subject, story) in enumerate(stories):
        edits = [ORDER[(2 * n) % len(ORDER)], ORDER[(2 * n + 1) % len(ORDER)]]
        made = []
        for edit in edits:
            v = EDITS[edit](story, story["p"], rng)
            made.append((edit, v))
            pairs.append({"a": text(story["p"]), "b": text(v), "same": True, "edit": edit, "subject": subject})
        if n % 3 == 0:  # two reposts of one story, each edited differently
            pairs.append({"a": text(made[0][1]), "b": text(made[1][1]), "same": True,
                          "edit": f"{made[0][0]} vs {made[1][0]}", "subject": subject})
        variants[n] = made
    for subject in CLUSTERS:
        members = [n for n, (s, _) in enumerate(stories) if s == subject]
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                a, b = members[i], members[j]
                pairs.append({"a": text(stories[a][1]["p"]), "b": text(stories[b][1]["p"]), "same": False,
                              "edit": "different_story", "subject": subject})
        for i in range(len(members)):
            a, b = members[i], members[(i + 1) % len(members)]
            edit, v = variants[a][i % 2]
            pairs.append({"a": text(v), "b": text(stories[b][1]["p"]), "same": False,
                          "edit": f"different_story ({edit})", "subject": subject})
    # both sides reposted by the same outlet (same header and footer), different stories
    for subject in CLUSTERS:
        members = [n for n, (s, _) in enumerate(stories) if s == subject]
        r = random.Random(subject)
        a, b = members[0], members[2]
        outlet = r.randrange(1000)
        pa = media(stories[a][1]["p"], random.Random(outlet))
        pb = media(stories[b][1]["p"], random.Random(outlet))
        pairs.append({"a": text(pa), "b": text(pb), "same": False, "edit": "different_story (same outlet)", "subject": subject})
    with open(path, "w", encoding="utf-8") as out:
        for n, pair in enumerate(pairs, start=1):
            out.write(json.dumps({"id": n, **pair}, ensure_ascii=False) + "\n")
    lengths = [len(p[k]) for p in pairs for k in "ab"]
    print(len(pairs), "pairs;", sum(p["same"] for p in pairs), "same;", min(lengths), max(lengths), "chars")


main(sys.argv[1])
