<?php
/**
 * TEST ONLY. Run by setup.sh (PHP CLI) after install.php, not by hand:
 *   php posts.php <wp_dir> <tribefund_base_url> <untrusted_base_url> <campaign> <posts_json> <admin_user> <admin_password>
 *
 * Publishes four posts embedding the campaign, renders each once as a logged-out reader
 * would (which also fetches and caches the oEmbed answers of the two link posts in post
 * meta, as WordPress does on a first view), checks the HTML, and writes posts.json.
 *
 *   shortcode       [tribefund campaign="…" lang="en"]
 *   block           <!-- wp:tribefund/campaign {"campaign":"…","lang":"en"} /-->
 *   trusted_link    <base>/c/<id> pasted in the block editor (a core/embed block): the
 *                   plugin registered <base> as an oEmbed provider, so WordPress keeps the
 *                   server's iframe as sent (no sandbox).
 *   sandboxed_link  the same page spelt with another host (<untrusted_base>/c/<id>): no
 *                   registered provider matches, WordPress discovers the oEmbed endpoint
 *                   through the page's <link rel="alternate" type="application/json+oembed">,
 *                   and wp_filter_oembed_result() sandboxes the iframe — what a blog without
 *                   the plugin gets.
 */

if ( 'cli' !== PHP_SAPI ) {
	exit( 1 );
}

function tf_fail( $message ) {
	fwrite( STDERR, "posts.php: $message\n" );
	exit( 1 );
}

if ( 8 !== count( $argv ) ) {
	tf_fail( 'usage: php posts.php <wp_dir> <tribefund_base_url> <untrusted_base_url> <campaign> <posts_json> <admin_user> <admin_password>' );
}
list( , $wp_dir, $base, $untrusted, $campaign, $posts_json, $admin_user, $admin_password ) = $argv;
$base      = rtrim( $base, '/' );
$untrusted = rtrim( $untrusted, '/' );

$_SERVER['HTTP_HOST']       = '127.0.0.1';
$_SERVER['SERVER_NAME']     = '127.0.0.1';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';

require $wp_dir . '/wp-load.php';

if ( ! function_exists( 'tribefund_render' ) || ! shortcode_exists( 'tribefund' ) ) {
	tf_fail( 'the tribefund plugin is not loaded (did install.php activate it?)' );
}
if ( ! WP_Block_Type_Registry::get_instance()->is_registered( 'tribefund/campaign' ) ) {
	tf_fail( 'the block tribefund/campaign is not registered' );
}

$share     = "$base/c/$campaign";
$alias     = "$untrusted/c/$campaign";
$oembed    = _wp_oembed_get_object();
if ( false === $oembed->get_provider( $share, array( 'discover' => false ) ) ) {
	tf_fail( "the plugin did not register $base as an oEmbed provider (tribefund_host=" . get_option( 'tribefund_host' ) . ')' );
}
if ( false !== $oembed->get_provider( $alias, array( 'discover' => false ) ) ) {
	tf_fail( "$untrusted matches a registered oEmbed provider, so it cannot stand for an unregistered one" );
}

// Can WordPress's own HTTP client (with the test mu-plugin's allowances) reach the server?
foreach ( array( $share, $alias ) as $page ) {
	$response = wp_safe_remote_get( $page, array( 'timeout' => 10 ) );
	if ( is_wp_error( $response ) ) {
		tf_fail( "WordPress could not fetch $page: " . $response->get_error_message() . ' (is the tribefund server running? is mu-plugins/tribefund-test.php in place?)' );
	}
	$code = wp_remote_retrieve_response_code( $response );
	if ( 200 !== $code ) {
		tf_fail( "WordPress fetched $page and got HTTP $code (is there a campaign '$campaign'?)" );
	}
	if ( false === stripos( wp_remote_retrieve_body( $response ), 'application/json+oembed' ) ) {
		tf_fail( "$page has no oEmbed discovery link" );
	}
}
// WordPress asks the discovered endpoint about the URL as pasted (WP_oEmbed::fetch() sets
// its own url=), so the server must take the other host spelling as its own: it does when
// it builds its links from the request's Host, i.e. runs without --public-url.
$probe = wp_safe_remote_get( "$untrusted/oembed?format=json&url=" . rawurlencode( $alias ), array( 'timeout' => 10 ) );
if ( is_wp_error( $probe ) || 200 !== wp_remote_retrieve_response_code( $probe ) ) {
	tf_fail(
		"the server does not answer oEmbed for $alias (" . ( is_wp_error( $probe ) ? $probe->get_error_message() : 'HTTP ' . wp_remote_retrieve_response_code( $probe ) )
		. '): run it without --public-url, so that it takes the host of each request, or set TRIBEFUND_UNTRUSTED_BASE_URL to a host it answers for'
	);
}

$admin = get_user_by( 'login', $admin_user );
if ( ! $admin ) {
	tf_fail( "no user $admin_user" );
}
wp_set_current_user( $admin->ID );

$campaign_json = wp_json_encode( array( 'campaign' => $campaign, 'lang' => 'en' ) );
$intro         = "<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->\n\n";
$outro         = "\n\n<!-- wp:paragraph -->\n<p>Text after the campaign.</p>\n<!-- /wp:paragraph -->";
// What the block editor saves for a link pasted on its own line (a core/embed block).
$embed_block = function ( $url ) {
	return '<!-- wp:embed ' . wp_json_encode( array( 'url' => $url, 'type' => 'rich', 'providerNameSlug' => 'tribefund' ), JSON_UNESCAPED_SLASHES ) . " -->\n"
		. "<figure class=\"wp-block-embed is-type-rich is-provider-tribefund wp-block-embed-tribefund\"><div class=\"wp-block-embed__wrapper\">\n"
		. $url . "\n</div></figure>\n<!-- /wp:embed -->";
};

$specs = array(
	'shortcode'      => array(
		'title'   => 'tribefund shortcode',
		'content' => sprintf( $intro, 'A campaign embedded with the shortcode.' ) . "<!-- wp:shortcode -->\n[tribefund campaign=\"$campaign\" lang=\"en\"]\n<!-- /wp:shortcode -->" . $outro,
	),
	'block'          => array(
		'title'   => 'tribefund block',
		'content' => sprintf( $intro, 'A campaign embedded with the block.' ) . "<!-- wp:tribefund/campaign $campaign_json /-->" . $outro,
	),
	'trusted_link'   => array(
		'title'   => 'tribefund trusted link',
		'content' => sprintf( $intro, 'A pasted share link, from the provider the plugin registers.' ) . $embed_block( $share ) . $outro,
	),
	'sandboxed_link' => array(
		'title'   => 'tribefund sandboxed link',
		'content' => sprintf( $intro, 'A pasted share link from an unregistered provider (oEmbed discovery).' ) . $embed_block( $alias ) . $outro,
	),
);

$esc_base  = preg_quote( esc_url( $base ), '#' );
$esc_alias = preg_quote( esc_url( $untrusted ), '#' );
$loader    = '<div class="tribefund" data-campaign="' . $campaign . '"></div><script src="' . esc_url( "$base/embed.js" ) . '" data-campaign="' . $campaign . '" data-lang="en" async></script>';
$checks    = array(
	'shortcode'      => array(
		'the slot and the loader' => function ( $html ) use ( $loader ) {
			return false !== strpos( $html, $loader );
		},
	),
	'block'          => array(
		'the block wrapper'       => function ( $html ) {
			return false !== strpos( $html, 'wp-block-tribefund-campaign' );
		},
		'the slot and the loader' => function ( $html ) use ( $loader ) {
			return false !== strpos( $html, $loader );
		},
	),
	'trusted_link'   => array(
		'an iframe to the widget'  => function ( $html ) use ( $esc_base, $campaign ) {
			return 1 === preg_match( '#<iframe[^>]* src="' . $esc_base . '/embed/' . $campaign . '"#', $html );
		},
		'no sandbox on the iframe' => function ( $html ) {
			return false === stripos( $html, 'sandbox' );
		},
	),
	'sandboxed_link' => array(
		'a sandboxed iframe to the widget with a secret' => function ( $html ) use ( $esc_alias, $campaign ) {
			return 1 === preg_match( '#<iframe(?=[^>]* class="wp-embedded-content")(?=[^>]* sandbox="allow-scripts")[^>]* src="' . $esc_alias . '/embed/' . $campaign . '\#\?secret=([a-zA-Z0-9]{10})" data-secret="\1"#', $html );
		},
	),
);

$urls = array();
$ids  = array();
foreach ( $specs as $kind => $spec ) {
	$id = wp_insert_post(
		wp_slash(
			array(
				'post_title'   => $spec['title'],
				'post_content' => $spec['content'],
				'post_status'  => 'publish',
				'post_type'    => 'post',
				'post_author'  => $admin->ID,
			)
		),
		true
	);
	if ( is_wp_error( $id ) ) {
		tf_fail( "could not create the $kind post: " . $id->get_error_message() );
	}
	$ids[ $kind ]  = $id;
	$urls[ $kind ] = get_permalink( $id );
}

// Render each post as a logged-out reader. For the link posts this is the first view:
// WordPress fetches the oEmbed answer now and caches it in the post's meta (_oembed_*).
wp_set_current_user( 0 );
foreach ( $ids as $kind => $id ) {
	$GLOBALS['post'] = get_post( $id );
	setup_postdata( $GLOBALS['post'] );
	$html = apply_filters( 'the_content', get_the_content() );
	foreach ( $checks[ $kind ] as $what => $check ) {
		if ( ! $check( $html ) ) {
			tf_fail( "the $kind post ($urls[$kind]) does not show $what. It renders as:\n$html" );
		}
	}
	echo "$kind: $urls[$kind] ok\n";
}
wp_reset_postdata();

$out = array_merge(
	$urls,
	array(
		'admin_user'         => $admin_user,
		'admin_password'     => $admin_password,
		'home'               => home_url( '/' ),
		'login_url'          => wp_login_url(),
		'tribefund_base_url' => $base,
		'untrusted_base_url' => $untrusted,
		'campaign'           => $campaign,
		'post_ids'           => $ids,
		'wordpress_version'  => $GLOBALS['wp_version'],
	)
);
if ( false === file_put_contents( $posts_json, wp_json_encode( $out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) . "\n" ) ) {
	tf_fail( "could not write $posts_json" );
}
echo "wrote $posts_json\n";
