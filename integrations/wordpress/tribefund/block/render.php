<?php
/**
 * Front end of the "tribefund/campaign" block: the same embed as the [tribefund]
 * shortcode. In the editor (a REST request) it draws the widget as an iframe instead,
 * since scripts inserted there do not run.
 *
 * @var array $attributes The block's attributes.
 */

defined( 'ABSPATH' ) || exit;

$tribefund_preview = defined( 'REST_REQUEST' ) && REST_REQUEST;
// Both parts are escaped where they are built.
// phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped
printf( '<div %s>%s</div>', get_block_wrapper_attributes(), tribefund_render( $attributes, $tribefund_preview ) );
