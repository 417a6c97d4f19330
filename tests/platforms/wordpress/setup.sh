#!/usr/bin/env bash
# TEST ONLY. Stands up a throwaway WordPress (Debian's `wordpress` package + PHP + MariaDB)
# whose posts embed a tribefund campaign. See README.md.
#
#   setup.sh <workdir> <wp_port> <tribefund_base_url> <db_name>
#
# The tribefund server must already be serving <tribefund_base_url> (setup renders every
# post once, which fetches and caches the oEmbed answers). Starts nothing that keeps
# running: serve.sh serves the site afterwards; teardown.sh drops the database.
#
# Environment (all optional):
#   WP_DB_HOST        MariaDB host for WordPress and the mysql client (default 127.0.0.1;
#                     "localhost:/run/mysqld/mysqld.sock" for the socket)
#   WP_DB_PORT        (default 3306, with a TCP host)
#   WP_DB_USER        (default root)     WP_DB_PASSWORD (default empty)
#   WP_ADMIN_USER     (default admin)    WP_ADMIN_PASSWORD (default tribefund-test-password)
#   TRIBEFUND_CAMPAIGN        campaign id to embed (default demo)
#   TRIBEFUND_UNTRUSTED_BASE_URL  the same server under a host the plugin does not register
#                     (default: <tribefund_base_url> with 127.0.0.1 and localhost swapped)
#   WORDPRESS_SRC     (default /usr/share/wordpress)
#   TRIBEFUND_WP_PLUGIN  the plugin folder (default: integrations/wordpress/tribefund of this repo)
#
# Writes <workdir>/wp (the site), <workdir>/posts.json (the posts' URLs and the admin's
# login) and <workdir>/setup.log. Exits non-zero with a message on stderr on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "setup.sh: $*" >&2; exit 1; }

[ $# -eq 4 ] || die "usage: setup.sh <workdir> <wp_port> <tribefund_base_url> <db_name>"
workdir="$1" port="$2" base="${3%/}" db="$4"

[[ "$port" =~ ^[0-9]{1,5}$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port '$port'"
[[ "$base" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] \
  || die "bad tribefund base URL '$3' (want scheme://host[:port], like http://127.0.0.1:18181)"
[[ "$db" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "bad database name '$db' (letters, digits, _)"
case "${db,,}" in mysql|information_schema|performance_schema|sys) die "refusing to use database '$db'";; esac

campaign="${TRIBEFUND_CAMPAIGN:-demo}"
[[ "$campaign" =~ ^[a-z0-9-]{1,64}$ ]] || die "bad campaign id '$campaign'"
if [ -n "${TRIBEFUND_UNTRUSTED_BASE_URL:-}" ]; then
  untrusted="${TRIBEFUND_UNTRUSTED_BASE_URL%/}"
elif [[ "$base" =~ ^(https?)://127\.0\.0\.1(:[0-9]+)?$ ]]; then
  untrusted="${BASH_REMATCH[1]}://localhost${BASH_REMATCH[2]}"
elif [[ "$base" =~ ^(https?)://localhost(:[0-9]+)?$ ]]; then
  untrusted="${BASH_REMATCH[1]}://127.0.0.1${BASH_REMATCH[2]}"
else
  die "set TRIBEFUND_UNTRUSTED_BASE_URL: another spelling of $base's host that reaches the same server"
fi
[ "$untrusted" != "$base" ] || die "TRIBEFUND_UNTRUSTED_BASE_URL must differ from the base URL"

db_host="${WP_DB_HOST:-127.0.0.1}" db_port="${WP_DB_PORT:-3306}"
db_user="${WP_DB_USER:-root}" db_password="${WP_DB_PASSWORD:-}"
admin_user="${WP_ADMIN_USER:-admin}" admin_password="${WP_ADMIN_PASSWORD:-tribefund-test-password}"
wordpress_src="${WORDPRESS_SRC:-/usr/share/wordpress}"
plugin_src="${TRIBEFUND_WP_PLUGIN:-$here/../../../integrations/wordpress/tribefund}"

# Prerequisites, each with what to install.
command -v php >/dev/null || die "no php (apt-get install php-cli php-mysql)"
php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || die "PHP has no mysqli (apt-get install php-mysql)"
command -v mysql >/dev/null || die "no mysql client (apt-get install mariadb-client)"
[ -f "$wordpress_src/wp-settings.php" ] || die "no WordPress at $wordpress_src (apt-get install wordpress)"
[ -f "$plugin_src/tribefund.php" ] || die "no tribefund plugin at $plugin_src"

# The mysql client: a socket path after "localhost:" or a TCP host and port.
if [[ "$db_host" == localhost:/* ]]; then
  mysql_args=(--protocol=socket -S "${db_host#localhost:}")
else
  mysql_args=(--protocol=tcp -h "$db_host" -P "$db_port")
fi
sql() { MYSQL_PWD="$db_password" mysql "${mysql_args[@]}" -u "$db_user" --batch -e "$1"; }
sql 'SELECT 1' >/dev/null 2>&1 \
  || die "cannot reach MariaDB as $db_user at $db_host (is mariadb-server running? try: mysql ${mysql_args[*]} -u $db_user)"

mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
log="$workdir/setup.log"
: >"$log"
start=$SECONDS

# 1. WordPress's files, symlinks resolved (Debian links wp-config.php's neighbours into
#    /etc and /var/lib); our own wp-config.php replaces Debian's (which reads /etc/wordpress).
rm -rf "$workdir/wp" "$workdir/posts.json"
cp -rL "$wordpress_src" "$workdir/wp" || die "copying $wordpress_src failed"
rm -f "$workdir/wp/.htaccess"
mkdir -p "$workdir/wp/wp-content/mu-plugins" "$workdir/wp/wp-content/themes" "$workdir/wp/wp-content/uploads"
cp "$here/mu-plugins/tribefund-test.php" "$workdir/wp/wp-content/mu-plugins/"
cp -r "$here/theme" "$workdir/wp/wp-content/themes/tribefund-test"
rm -rf "$workdir/wp/wp-content/plugins/tribefund"
cp -r "$plugin_src" "$workdir/wp/wp-content/plugins/tribefund"

salt() { php -r 'echo strtr(base64_encode(random_bytes(48)), "+/", "-_");'; }
php_str() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\\\'}"; }
{
  cat <<EOF
<?php
// TEST ONLY: written by tests/platforms/wordpress/setup.sh for a throwaway site.
define( 'DB_NAME', $(php_str "$db") );
define( 'DB_USER', $(php_str "$db_user") );
define( 'DB_PASSWORD', $(php_str "$db_password") );
define( 'DB_HOST', $(php_str "$([[ "$db_host" == localhost:/* ]] && echo "$db_host" || echo "$db_host:$db_port")") );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
\$table_prefix = 'wp_';

define( 'WP_HOME', 'http://127.0.0.1:$port' );
define( 'WP_SITEURL', 'http://127.0.0.1:$port' );
EOF
  for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    echo "define( '$key', '$(salt)' );"
  done
  cat <<'EOF'

define( 'WP_DEBUG', false );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
// No HTTP to the internet; this machine stays reachable (the tribefund server). 'localhost'
// and the blog's own host are always let through by WP_Http::block_request().
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
EOF
} >"$workdir/wp/wp-config.php"

# 2. A fresh database.
sql "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" \
  || die "could not create database $db"
# On failure from here on, drop it again (the files and setup.log stay, to look at).
trap 'sql "DROP DATABASE IF EXISTS \`$db\`;" >/dev/null 2>&1 || true' EXIT

# 3. Install, activate the plugin; 4. publish and render the posts, write posts.json.
run_php() {
  if ! php -d display_errors=stderr -d error_reporting=E_ALL\&~E_DEPRECATED\&~E_STRICT "$@" >>"$log" 2>&1; then
    echo "setup.sh: php $(basename "$1") failed; its output ($log):" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}
run_php "$here/install.php" "$workdir/wp" "$admin_user" "$admin_password" "admin@example.com" "$base"
run_php "$here/posts.php" "$workdir/wp" "$base" "$untrusted" "$campaign" "$workdir/posts.json" "$admin_user" "$admin_password"

trap - EXIT
cat "$log"
echo "setup.sh: WordPress ready in $((SECONDS - start))s: serve it with $here/serve.sh $workdir $port"
