// Submits a form as soon as one of its <select data-autosubmit> changes (no inline handlers:
// the Content-Security-Policy allows only scripts from /static).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
