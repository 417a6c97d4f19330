/* tribefund campaign for Hexo. Copy this file into your blog's scripts/ folder (Hexo loads
   it by itself; there is nothing to install), name your tribefund server once in the
   blog's _config.yml:
     tribefund:
       host: https://fund.example.com
   and write in a post:
     {% tribefund walnut-desk-lamp %}
     {% tribefund walnut-desk-lamp lang:zh-CN theme:auto accent:#1f6f5c title:"Walnut desk lamp" %}
     {% tribefund walnut-desk-lamp host:https://other-fund.example.com %}
   Values are checked and escaped; one that fails its check is left out with a warning. With
   a bad campaign id or no server, nothing shows (an HTML comment in the page says why). */
'use strict';

hexo.extend.tag.register('tribefund', function tribefund(args) {
  var escape = function (s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  };
  var where = (this && this.source) || 'a post';
  var warn = function (msg) { hexo.log.warn('tribefund in ' + where + ': ' + msg); };

  // "demo" or "campaign:demo", then key:value pairs (a host's value holds ':' too).
  var opts = {};
  (args || []).forEach(function (arg) {
    var m = /^(campaign|host|lang|theme|accent|title):([\s\S]*)$/.exec(arg);
    if (m) opts[m[1]] = m[2].trim();
    else if (opts.campaign === undefined) opts.campaign = arg.trim();
    else warn('"' + arg + '" is not understood');
  });

  var config = (hexo.config && hexo.config.tribefund) || {};
  var host = String(opts.host || config.host || '').trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?$/.test(host)) {
    warn('set tribefund.host in _config.yml (like https://fund.example.com), or host:https://… in the tag');
    return '<!-- tribefund: no server set -->';
  }
  var campaign = opts.campaign || '';
  if (!/^[a-z0-9-]{1,64}$/.test(campaign)) {
    warn('the campaign id must be 1 to 64 lowercase letters, digits or hyphens');
    return '<!-- tribefund: bad campaign id -->';
  }

  var checks = {
    lang: /^(zh-CN|en)$/,
    theme: /^(light|dark|auto)$/,
    accent: /^#[0-9a-fA-F]{6}$/,
    title: /^[\s\S]{1,200}$/
  };
  var attrs = ' data-campaign="' + escape(campaign) + '"';
  Object.keys(checks).forEach(function (key) {
    if (opts[key] === undefined || opts[key] === '') return;
    if (checks[key].test(opts[key])) attrs += ' data-' + key + '="' + escape(opts[key]) + '"';
    else warn(key + ' "' + opts[key] + '" left out');
  });
  return '<div class="tribefund" data-campaign="' + escape(campaign) + '"></div>' +
    '<script src="' + escape(host + '/embed.js') + '"' + attrs + ' async></script>';
});
