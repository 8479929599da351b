"""Demo planning content for the fictional 示例县融媒体中心: plans (策划), leads (线索),
topics (选题) and assignments (采访任务).

Pure data, no Django imports. Times are relative to the moment the demo is loaded
(`*_days_from_today`, `days_ago`, `*_in_hours`, `minutes_ago`) so the board always looks
current. Story keys refer to `rongmei.newsroom.demo_content.STORIES`; usernames are the demo
center's people (`rongmei.core.demo.PEOPLE`). Everything here is invented.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# Plans (策划)
# ---------------------------------------------------------------------------------------

PLANS: list[dict] = [
    {
        "key": "winter_safety",
        "title": "2026年冬季安全生产宣传",
        "description": (
            "围绕冬季森林防火、取暖用火用电、燃气安全、道路交通和校园食品安全，统筹全媒体宣传："
            "每周至少1条便民安全提示、2条现场报道，联合县应急管理、消防、市场监管等部门推出“安全过冬”系列短视频，"
            "村级公众号矩阵同步转发。"
        ),
        "starts_days_from_today": -10,
        "ends_days_from_today": 60,
        "column": "bianmin",
    },
    {
        "key": "village_new_look",
        "title": "乡村振兴·村社新貌 专栏",
        "description": (
            "长期专栏：每月走进3至4个村（社区），记录产业发展、人居环境、乡风文明和身边人物的变化。"
            "图文报道配3分钟短视频，优秀稿件报送市级、省级媒体争取外宣刊播。"
        ),
        "starts_days_from_today": -120,
        "ends_days_from_today": 240,
        "column": "cunshe",
    },
    {
        "key": "year_review",
        "title": "年终总结·回眸2026",
        "description": (
            "年终策划：用一组数字、一批人物、一组影像回顾全县2026年的民生实事和发展成就。"
            "包括数据新闻长图、“我的2026”群众短视频征集、十件民生实事回访和年终特别节目。"
        ),
        "starts_days_from_today": 15,
        "ends_days_from_today": 45,
        "column": "yaowen",
    },
]

# ---------------------------------------------------------------------------------------
# Leads (线索): source is staff / tip / monitor / inquiry
# ---------------------------------------------------------------------------------------

LEADS: list[dict] = [
    {
        "key": "xintang_waterlogging_tip",
        "source": "tip",
        "title": "群众爆料：东湖镇新塘村路口一下雨就积水",
        "content": (
            "群众爆料：东湖镇新塘村村委会门口那个三岔路口，一下雨就积水，深的地方能到膝盖，电动车过去好几次熄火。"
            "旁边就是小学，孩子们上学只能绕到田埂上走。听说排水沟被前两年修房子的人堵了，反映过几次还没弄好，希望记者来看看。"
        ),
        "contact": "13800001234",
        "status": "topic",
        "topic": "xintang_waterlogging",
        "dismiss_reason": "",
        "days_ago": 1,
    },
    {
        "key": "nanhu_streetlights_inquiry",
        "source": "inquiry",
        "title": "网络问政：南湖社区湖滨路路灯坏了快一个月",
        "content": (
            "网友“南湖老住户”在客户端“问政”栏目留言：湖滨路、南湖二巷一带路灯坏了快一个月，晚上黑漆漆的，老人孩子出门不安全；"
            "小区周边晚上车乱停，还占了消防通道。12345热线同期也收到7件类似诉求，已转县城管局、县公安局交警大队办理。"
        ),
        "contact": "",
        "status": "topic",
        "topic": "nanhu_streetlights",
        "dismiss_reason": "",
        "days_ago": 4,
    },
    {
        "key": "square_dance_noise_tip",
        "source": "tip",
        "title": "群众爆料：南湖广场夜里跳广场舞音响太吵",
        "content": (
            "群众爆料：我家就在南湖广场边上，每天晚上七点到十点都有好几拨人跳广场舞，音响开得特别大，"
            "家里孩子要备考，窗户关上都挡不住。跟他们说过，没用。能不能帮忙反映一下？"
        ),
        "contact": "13700004321",
        "status": "topic",
        "topic": "square_dance_noise",
        "dismiss_reason": "",
        "days_ago": 3,
    },
    {
        "key": "forest_patrol_staff",
        "source": "staff",
        "title": "西岭乡组建专职护林员队伍，进入森林防火紧要期",
        "content": (
            "记者王磊在西岭乡采访茶园冬管时了解到：乡里新招了18名专职护林员，每天分片巡山，还配了无人机。"
            "12月起进入森林防火紧要期，可以跟拍护林员巡山的一天，纳入冬季安全生产宣传。"
        ),
        "contact": "",
        "status": "new",
        "topic": None,
        "dismiss_reason": "",
        "days_ago": 2,
    },
    {
        "key": "xinghua_school_traffic_tip",
        "source": "tip",
        "title": "群众爆料：杏花村小学门口早上接送车辆堵成一团",
        "content": (
            "群众爆料：白沙乡杏花村小学门口早上七点半左右，接送孩子的摩托车、三轮车、小轿车全挤在路边，"
            "孩子们只能从车缝里钻过去过马路，太危险了。能不能在学校门口设个护学岗或者画条斑马线？"
        ),
        "contact": "13900005678",
        "status": "new",
        "topic": None,
        "dismiss_reason": "",
        "days_ago": 0,
    },
    {
        "key": "tea_price_monitor",
        "source": "monitor",
        "title": "网帖热议：直播间云雾毛尖比茶叶店便宜，是不是同一种茶",
        "content": (
            "舆情监测：本地论坛和短视频平台出现多条讨论，网友称融媒助农直播间的“云雾毛尖”比县城茶叶店便宜三分之一，"
            "有人质疑品质不同。整体情绪中性偏正面，可请县农业农村局、合作社解释分级标准，做一条释疑稿。"
        ),
        "contact": "",
        "status": "new",
        "topic": None,
        "dismiss_reason": "",
        "days_ago": 0,
    },
    {
        "key": "insurance_record_inquiry",
        "source": "inquiry",
        "title": "网友咨询：医保缴费后多久能查到缴费记录",
        "content": (
            "网友在“问政”栏目咨询：11月25日在手机上缴了2027年度城乡居民医保，到现在还查不到缴费记录，"
            "担心没交上，会不会影响明年报销。已转县医保局答复，可结合正在编辑的医保缴费稿补充说明。"
        ),
        "contact": "",
        "status": "new",
        "topic": None,
        "dismiss_reason": "",
        "days_ago": 1,
    },
    {
        "key": "shiqiao_bridge_staff",
        "source": "staff",
        "title": "石桥村百年石拱桥加固工程即将完工",
        "content": (
            "青山镇通讯员刘小梅报料：石桥村那座清代石拱桥的加固修缮工程下月初完工，既保留了老桥原貌，又能通行农用车。"
            "可以做一条“老桥新生”的图文，也适合放进“乡村振兴·村社新貌”专栏。"
        ),
        "contact": "",
        "status": "new",
        "topic": None,
        "dismiss_reason": "",
        "days_ago": 3,
    },
    {
        "key": "festival_traffic_tip",
        "source": "tip",
        "title": "群众爆料：冬捕节当天东湖景区门口堵车",
        "content": (
            "群众爆料：11月28日上午去看冬捕，从东湖镇街口到景区门口堵了一个多小时，停车场也满了，建议多安排接驳车。"
        ),
        "contact": "",
        "status": "dismissed",
        "topic": None,
        "dismiss_reason": "冬捕文化节稿件已写明临时停车位和免费接驳专线安排，当天下午现场已恢复通行；转景区管理处参考，不再单独报道。",
        "days_ago": 2,
    },
    {
        "key": "donghu_relocation_rumor",
        "source": "monitor",
        "title": "网传“东湖镇将整体拆迁建新区”",
        "content": (
            "舆情监测：某短视频账号发布“东湖镇将整体拆迁建新区”的说法，转发200余次，评论区有村民询问补偿标准。"
        ),
        "contact": "",
        "status": "dismissed",
        "topic": None,
        "dismiss_reason": "经向东湖镇政府核实，系不实信息，已按程序移交舆情处置并由官方账号辟谣，不作新闻报道。",
        "days_ago": 5,
    },
]

# ---------------------------------------------------------------------------------------
# Topics (选题): status proposed / approved / rejected / done
# comments: (username, text, minutes_ago)
# ---------------------------------------------------------------------------------------

TOPICS: list[dict] = [
    {
        "key": "winter_fire_safety",
        "title": "“安全过冬”系列：取暖用火用电安全提示",
        "description": "便民简讯加短视频：电暖器、炭火取暖、电动自行车充电、燃气使用等常见隐患，请县消防救援大队出镜讲解，村级公众号同步转发。",
        "proposed_by": "editor",
        "status": "approved",
        "decision_note": "",
        "plan": "winter_safety",
        "column": "bianmin",
        "planned_days_from_today": 0,
        "comments": [
            ("editor", "简讯我先写，今天上客户端；短视频请消防大队配合拍，周三前出。", 380),
            ("reviewer2", "同意。注意“一氧化碳中毒”的提示要放在前面，最近是高发期。", 300),
            ("operator", "村级公众号矩阵这边可以统一推送，出稿后告诉我。", 95),
        ],
    },
    {
        "key": "donghu_winter_fishing_festival",
        "title": "首届东湖冬捕文化节全媒体报道",
        "description": "开幕式直播、头鱼拍卖、游客和渔民采访，图文稿上客户端和微信，短视频上抖音；后续周末活动跟进。",
        "proposed_by": "reporter",
        "status": "approved",
        "decision_note": "",
        "plan": None,
        "column": "wenlv",
        "planned_days_from_today": -2,
        "comments": [
            ("reporter", "开幕式早上6点半开始拉网，我和李娜5点半出发，直播设备昨天已经调试过。", 3200),
            ("reviewer3", "同意。开幕式直播提前报总编室备案，头鱼拍卖的金额和去向要核实准确。", 3050),
            ("editor", "图文稿初稿已经进系统了，还差后续活动安排，王磊今天补。", 40),
        ],
    },
    {
        "key": "tea_livestream",
        "title": "融媒主播走进云雾村茶园直播助农",
        "description": "“融媒助农”系列第六场：在云雾村茶园直播销售云雾毛尖、高山红茶和笋干，同步做一条图文报道。",
        "proposed_by": "operator",
        "status": "done",
        "decision_note": "",
        "plan": "village_new_look",
        "column": "yaowen",
        "planned_days_from_today": -1,
        "comments": [
            ("operator", "合作社已经备好货，选品清单和价格发群里了，请帮忙把关。", 4300),
            ("reviewer2", "价格和规格要与合作社书面确认，直播中不说“最”“第一”这类绝对化用语。", 4200),
            ("analyst", "直播回放今天上午已经有3.1万次播放，数据周报里单列。", 60),
        ],
    },
    {
        "key": "nanhu_streetlights",
        "title": "问政追踪：南湖社区路灯不亮、停车难",
        "description": "根据“问政”栏目和12345热线集中诉求，追踪县城管局、交警大队办理情况，路灯修复后回访居民，停车泊位施划持续跟进。",
        "proposed_by": "coordinator",
        "status": "approved",
        "decision_note": "",
        "plan": None,
        "column": "wenzheng",
        "planned_days_from_today": -2,
        "comments": [
            ("coordinator", "城管局已回复，23盏路灯26日晚全部修复；停车泊位交警大队说12月中旬前施划完成。", 2900),
            ("reviewer1", "同意做回应稿，注意把办理时限和满意度数据写清楚。", 2800),
            ("reporter", "27日晚去现场拍了，路灯都亮了，也采访到了居民。", 1500),
        ],
    },
    {
        "key": "xintang_waterlogging",
        "title": "调查：东湖镇新塘村路口积水为何久治不愈",
        "description": "群众爆料新塘村村委会门口三岔路口逢雨必积水，影响小学生上学。现场查看排水沟堵塞情况，采访村委会、东湖镇和县住建局，推动解决。",
        "proposed_by": "coordinator",
        "status": "approved",
        "decision_note": "",
        "plan": None,
        "column": "minsheng",
        "planned_days_from_today": 1,
        "comments": [
            ("coordinator", "爆料人留了电话，同意配合采访；另外12345上个月也有一件同类工单。", 700),
            ("reviewer2", "同意。先把事实核实清楚，采访要平衡，给镇里和住建局说明的机会。", 520),
        ],
    },
    {
        "key": "fishing_village_agritainment",
        "title": "渔港村：从“靠湖吃湖”到渔家乐转型",
        "description": "冬捕期间走进渔港村，记录渔民冬捕作业和渔家乐经营，看生态捕捞与休渔转产如何让渔民增收。纳入“村社新貌”专栏。",
        "proposed_by": "reporter",
        "status": "approved",
        "decision_note": "",
        "plan": "village_new_look",
        "column": "cunshe",
        "planned_days_from_today": 5,
        "comments": [
            ("reporter", "之前写休渔期那篇时认识了几户开渔家乐的渔民，可以跟一天。", 1800),
            ("reviewer2", "同意，可以做成图文加3分钟短视频，争取报市台。", 1650),
        ],
    },
    {
        "key": "forest_patrol_day",
        "title": "西岭乡护林员巡山的一天",
        "description": "跟拍西岭乡专职护林员巡山，展现森林防火紧要期的日常值守和无人机巡护，配一条森林防火提示。",
        "proposed_by": "reporter",
        "status": "proposed",
        "decision_note": "",
        "plan": "winter_safety",
        "column": "xiangzhen",
        "planned_days_from_today": 3,
        "comments": [
            ("reporter", "护林员每天早上7点出发，一圈下来要走十几公里山路，需要一名摄像一起去。", 150),
        ],
    },
    {
        "key": "restaurant_gas_safety",
        "title": "城区餐饮场所燃气安全检查",
        "description": "随县市场监管局、县住建局检查城区餐饮店燃气管道、报警器和安全用气情况，提醒经营者和居民安全用气。",
        "proposed_by": "editor",
        "status": "proposed",
        "decision_note": "",
        "plan": "winter_safety",
        "column": "minsheng",
        "planned_days_from_today": 4,
        "comments": [],
    },
    {
        "key": "year_in_numbers",
        "title": "回眸2026：一组数字看十件民生实事",
        "description": "数据新闻：老旧小区改造、农村公路、校园食堂、医保服务等十件民生实事的完成情况，做一张长图和一条2分钟动画短视频。",
        "proposed_by": "reviewer2",
        "status": "proposed",
        "decision_note": "",
        "plan": "year_review",
        "column": "yaowen",
        "planned_days_from_today": 7,
        "comments": [
            ("analyst", "各部门年度数据12月20日前后才能齐，建议先列提纲，数据分两批核对。", 30),
        ],
    },
    {
        "key": "square_dance_noise",
        "title": "南湖广场广场舞噪音扰民",
        "description": "群众爆料南湖广场夜间广场舞音响音量过大，影响周边居民休息。",
        "proposed_by": "coordinator",
        "status": "rejected",
        "decision_note": "已转县城管局按问政件办理并限时答复，暂不单独报道；办结后可纳入“问政·回音壁”月度汇总。",
        "plan": None,
        "column": "wenzheng",
        "planned_days_from_today": 2,
        "comments": [
            ("coordinator", "城管局说可以给广场舞队配音量限制器，已经在对接。", 2500),
            ("reviewer2", "先按问政件走，办结后看效果再决定要不要做回访。", 2400),
        ],
    },
]

# ---------------------------------------------------------------------------------------
# Assignments (采访任务 / 派单): members are (username, role)
# status: open / assigned / accepted / on_site / filed / done
# ---------------------------------------------------------------------------------------

ASSIGNMENTS: list[dict] = [
    {
        "key": "festival_opening_live",
        "topic": "donghu_winter_fishing_festival",
        "title": "东湖冬捕文化节开幕式直播及图文报道",
        "brief": "拍到头网起网和头鱼拍卖全过程；采访渔民、游客各2人和景区管理处负责人；核实游客量、消费额、拍卖金额及去向。开幕式全程直播，当天出图文稿。",
        "location": "示例县东湖镇东湖景区",
        "starts_in_hours": -52,
        "deadline_in_hours": -30,
        "deliverables": ["text", "photo", "video", "live"],
        "members": [("reporter", "reporter"), ("editor", "camera")],
        "status": "filed",
        "story": "donghu_winter_fishing_festival",
    },
    {
        "key": "tea_livestream_shoot",
        "topic": "tea_livestream",
        "title": "云雾村茶园助农直播（第六场）",
        "brief": "上午9点开播，时长3小时。负责直播机位、现场采访茶农和村支书，直播结束后整理销售数据，出一条图文稿和一条1分钟短视频。",
        "location": "示例县西岭乡云雾村",
        "starts_in_hours": -26,
        "deadline_in_hours": -14,
        "deliverables": ["live", "text", "video"],
        "members": [("reporter", "reporter"), ("editor", "camera")],
        "status": "done",
        "story": "livestream_tea_sales",
    },
    {
        "key": "nanhu_lights_revisit",
        "topic": "nanhu_streetlights",
        "title": "南湖社区路灯修复情况夜间回访",
        "brief": "晚上7点后到湖滨路、南湖二巷查看路灯修复情况，拍夜景对比照；采访居民和路灯管理所负责人，问清故障原因、修复数量和后续计划。",
        "location": "示例县城关镇南湖社区",
        "starts_in_hours": -66,
        "deadline_in_hours": -44,
        "deliverables": ["text", "photo"],
        "members": [("reporter", "reporter")],
        "status": "filed",
        "story": "hotline_streetlights",
    },
    {
        "key": "nanhu_parking_followup",
        "topic": "nanhu_streetlights",
        "title": "南湖片区夜间停车泊位施划进展回访",
        "brief": "跟进交警大队停车泊位施划进度和2家单位夜间开放停车场的落实情况，拍施划现场，采访居民感受。",
        "location": "示例县城关镇南湖社区",
        "starts_in_hours": 24,
        "deadline_in_hours": 50,
        "deliverables": ["text", "photo"],
        "members": [("reporter", "reporter")],
        "status": "accepted",
        "story": None,
    },
    {
        "key": "fire_brigade_video",
        "topic": "winter_fire_safety",
        "title": "走访县消防救援大队 拍摄冬季防火提示短视频",
        "brief": "请消防员演示电暖器、电动自行车充电等常见隐患，拍1条90秒竖屏短视频；另要3张现场图配简讯。",
        "location": "示例县消防救援大队",
        "starts_in_hours": -20,
        "deadline_in_hours": -4,
        "deliverables": ["video", "photo"],
        "members": [("reporter", "reporter")],
        "status": "accepted",
        "story": None,
    },
    {
        "key": "xintang_site_survey",
        "topic": "xintang_waterlogging",
        "title": "新塘村路口积水现场调查",
        "brief": "联系爆料人（13800001234）到现场；拍积水路口和排水沟堵塞点，测量积水深度；采访村民、村委会、东湖镇和县住建局，弄清堵塞原因、责任主体和整改时限。",
        "location": "示例县东湖镇新塘村",
        "starts_in_hours": 2,
        "deadline_in_hours": 26,
        "deliverables": ["text", "photo", "video"],
        "members": [("reporter", "reporter"), ("editor", "photographer")],
        "status": "assigned",
        "story": None,
    },
    {
        "key": "fishing_agritainment_visit",
        "topic": "fishing_village_agritainment",
        "title": "渔港村渔家乐经营户采访",
        "brief": "采访2至3户转型开渔家乐的渔民，了解客源、收入变化和经营难处；采访村支书谈休渔转产的整体情况。",
        "location": "示例县东湖镇渔港村",
        "starts_in_hours": 48,
        "deadline_in_hours": 72,
        "deliverables": ["text", "photo"],
        "members": [("reporter", "reporter")],
        "status": "assigned",
        "story": None,
    },
    {
        "key": "fishing_winter_catch",
        "topic": "fishing_village_agritainment",
        "title": "跟拍渔港村渔船冬捕作业",
        "brief": "清晨随渔船出湖，拍下网、起网和鱼获过秤；注意乘船安全，全程穿救生衣。素材用于专栏短视频。",
        "location": "示例县东湖镇渔港村",
        "starts_in_hours": -3,
        "deadline_in_hours": -1,
        "deliverables": ["photo", "video"],
        "members": [("reporter", "reporter"), ("editor", "camera")],
        "status": "on_site",
        "story": None,
    },
    {
        "key": "festival_visitor_videos",
        "topic": "donghu_winter_fishing_festival",
        "title": "冬捕文化节游客短视频征集与剪辑",
        "brief": "整理后台收到的游客投稿视频，挑选10条以上，剪一条2分钟合集，注意取得投稿人授权。抢单任务，谁有空谁接。",
        "location": "示例县融媒体中心",
        "starts_in_hours": -4,
        "deadline_in_hours": 20,
        "deliverables": ["video"],
        "members": [],
        "status": "open",
        "story": None,
    },
    {
        "key": "forest_patrol_follow",
        "topic": "winter_fire_safety",
        "title": "西岭乡护林员巡山跟拍",
        "brief": "随护林员巡山半天，拍巡护、无人机巡查和防火宣传画面；已安排摄像，还差一名文字记者。",
        "location": "示例县西岭乡西岭村",
        "starts_in_hours": 20,
        "deadline_in_hours": 44,
        "deliverables": ["text", "photo", "video"],
        "members": [("editor", "camera")],
        "status": "open",
        "story": None,
    },
]


if __name__ == "__main__":
    from collections import Counter

    print("plans", len(PLANS), "leads", Counter(lead["status"] for lead in LEADS))
    print("topics", Counter(topic["status"] for topic in TOPICS))
    print("assignments", Counter(a["status"] for a in ASSIGNMENTS))
