/* The read beacon of a public article: one count per page view, by channel (our app, WeChat's
   browser, the web). A static file, not an inline script (Content-Security-Policy
   script-src 'self'); the article page names the beacon's URL in data-reads on its <script>.
   Served from /static/ like site.css, so the pre-rendered pages load it the same way. */
(function () {
  var script = document.currentScript;
  var ua = navigator.userAgent;
  var channel = /RongmeiApp/i.test(ua) ? "app" : /MicroMessenger/i.test(ua) ? "wechat" : "web";
  var url = script.getAttribute("data-reads") + "&ch=" + channel;
  if (navigator.sendBeacon) { navigator.sendBeacon(url); } else { var i = new Image(); i.src = url; }
})();
