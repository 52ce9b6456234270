// The plan in the person's hand with no signal: a locked copy kept on this device (see docs/offline-threat-model.md).
//
// The copy is sealed with the device's own public key (ECDH P-256, then HKDF-SHA-256 and AES-256-GCM), so that it
// can be refreshed whenever the owner is signed in and online, without their PIN. The private key is kept only
// wrapped: under a key made from the PIN (PBKDF2-SHA-256, 600,000 rounds) and, where the device has one, under a key
// from a passkey (the WebAuthn PRF extension). Nothing readable is kept: IndexedDB holds ciphertext, wrapped keys,
// the revision number and the keys of the sections kept. Five wrong PINs wipe the copy. Nothing counts how often it
// is opened. Every word from the plan is written into the page as text, never as HTML.

const DB_NAME = "safetyplan-offline";
const STORE = "copies";
const PBKDF2_ROUNDS = 600000;
const MAX_TRIES = 5;
const PIN_PATTERN = /^[0-9]{6,12}$/;
const INFO = new TextEncoder().encode("SafetyPlan offline copy v1");
const CRISIS_ORDER = [
  "warning_signs",
  "on_my_own",
  "distraction",
  "people_to_ask",
  "services",
  "safer_surroundings",
  "reasons",
];

const stringsElement = document.getElementById("offline-strings");
const strings = stringsElement ? JSON.parse(stringsElement.textContent) : {};

// "%(name)s" and the like, filled in as text.
const fill = (template, values) =>
  Object.entries(values).reduce((text, [key, value]) => text.split(`%(${key})s`).join(String(value)), template);

export const supported = () =>
  "indexedDB" in window && window.crypto && crypto.subtle && "serviceWorker" in navigator && window.isSecureContext;

// IndexedDB ------------------------------------------------------------------------------------------------------

const openDb = () =>
  new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "device_id" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });

const inStore = async (mode, work) => {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
};

export const allCopies = () => inStore("readonly", (store) => store.getAll());
const putCopy = (record) => inStore("readwrite", (store) => store.put(record));
const deleteCopy = (deviceId) => inStore("readwrite", (store) => store.delete(deviceId));

// Change a copy's record in one transaction, from what is stored now (never from an older copy of it, which could
// put back a count of wrong PINs). ``change`` gets the stored record and returns the fields to change, or null.
const updateCopy = (deviceId, change) =>
  inStore("readwrite", (store) => {
    const request = store.get(deviceId);
    const result = { result: null };
    request.onsuccess = () => {
      const stored = request.result;
      const fields = stored ? change(stored) : null;
      if (fields) {
        result.result = { ...stored, ...fields };
        store.put(result.result);
      }
    };
    return result;
  });

// Wipe a copy, and stop the service worker once nothing is kept here.
export const wipe = async (deviceId) => {
  await deleteCopy(deviceId);
  if ((await allCopies()).length === 0 && "serviceWorker" in navigator) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
    for (const name of await caches.keys()) await caches.delete(name);
  }
};

// Keys -----------------------------------------------------------------------------------------------------------

const random = (length) => crypto.getRandomValues(new Uint8Array(length));
const encode = (value) => new TextEncoder().encode(value);

const pinKey = async (pin, salt) => {
  const material = await crypto.subtle.importKey("raw", encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: PBKDF2_ROUNDS },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
};

const secretKey = async (secret, salt, usages) => {
  const material = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: INFO },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    usages,
  );
};

const wrapPrivate = async (privateKey, kek) => {
  const iv = random(12);
  return { iv, wrapped: new Uint8Array(await crypto.subtle.wrapKey("pkcs8", privateKey, kek, { name: "AES-GCM", iv })) };
};

const unwrapPrivate = (lock, kek) =>
  crypto.subtle.unwrapKey(
    "pkcs8",
    lock.wrapped,
    kek,
    { name: "AES-GCM", iv: lock.iv },
    { name: "ECDH", namedCurve: "P-256" },
    false,
    ["deriveBits"],
  );

// Seal the copy to the device's public key: only its private key, unlocked by the PIN or passkey, opens it.
const seal = async (copy, publicRaw) => {
  const recipient = await crypto.subtle.importKey("raw", publicRaw, { name: "ECDH", namedCurve: "P-256" }, false, []);
  // Not extractable: its public half can always be exported, and its private half is used once, here.
  const ephemeral = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const ephemeralRaw = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: recipient }, ephemeral.privateKey, 256);
  const key = await secretKey(shared, ephemeralRaw, ["encrypt"]);
  const iv = random(12);
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encode(JSON.stringify(copy))));
  return { ephemeral: ephemeralRaw, iv, data };
};

const unseal = async (sealed, privateKey) => {
  const sender = await crypto.subtle.importKey("raw", sealed.ephemeral, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: sender }, privateKey, 256);
  const key = await secretKey(shared, sealed.ephemeral, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
  return JSON.parse(new TextDecoder().decode(plain));
};

// Passkeys with the PRF extension: a secret that only the authenticator can give back, after the owner's
// fingerprint, face or screen lock.
const passkeyMaySupport = async () => {
  if (!window.PublicKeyCredential) return false;
  if (PublicKeyCredential.getClientCapabilities) {
    try {
      const capabilities = await PublicKeyCredential.getClientCapabilities();
      if (capabilities["extension:prf"] === false) return false;
    } catch {
      // No answer: try, and say so if it fails.
    }
  }
  return PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable
    ? PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()
    : false;
};

const prfSecret = async (credentialId, salt) => {
  const credential = await navigator.credentials.get({
    publicKey: {
      challenge: random(32),
      allowCredentials: [{ type: "public-key", id: credentialId }],
      userVerification: "required",
      extensions: { prf: { eval: { first: salt } } },
    },
  });
  const results = credential.getClientExtensionResults().prf;
  if (!results || !results.results || !results.results.first) throw new Error("no PRF");
  return results.results.first;
};

const makePasskey = async () => {
  const salt = random(32);
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { name: "SafetyPlan" },
      user: { id: random(16), name: "SafetyPlan", displayName: "SafetyPlan" },
      challenge: random(32),
      pubKeyCredParams: [
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -257 },
      ],
      authenticatorSelection: { userVerification: "required", residentKey: "preferred" },
      extensions: { prf: { eval: { first: salt } } },
    },
  });
  const created = credential.getClientExtensionResults().prf;
  if (!created || !created.enabled) throw new Error("no PRF");
  const credentialId = new Uint8Array(credential.rawId);
  const first =
    created.results && created.results.first && created.results.first.byteLength
      ? created.results.first
      : await prfSecret(credentialId, salt);
  return { credentialId, salt, secret: first };
};

// Talking to the server ------------------------------------------------------------------------------------------

const isJson = (response) => (response.headers.get("Content-Type") || "").startsWith("application/json");

const csrfToken = () => {
  const meta = document.querySelector("meta[name=csrf-token]");
  return meta ? meta.content : "";
};

// What the server says of a device: {keep, revision, sections}; null when it cannot be asked (no signal).
const askStatus = async (deviceId) => {
  try {
    const response = await fetch(`/offline/devices/${deviceId}/status`, { credentials: "omit", cache: "no-store" });
    if (response.status === 410) return { keep: false };
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
};

// The copy itself, for its signed-in owner: the JSON, {gone: true} when it must be wiped, or null.
const fetchCopy = async (deviceId) => {
  try {
    const response = await fetch(`/offline/devices/${deviceId}/copy`, { credentials: "same-origin", cache: "no-store" });
    if (response.status === 410) return { gone: true };
    if (!response.ok || response.redirected || !isJson(response)) return null;
    return await response.json();
  } catch {
    return null;
  }
};

// True when the server has forgotten the device.
const forgetOnServer = (deviceId) =>
  fetch(`/my-plan/devices/${deviceId}/forget`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  }).then(
    (response) => response.ok && !new URL(response.url).pathname.startsWith("/sign-in"),
    () => false,
  );

const sameKeys = (first, second) =>
  first.length === second.length && [...first].sort().join(" ") === [...second].sort().join(" ");

// What a device may keep of a fetched copy: the words, without the device's own bookkeeping.
const keptPart = (copy) => ({
  known_as: copy.known_as,
  revision_number: copy.revision_number,
  saved_on: copy.saved_on,
  sections: copy.sections,
  crisis_lines: copy.crisis_lines,
  team_phones: copy.team_phones,
});

// The fields of a record that a new copy replaces.
const resealed = async (copy, publicRaw) => ({
  revision: copy.revision_number,
  sections: copy.sections.map((part) => part.key),
  language: copy.language,
  allowed: null,
  sealed: await seal(keptPart(copy), publicRaw),
});

// Bring every copy on this device up to date: wipe what must go; refresh what the signed-in owner may refresh.
export const refreshAll = async (signedInUser, language) => {
  const changes = [];
  for (const record of await allCopies()) {
    const status = await askStatus(record.device_id);
    if (status === null) continue;
    if (!status.keep) {
      await wipe(record.device_id);
      changes.push({ deviceId: record.device_id, gone: true });
      continue;
    }
    const stale =
      status.revision !== record.revision || !sameKeys(status.sections, record.sections) || record.language !== language;
    if (!stale) continue;
    if (record.user_id === signedInUser) {
      // A refused copy wipes nothing: only the status, asked of the device itself, says to wipe.
      const copy = await fetchCopy(record.device_id);
      if (copy && !copy.gone) {
        const fresh = await resealed(copy, record.public);
        await updateCopy(record.device_id, () => fresh);
        changes.push({ deviceId: record.device_id, refreshed: copy.revision_number });
      }
    } else if (!sameKeys(status.sections, record.sections)) {
      // Not theirs to refresh here, but what is no longer shared goes the moment the copy is opened.
      await updateCopy(record.device_id, () => ({ allowed: status.sections }));
    }
  }
  return changes;
};

// Keep a copy on this device: add the device on the server, fetch the copy, lock it, store it.
export const keepCopy = async ({ personId, own, name, pin, withPasskey, addUrl, signedInUser }) => {
  const body = new FormData();
  body.set("csrf_token", csrfToken());
  body.set("person_id", personId);
  body.set("name", name);
  let deviceId;
  try {
    const added = await fetch(addUrl, { method: "POST", body, credentials: "same-origin" });
    if (added.status === 400 && isJson(added)) return { error: (await added.json()).error, field: "name" };
    if (added.status !== 201 || added.redirected || !isJson(added)) return { error: strings.keep_failed };
    deviceId = (await added.json()).device_id;
  } catch {
    return { error: strings.keep_failed };
  }
  try {
    const copy = await fetchCopy(deviceId);
    if (!copy || copy.gone) throw new Error("no copy");
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const salt = random(16);
    const record = {
      device_id: deviceId,
      user_id: signedInUser,
      person_id: personId,
      own,
      public: publicRaw,
      pin: { salt, ...(await wrapPrivate(pair.privateKey, await pinKey(pin, salt))) },
      passkey: null,
      tries: 0,
    };
    let passkeyRefused = false;
    if (withPasskey) {
      try {
        const passkey = await makePasskey();
        const hkdfSalt = random(16);
        const kek = await secretKey(passkey.secret, hkdfSalt, ["wrapKey", "unwrapKey"]);
        record.passkey = {
          credential_id: passkey.credentialId,
          prf_salt: passkey.salt,
          salt: hkdfSalt,
          ...(await wrapPrivate(pair.privateKey, kek)),
        };
      } catch {
        passkeyRefused = true;
      }
    }
    await putCopy({ ...record, ...(await resealed(copy, publicRaw)) });
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_ignored, fail) => setTimeout(() => fail(new Error("no service worker")), 15000)),
    ]);
    return { deviceId, revision: copy.revision_number, passkeyRefused };
  } catch {
    await forgetOnServer(deviceId);
    await deleteCopy(deviceId).catch(() => {});
    return { error: strings.keep_failed };
  }
};

// Open a copy with its PIN. Each try is counted before it is made, so closing the page cannot undo it.
export const openWithPin = async (deviceId, pin) => {
  // Counted in the same transaction that reads the count, so that tries in two tabs are two tries.
  const record = await updateCopy(deviceId, (stored) =>
    stored.tries >= MAX_TRIES ? null : { tries: stored.tries + 1 },
  );
  if (!record) {
    await wipe(deviceId);
    return { wiped: true };
  }
  let privateKey;
  try {
    privateKey = await unwrapPrivate(record.pin, await pinKey(pin, record.pin.salt));
  } catch {
    if (record.tries >= MAX_TRIES) {
      await wipe(deviceId);
      return { wiped: true };
    }
    return { left: MAX_TRIES - record.tries };
  }
  await updateCopy(deviceId, () => ({ tries: 0 }));
  return { copy: await opened(record, privateKey) };
};

export const openWithPasskey = async (deviceId) => {
  const record = (await allCopies()).find((each) => each.device_id === deviceId);
  if (!record || !record.passkey) return { failed: true };
  try {
    const secret = await prfSecret(record.passkey.credential_id, record.passkey.prf_salt);
    const kek = await secretKey(secret, record.passkey.salt, ["wrapKey", "unwrapKey"]);
    return { copy: await opened(record, await unwrapPrivate(record.passkey, kek)) };
  } catch {
    return { failed: true };
  }
};

// The words, with anything no longer shared taken out (and the copy sealed again without it).
const opened = async (record, privateKey) => {
  const copy = await unseal(record.sealed, privateKey);
  if (record.allowed) {
    copy.sections = copy.sections.filter((part) => record.allowed.includes(part.key));
    if (!record.allowed.includes("services")) copy.team_phones = [];
    const sealed = await seal(copy, record.public);
    await updateCopy(record.device_id, () => ({ sections: copy.sections.map((part) => part.key), allowed: null, sealed }));
  }
  return copy;
};

// Showing a plan -------------------------------------------------------------------------------------------------

const element = (tag, className, text) => {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
};

const digits = (number) => number.replace(/[^0-9+]/g, "");

const numberLink = (number, channel, label) => {
  const link = element("a", "app-help-now__link", label);
  link.href = (channel === "text" ? "sms:" : "tel:") + digits(number);
  return link;
};

const contactItem = (name, detail, number, channel = "call") => {
  const item = element("li", "app-contact");
  item.append(element("span", "app-contact__name", name));
  if (detail) item.append(" ", element("span", "app-contact__detail", detail));
  if (number) {
    item.append(" ");
    const link = element("a", "nhsuk-link app-contact__number", channel === "text" ? fill(strings.text, { name: number }) : number);
    link.href = (channel === "text" ? "sms:" : "tel:") + digits(number);
    item.append(link);
  }
  return item;
};

const bulletList = (lines) => {
  const list = element("ul", "nhsuk-list nhsuk-list--bullet app-user-text");
  for (const line of lines) list.append(element("li", null, line));
  return list;
};

const isEmpty = (part) => !["items", "contacts", "helps", "does_not_help"].some((name) => (part[name] || []).length);

const sectionBody = (part, copy, level) => {
  const body = document.createDocumentFragment();
  if (part.contacts !== undefined) {
    const list = element("ul", "nhsuk-list app-contacts");
    for (const contact of part.contacts) list.append(contactItem(contact.name, contact.relationship, contact.phone));
    if (part.key === "services") {
      for (const team of copy.team_phones) list.append(contactItem(team.name, strings.my_care_team, team.number));
      for (const line of copy.crisis_lines) list.append(contactItem(line.name, line.detail, line.number, line.channel));
    }
    body.append(list);
  } else if (part.helps !== undefined) {
    if (part.helps.length) body.append(element(`h${level + 1}`, "nhsuk-heading-s", strings.what_helps), bulletList(part.helps));
    if (part.does_not_help.length)
      body.append(element(`h${level + 1}`, "nhsuk-heading-s", strings.what_does_not_help), bulletList(part.does_not_help));
  } else if ((part.items || []).length) {
    body.append(bulletList(part.items));
  }
  if (isEmpty(part) && part.key !== "services") body.append(element("p", "app-plan-section__empty", strings.nothing_yet));
  return body;
};

const showSections = (container, copy) => {
  container.replaceChildren();
  copy.sections.forEach((part, index) => {
    const section = element("section", "app-plan-section");
    const heading = element("h2", "nhsuk-heading-m app-plan-section__title");
    heading.append(element("span", "app-plan-section__number", `${index + 1}.`), " ", part.heading);
    section.append(heading, sectionBody(part, copy, 2));
    container.append(section);
  });
};

// Crisis mode: one step at a time, in large type, with one-tap calls, and the screen kept awake.
const crisisSteps = (copy) => {
  const steps = [];
  for (const key of CRISIS_ORDER) {
    const part = copy.sections.find((each) => each.key === key);
    if (key === "services") {
      steps.push({ key, heading: part ? part.heading : strings.prompts.services, part: part || { key, contacts: [] } });
    } else if (part && !isEmpty(part)) {
      steps.push({ key, heading: part.heading, part });
    }
  }
  return steps;
};

const crisisBody = (step, copy) => {
  const body = document.createDocumentFragment();
  const { part } = step;
  if (part.contacts !== undefined) {
    const list = element("ul", "nhsuk-list app-crisis__calls");
    // Each a large target that says what it does, with the number (and what to text) under the name.
    const add = (name, number, channel, detail) => {
      if (!number) return;
      const item = element("li");
      const link = numberLink(number, channel, fill(channel === "text" ? strings.text : strings.call, { name }));
      if (!name.includes(number)) link.append(" ", element("span", "app-help-now__number", number));
      if (detail) link.append(element("span", "app-help-now__detail", detail));
      item.append(link);
      list.append(item);
    };
    for (const contact of part.contacts) add(contact.name, contact.phone, "call", contact.relationship);
    if (step.key === "services") {
      for (const team of copy.team_phones) add(team.name, team.number, "call", strings.my_care_team);
      for (const line of copy.crisis_lines) add(line.name, line.number, line.channel, line.detail);
    }
    body.append(list);
  } else {
    body.append(sectionBody(part, copy, 2));
  }
  return body;
};

const startCrisisMode = (host, copy, onLeave) => {
  const view = document.getElementById("offline-crisis").content.firstElementChild.cloneNode(true);
  const slot = (name) => view.querySelector(`[data-slot="${name}"]`);
  const steps = crisisSteps(copy);
  let at = 0;
  let wakeLock = null;
  const keepAwake = async () => {
    try {
      if ("wakeLock" in navigator && document.visibilityState === "visible") wakeLock = await navigator.wakeLock.request("screen");
    } catch {
      wakeLock = null; // Refused (low battery, say): the plan still works.
    }
  };
  const onVisible = () => {
    if (document.visibilityState === "visible") keepAwake();
  };
  const show = () => {
    const step = steps[at];
    slot("progress").textContent = fill(strings.step, { step: at + 1, total: steps.length });
    slot("heading").textContent = step.heading;
    slot("prompt").textContent = strings.prompts[step.key] || "";
    slot("body").replaceChildren(crisisBody(step, copy));
    slot("back").hidden = at === 0;
    slot("next").textContent = at === steps.length - 1 ? strings.finish : strings.next;
    slot("heading").focus();
  };
  const leave = () => {
    document.removeEventListener("visibilitychange", onVisible);
    if (wakeLock) wakeLock.release().catch(() => {});
    document.body.classList.remove("app-crisis-mode");
    view.remove();
    onLeave();
  };
  slot("back").addEventListener("click", () => {
    at = Math.max(at - 1, 0);
    show();
  });
  slot("next").addEventListener("click", () => {
    if (at === steps.length - 1) {
      leave();
      return;
    }
    at += 1;
    show();
  });
  slot("leave").addEventListener("click", leave);
  view.addEventListener("keydown", (event) => {
    if (event.key === "Escape") leave();
  });
  document.body.classList.add("app-crisis-mode");
  host.append(view);
  document.addEventListener("visibilitychange", onVisible);
  keepAwake();
  show();
};

// The offline page ---------------------------------------------------------------------------------------------

const showOpened = (host, record, copy) => {
  const view = document.getElementById("offline-open").content.firstElementChild.cloneNode(true);
  const slot = (name) => view.querySelector(`[data-slot="${name}"]`);
  const title = document.getElementById("offline-title");
  title.textContent = record.own ? strings.own_title : fill(strings.carer_title, { name: copy.known_as });
  slot("meta").textContent = fill(record.own ? strings.own_as_of : strings.carer_as_of, {
    date: copy.saved_on,
    number: copy.revision_number,
  });
  slot("newer").hidden = !(record.newer > copy.revision_number);
  showSections(slot("sections"), copy);
  slot("lock").addEventListener("click", () => window.location.reload());
  slot("crisis").addEventListener("click", () => {
    view.hidden = true;
    startCrisisMode(host, copy, () => {
      view.hidden = false;
      slot("crisis").focus();
    });
  });
  host.replaceChildren(view);
  title.focus();
};

const showLocked = (host, record, index) => {
  const view = document.getElementById("offline-locked").content.firstElementChild.cloneNode(true);
  const slot = (name) => view.querySelector(`[data-slot="${name}"]`);
  const id = `offline-pin-${index}`;
  slot("title").textContent = record.own ? strings.own_locked : strings.carer_locked;
  slot("title").id = `${id}-title`;
  view.setAttribute("aria-labelledby", slot("title").id);
  slot("label").htmlFor = id;
  slot("pin").id = id;
  slot("error").id = `${id}-error`;
  const form = slot("unlock");
  const showError = (message) => {
    slot("group").classList.toggle("nhsuk-form-group--error", Boolean(message));
    slot("pin").classList.toggle("nhsuk-input--error", Boolean(message));
    slot("error").hidden = !message;
    slot("error").textContent = "";
    if (message) {
      slot("error").append(element("span", "nhsuk-u-visually-hidden", `${strings.error}: `), message);
      slot("pin").setAttribute("aria-describedby", slot("error").id);
    } else {
      slot("pin").removeAttribute("aria-describedby");
    }
  };
  const gone = (message) => {
    // The role first, so that a screen reader announces the words; then focus, as the form goes.
    slot("gone").setAttribute("role", "alert");
    slot("gone").tabIndex = -1;
    slot("gone").hidden = false;
    slot("gone").textContent = message;
    form.hidden = true;
    slot("newer").hidden = true;
    slot("gone").focus();
  };
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const pin = slot("pin").value.trim();
    if (!pin) {
      showError(strings.enter_pin);
      slot("pin").focus();
      return;
    }
    busy = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    let result;
    try {
      result = await openWithPin(record.device_id, pin);
    } catch {
      result = { failed: true };
    } finally {
      busy = false;
      button.disabled = false;
    }
    if (result.copy) showOpened(host, record, result.copy);
    else if (result.failed) showError(strings.open_failed);
    else if (result.wiped) gone(strings.wiped);
    else {
      slot("pin").value = "";
      showError(strings.wrong_pin[String(result.left)]);
      slot("pin").focus();
    }
  });
  if (record.passkey) {
    slot("passkey").hidden = false;
    slot("passkey").addEventListener("click", async () => {
      const result = await openWithPasskey(record.device_id).catch(() => ({ failed: true }));
      if (result.copy) showOpened(host, record, result.copy);
      else showError(strings.passkey_failed);
    });
  }
  host.append(view);
  return { view, gone, newer: (shown) => (slot("newer").hidden = !shown) };
};

const startShell = async (shell) => {
  if (!supported()) {
    shell.querySelector("[data-offline-unsupported]").hidden = false;
    return;
  }
  const list = shell.querySelector("[data-offline-copies]");
  const records = await allCopies();
  if (records.length === 0) {
    shell.querySelector("[data-offline-none]").hidden = false;
    return;
  }
  const shown = records.map((record, index) => {
    const host = element("div");
    list.append(host);
    return { record, locked: showLocked(host, record, index) };
  });
  // With a signal, check each copy: wipe what must go, and say when a newer revision exists.
  for (const { record, locked } of shown) {
    const status = await askStatus(record.device_id);
    if (status === null) continue;
    if (!status.keep) {
      await wipe(record.device_id);
      locked.gone(strings.gone);
    } else {
      record.newer = status.revision; // in this page only
      locked.newer(status.revision > record.revision);
      if (!sameKeys(status.sections, record.sections)) {
        await updateCopy(record.device_id, () => ({ allowed: status.sections }));
        record.allowed = status.sections;
      }
    }
  }
};

// The signed-in pages --------------------------------------------------------------------------------------------

const showError = (panel, field, message) => {
  const summary = panel.querySelector('[data-slot="summary"]');
  const summaryList = panel.querySelector('[data-slot="summary-list"]');
  for (const input of panel.querySelectorAll("input.nhsuk-input")) {
    const hint = document.getElementById(`${input.id}-hint`);
    if (hint) input.setAttribute("aria-describedby", hint.id);
    else input.removeAttribute("aria-describedby");
    input.classList.remove("nhsuk-input--error");
    input.closest(".nhsuk-form-group").classList.remove("nhsuk-form-group--error");
    const error = document.getElementById(`${input.id}-error`);
    if (error) error.hidden = true;
  }
  summaryList.replaceChildren();
  summary.hidden = !field;
  if (!field) return;
  const input = document.getElementById(field);
  input.classList.add("nhsuk-input--error");
  input.closest(".nhsuk-form-group").classList.add("nhsuk-form-group--error");
  const error = document.getElementById(`${field}-error`);
  error.replaceChildren(element("span", "nhsuk-u-visually-hidden", `${strings.error}: `), message);
  error.hidden = false;
  const hint = document.getElementById(`${field}-hint`);
  input.setAttribute("aria-describedby", hint ? `${hint.id} ${error.id}` : error.id);
  const item = element("li");
  const link = element("a", null, message);
  link.href = `#${field}`;
  item.append(link);
  summaryList.append(item);
  summary.focus();
};

const startKeepPanel = async (panel, signedInUser) => {
  const personId = panel.dataset.personId;
  const own = panel.dataset.own === "1";
  const start = panel.querySelector("[data-keep-start]");
  const done = panel.querySelector("[data-keep-done]");
  const form = panel.querySelector("[data-keep-form]");
  const status = panel.querySelector('[data-slot="status"]');
  const kept = async () => (await allCopies()).find((each) => each.user_id === signedInUser && each.person_id === personId);
  const keptMessage = panel.querySelector('[data-slot="kept"]');
  keptMessage.tabIndex = -1;
  const showKept = (record, focus = false) => {
    keptMessage.textContent = fill(own ? strings.kept_own : strings.kept_carer, { number: record.revision });
    done.hidden = false;
    start.hidden = true;
    if (focus) keptMessage.focus();
  };
  const showStart = () => {
    start.hidden = false;
    done.hidden = true;
  };
  panel.hidden = false;
  for (const link of document.querySelectorAll("[data-offline-link]")) link.hidden = false;
  const already = await kept();
  if (already) showKept(already);
  if (await passkeyMaySupport()) panel.querySelector('[data-slot="passkey-choice"]').hidden = false;
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const pin = document.getElementById("keep-pin").value;
    const again = document.getElementById("keep-pin-again").value;
    if (!pin) return showError(panel, "keep-pin", strings.pin_missing);
    if (!PIN_PATTERN.test(pin)) return showError(panel, "keep-pin", strings.pin_format);
    if (pin !== again) return showError(panel, "keep-pin-again", strings.pin_mismatch);
    showError(panel, null);
    busy = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = strings.keeping;
    let result;
    try {
      result = await keepCopy({
        personId,
        own,
        name: document.getElementById("keep-name").value,
        pin,
        withPasskey: document.getElementById("keep-passkey").checked,
        addUrl: panel.dataset.addUrl,
        signedInUser,
      });
    } catch {
      result = { error: strings.keep_failed };
    } finally {
      busy = false;
      button.disabled = false;
    }
    status.textContent = result.passkeyRefused ? strings.passkey_unavailable : "";
    if (result.field === "name") return showError(panel, "keep-name", result.error);
    if (result.error) return showError(panel, "keep-pin", result.error);
    form.reset();
    await readKeptHere(signedInUser);
    showKept(await kept(), true);
  });
  panel.querySelector('[data-slot="remove"]').addEventListener("click", async () => {
    const record = await kept();
    // Removed from this phone whatever happens; if the server could not be told, say where to finish it.
    const forgotten = record ? await forgetOnServer(record.device_id) : true;
    if (record) await wipe(record.device_id);
    await readKeptHere(signedInUser);
    showStart();
    status.textContent = forgotten ? strings.removed : strings.removed_not_forgotten;
    document.getElementById("keep-pin").focus();
  });
};

// Signing out here asks whether to keep this person's copies on the device. Whether there are any is read when
// the page loads, so that signing out goes at once, with no question, when there are none.
let keptHere = [];
const readKeptHere = async (signedInUser) => {
  keptHere = (await allCopies().catch(() => [])).filter((each) => each.user_id === signedInUser);
};

const startSignOutQuestion = (signedInUser) => {
  const question = document.getElementById("offline-sign-out");
  const form = document.querySelector("form.nhsuk-header__account-form");
  if (!question || !form) return;
  let answered = false;
  form.addEventListener("submit", (event) => {
    if (answered || keptHere.length === 0) return;
    event.preventDefault();
    question.showModal(); // keeps focus inside it; Escape closes it, staying signed in
  });
  const go = () => {
    answered = true;
    form.requestSubmit();
  };
  question.querySelector('[data-slot="keep"]').addEventListener("click", go);
  question.querySelector('[data-slot="remove"]').addEventListener("click", async () => {
    for (const record of (await allCopies()).filter((each) => each.user_id === signedInUser)) {
      await forgetOnServer(record.device_id);
      await wipe(record.device_id);
    }
    go();
  });
  question.querySelector('[data-slot="stay"]').addEventListener("click", () => question.close());
  question.addEventListener("close", () => {
    if (!answered) form.querySelector("button").focus();
  });
};

const startSignedIn = async (signedInUser) => {
  if (!supported()) return;
  startSignOutQuestion(signedInUser);
  await readKeptHere(signedInUser);
  await refreshAll(signedInUser, document.body.dataset.language || "en").catch(() => []);
  await readKeptHere(signedInUser);
  const panel = document.querySelector("[data-offline-keep]");
  if (panel) await startKeepPanel(panel, signedInUser);
};

const shell = document.querySelector("[data-offline-shell]");
if (shell) {
  // An opened plan never comes back with the Back button: it is taken out as the page is left, and the page
  // starts again, locked, if the browser brings it back from its cache.
  window.addEventListener("pagehide", () => shell.querySelector("[data-offline-copies]").replaceChildren());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
  startShell(shell);
}
else if (document.body.dataset.offlineUser) startSignedIn(document.body.dataset.offlineUser);
