<?php
/**
 * Runs when the plugin is deleted from Plugins → Installed Plugins: removes the saved
 * server address. Posts keep their [tribefund] shortcodes and blocks as text.
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'tribefund_host' );
