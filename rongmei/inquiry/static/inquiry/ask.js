/* 网络问政 · 我要留言 (inquiry/public/ask.html). A static file, not an inline script: the
   public pages are sent a Content-Security-Policy with script-src 'self'. What the page knows
   (limits) comes in data-* attributes. */
(function () {
  var form = document.getElementById("wz-ask");
  if (!form) return;
  // 字数
  document.querySelectorAll("[data-count-for]").forEach(function (out) {
    var box = document.getElementById(out.getAttribute("data-count-for"));
    var max = +out.getAttribute("data-max");
    function update() { out.textContent = "已写 " + box.value.length + " 字" + (box.value.length > max * 0.9 ? "，最多 " + max + " 字" : ""); }
    box.addEventListener("input", update); update();
  });
  // 位置：只用浏览器自带的定位，不加载外部地图
  var locate = document.getElementById("wz-locate"), clear = document.getElementById("wz-locate-clear");
  var status = document.getElementById("wz-locate-status");
  var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
  if (navigator.geolocation) {
    locate.hidden = false;
    clear.hidden = !lat.value;
    locate.addEventListener("click", function () {
      status.textContent = "正在获取位置……";
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6); lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = "已附上位置（纬度 " + lat.value + "，经度 " + lng.value + "）。";
        locate.disabled = false; clear.hidden = false;
      }, function (err) {
        status.textContent = err.code === 1 ? "没有定位权限：可在浏览器设置中允许，或直接在上面填写地点。" : "暂时无法获取位置，请直接填写地点。";
        locate.disabled = false;
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
    clear.addEventListener("click", function () {
      lat.value = ""; lng.value = ""; status.textContent = "已清除位置。"; clear.hidden = true; locate.focus();
    });
  }
  // 选中的文件（上限在 #wz-filelist 的 data-max-images / data-max-videos）
  var files = document.getElementById("id_files"), list = document.getElementById("wz-filelist");
  var maxImages = +list.getAttribute("data-max-images"), maxVideos = +list.getAttribute("data-max-videos");
  files.addEventListener("change", function () {
    list.innerHTML = "";
    var images = 0, videos = 0;
    Array.prototype.forEach.call(files.files, function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + "（" + (f.size / 1048576).toFixed(1) + " MB）";
      list.appendChild(li);
      if (/^video\//.test(f.type)) videos++; else images++;
    });
    var msg = images > maxImages || videos > maxVideos ? "最多 " + maxImages + " 张照片和 " + maxVideos + " 段视频，请重新选择。" : "";
    files.setCustomValidity(msg);
    if (msg) { var li = document.createElement("li"); li.className = "wz-error"; li.textContent = msg; list.appendChild(li); }
  });
  // 防止重复提交
  form.addEventListener("submit", function () {
    var button = form.querySelector(".wz-submit");
    setTimeout(function () { button.disabled = true; button.textContent = "正在提交……"; }, 0);
  });
  var first = document.querySelector("[autofocus]");
  if (first && document.activeElement !== first) { first.focus(); }
})();
