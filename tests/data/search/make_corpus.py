"""Writes corpus.json: 300 short county news texts in the style of a 融媒体中心's feed.

Kept beside the data so that the corpus can be regenerated or grown; the test reads only the
JSON. The sentences are hand-written; the generator combines them (seeded, so the file is
stable) to put the tricky neighbours side by side: 健康 beside 健康码, 曹宏 beside 曹宏伟,
中央 beside 中央门, 16.5% beside 6.5%, a 1998 far from its 年, 110 beside 110V, G3180 beside
G318. Run: python tests/data/search/make_corpus.py
"""

import json
import random
from pathlib import Path

TITLES = [
    "城关镇开展{a}专项行动", "{a}工作推进会召开", "我县{a}取得新进展", "{a}：让群众少跑腿",
    "{p}调研{a}", "{a}现场会在青山镇举行", "聚焦{a} 守护民生", "{a}入选全市典型案例",
    "白沙乡{a}见闻", "{a}情况通报", "记者探访{a}一线", "{a}有了新变化",
]
TOPICS = [
    "健康码查验", "全民健康体检", "健康乡村建设", "防汛抗旱", "秋粮收购", "农村电网改造",
    "5G基站建设", "千兆光网入户", "中央门社区改造", "中央财政衔接资金使用", "道路交通安全",
    "城乡低保核查", "校园食品安全", "森林防火", "高标准农田建设", "文明城市创建",
    "110V老旧线路更换", "700MHz广电网络", "G318国道改造", "G3180支线养护",
]
PEOPLE = ["县委书记曹宏伟", "副县长曹宏", "县长陈静", "局长王磊", "镇党委书记王小磊", "记者李磊", "曹宏伟同志", "宏伟集团负责人"]
SENTENCES = [
    "{p}到{place}实地查看{a}进展，要求压实责任、细化措施。",
    "今年以来，全县累计投入资金{money}万元，惠及群众{n}户。",
    "截至{month}月底，全县地区生产总值同比增长6.5%，增速居全市第二。",
    "全县规上工业增加值同比增长16.5%，高于全市平均水平。",
    "一季度城镇居民人均可支配收入增长6%，农村居民增长5%。",
    "该村始建于1998年，如今已发展成为远近闻名的特色村。",
    "1998年特大洪水后，当地群众自发修建了这段防洪堤。",
    "这座桥1998建成通车，每年都要进行安全检测。",
    "第二年春天，1998届校友回到母校捐建图书室。",
    "{month}月以来，{place}共接到群众诉求{n}件，办结率100%。",
    "1月份全县空气质量优良天数达到28天。",
    "11月1日起，新的公交线路正式开通运营。",
    "今年1至10月，全县接待游客{n}万人次。",
    "施工人员将原有的110V线路全部更换为220V标准线路。",
    "110指挥中心全天候值守，确保群众报警第一时间响应。",
    "电工提醒，V形支架须在雨季前完成加固。",
    "县广电网络公司完成700MHz频段清频工作，信号覆盖全部行政村。",
    "700户村民用上了稳定的有线电视信号。",
    "千兆光纤入户后，家庭宽带下载速度可达300Mbps以上。",
    "中心机房新增带宽300M，Mbps级别的专线已接入乡镇。",
    "这辆宝马325i轿车在路口与电动车发生剐蹭，无人受伤。",
    "325国道与县道交叉口新增了信号灯，i人e人都能安心过马路。",
    "G318国道白沙段完成路面改造，通行时间缩短20分钟。",
    "G3180支线沿途设置了6处避险车道。",
    "社区工作人员提醒，进入医院仍需出示健康码。",
    "义诊活动为老人们送去了健康知识，测量血压{n}人次。",
    "家庭医生签约服务覆盖率达到{pct}%，守护群众健康。",
    "中央门社区新建了老年食堂，每天供应午餐{n}份。",
    "中央财政下达衔接推进乡村振兴补助资金{money}万元。",
    "县城中心的人民广场设有中央喷泉，门前花坛已经换上新花。",
    "曹宏伟在会上强调，要把群众的急难愁盼放在心上。",
    "曹宏一行来到田间地头，了解秋粮长势。",
    "宏伟的规划蓝图正在一步步变成现实。",
    "王磊说，今年的稻谷长势很好，预计亩产比去年高一成。",
    "王小磊和李磊参加了全县职工技能大赛并获奖。",
    "陈静表示，将尽快回复群众反映的停水问题。",
    "城关镇多处路段积水严重，交警到场疏导交通。",
    "受强降雨影响，低洼路面积水深达半米，排涝队连夜抽排。",
    "县城里积水的路段已经恢复通行。",
    "县融媒体中心记者全程跟踪报道，推出系列短视频{n}条。",
    "活动现场，志愿者们耐心解答群众疑问，发放宣传资料{n}余份。",
    "下一步，{place}将持续巩固成果，确保各项任务落地见效。",
    "项目总投资{money}万元，计划明年6月竣工。",
    "据介绍，该项目建成后可带动{n}名群众就近就业。",
    "全县新建５Ｇ基站120个，实现乡镇全覆盖。",
    "这批Ｇ３１８沿线的护栏由本县企业生产。",
]
PLACES = ["城关镇", "青山镇", "白沙乡", "石桥村", "东门社区", "县人民医院", "县行政服务中心", "中央门社区"]
QUERIES = [
    "健康码", "健康", "曹宏伟", "曹宏", "宏伟", "中央门", "中央", "6.5%", "16.5%", "6%", "5%", "1998年",
    "1998", "1月", "11月", "110V", "110", "v", "220V", "700MHz", "700", "mhz", "300Mbps", "300", "mbps",
    "325i", "325", "g318", "g3180", "318", "5g", "积水", "积水严重", "县城积水", "县城 积水", "王磊", "王小磊",
    "李磊", "陈静", "城关镇", "中央门社区", "健康 义诊", "曹宏伟 群众", "防汛", "基站", "光纤", "1998年 洪水",
    "100%", "28天", "20分钟", "老年食堂", "秋粮", "乡村振兴", "宝马", "信号灯", "护栏", "水", "码", "门",
]


def build(count: int = 300, seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    stories = []
    for number in range(1, count + 1):
        topic = rng.choice(TOPICS)
        values = {
            "a": topic, "p": rng.choice(PEOPLE), "place": rng.choice(PLACES), "money": rng.randint(12, 9800),
            "n": rng.randint(20, 3000), "month": rng.randint(2, 12), "pct": rng.randint(61, 97),
        }
        title = rng.choice(TITLES).format(**values)
        body = "".join(s.format(**values) for s in rng.sample(SENTENCES, rng.randint(2, 4)))
        stories.append({"id": number, "title": title, "body": body})
    return stories


if __name__ == "__main__":
    here = Path(__file__).parent
    (here / "corpus.json").write_text(json.dumps(build(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    (here / "queries.txt").write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
