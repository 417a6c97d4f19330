#!/usr/bin/env bash
# TEST ONLY. Serves the WordPress that setup.sh made, in the foreground, until killed:
#
#   serve.sh <workdir> <wp_port>
#
# PHP's built-in server, one process (no PHP_CLI_SERVER_WORKERS, so killing this pid stops
# everything). The site keeps plain ?p=ID permalinks, so no router script is needed.
# PHP's errors go to <workdir>/php-errors.log, not into the pages.
set -euo pipefail
die() { echo "serve.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: serve.sh <workdir> <wp_port>"
workdir="$1" port="$2"
[[ "$port" =~ ^[0-9]{1,5}$ ]] || die "bad port '$port'"
[ -f "$workdir/wp/wp-config.php" ] || die "no WordPress in $workdir/wp (run setup.sh first)"
workdir="$(cd "$workdir" && pwd)"
unset PHP_CLI_SERVER_WORKERS
exec php \
  -d display_errors=0 -d log_errors=1 -d error_log="$workdir/php-errors.log" \
  -S "127.0.0.1:$port" -t "$workdir/wp"
