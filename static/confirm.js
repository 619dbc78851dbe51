/* Asks before a destructive or mass action. A form, or the button that sends
   it, with data-confirm="question" is sent only after a yes in the page's
   <dialog id="confirm-dialog"> (window.confirm where there is none), and then
   carries confirmed=yes so the server does not ask again. The yes button reads
   data-confirm-button, else the submit button's own words. Without JavaScript
   the server shows its own confirmation page (app/core/confirm.py). */
(function () {
  "use strict";
  var approved = new WeakSet();

  function markConfirmed(form) {
    var field = form.querySelector("input[name=confirmed]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    field.value = "yes";
  }

  function send(form, submitter) {
    markConfirmed(form);
    approved.add(form);
    if (submitter && submitter.form === form) {
      form.requestSubmit(submitter);
    } else {
      form.requestSubmit();
    }
  }

  function ask(dialog, question, yesLabel, answer) {
    var yes = dialog.querySelector("[data-confirm-answer=yes]");
    var no = dialog.querySelector("[data-confirm-answer=no]");
    dialog.querySelector("#confirm-dialog-question").textContent = question;
    yes.textContent = yesLabel;
    function finish(result) {
      yes.removeEventListener("click", onYes);
      no.removeEventListener("click", onNo);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      answer(result);
    }
    function onYes() { finish(true); }
    function onNo() { finish(false); }
    function onClose() { finish(false); }  /* Escape */
    yes.addEventListener("click", onYes);
    no.addEventListener("click", onNo);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    no.focus();  /* the safe answer is the default one */
  }

  /* Capture phase on the document: this runs before htmx's own submit
     handler on the form, so a "no" stops htmx too. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (approved.has(form)) {
      approved.delete(form);
      return;
    }
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!question) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var yesLabel = (submitter && submitter.getAttribute("data-confirm-button")) ||
      form.getAttribute("data-confirm-button") || (submitter && submitter.textContent.trim()) || "OK";
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(question)) send(form, submitter);
      return;
    }
    ask(dialog, question, yesLabel, function (yes) {
      if (yes) send(form, submitter);
    });
  }, true);
})();
