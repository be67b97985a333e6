// The screener's only script: the chat page (send through the JSON API, quick replies,
// thinking state, bot-unavailable notice with resend, live panel, corrections) and the review
// page (choosing a piece of evidence highlights the turn it came from).  No storage is used.
"use strict";

(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  function newMessageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function setupChat(form) {
    const sid = form.dataset.screening;
    const log = document.getElementById("chat-log");
    const input = document.getElementById("message");
    const sendButton = document.getElementById("send");
    const quick = document.getElementById("quick");
    const thinking = document.getElementById("thinking");
    const notice = document.getElementById("notice");
    const noticeText = document.getElementById("notice-text");
    const resend = document.getElementById("resend");
    const error = document.getElementById("chat-error");
    const panel = document.getElementById("panel");
    let busy = false;

    function addLine(sender, text) {
      const li = document.createElement("li");
      li.className = "msg " + sender;
      const who = document.createElement("span");
      who.className = "sr-only";
      who.textContent = { clinician: "You", bot: "Assistant", system: "Notice" }[sender] + ": ";
      li.append(who, document.createTextNode(text));
      log.append(li);
      li.scrollIntoView({ block: "nearest" });
    }

    function setQuick(titles) {
      quick.replaceChildren();
      for (const title of titles) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "quick-reply";
        b.textContent = title;
        quick.append(b);
      }
    }

    function setBusy(on) {
      busy = on;
      thinking.hidden = !on;
      sendButton.disabled = on;
      resend.disabled = on;
      form.setAttribute("aria-busy", on ? "true" : "false");
      for (const b of quick.querySelectorAll("button")) b.disabled = on;
    }

    function showNotice(text, message, cmid) {
      noticeText.textContent = text;
      resend.dataset.text = message;
      resend.dataset.cmid = cmid || "";
      notice.hidden = false;
      resend.focus();
    }

    async function refreshPanel() {
      const r = await fetch("/screenings/" + encodeURIComponent(sid) + "/panel", {
        credentials: "same-origin",
      });
      if (r.ok) panel.innerHTML = await r.text();
    }

    function turnDone() {
      // a counter the browser tests wait on; it says nothing about the patient
      form.dataset.turns = String(Number(form.dataset.turns || "0") + 1);
    }

    async function send(text, cmid, isResend) {
      if (busy || !text.trim()) return;
      await sendOnce(text, cmid, isResend);
      turnDone();
    }

    async function sendOnce(text, cmid, isResend) {
      error.hidden = true;
      notice.hidden = true;
      if (!isResend) addLine("clinician", text);
      setQuick([]);
      setBusy(true);
      let response;
      try {
        const url = cmid || !isResend
          ? "/api/screenings/" + encodeURIComponent(sid) + "/messages"
          : "/api/screenings/" + encodeURIComponent(sid) + "/retry";
        const body = cmid || !isResend ? JSON.stringify({ text: text, client_message_id: cmid }) : null;
        response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: body,
        });
      } catch (e) {
        setBusy(false);
        showNotice("The screener cannot be reached; your message may not be saved. Resend it.", text, cmid);
        return;
      }
      let data = {};
      try {
        data = await response.json();
      } catch (e) {
        data = {};
      }
      setBusy(false);
      if (response.ok) {
        for (const reply of data.replies || []) if (reply.text) addLine("bot", reply.text);
        const buttons = (data.replies || []).flatMap((r) => (r.buttons || []).map((b) => b.title));
        setQuick(data.status === "complete" ? [] : buttons);
        await refreshPanel();
        input.focus();
      } else if (response.status === 503 || response.status === 409) {
        if (response.status === 503) addLine("system", data.detail || "The assistant is not answering.");
        showNotice(
          response.status === 503
            ? "Your last message is saved but the assistant has not answered it yet."
            : data.detail || "The assistant is still busy with your message; resend shortly.",
          text,
          cmid,
        );
      } else if (response.status === 401) {
        window.location.assign("/sign-in");
      } else {
        error.textContent = (typeof data.detail === "string" ? data.detail : "Your message was refused") +
          " (" + response.status + ")";
        error.hidden = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      if (!text.trim() || busy) return;
      input.value = "";
      send(text, newMessageId(), false);
    });
    quick.addEventListener("click", (event) => {
      const b = event.target.closest("button.quick-reply");
      if (b) send(b.textContent, newMessageId(), false);
    });
    resend.addEventListener("click", () => {
      send(resend.dataset.text || "", resend.dataset.cmid || "", true);
    });
    panel.addEventListener("click", (event) => {
      const open = event.target.closest("button.correct-open");
      if (!open) return;
      const fix = document.getElementById(open.getAttribute("aria-controls"));
      fix.hidden = !fix.hidden;
      open.setAttribute("aria-expanded", fix.hidden ? "false" : "true");
      if (!fix.hidden) fix.querySelector("input").focus();
    });
    panel.addEventListener("submit", (event) => {
      const fix = event.target.closest("form.correct-form");
      if (!fix) return;
      event.preventDefault();
      const value = fix.querySelector("input").value.trim();
      if (!value) return;
      send("correction: " + fix.dataset.label + " is " + value, newMessageId(), false);
    });
  }

  function setupEvidence() {
    document.addEventListener("click", (event) => {
      const b = event.target.closest("button.evidence[data-message]");
      if (!b) return;
      for (const old of document.querySelectorAll(".msg.highlight")) old.classList.remove("highlight");
      const turn = document.getElementById(b.dataset.message);
      if (turn) {
        turn.classList.add("highlight");
        turn.scrollIntoView({ block: "center" });
        turn.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("chat-form");
    if (form) setupChat(form);
    setupEvidence();
  });
})();
