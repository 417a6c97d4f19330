<?php
/**
 * Plugin Name:       tribefund
 * Description:       Embed tribefund crowdfunding campaigns: a [tribefund] shortcode, a "tribefund campaign" block, and pasted campaign links that turn into the widget.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * License:           GPLv2 or later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       tribefund
 *
 * Install: copy this folder to wp-content/plugins/tribefund/ (or zip it and use
 * Plugins → Add New → Upload Plugin), activate it, then enter your tribefund server's
 * address under Settings → tribefund (for example https://fund.example.com).
 *
 * Use, in any post or page:
 *   - the block "tribefund campaign" (search "tribefund" in the block inserter);
 *   - the shortcode [tribefund campaign="demo" lang="zh-CN" theme="auto" accent="#1f6f5c" title="Walnut lamp"];
 *   - or a campaign's share link (https://fund.example.com/c/demo) pasted on its own line.
 * Add your blog's address to the campaign site's allowed origins (dashboard → Embed),
 * or the widget will refuse to show in your posts.
 */

defined( 'ABSPATH' ) || exit;

const TRIBEFUND_OPTION = 'tribefund_host';

/** The server's address, like https://fund.example.com (no trailing slash), or ''. */
function tribefund_host() {
	return (string) get_option( TRIBEFUND_OPTION, '' );
}

/**
 * Checks an address typed on the settings page. Keeps scheme://host[:port] only; anything
 * else keeps the previous value and shows an error.
 */
function tribefund_sanitize_host( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	$parts = preg_match( '#^https?://#i', $value ) ? wp_parse_url( esc_url_raw( $value, array( 'http', 'https' ) ) ) : false;
	$ok    = is_array( $parts )
		&& isset( $parts['scheme'], $parts['host'] )
		&& preg_match( '/^[a-z0-9.-]+$/i', $parts['host'] )
		&& ( ! isset( $parts['path'] ) || '/' === $parts['path'] )
		&& ! array_intersect_key( $parts, array_flip( array( 'query', 'fragment', 'user', 'pass' ) ) );
	if ( ! $ok ) {
		if ( function_exists( 'add_settings_error' ) ) { // Only loaded in the admin.
			add_settings_error(
				TRIBEFUND_OPTION,
				'tribefund_host_invalid',
				__( 'Enter the tribefund server\'s address only, like https://fund.example.com.', 'tribefund' )
			);
		}
		return tribefund_host();
	}
	$port = isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '';
	return esc_url_raw( strtolower( $parts['scheme'] . '://' . $parts['host'] ) . $port );
}

add_action(
	'admin_init',
	function () {
		register_setting(
			'tribefund',
			TRIBEFUND_OPTION,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => 'tribefund_sanitize_host',
			)
		);
	}
);

add_action(
	'admin_menu',
	function () {
		add_options_page( 'tribefund', 'tribefund', 'manage_options', 'tribefund', 'tribefund_settings_page' );
	}
);

function tribefund_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	?>
	<div class="wrap">
		<h1>tribefund</h1>
		<form method="post" action="options.php">
			<?php settings_fields( 'tribefund' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="tribefund_host"><?php esc_html_e( 'Server address', 'tribefund' ); ?></label></th>
					<td>
						<input type="url" class="regular-text code" id="tribefund_host" name="<?php echo esc_attr( TRIBEFUND_OPTION ); ?>"
							value="<?php echo esc_attr( tribefund_host() ); ?>" placeholder="https://fund.example.com">
						<p class="description"><?php esc_html_e( 'The address of the tribefund server your campaigns are on.', 'tribefund' ); ?></p>
					</td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}

/*
 * Pasted share links (HOST/c/ID) and widget links (HOST/embed/ID) become the widget. A
 * registered provider is trusted, so WordPress keeps the server's iframe as sent instead
 * of sandboxing it (a sandboxed widget cannot take pledges). The pattern is anchored and
 * takes http or https, as the server does.
 */
add_action(
	'init',
	function () {
		$host = tribefund_host();
		if ( '' === $host ) {
			return;
		}
		$bare = preg_replace( '#^https?://#i', '', $host );
		wp_oembed_add_provider(
			'#^https?://' . preg_quote( $bare, '#' ) . '/(?:c|embed)/[a-z0-9-]{1,64}/?(?:[?\#].*)?$#i',
			$host . '/oembed',
			true
		);
	}
);

/*
 * A pasted link's frame is the server's own iframe, which WordPress leaves at the height
 * the server named. The widget tells its height to the page (as it tells the loader); this
 * listener, only for frames of the configured server, sizes the frame to fit.
 */
add_action(
	'wp_footer',
	function () {
		$host = tribefund_host();
		if ( '' === $host || ! is_singular() ) {
			return;
		}
		$origin = wp_json_encode( $host );
		echo "<script>addEventListener('message',function(e){var d=e.data;if(e.origin!==" . $origin // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- JSON-encoded.
			. "||!d||d.type!=='tribefund:resize'||typeof d.height!=='number')return;"
			. "document.querySelectorAll('iframe').forEach(function(f){if(f.contentWindow===e.source&&!f.closest('.tribefund'))"
			. "f.style.height=Math.min(Math.max(Math.ceil(d.height),200),20000)+'px';});});</script>\n";
	}
);

/**
 * The embed: an empty slot for the widget, then the loader. Every value is checked and
 * escaped; a value that fails its check is dropped (the campaign: nothing is shown, and
 * editors get a notice).
 *
 * @param array $atts campaign, lang, theme, accent, title.
 * @param bool  $preview For the block editor: a plain iframe, since scripts inserted
 *                       into the editor do not run.
 */
function tribefund_render( $atts, $preview = false ) {
	$atts     = is_array( $atts ) ? $atts : array();
	$get      = function ( $key ) use ( $atts ) {
		return isset( $atts[ $key ] ) && is_scalar( $atts[ $key ] ) ? trim( (string) $atts[ $key ] ) : '';
	};
	$host     = tribefund_host();
	$campaign = $get( 'campaign' );
	if ( '' === $host || ! preg_match( '/^[a-z0-9-]{1,64}$/', $campaign ) ) {
		$why = '' === $host
			? __( 'tribefund: set the server address under Settings → tribefund.', 'tribefund' )
			: __( 'tribefund: the campaign id must be 1 to 64 lowercase letters, digits or hyphens.', 'tribefund' );
		if ( current_user_can( 'edit_posts' ) ) {
			return '<p class="tribefund-notice"><em>' . esc_html( $why ) . '</em></p>';
		}
		return '<!-- tribefund: not shown -->';
	}
	$lang   = in_array( $get( 'lang' ), array( 'zh-CN', 'en' ), true ) ? $get( 'lang' ) : '';
	$theme  = in_array( $get( 'theme' ), array( 'light', 'dark', 'auto' ), true ) ? $get( 'theme' ) : '';
	$accent = preg_match( '/^#[0-9a-fA-F]{6}$/', $get( 'accent' ) ) ? $get( 'accent' ) : '';
	$title  = mb_substr( sanitize_text_field( $get( 'title' ) ), 0, 200 );

	if ( $preview ) {
		$query = array_filter(
			array(
				'lang'   => $lang,
				'theme'  => $theme,
				'accent' => ltrim( $accent, '#' ),
			)
		);
		$src   = add_query_arg( $query, $host . '/embed/' . $campaign );
		return '<iframe src="' . esc_url( $src ) . '" title="' . esc_attr( $title ? $title : 'tribefund' )
			. '" style="display:block;width:100%;height:420px;border:0"></iframe>';
	}

	$data = array(
		'data-campaign' => $campaign,
		'data-lang'     => $lang,
		'data-theme'    => $theme,
		'data-accent'   => $accent,
		'data-title'    => $title,
	);
	$html = '<div class="tribefund" data-campaign="' . esc_attr( $campaign ) . '"></div>';
	// One tag per embed: the loader reads its own data-* attributes, so it is not enqueued.
	// phpcs:ignore WordPress.WP.EnqueuedResources.NonEnqueuedScript
	$html .= '<script src="' . esc_url( $host . '/embed.js' ) . '"';
	foreach ( $data as $name => $value ) {
		if ( '' !== $value ) {
			$html .= ' ' . $name . '="' . esc_attr( $value ) . '"';
		}
	}
	return $html . ' async></script>';
}

add_shortcode(
	'tribefund',
	function ( $atts ) {
		$atts = shortcode_atts(
			array(
				'campaign' => '',
				'lang'     => '',
				'theme'    => '',
				'accent'   => '',
				'title'    => '',
			),
			$atts,
			'tribefund'
		);
		return tribefund_render( $atts );
	}
);

add_action(
	'init',
	function () {
		register_block_type( __DIR__ . '/block' );
	}
);
