<?php
// The scripts editor.js needs, read by register_block_type (editor.js is plain ES5: no build).
return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-server-side-render', 'wp-i18n' ),
	'version'      => '1.0.0',
);
