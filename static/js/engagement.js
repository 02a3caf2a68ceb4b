/*
 * Reader signals on the article page, as progressive enhancement:
 * - counts the read with one beacon after the page has loaded (the page itself stays cacheable);
 * - turns the 支持 form into an in-place update (the form still works without JavaScript).
 * Readers without JavaScript are counted by the <noscript> pixel, which a browser running
 * this file never loads, so no read is counted twice.
 */
(function () {
  "use strict";

  function sendRead(url) {
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url)) {
        return;
      }
    } catch (e) {
      /* fall through to fetch */
    }
    if (window.fetch) {
      fetch(url, { method: "POST", keepalive: true, credentials: "same-origin" }).catch(function () {});
    }
  }

  function countRead() {
    var marker = document.querySelector("[data-read-beacon]");
    if (!marker) {
      return;
    }
    var url = marker.getAttribute("data-read-beacon");
    var fire = function () { sendRead(url); };
    // A prerendered page is not a read until the reader actually opens it.
    if (document.prerendering) {
      document.addEventListener("prerenderingchange", fire, { once: true });
    } else {
      fire();
    }
  }

  function storageKey(form) {
    return "np-liked:" + form.getAttribute("action");
  }

  function markLiked(form) {
    var button = form.querySelector("[data-like-button]");
    if (button) {
      button.disabled = true;
      button.classList.add("is-liked");
      button.textContent = form.getAttribute("data-liked-label");
    }
  }

  function enhanceLike(form) {
    // What this browser liked before is remembered here only: the shared page cannot know.
    try {
      if (window.localStorage && localStorage.getItem(storageKey(form))) {
        markLiked(form);
      }
    } catch (e) { /* storage may be disabled */ }

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("[data-like-button]");
      if (button) {
        button.disabled = true;
      }
      fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function (data) {
        var count = form.querySelector("[data-like-count]");
        if (count) {
          count.textContent = data.display;
        }
        markLiked(form);
        try { localStorage.setItem(storageKey(form), "1"); } catch (e) { /* ignore */ }
      }).catch(function () {
        if (button) {
          button.disabled = false;
          button.title = form.getAttribute("data-error-label");
        }
      });
    });
  }

  function init() {
    var forms = document.querySelectorAll("[data-like-form]");
    for (var i = 0; i < forms.length; i++) {
      enhanceLike(forms[i]);
    }
    if (document.readyState === "complete") {
      countRead();
    } else {
      window.addEventListener("load", countRead, { once: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
