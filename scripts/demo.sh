#!/usr/bin/env bash
# The main job end to end on the embedded SQLite default, in a scratch user directory
# (demo-output/), so a newcomer sees what a bureau sees without touching real data.
set -euo pipefail
cd "$(dirname "$0")/.."
out=demo-output
rm -rf "$out"
mkdir -p "$out"
export MEDISUP_CONFIG_DIR="$PWD/$out/config" MEDISUP_DATA_DIR="$PWD/$out/data"
export MEDISUP_OPERATOR="${MEDISUP_OPERATOR:-示例操作员}"
export COLUMNS="${COLUMNS:-160}"
medisup() { .venv/bin/medisup "$@"; }
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
# A step that is meant to find problems: show them, note the exit code, carry on.
expect_problems() {
  set +e; "$@"; local rc=$?; set -e
  if [ "$rc" = 0 ]; then echo "（退出码 0：未发现问题）"; else echo "（退出码 $rc：如上所述）"; fi
}

roster=samples/呼和浩特市监督员花名册.xlsx
roster_bad=samples/呼和浩特市监督员花名册-含错误.xlsx
ledger=samples/线索登记台账-2026Q1.xlsx
ledger_bad=samples/线索登记台账-2026Q1-含错误.xlsx

step "1. 初始化数据库，登记自治区医保局（规则包 nm-2024），建立市、县两级部门"
medisup init --code 150000 --name 内蒙古自治区医疗保障局 --pack nm-2024
medisup dept add 150100 呼和浩特市医疗保障局 --quota 40
medisup dept add 150102 新城区医疗保障局 --parent 150100 --quota 12
medisup dept add 150103 回民区医疗保障局 --parent 150100 --quota 15
medisup dept list

step "2. 规则包：内蒙古办法第八条的线索分类"
medisup lead taxonomy

step "3. 导入市局报来的花名册——先导入含错误的那份：逐行指出错误，并把标注好的工作簿交回"
expect_problems medisup import supervisors "$roster_bad" --errors "$out/花名册-错误说明.xlsx"
echo "已生成 $out/花名册-错误说明.xlsx：在原表右侧增加“错误说明”列，出错单元格标红并附批注。"

step "4. 导入正确的花名册（全部成功或全部不写），再导入一次：没有任何变化"
medisup import supervisors "$roster"
medisup import supervisors "$roster"
medisup supervisor list --department 150102

step "5. 窗口受理一份新申请：资格逐条审查并注明条款，批准后聘期自动计算"
new_id=150103198808080204
medisup --dept 150103 supervisor apply --name 其其格 --id-number "$new_id" --phone 13947100001 \
  --category 专家学者 --channel 个人自荐 --work-unit "内蒙古医科大学 副教授" --on 2026-01-02 \
  --all-met --explain
medisup --dept 150103 supervisor approve "$new_id" --start 2026-01-05
medisup --dept 150103 supervisor show "$new_id"

step "5a. 签发聘书：为尚无聘书的监督员批量签发，另存合并 PDF 一次打印；核验一份"
medisup certificate issue --pending --on 2026-01-06 --out "$out/聘书" --combined "$out/聘书-合并打印.pdf"
medisup certificate list --department 150103
first_cert=$(medisup certificate list --department 150103 --format csv | sed -n 2p | cut -d, -f1)
medisup certificate verify "$first_cert"
echo "合并打印文件：$out/聘书-合并打印.pdf（A4 横向，一页一份聘书，字体已嵌入）"

step "6. 监督员田萨仁申报与呼和浩特市第一医院存在利害关系（回避，第九条（四））"
medisup supervisor interests 150103198210172067 add --name 呼和浩特市第一医院 \
  --credit-code 521501020000001158 --on 2026-01-02

step "7. 导入一季度线索台账——含错误的一份先被拒绝，正确的一份全部登记"
expect_problems medisup import leads "$ledger_bad"
medisup import leads "$ledger"

step "8. 线索办理：受理 → 查实 → 办结；查看逾期线索（按 2026-03-31 回放）"
first=150102-2026-0001
medisup lead update "$first" --to in_progress --unit 基金监管科 --on 2026-01-20
medisup lead update "$first" --to verified --verified-amount 38600 --on 2026-02-10
medisup lead update "$first" --to closed --recovered-amount 38600 --on 2026-02-20
medisup lead show "$first"
medisup lead list --overdue --as-of 2026-03-31

step "9. 监督员本人提出辞聘（聘书随之作废）；记录一次违反纪律（第九条）"
quit_id=$(medisup supervisor list --department 150102 --all --format json --reveal | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[-1]["id_number"])')
medisup --dept 150102 supervisor terminate "$quit_id" --ground resigned --on 2026-06-30 --note 本人书面申请 --yes
quit_cert=$(medisup certificate list --department 150102 --status revoked --format csv | sed -n 2p | cut -d, -f1)
expect_problems medisup certificate verify "$quit_cert"
medisup --dept 150102 supervisor discipline "$(medisup supervisor list --department 150102 --all --format json --reveal | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["id_number"])')" \
  --rule secrecy --on 2026-05-12 --note 在微信群转发未公开的检查信息

step "10. 监督检查：推荐人选——与呼和浩特市第一医院有利害关系的田萨仁被排除（回避，第九条（四））"
medisup --dept 150102 activity propose --kind 监督检查 --institution 呼和浩特市第一医院 \
  --credit-code 521501020000001158 -n 3 --on 2026-06-15
ids=$(medisup --dept 150102 activity propose --kind 监督检查 --institution 呼和浩特市第一医院 \
  --credit-code 521501020000001158 -n 3 --on 2026-06-15 --format json --reveal \
  | .venv/bin/python -c 'import json,sys; print(" ".join(c["id_number"] for c in json.load(sys.stdin)["proposed"]))')
args=(); for id in $ids; do args+=(--participant "$id"); done
medisup --dept 150102 activity add --kind 监督检查 --on 2026-06-15 --topic 住院病历专项检查 \
  --institution 呼和浩特市第一医院 --credit-code 521501020000001158 "${args[@]}"
echo "把有利害关系的田萨仁列为参加人会被拒绝："
expect_problems medisup --dept 150102 activity add --kind 监督检查 --on 2026-06-16 --topic 复查 \
  --institution 呼和浩特市第一医院 --credit-code 521501020000001158 --participant 150103198210172067
medisup --dept 150102 activity attend 150102-HD-2026-0001 --attended "${ids%% *}"
medisup activity list

step "11. 审查：续聘、解聘与年度审查（按 2026-12-01 回放），年度报告写入 Excel"
medisup review renewals --within 60 --as-of 2026-12-01
medisup review terminations --as-of 2026-12-01
expect_problems medisup review annual --year 2026 --as-of 2026-12-01 --out "$out/2026年度审查.xlsx" --fail-on-findings
echo "年度审查报告：$out/2026年度审查.xlsx（每部分一张工作表，线索表附图表）"

step "12. 一致性检查"
expect_problems medisup check

step "13. 导出：默认遮蔽个人信息；导入模板带下拉选项"
medisup export supervisors "$out/监督员名单.xlsx"
medisup export template supervisors "$out/监督员导入模板.xlsx"

step "14. 审计日志（最近 10 条）与哈希链校验；数据库版本与在线备份"
medisup audit log --limit 10
medisup audit verify
medisup db current
medisup db backup "$out/backup/medisup-backup.db"
echo
echo "演示数据位于 $out/（数据库 $out/data/medisup.db；聘书、年度审查报告、导出文件与错误说明工作簿也在其中）。"
