#!/usr/bin/env bash
# 定时审查：续聘审查、解聘审查（可选 --apply 执行自然解聘）和年度审查报告。
#
# 无任何提示（--no-input），结果写入 $MEDISUP_REVIEW_DIR（默认 ./审查结果）：
#   续聘审查-日期.json、解聘审查-日期.json、年度审查-年度.json、年度审查-年度.xlsx
# 退出码：0 没有发现问题；1 有发现问题（需要处理）；2 用法错误；3 数据库或数据错误。
#
# 环境变量（均可不设）：
#   MEDISUP             medisup 命令（默认 medisup）
#   MEDISUP_DEPT        审查的部门（默认取配置文件）
#   MEDISUP_REVIEW_DIR  结果目录
#   REVIEW_YEAR         年度审查的年份（默认：上一年）
#   RENEWAL_WITHIN      续聘审查看多少天内届满（默认 60）
#   APPLY=1             执行规则包规定自动发生的事项（广西：到期未续聘自然解聘）；重复执行不会重复处理
#   AS_OF               回放某一天的审查（YYYY-MM-DD，默认今天）
set -uo pipefail

medisup="${MEDISUP:-medisup}"
out="${MEDISUP_REVIEW_DIR:-./审查结果}"
as_of="${AS_OF:-$(date +%F)}"
year="${REVIEW_YEAR:-$(( $(date -d "$as_of" +%Y) - 1 ))}"
within="${RENEWAL_WITHIN:-60}"
apply=()
[ "${APPLY:-0}" = 1 ] && apply=(--apply --yes)

mkdir -p "$out" || exit 3
status=0
run() {  # run one review; keep the worst exit status (3 > 2 > 1 > 0)
  local target=$1; shift
  "$medisup" --no-input "$@" > "$target.tmp"
  local rc=$?
  if [ "$rc" -le 1 ]; then mv "$target.tmp" "$target"; else rm -f "$target.tmp"; fi
  [ "$rc" -gt "$status" ] && status=$rc
  return 0
}

run "$out/续聘审查-$as_of.json" review renewals --within "$within" --as-of "$as_of" \
  --format json --fail-on-findings
run "$out/解聘审查-$as_of.json" review terminations --as-of "$as_of" "${apply[@]}" \
  --format json --fail-on-findings
run "$out/年度审查-$year.json" review annual --year "$year" --as-of "$as_of" \
  --out "$out/年度审查-$year.xlsx" --format json --fail-on-findings

exit "$status"
