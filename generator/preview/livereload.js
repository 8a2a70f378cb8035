// digest serve: live reload. Added to pages as they are served, never written to disk.
// A tab updates only when its own page changed (swapping the new page in, so its scroll
// position stays), swaps a changed stylesheet in place, and shows build errors in an overlay until a good build.
(function () {
  "use strict";
  if (window.__digestLiveReload) return;
  window.__digestLiveReload = true;

  var script = document.currentScript;
  var build = (script && script.getAttribute("data-digest-build")) || "";
  var SCROLL_KEY = "digest:scroll:" + location.pathname;
  var OVERLAY_ID = "__digest_overlay";
  var retryDelay = 1000;

  function normalize(path) {
    try {
      path = decodeURI(path);
    } catch (e) {
      // keep it as it came
    }
    return path.replace(/\/index\.html$/, "/");
  }

  function pathOf(url) {
    return normalize(new URL(url, location.href).pathname);
  }

  function restoreScroll() {
    var saved = sessionStorage.getItem(SCROLL_KEY);
    if (saved === null) return;
    var y = Number(saved);
    var apply = function () {
      window.scrollTo(0, y);
    };
    apply();
    if (document.readyState !== "complete") {
      window.addEventListener("load", function () {
        apply();
        sessionStorage.removeItem(SCROLL_KEY);
      });
    } else {
      sessionStorage.removeItem(SCROLL_KEY);
    }
  }

  function reload() {
    sessionStorage.setItem(SCROLL_KEY, String(window.scrollY));
    location.reload();
  }

  // A changed page is swapped in place rather than reloaded: nothing to lay out from the
  // top, no assets to load again. The server sends the new page with the event when it
  // can (the tab said which page it shows); otherwise it is fetched. Pages whose scripts
  // would have to run again (the search page) are reloaded.
  function refresh(html) {
    if (typeof html === "string") {
      try {
        return swapIn(html);
      } catch (e) {
        return reload();
      }
    }
    fetch(location.href, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(swapIn)
      .catch(reload);
  }

  function swapIn(html) {
    var y = window.scrollY;
    var fresh = new DOMParser().parseFromString(html, "text/html");
    if (!fresh.body || live(document) || live(fresh) || assets(fresh) !== assets(document)) {
      return reload();
    }
    swapHead(fresh.head);
    var box = document.getElementById(OVERLAY_ID); // errors that came while it was fetched
    document.body.replaceWith(document.adoptNode(fresh.body));
    if (box) document.body.appendChild(box);
    window.scrollTo(0, y);
  }

  function ours(el) {
    return el.hasAttribute("data-digest-build");
  }

  // Scripts that do something (not JSON-LD data, not this one): a swap would not run them.
  function live(doc) {
    var scripts = doc.querySelectorAll("script");
    for (var i = 0; i < scripts.length; i++) {
      if (!ours(scripts[i]) && scripts[i].type !== "application/ld+json") return true;
    }
    return false;
  }

  // What the head loads: a swap keeps these as they are, so they must not have changed.
  function isAsset(el) {
    var tag = el.tagName;
    if (tag === "SCRIPT") return el.type !== "application/ld+json"; // JSON-LD is data
    return tag === "STYLE" || tag === "BASE" ||
      (tag === "LINK" && /stylesheet|preload|icon|manifest/i.test(el.rel));
  }

  function assets(doc) {
    var found = [];
    var children = doc.head ? doc.head.children : [];
    for (var i = 0; i < children.length; i++) {
      if (isAsset(children[i]) && !ours(children[i])) found.push(children[i].outerHTML);
    }
    return found.join("\n");
  }

  function swapHead(head) {
    var old = Array.prototype.slice.call(document.head.children);
    for (var i = 0; i < old.length; i++) {
      if (!isAsset(old[i])) document.head.removeChild(old[i]);
    }
    var fresh = Array.prototype.slice.call(head.children);
    for (var j = 0; j < fresh.length; j++) {
      if (!isAsset(fresh[j])) document.head.appendChild(document.adoptNode(fresh[j]));
    }
  }

  function swapStylesheet(link) {
    var url = new URL(link.href, location.href);
    url.searchParams.set("digest-reload", String(Date.now()));
    var fresh = link.cloneNode(false);
    fresh.href = url.href;
    var done = function () {
      if (link.parentNode) link.parentNode.removeChild(link);
    };
    fresh.addEventListener("load", done);
    fresh.addEventListener("error", done);
    link.parentNode.insertBefore(fresh, link.nextSibling);
  }

  function usesAsset(path) {
    var elements = document.querySelectorAll("[src], link[href]");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var url = el.src || el.href;
      if (url && pathOf(url) === path && !(el.tagName === "LINK" && /stylesheet/i.test(el.rel))) {
        return true;
      }
    }
    return false;
  }

  function applyChanges(urls, page, html) {
    var here = normalize(location.pathname);
    var css = [];
    for (var i = 0; i < urls.length; i++) {
      var path = urls[i] === "*" ? "*" : normalize(urls[i]);
      if (path === "*") return reload();
      if (path === here) return refresh(page === here ? html : null);
      if (/\.css$/i.test(path)) css.push(path);
      else if (usesAsset(path)) return reload();
    }
    var links = document.querySelectorAll('link[rel~="stylesheet"][href]');
    for (var j = 0; j < links.length; j++) {
      if (css.indexOf(pathOf(links[j].href)) >= 0) swapStylesheet(links[j]);
    }
  }

  function showErrors(lines, heading) {
    var box = document.getElementById(OVERLAY_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY_ID;
      box.setAttribute("role", "alert");
      box.style.cssText =
        "all:initial;position:fixed;z-index:2147483647;left:1rem;right:1rem;bottom:1rem;" +
        "max-height:60vh;overflow:auto;box-sizing:border-box;padding:1rem 1.25rem;" +
        "background:#fff7f5;color:#4a0d08;border:2px solid #b0261c;border-radius:6px;" +
        "box-shadow:0 6px 24px rgba(0,0,0,.35);font:14px/1.45 system-ui,sans-serif;";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var title = document.createElement("strong");
    title.style.cssText = "display:block;margin-bottom:.5rem;font:inherit;font-weight:700;";
    title.textContent =
      heading || "digest: the last edit does not build. Showing the last good version.";
    box.appendChild(title);
    for (var i = 0; i < lines.length; i++) {
      var line = document.createElement("pre");
      line.style.cssText =
        "margin:.25rem 0;white-space:pre-wrap;word-break:break-word;color:inherit;" +
        "font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;";
      line.textContent = lines[i];
      box.appendChild(line);
    }
  }

  function clearErrors() {
    var box = document.getElementById(OVERLAY_ID);
    if (box) box.parentNode.removeChild(box);
  }

  function parse(event) {
    if (event.lastEventId) build = event.lastEventId;
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return {};
    }
  }

  function connect() {
    var source = new EventSource(
      "/__digest__/events?since=" + encodeURIComponent(build) +
        "&page=" + encodeURIComponent(location.pathname)
    );
    source.addEventListener("open", function () {
      retryDelay = 1000;
    });
    source.addEventListener("changed", function (event) {
      var data = parse(event);
      clearErrors();
      applyChanges(data.urls || [], data.page, data.html);
    });
    source.addEventListener("ok", function (event) {
      parse(event);
      clearErrors();
    });
    source.addEventListener("error", function (event) {
      if (typeof event.data === "string") {
        var data = parse(event);
        showErrors(data.errors || [], data.title);
      } else if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (server gone or refusing): try again, more slowly each time.
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    });
  }

  restoreScroll();
  connect();
})();
