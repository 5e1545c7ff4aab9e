/*
 * Security keys (WebAuthn): the "use your security key" button of the two-factor login step,
 * and the "add a security key" form of the account settings.
 *
 * No inline script is allowed (CSP script-src 'self'), so each page passes the endpoint URLs
 * and the CSRF token in data-* attributes. Binary values travel as base64url, as the server's
 * py_webauthn expects.
 */
(function () {
  "use strict";

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  async function readJSON(response) {
    let data = {};
    try {
      data = await response.json();
    } catch (ignored) {
      data = {};
    }
    if (!response.ok) {
      throw new Error(data.message || data.error || "The server refused the request (" + response.status + ").");
    }
    return data;
  }

  async function getOptions(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    return readJSON(response);
  }

  async function postJSON(url, csrfToken, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken,
      },
      body: JSON.stringify(body),
    });
    return readJSON(response);
  }

  function withBinaryIds(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: fromBase64url(descriptor.id) });
    });
  }

  function credentialToJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults()
        : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      if (typeof response.getTransports === "function") {
        json.response.transports = response.getTransports();
      }
    }
    if (response.authenticatorData) {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return json;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return "The security key did not respond, or the request was cancelled or timed out. Try again.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This security key is already registered to your account.";
    }
    return (error && error.message) || String(error);
  }

  function showError(element, message) {
    element.textContent = message;
    element.hidden = false;
  }

  function supported(errors) {
    if (window.PublicKeyCredential && navigator.credentials) {
      return true;
    }
    showError(errors, "This browser does not support security keys (WebAuthn), or the page is not served over HTTPS.");
    return false;
  }

  async function authenticate(button, errors) {
    errors.hidden = true;
    button.disabled = true;
    try {
      const options = await getOptions(button.dataset.optionsUrl);
      options.challenge = fromBase64url(options.challenge);
      options.allowCredentials = withBinaryIds(options.allowCredentials);
      const credential = await navigator.credentials.get({ publicKey: options });
      const result = await postJSON(button.dataset.validateUrl, button.dataset.csrfToken, {
        credential: credentialToJSON(credential),
      });
      window.location.assign(result.redirect_to);
    } catch (error) {
      showError(errors, explain(error));
      button.disabled = false;
    }
  }

  async function register(form, errors) {
    errors.hidden = true;
    const label = form.querySelector("input[name=label]").value.trim();
    if (!label) {
      showError(errors, "Give the security key a name, so you can tell your keys apart.");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const options = await getOptions(form.dataset.optionsUrl);
      options.challenge = fromBase64url(options.challenge);
      options.user.id = fromBase64url(options.user.id);
      options.excludeCredentials = withBinaryIds(options.excludeCredentials);
      const credential = await navigator.credentials.create({ publicKey: options });
      const result = await postJSON(form.dataset.validateUrl, form.dataset.csrfToken, {
        label: label,
        credential: credentialToJSON(credential),
      });
      window.location.assign(result.redirect_to);
    } catch (error) {
      showError(errors, explain(error));
      button.disabled = false;
    }
  }

  const loginButton = document.getElementById("webauthn-authenticate");
  if (loginButton) {
    const errors = document.getElementById("webauthn-errors");
    loginButton.addEventListener("click", function () {
      if (supported(errors)) {
        authenticate(loginButton, errors);
      }
    });
  }

  const provisionForm = document.getElementById("webauthn-provision");
  if (provisionForm) {
    const errors = document.getElementById("webauthn-errors");
    provisionForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (supported(errors)) {
        register(provisionForm, errors);
      }
    });
  }
})();
