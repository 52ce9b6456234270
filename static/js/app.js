// SafetyPlan's own behaviour on top of the NHS.UK frontend components. Every page works without it.
import { initAll } from "/vendor/nhsuk-frontend.js";

initAll();

// A set-password link carries its code after "#", which browsers never send to a server (so it is never in
// a log). Put it in the form, hide the box, and take it out of the address bar.
const codeBox = document.querySelector("[data-fill-from-link]");
if (codeBox && window.location.hash.length > 1) {
  const input = codeBox.querySelector("input");
  if (input && !input.value) {
    input.value = decodeURIComponent(window.location.hash.slice(1));
    codeBox.hidden = true;
  }
  history.replaceState(null, "", window.location.pathname + window.location.search);
}

// Words typed into a form on this page and not sent (the plan editor keeps its own as a draft, so it does not count).
const hasUnsentWords = () =>
  [...document.querySelectorAll("form:not([data-autosave]) textarea, form:not([data-autosave]) input[type=text]")].some(
    (box) => box.value.trim() !== "" && box.value !== box.defaultValue,
  );

// Warn two minutes before an idle sign-out, with a button to stay signed in. The server enforces the limit;
// this only tells people before it happens.
const idleSeconds = Number(document.body.dataset.idleSeconds || 0);
const warning = document.getElementById("idle-warning");
// Every request the page makes (a kept draft, say) resets the server's idle clock: this resets the page's too.
let idleReset = () => {};
if (idleSeconds > 0 && warning) {
  let warnTimer;
  let endTimer;
  // From the time left when the page was made (the server's idle clock may have moved a little before it), or, after
  // a request of the page's own, the whole limit.
  const schedule = (secondsLeft = idleSeconds) => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(() => {
      warning.hidden = false;
      document.getElementById("idle-warning-stay").focus();
    }, Math.max(secondsLeft - 120, 0) * 1000);
    endTimer = setTimeout(() => {
      // Going to the sign-in page would lose words typed into a form that keeps no draft: stay, and say so.
      if (hasUnsentWords()) {
        warning.hidden = true;
        const ended = document.getElementById("idle-ended");
        ended.hidden = false;
        ended.focus();
        return;
      }
      window.location.assign("/sign-in?timed_out=1&next=" + encodeURIComponent(location.pathname + location.search));
    }, secondsLeft * 1000);
  };
  document.getElementById("idle-warning-stay").addEventListener("click", async () => {
    const token = document.querySelector("meta[name=csrf-token]").content;
    const response = await fetch(document.body.dataset.keepAlive, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
    });
    // A signed-out session is redirected to the sign-in page, which fetch follows: that is not success.
    if (response.ok && !response.redirected) {
      warning.hidden = true;
      schedule();
    } else {
      window.location.assign("/sign-in?timed_out=1");
    }
  });
  idleReset = () => schedule();
  schedule(Number(document.body.dataset.idleSecondsNow || idleSeconds));
}

// Print buttons (hidden until this script runs: they need it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Drafts: keep what is typed in the plan editor on the server, a moment after each change, so that a closed
// tab, a lost connection or a timeout never loses it. Saving the form itself is still a normal submit.
const editor = document.querySelector("form[data-autosave]");
if (editor) {
  const status = editor.querySelector(".app-autosave-status");
  let timer;
  const keep = async () => {
    const body = new FormData(editor);
    try {
      const response = await fetch(editor.dataset.autosave, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": body.get("csrf_token") },
        credentials: "same-origin",
      });
      const kept = response.ok && !response.redirected;
      if (status) status.textContent = kept ? status.dataset.savedText : status.dataset.failedText;
      if (kept) idleReset();
    } catch {
      if (status) status.textContent = status.dataset.failedText;
    }
  };
  editor.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(keep, 1500);
  });
}
