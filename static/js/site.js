/*
 * Progressive enhancement for the reader site; every page works without it.
 * - Share: a "copy link" button (Clipboard API, falling back to selecting the link) and,
 *   where the browser has one, its own share sheet (navigator.share). Both buttons stay
 *   hidden without JavaScript; the link field and the QR code work on their own.
 */
(function () {
  "use strict";

  function say(box, message) {
    var status = box.querySelector("[data-share-status]");
    if (status) {
      status.textContent = message;
    }
  }

  function copyByHand(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  function enhanceShare(box) {
    var field = box.querySelector("[data-share-url]");
    var copy = box.querySelector("[data-copy-link]");
    var share = box.querySelector("[data-native-share]");
    if (!field) {
      return;
    }
    var url = field.value;

    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var done = function () { say(box, copy.getAttribute("data-copied-label")); };
        var failed = function () {
          if (copyByHand(field)) {
            done();
          } else {
            say(box, copy.getAttribute("data-failed-label"));
          }
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(url).then(done, failed);
        } else {
          failed();
        }
      });
    }

    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: share.getAttribute("data-share-title"), url: url })
          .catch(function () { /* the reader closed the sheet */ });
      });
    }

    field.addEventListener("focus", function () { field.select(); });
  }

  function init() {
    var boxes = document.querySelectorAll("[data-share]");
    for (var i = 0; i < boxes.length; i++) {
      enhanceShare(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
