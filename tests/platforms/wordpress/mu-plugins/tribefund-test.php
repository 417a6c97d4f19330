<?php
/**
 * Plugin Name: tribefund test harness (TEST ONLY)
 * Description: Lets this throwaway WordPress fetch oEmbed from a tribefund server on the loopback interface. Never install on a real site.
 *
 * TEST ONLY. Copied into wp-content/mu-plugins/ by tests/platforms/wordpress/setup.sh.
 *
 * WordPress fetches oEmbed (provider endpoints and discovery pages) with
 * wp_safe_remote_get(), i.e. with 'reject_unsafe_urls' => true, so every URL goes through
 * wp_http_validate_url() (wp-includes/http.php), which refuses:
 *   - a host that resolves to 127.0.0.0/8, 10/8, 172.16/12, 192.168/16 or 0/8, unless the
 *     'http_request_host_is_external' filter says otherwise (a host spelled exactly like
 *     the blog's own home host skips this check);
 *   - any explicit port but 80, 443 and 8080, unless the 'http_allowed_safe_ports' filter
 *     adds it (or the port is the blog's own port on the blog's own host).
 * Our tribefund server listens on 127.0.0.1:<some port> and is also reached as
 * localhost:<port> (the "unregistered provider" post), so both checks would refuse it.
 * The two filters below lift exactly those checks, for loopback hosts only; everything else
 * about WordPress's HTTP and oEmbed handling stays stock. (WP_HTTP_BLOCK_EXTERNAL in
 * wp-config.php keeps this WordPress from reaching anything but this machine.)
 */

defined( 'ABSPATH' ) || exit;

/** Whether $host names this machine's loopback interface. */
function tribefund_test_is_loopback( $host ) {
	$host = strtolower( trim( (string) $host, '.[]' ) );
	return 'localhost' === $host || '::1' === $host || 1 === preg_match( '/^127(\.\d{1,3}){3}$/', $host );
}

// Loopback hosts count as "external", so wp_safe_remote_get() may reach them.
add_filter(
	'http_request_host_is_external',
	function ( $external, $host ) {
		return $external || tribefund_test_is_loopback( $host );
	},
	10,
	2
);

// Any port is "safe" on a loopback host (the tribefund server's port is chosen by the test).
add_filter(
	'http_allowed_safe_ports',
	function ( $ports, $host, $url ) {
		$port = wp_parse_url( $url, PHP_URL_PORT );
		if ( $port && tribefund_test_is_loopback( $host ) && is_array( $ports ) ) {
			$ports[] = (int) $port;
		}
		return $ports;
	},
	10,
	3
);
