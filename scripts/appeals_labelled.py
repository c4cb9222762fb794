"""Write warroom/appeals/data/labelled.csv: the appeals classifier's labelled set.

Written by hand as phrasings heard on a 12345 line during a closure (templates), filled
with places, relatives, medicines and foods. The split is by *phrasing*: every fourth
phrasing of a category is held out whole, so the test set measures text the model has
never seen worded that way (filling the same sentence with another compound would flatter
it). Run: ``.venv/bin/python scripts/appeals_labelled.py`` (deterministic).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "warroom" / "appeals" / "data" / "labelled.csv"

PLACES = [
    "百步亭花园",
    "锦绣龙城",
    "南湖花园",
    "复地东湖国际",
    "水岸星城",
    "丹水池小区",
    "常青花园",
    "后湖小区",
    "江汉一路",
    "汉阳造小区",
    "光谷天地",
    "竹叶山小区",
]
WHO = [
    "我父亲",
    "我母亲",
    "我爷爷",
    "我奶奶",
    "我老公",
    "我妻子",
    "我儿子",
    "我女儿",
    "我",
    "邻居家老人",
    "我岳父",
    "我婆婆",
]
DRUGS = [
    "降压药",
    "胰岛素",
    "降糖药",
    "抗凝药",
    "心脏病的药",
    "抗癫痫药",
    "哮喘喷雾",
    "抗排异药",
    "透析用品",
    "精神科药物",
]
FOODS = ["大米", "蔬菜", "食用油", "猪肉", "鸡蛋", "牛奶", "奶粉", "面条"]
HOSP = [
    "金银潭医院",
    "协和医院",
    "同济医院",
    "火神山医院",
    "方舱医院",
    "社区卫生服务中心",
    "发热门诊",
    "区医院",
]
DAYS = ["两", "三", "四", "五", "六", "七", "十"]

# category -> [(urgency, phrasing)]
T: dict[str, list[tuple[str, str]]] = {
    "admission": [
        ("immediate", "{who}确诊新冠{d}天了，一直没有床位，现在呼吸困难，求求你们安排住院"),
        ("immediate", "{place}有确诊病人在家等床，发烧39度，血氧只有88，急需收治"),
        ("immediate", "{who}核酸阳性，CT显示双肺感染，社区说没床，请帮忙协调{hosp}"),
        ("immediate", "疑似病例在家隔离{d}天没人管，越来越严重，请尽快安排入院"),
        ("immediate", "{who}高烧不退，咳嗽气喘，打了很多电话都排不上床位，救救我们"),
        ("urgent", "{who}是密切接触者，一直在家和家人住在一起，申请集中隔离"),
        ("immediate", "病人等床等了{d}天，今天已经喘不上气了，需要马上送医院"),
        ("immediate", "{place}一位老人确诊后在家等待收治，家里还有小孩，请求安排床位"),
        ("urgent", "发热病人在家没法隔离，申请去隔离点，社区一直说等通知"),
        ("immediate", "{who}重症，{hosp}说满了，请问哪里还能收治，人快不行了"),
        ("immediate", "确诊患者一家三口都在家，求分配方舱床位"),
        ("urgent", "{who}做了CT肺部有磨玻璃影，还没核酸结果，想尽快住院检查"),
    ],
    "medicine": [
        ("urgent", "{who}有高血压，{drug}只剩{d}天的量了，小区封闭出不去，怎么买药"),
        ("urgent", "{place}封控，{who}需要长期服用{drug}，药店关门了，请帮忙代购"),
        ("immediate", "{who}是糖尿病人，{drug}已经断了，血糖很高，急需送药"),
        ("urgent", "慢性病患者买不到{drug}，医院配药要跑很远，能否社区统一配送"),
        ("urgent", "{who}做完肾移植，{drug}不能停，快吃完了，请社区帮忙"),
        ("urgent", "请问封闭期间{drug}怎么开处方，网上药房没货"),
        ("urgent", "家里老人的{drug}吃完了，社区网格员电话打不通"),
        ("urgent", "{who}精神疾病需要{drug}，医院停诊，请帮助解决"),
        ("urgent", "{place}很多老人缺{drug}，希望组织一次集中送药"),
        ("immediate", "孩子哮喘发作，{drug}用完了，小区出不去"),
        ("urgent", "{who}癌症化疗期间需要止痛药，现在配不到"),
        ("urgent", "尿毒症病人的{drug}快没了，透析中心也不好去"),
    ],
    "groceries": [
        ("normal", "封控后蔬菜一天一个价，{food}涨到离谱，没人管吗"),
        ("normal", "社区保供点的{food}总是不够，去晚了就没有了"),
        ("normal", "团购群里的{food}质量很差，有的已经坏了"),
        ("urgent", "家里断粮两天了，能不能先送点{food}和{food2}过来"),
        ("normal", "{place}封闭{d}天了，团购的{food}一直没送到，家里快断粮了"),
        ("normal", "{food}价格涨得太离谱了，一斤要平时的三倍，请物价部门管一管"),
        ("normal", "社区团购只有套餐，{food}买不到，能不能增加品类"),
        ("urgent", "{who}独居老人不会网上买菜，家里已经没有{food}了"),
        ("normal", "{place}的超市{food}卖得太贵，还强制搭配，请查处"),
        ("normal", "团购的菜送到小区门口就走了，没人送上楼，老人拿不到"),
        ("normal", "请问什么时候能恢复{food}的供应，附近的菜场都关了"),
        ("normal", "{food}和{food2}团购下单{d}天了还没配送"),
        ("urgent", "家里有婴儿，{food}快喝完了，小区不让出门去买"),
        ("normal", "物业代购的{food}价格比超市高很多，收费不透明"),
        ("normal", "建议政府平价供应{food}，现在普通家庭吃不起"),
        ("normal", "{place}居民反映买菜难，希望开通定点配送"),
    ],
    "transport": [
        ("urgent", "{who}要去{hosp}复诊，叫不到车，社区能派车吗"),
        ("normal", "外地车辆进城需要什么证明"),
        ("urgent", "{who}需要每周去{hosp}透析，公交停运了，没有车怎么去"),
        ("urgent", "孕妇快到预产期了，封城没车，需要去{hosp}产检，请安排车辆"),
        ("normal", "我是医护人员，每天上下班没有交通工具，请问有没有专车"),
        ("normal", "在外地的{who}想回武汉，请问怎么办理通行"),
        ("urgent", "{who}需要去医院复查，出租车不让开，能否派车接送"),
        ("normal", "滞留在{place}的外地人想回老家，需要什么手续"),
        ("normal", "复工需要通行证，请问{place}在哪里办理"),
        ("urgent", "老人要去{hosp}化疗，社区能不能安排车送一下"),
        ("normal", "保供人员车辆被拦在路口，请问怎么办通行证明"),
        ("normal", "请问点对点返岗的车辆什么时候安排"),
        ("urgent", "出院病人回家没有车，医院让自己想办法"),
        ("normal", "志愿者送物资需要车辆通行，请帮忙开证明"),
    ],
    "complaint": [
        ("normal", "{place}居委会的人说话难听，还威胁我们不许投诉"),
        ("normal", "社区书记对群众反映的问题不闻不问"),
        ("normal", "隔离酒店的管理人员收红包才给换房间"),
        ("normal", "对{place}网格员的工作很不满意，要求换人"),
        ("normal", "{place}的网格员态度恶劣，打电话问情况直接挂断"),
        ("normal", "社区工作人员不作为，{who}发烧{d}天了没人来登记"),
        ("normal", "{place}物业强行收费才让团购进小区，请查处"),
        ("normal", "隔离点工作人员服务态度差，饭菜是冷的也没人管"),
        ("normal", "投诉{hosp}门口保安推搡病人家属"),
        ("normal", "社区干部优亲厚友，物资先发给自己熟人"),
        ("normal", "打12345反映了{d}次都没有人回复，太敷衍了"),
        ("normal", "{place}的志愿者把捐赠的{food}拿回家了，请调查"),
        ("normal", "居委会只会让我们等，问什么都说不知道，推诿扯皮"),
        ("normal", "封控执行简单粗暴，把单元门焊死了，万一着火怎么办"),
        ("normal", "测温点工作人员不戴口罩，存在交叉感染风险"),
        ("normal", "{hosp}医生拒绝接诊发热病人，要求追责"),
    ],
    "rumour": [
        ("urgent", "有人说{place}要封三个月，大家都在囤货，是真的吗"),
        ("urgent", "网传{food}里检测出了病毒，还能吃吗"),
        ("urgent", "网上说{place}出现了一百多个确诊，是真的吗，请官方辟谣"),
        ("urgent", "微信群里传{food}要断供了，大家都在抢购，是不是谣言"),
        ("urgent", "听说喝高度白酒能预防新冠，朋友圈都在转"),
        ("urgent", "有人说{hosp}尸体堆在走廊里，视频在传，请核实"),
        ("urgent", "网传明天开始全城断水断电，请问是真的吗"),
        ("urgent", "朋友圈传熏醋和板蓝根可以杀死病毒，这个说法对吗"),
        ("urgent", "群里说{place}的水源被污染了，大家都不敢喝水"),
        ("urgent", "有视频说要用直升机全城喷洒消毒水，让大家关窗，是谣言吗"),
        ("urgent", "网上有人冒充社区收隔离费，这是诈骗吗"),
        ("urgent", "传言解封推迟到年底，单位说要停发工资，请澄清"),
        ("urgent", "抖音上说{hosp}的医生都感染了不接诊了"),
        ("urgent", "有人在群里说吃大蒜能治好肺炎，老人都信了"),
    ],
    "data_error": [
        ("normal", "系统把我的隔离开始日期登记错了，多隔离了好几天"),
        ("normal", "通报的确诊人数和社区公示的对不上"),
        ("normal", "{who}的检测结果被录成了别人的名字"),
        ("normal", "行程卡显示我去过{place}，其实我从没去过"),
        ("normal", "{who}已经出院了，健康码还显示是确诊病人"),
        ("normal", "我核酸是阴性，系统里却登记成了阳性，请更正"),
        ("normal", "公布的{place}确诊名单里有我的名字，我根本没有感染"),
        ("normal", "{who}的隔离期早就满了，系统还显示在隔离中出不了门"),
        ("normal", "社区统计的住户信息把我家地址写错了，物资一直送错"),
        ("normal", "通报里的小区名称写错了，{place}根本没有病例"),
        ("normal", "健康码是红码，但我一直在家没出过门，请核查"),
        ("normal", "{who}去世了但系统里还显示在住院，需要更新"),
        ("normal", "我的身份证号被别人登记了，现在显示我是密接"),
        ("normal", "出院证明上的日期写错了，影响复工"),
        ("normal", "重复登记了两次，现在系统显示两个人"),
        ("normal", "核酸报告一直查不到，显示无记录"),
    ],
    "psychological": [
        ("urgent", "封闭太久了，{who}脾气越来越暴躁，一家人天天吵架"),
        ("urgent", "我总是控制不住地想哭，什么都不想做"),
        ("urgent", "有没有免费的心理咨询，{who}压力太大了"),
        ("immediate", "{who}刚才说要从楼上跳下去，求你们快来"),
        ("urgent", "{who}隔离在家{d}天，情绪很低落，整夜睡不着，想找心理医生"),
        ("immediate", "我实在撑不下去了，家人都感染了，我不想活了"),
        ("urgent", "孩子一个人在家隔离，天天哭，需要心理疏导"),
        ("urgent", "{who}失业加上封闭，整天焦虑，有没有心理热线"),
        ("urgent", "医护人员长期高强度工作，出现失眠和焦虑，请提供心理支持"),
        ("immediate", "{who}说活着没意思，把自己关在房间里，我很害怕"),
        ("urgent", "方舱里的病人很恐慌，希望有心理咨询师来"),
        ("urgent", "每天看到新闻就很害怕，心慌胸闷，是不是心理问题"),
        ("urgent", "老人独居很孤独，每天给我打电话哭，需要有人陪伴聊天"),
        ("immediate", "邻居一直在阳台上大喊大叫，好像精神崩溃了，请派人看看"),
        ("urgent", "出院后一直担心复发，不敢出门，精神压力很大"),
        ("urgent", "{who}的亲人去世后一直不说话，不吃东西"),
    ],
    "aftermath": [
        ("normal", "{who}去世后留下的房子和存款怎么办理继承"),
        ("normal", "请问遇难者家属有没有心理和经济上的帮扶政策"),
        ("normal", "{who}因新冠去世，骨灰什么时候可以领取"),
        ("normal", "{who}走了，家里只剩一个孩子，谁来照顾"),
        ("normal", "请问新冠去世人员的丧葬费用有没有补助"),
        ("normal", "{who}在{hosp}去世，遗物怎么领回来"),
        ("normal", "家里两位老人都病逝了，我想申请困难救助"),
        ("normal", "{who}是医护人员牺牲了，抚恤金怎么申请"),
        ("normal", "疫情期间去世的{who}什么时候能安葬"),
        ("normal", "孤儿的生活补贴在哪里申请，{place}社区说不清楚"),
        ("normal", "亲人的死亡证明开不出来，银行账户办不了"),
        ("normal", "想知道{who}最后在医院的情况，医院一直没有回复"),
        ("normal", "失独老人无人照料，请政府帮忙安排"),
        ("normal", "{who}去世后欠的医疗费是否可以减免"),
    ],
    "other": [
        ("routine", "请问{place}附近哪里可以理发"),
        ("routine", "小区门口的快递柜满了，包裹取不出来"),
        ("routine", "想咨询一下水电费能不能缓交"),
        ("routine", "{place}的健身器材坏了，什么时候修"),
        ("routine", "请问小区什么时候可以解封"),
        ("routine", "{place}的宠物狗没人喂，主人被隔离了"),
        ("routine", "房贷因为疫情还不上，银行能不能延期"),
        ("routine", "我想当志愿者，在哪里报名"),
        ("routine", "请问复工复产需要准备什么材料"),
        ("routine", "小区垃圾{d}天没人清运了，味道很大"),
        ("routine", "孩子网课需要打印资料，打印店都关了"),
        ("routine", "想给医院捐赠一批口罩，联系谁"),
        ("routine", "快递什么时候可以恢复派送"),
        ("routine", "租房合同到期了，房东要赶我走"),
        ("routine", "请问社保缴费可以延期吗"),
        ("routine", "{place}楼下路灯坏了，晚上太黑"),
    ],
}


def main() -> None:
    rng = random.Random(20200205)
    rows = []
    for category, phrasings in T.items():
        for i, (urgency, phrasing) in enumerate(phrasings):
            split = "test" if i % 4 == 3 else "train"
            seen = set()
            for _ in range(5):
                food, food2 = rng.sample(FOODS, 2)
                text = phrasing.format(
                    who=rng.choice(WHO),
                    place=rng.choice(PLACES),
                    drug=rng.choice(DRUGS),
                    food=food,
                    food2=food2,
                    hosp=rng.choice(HOSP),
                    d=rng.choice(DAYS),
                )
                if text in seen:
                    continue
                seen.add(text)
                rows.append((text, category, urgency, split))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "category", "urgency", "split"])
        w.writerows(rows)
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
