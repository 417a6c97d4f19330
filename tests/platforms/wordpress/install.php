<?php
/**
 * TEST ONLY. Run by setup.sh (PHP CLI), not by hand:
 *   php install.php <wp_dir> <admin_user> <admin_password> <admin_email> <tribefund_base_url>
 *
 * Installs WordPress into the (empty) database named in <wp_dir>/wp-config.php, switches to
 * the "tribefund test" theme, keeps plain ?p=ID permalinks, activates the tribefund plugin
 * and saves its server address. The posts are made by posts.php, in a fresh process, since
 * the plugin hooks 'init', which has already run here.
 */

if ( 'cli' !== PHP_SAPI ) {
	exit( 1 );
}

function tf_fail( $message ) {
	fwrite( STDERR, "install.php: $message\n" );
	exit( 1 );
}

if ( 6 !== count( $argv ) ) {
	tf_fail( 'usage: php install.php <wp_dir> <admin_user> <admin_password> <admin_email> <tribefund_base_url>' );
}
list( , $wp_dir, $admin_user, $admin_password, $admin_email, $tribefund_base ) = $argv;

// wp-config.php names the site (WP_HOME); WordPress still reads the request's host here and there.
$_SERVER['HTTP_HOST']       = '127.0.0.1';
$_SERVER['SERVER_NAME']     = '127.0.0.1';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';

define( 'WP_INSTALLING', true );
require $wp_dir . '/wp-load.php';

// Pluggable: no "your new site" mail (there is no mailer here).
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {}

require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

if ( is_blog_installed() ) {
	tf_fail( 'WordPress is already installed in database ' . DB_NAME . ' (setup.sh drops it first; is another run using it?)' );
}

// wp_install() probes pretty permalinks by requesting the site over HTTP; whatever may be
// listening on the port now, answer no, so the site keeps plain ?p=ID links (php -S has
// no rewrite rules).
add_filter(
	'pre_http_request',
	function () {
		return new WP_Error( 'http_request_failed', 'No HTTP while installing.' );
	}
);

$installed = wp_install( 'tribefund test blog', $admin_user, $admin_email, true, '', $admin_password );
if ( empty( $installed['user_id'] ) || is_wp_error( $installed['user_id'] ) ) {
	tf_fail( 'wp_install() failed: ' . print_r( $installed, true ) );
}

global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '' );
update_option( 'permalink_structure', '' );

switch_theme( 'tribefund-test' );
if ( 'tribefund-test' !== get_option( 'stylesheet' ) || wp_get_theme()->errors() ) {
	tf_fail( 'could not switch to the tribefund-test theme' );
}

$activated = activate_plugin( 'tribefund/tribefund.php' );
if ( is_wp_error( $activated ) ) {
	tf_fail( 'activating the tribefund plugin failed: ' . $activated->get_error_message() );
}
if ( ! function_exists( 'tribefund_sanitize_host' ) ) {
	tf_fail( 'the tribefund plugin is active but tribefund_sanitize_host() is missing' );
}

// The address as the plugin's own settings page would save it.
$host = tribefund_sanitize_host( $tribefund_base );
if ( '' === $host || rtrim( strtolower( $tribefund_base ), '/' ) !== $host ) {
	tf_fail( "the plugin does not take '$tribefund_base' as a server address (it made '$host')" );
}
update_option( 'tribefund_host', $host );

echo "installed WordPress {$GLOBALS['wp_version']} (admin user id {$installed['user_id']}), theme tribefund-test, plugin tribefund active, tribefund_host=$host\n";
