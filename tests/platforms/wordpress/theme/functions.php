<?php
// TEST ONLY: the "tribefund test" theme. A <title> like any real theme.
defined( 'ABSPATH' ) || exit;
add_action( 'after_setup_theme', function () { add_theme_support( 'title-tag' ); } );
