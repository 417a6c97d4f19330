/* Editor side of the "tribefund/campaign" block. Plain ES5 against WordPress's own
   scripts (listed in editor.asset.php): nothing to build. The sidebar sets the campaign
   id, language, theme and accent colour; the canvas shows the widget as it will look. */
(function (wp) {
  var el = wp.element.createElement;
  var __ = wp.i18n.__;
  var InspectorControls = wp.blockEditor.InspectorControls;
  var useBlockProps = wp.blockEditor.useBlockProps;
  var PanelBody = wp.components.PanelBody;
  var TextControl = wp.components.TextControl;
  var SelectControl = wp.components.SelectControl;
  var Placeholder = wp.components.Placeholder;
  var Disabled = wp.components.Disabled;
  var ServerSideRender = wp.serverSideRender;

  wp.blocks.registerBlockType("tribefund/campaign", {
    edit: function (props) {
      var a = props.attributes;
      var set = function (key) {
        return function (value) {
          var next = {};
          next[key] = value;
          props.setAttributes(next);
        };
      };
      var validId = /^[a-z0-9-]{1,64}$/.test(a.campaign);
      var sidebar = el(
        InspectorControls,
        null,
        el(
          PanelBody,
          { title: __("Campaign", "tribefund") },
          el(TextControl, {
            label: __("Campaign id", "tribefund"),
            help: __("As in the share link: …/c/walnut-desk-lamp", "tribefund"),
            value: a.campaign,
            onChange: function (v) { set("campaign")(v.trim().toLowerCase()); }
          }),
          el(SelectControl, {
            label: __("Language", "tribefund"),
            value: a.lang,
            options: [
              { label: __("The reader's language", "tribefund"), value: "" },
              { label: "中文 (zh-CN)", value: "zh-CN" },
              { label: "English", value: "en" }
            ],
            onChange: set("lang")
          }),
          el(SelectControl, {
            label: __("Theme", "tribefund"),
            value: a.theme,
            options: [
              { label: __("Light", "tribefund"), value: "" },
              { label: __("Dark", "tribefund"), value: "dark" },
              { label: __("Follow the device", "tribefund"), value: "auto" }
            ],
            onChange: set("theme")
          }),
          el(TextControl, {
            label: __("Accent colour", "tribefund"),
            help: __("Like #1f6f5c. Empty for the default.", "tribefund"),
            value: a.accent,
            onChange: set("accent")
          })
        )
      );
      var body = validId
        ? el(Disabled, null, el(ServerSideRender, { block: "tribefund/campaign", attributes: a }))
        : el(Placeholder, {
            icon: "heart",
            label: __("tribefund campaign", "tribefund"),
            instructions: __("Enter the campaign id in the block's settings.", "tribefund")
          });
      return el("div", useBlockProps(), sidebar, body);
    },
    // Rendered by the server (render.php).
    save: function () {
      return null;
    }
  });
})(window.wp);
