// Card payments: the card's details go from the payer's browser straight to the payment provider's token
// endpoint (Midtrans Core API GET /v2/token, with the public client key), which answers a one-time token.
// Only that token is posted to Cakupan, so a card number never reaches our server. The card inputs have
// no name for the same reason: the form cannot send them, even when this script does not run.
(function () {
  "use strict";

  function value(form, id) {
    var input = form.querySelector("#" + id);
    return input ? input.value.replace(/\s+/g, "") : "";
  }

  function say(box, text) {
    var status = box.querySelector("[data-card-status]");
    status.textContent = text;
    status.hidden = !text;
  }

  // The checkout form asks for a new quote on every change (htmx), which redraws the card fields: typing in
  // them must not, or what was typed is lost. Stopped while capturing, before it reaches the form.
  document.addEventListener(
    "change",
    function (event) {
      if (event.target.closest && event.target.closest("[data-card-token-url]")) {
        event.stopPropagation();
      }
    },
    true
  );

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var box = form.querySelector("[data-card-token-url]");
    var token = form.querySelector("input[name=token_kartu]");
    if (!box || !token || token.value) {
      return;
    }
    event.preventDefault();
    // A second tap while the card is being checked would charge it twice: one submit at a time.
    if (form.dataset.cardBusy === "1") {
      return;
    }
    form.dataset.cardBusy = "1";
    var buttons = form.querySelectorAll("button[type=submit]");
    function busy(on) {
      form.dataset.cardBusy = on ? "1" : "";
      buttons.forEach(function (button) {
        button.disabled = on;
      });
    }
    busy(true);
    var query = new URLSearchParams({
      client_key: box.dataset.clientKey,
      card_number: value(form, "kartu"),
      card_exp_month: value(form, "bulan-kartu"),
      card_exp_year: value(form, "tahun-kartu"),
      card_cvv: value(form, "cvv"),
    });
    say(box, "Memeriksa kartu di penyedia pembayaran…");
    fetch(box.dataset.cardTokenUrl + "?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "omit",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer && answer.status_code === "200" && answer.token_id) {
          token.value = answer.token_id;
          say(box, "");
          form.submit();
          return;
        }
        busy(false);
        var reasons = (answer && (answer.validation_messages || [answer.status_message])) || [];
        say(box, "Kartu tidak diterima penyedia pembayaran (" + reasons.join("; ") + "). Periksa nomor, masa berlaku dan CVV.");
      })
      .catch(function () {
        busy(false);
        say(box, "Penyedia pembayaran tidak dapat dihubungi. Coba lagi, atau pilih cara bayar lain.");
      });
  });
})();
