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
medisup() { .venv/bin/medisup "$@"; }
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "初始化数据库并登记自治区医保局（规则包 nm-2024）"
medisup init --code 150000 --name 内蒙古自治区医疗保障局 --pack nm-2024

step "建立部门树：市、县两级"
medisup dept add 150100 呼和浩特市医疗保障局 --quota 40
medisup dept add 150102 新城区医疗保障局 --parent 150100 --quota 12
medisup dept add 150103 回民区医疗保障局 --parent 150100 --quota 10
medisup dept add 150200 包头市医疗保障局 --quota 30
medisup dept list

step "规则包"
medisup pack list

if [ -x scripts/demo_main_job.sh ]; then
  bash scripts/demo_main_job.sh
fi

step "审计日志（最近 10 条）与哈希链校验"
medisup audit log --limit 10
medisup audit verify
step "数据库版本与备份"
medisup db current
medisup db backup "$out/backup/medisup-backup.db"
echo
echo "演示数据位于 $out/（数据库 $out/data/medisup.db）。"
