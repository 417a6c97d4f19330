#!/usr/bin/env bash
# TEST ONLY. Undoes setup.sh (stop serve.sh first):
#
#   teardown.sh <workdir> <db_name>
#
# Drops the database and removes <workdir>/wp and <workdir>/posts.json (setup.log and
# php-errors.log stay, for a failed test's report; the workdir itself is the caller's).
# Honours WP_DB_HOST, WP_DB_PORT, WP_DB_USER and WP_DB_PASSWORD as setup.sh does.
set -euo pipefail
die() { echo "teardown.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: teardown.sh <workdir> <db_name>"
workdir="$1" db="$2"
[[ "$db" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "bad database name '$db'"
case "${db,,}" in mysql|information_schema|performance_schema|sys) die "refusing to drop '$db'";; esac

db_host="${WP_DB_HOST:-127.0.0.1}" db_port="${WP_DB_PORT:-3306}"
if [[ "$db_host" == localhost:/* ]]; then
  mysql_args=(--protocol=socket -S "${db_host#localhost:}")
else
  mysql_args=(--protocol=tcp -h "$db_host" -P "$db_port")
fi
MYSQL_PWD="${WP_DB_PASSWORD:-}" mysql "${mysql_args[@]}" -u "${WP_DB_USER:-root}" --batch \
  -e "DROP DATABASE IF EXISTS \`$db\`;" || die "could not drop database $db"

if [ -f "$workdir/wp/wp-config.php" ]; then
  rm -rf "$workdir/wp"
fi
rm -f "$workdir/posts.json"
