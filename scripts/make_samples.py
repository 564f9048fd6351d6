"""Build the sample workbooks in samples/: a city roster and a lead ledger as bureaus make
them (merged title, filler rows, notes below the table), each with a copy holding a few
deliberate mistakes to show the error workbook.  Re-run after changing the samples:
``.venv/bin/python scripts/make_samples.py``."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

OUT = Path(__file__).resolve().parent.parent / "samples"
rng = random.Random(20260105)

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number(region: str, birth: date, seq: int, male: bool) -> str:
    seq = seq * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def credit_code(region: str, serial: int) -> str:
    org = f"{serial:08d}"
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum(int(d) * w for d, w in zip(org, weights)) % 11
    org += "X" if c == 10 else ("0" if c == 11 else str(c))
    body = "52" + region + org if serial % 2 else "91" + region + org
    total = sum(CC_CHARS.index(ch) * w for ch, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - total % 31) % 31]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN_M = ["建国", "志强", "海军", "文斌", "宏伟", "永刚", "振华", "晓东", "立新", "国庆", "俊杰", "明辉", "巴特尔", "额尔敦", "宝音", "朝鲁"]
GIVEN_F = ["秀英", "丽娟", "桂兰", "海燕", "晓梅", "红霞", "雅琴", "慧敏", "春燕", "淑芬", "萨仁", "乌云", "其其格", "娜仁"]
ETHNIC = ["汉族"] * 7 + ["蒙古族"] * 3 + ["回族", "满族"]
CATEGORIES = ["人大代表", "政协委员", "媒体代表", "定点医药机构代表", "专家学者", "参保群众", "其他社会人士"]
UNITS = ["内蒙古医科大学附属医院 主任医师", "呼和浩特市第一医院 护士长", "内蒙古日报社 记者",
         "新城区海拉尔东路街道 社区主任", "内蒙古大学法学院 副教授", "某会计师事务所 注册会计师",
         "回民区光明路社区 居民", "内蒙古工业大学 退休教师", "市人大常委会 代表", "市政协 委员",
         "草原药房连锁 质量负责人", "赛罕区人民医院 药剂科主任"]
DEPTS = [("150102", "新城区"), ("150103", "回民区"), ("150100", "呼和浩特市本级")]

HOSPITALS = [("呼和浩特市第一医院", 11), ("新城区人民医院", 13), ("内蒙古国际蒙医医院", 15),
             ("回民区中医医院", 17), ("呼和浩特市妇幼保健院", 19)]
PHARMACIES = [("草原药房连锁有限公司新华大街店", 22), ("康仁堂大药房回民区店", 24),
              ("百姓大药房海拉尔东路店", 26)]

thin = Side(style="thin", color="999999")
BORDER = Border(left=thin, right=thin, top=thin, bottom=thin)


def people(n: int) -> list[dict]:
    out = []
    for i in range(n):
        male = rng.random() < 0.55
        birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
        dept, _ = DEPTS[i % len(DEPTS)]
        region = rng.choice(["150102", "150103", "150104", "150105", "150121"])
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_M if male else GIVEN_F)
        cats = [CATEGORIES[i % len(CATEGORIES)]]
        if i % 9 == 0:
            cats.append("参保群众")
        channel = ["公开选聘", "个人自荐", "单位推荐", "特邀聘任"][i % 4]
        out.append({
            "name": name, "gender": "男" if male else "女", "ethnicity": rng.choice(ETHNIC),
            "birth": birth, "id": id_number(region, birth, 100 + i, male),
            "phone": f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}",
            "unit": UNITS[i % len(UNITS)], "categories": "、".join(dict.fromkeys(cats)),
            "channel": channel,
            "recommender": "呼和浩特市人大常委会" if channel in ("单位推荐", "特邀聘任") else "",
            "dept": dept, "start": date(2026, 1, 1),
        })
    return out


def title_block(ws, title: str, subtitle: str, width: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, title).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1, subtitle)


def header(ws, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, 1):
        cell = ws.cell(row, col, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


ROSTER_HEADERS = ["序号", "姓名", "性别", "民族", "出生年月", "公民身份号码", "人员类别",
                  "工作单位及职务", "手机号", "聘任方式", "推荐单位", "所属部门代码", "聘期起始", "备注"]


def roster(path: Path, rows: list[dict], *, mistakes: bool = False) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "监督员花名册"
    title_block(ws, "呼和浩特市医疗保障基金社会监督员花名册",
                "填报单位（盖章）：呼和浩特市医疗保障局　　　　填报日期：2025年12月20日", len(ROSTER_HEADERS))
    header(ws, 4, ROSTER_HEADERS)
    date_styles = ["{:%Y年%-m月}", "{:%Y.%m}", "{:%Y-%m-%d}", "{:%Y/%-m/%-d}"]
    for i, p in enumerate(rows, 1):
        birth = date_styles[i % 4].format(p["birth"])
        values = [i, p["name"], p["gender"], p["ethnicity"], birth, p["id"], p["categories"],
                  p["unit"], p["phone"], p["channel"], p["recommender"], p["dept"],
                  "2026年1月1日" if i % 2 else p["start"], ""]
        r = 4 + i
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col, value)
            cell.border = BORDER
            if col in (6, 9):
                cell.number_format = "@"
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if mistakes:
        ws.cell(6, 6).value = ws.cell(6, 6).value[:-1] + ("0" if ws.cell(6, 6).value[-1] != "0" else "1")
        ws.cell(6, 14, "身份证号末位有误")
        ws.cell(8, 6).value = float(ws.cell(8, 6).value[:17])  # Excel turned it into a number
        ws.cell(8, 6).number_format = "0.00E+00"
        ws.cell(9, 3, "男" if ws.cell(9, 3).value == "女" else "女")
        ws.cell(10, 7, "离退休干部")
        ws.cell(11, 13, "2026-02-30")
        for col in range(1, len(ROSTER_HEADERS) + 1):
            ws.cell(12, col).value = ws.cell(7, col).value
        ws.cell(12, 1, 8)
    end = 4 + len(rows) + 2
    ws.cell(end, 1, "填表说明：1. 身份证号码、手机号请设置为文本格式；2. 人员类别可填多项，用顿号分隔。")
    ws.cell(end + 1, 1, "制表人：李晓梅　　审核人：王建国")
    widths = [6, 10, 6, 8, 12, 22, 20, 30, 14, 12, 20, 12, 14, 16]
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[ws.cell(4, col).column_letter].width = w
    ws.freeze_panes = "A5"
    wb.save(path)


LEDGER_HEADERS = ["线索编号", "受理日期", "反映人", "反映人身份证号", "反映方式", "对象类型",
                  "被反映对象", "统一社会信用代码", "问题类别", "线索内容", "涉及金额（元）", "承办科室"]


def ledger(path: Path, supervisors: list[dict], *, mistakes: bool = False) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "线索登记台账"
    title_block(ws, "医疗保障基金社会监督员反映线索登记台账（2026年第一季度）",
                "单位：呼和浩特市医疗保障局基金监管科", len(LEDGER_HEADERS))
    header(ws, 3, LEDGER_HEADERS)
    cases = [
        ("定点医疗机构", HOSPITALS[0], "A2", "反映该院存在挂床住院现象，部分住院患者夜间不在院。", 38600),
        ("定点医疗机构", HOSPITALS[1], "A7", "门诊检查项目存在重复收费。", 12450.5),
        ("定点零售药店", PHARMACIES[0], "B1", "药店用医保卡为顾客购买洗发水、奶粉等生活用品。", 2380),
        ("定点医疗机构", HOSPITALS[2], "虚构医药服务，伪造医疗文书和票据，骗取医疗保障基金的", "伪造住院病历，虚增治疗项目。", 156000),
        ("参保人员", ("张某某（参保人）", None), "C2", "将本人医保卡转借他人就医。", 860),
        ("定点零售药店", PHARMACIES[1], "串换药品", "将非医保药品串换为医保药品结算。", 5420),
        ("医疗保障部门或经办机构", ("某旗医保经办窗口", None), "D4", "窗口工作人员办事推诿。", None),
        ("定点医疗机构", HOSPITALS[3], "A6、A7", "过度检查并分解项目收费。", 23400),
        ("定点医疗机构", HOSPITALS[4], "A5", "串换诊疗项目。", 9100),
        ("其他", ("某健康咨询公司", None), "E1", "组织参保人虚假就医。", 45000),
    ]
    for i, (kind, (target, serial), items, text, amount) in enumerate(cases, 1):
        sup = supervisors[(i * 3) % len(supervisors)]
        received = date(2026, 1, 5) + timedelta(days=i * 6)
        values = ["", received if i % 3 else f"{received:%Y年%-m月%-d日}", sup["name"], sup["id"],
                  ["电话", "来函", "来访", "电子邮件"][i % 4], kind, target,
                  credit_code("150102", serial) if serial else "", items, text, amount,
                  "基金监管科"]
        r = 3 + i
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col, value)
            cell.border = BORDER
            if col in (4, 8):
                cell.number_format = "@"
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if mistakes:
        ws.cell(5, 9, "A12")                      # no such item
        ws.cell(6, 6, "定点医疗机构")               # B1 against a hospital
        ws.cell(7, 11, -200)                      # negative amount
        ws.cell(8, 4, id_number("150102", date(1970, 5, 5), 999, True))  # not a supervisor
        ws.cell(9, 11, "约五千元")                  # not a number
    end = 3 + len(cases) + 2
    ws.cell(end, 1, "注：问题类别可填代码（如 A2）或《办法》第八条原文；多项用顿号分隔。")
    widths = [16, 14, 10, 22, 10, 16, 28, 22, 18, 40, 14, 12]
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[ws.cell(3, col).column_letter].width = w
    ws.freeze_panes = "A4"
    wb.save(path)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rows = people(36)
    roster(OUT / "呼和浩特市监督员花名册.xlsx", rows)
    roster(OUT / "呼和浩特市监督员花名册-含错误.xlsx", rows, mistakes=True)
    ledger(OUT / "线索登记台账-2026Q1.xlsx", rows)
    ledger(OUT / "线索登记台账-2026Q1-含错误.xlsx", rows, mistakes=True)
    print("samples written to", OUT)


if __name__ == "__main__":
    main()
