// A small e-learning module that behaves like a launched xAPI package: it reads the common TinCan
// launch parameters (endpoint, auth, actor, registration, activity_id) from its query string, sends
// initialized / progressed / completed / passed|failed / terminated statements, and keeps a
// bookmark in the State API so a relaunch with the same registration resumes where it stopped.
"use strict";

(function () {
  const PAGE_COUNT = 3;
  const XAPI_VERSION = "1.0.3";
  const STATE_ID = "bookmark";
  const CORRECT_ANSWER = "needs";
  const PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress";
  const MODULE_TYPE = "http://adlnet.gov/expapi/activities/module";
  const MODULE_NAME = "Leading digital change";

  const el = (id) => document.getElementById(id);
  let launch = null;
  let page = 1;
  let startedAt = Date.now();

  function setStatus(text, phase) {
    el("status").textContent = text;
    if (phase) {
      document.body.dataset.phase = phase;
    }
  }

  // TinCan launch links sometimes carry the old array form: {"mbox": ["mailto:..."], "name": ["..."]}.
  function normaliseActor(raw) {
    const first = (value) => (Array.isArray(value) ? value[0] : value);
    const actor = { objectType: "Agent" };
    for (const key of ["name", "mbox", "mbox_sha1sum", "openid"]) {
      if (raw[key] !== undefined) {
        actor[key] = first(raw[key]);
      }
    }
    const account = first(raw.account);
    if (account) {
      actor.account = {
        homePage: account.homePage || account.accountServiceHomePage,
        name: account.name || account.accountName,
      };
    }
    return actor;
  }

  function readLaunch(search) {
    const params = new URLSearchParams(search);
    const missing = ["endpoint", "auth", "actor"].filter((name) => !params.get(name));
    if (missing.length) {
      throw new Error("launch link is missing " + missing.join(", "));
    }
    let actor;
    try {
      actor = normaliseActor(JSON.parse(params.get("actor")));
    } catch (err) {
      throw new Error("launch parameter actor is not valid JSON");
    }
    const endpoint = params.get("endpoint");
    return {
      endpoint: endpoint.endsWith("/") ? endpoint : endpoint + "/",
      auth: params.get("auth"),
      actor: actor,
      registration: params.get("registration") || null,
      // Without activity_id the module names itself by its own address, as a package's IRI would.
      activityId: params.get("activity_id") || window.location.origin + window.location.pathname,
    };
  }

  async function callLrs(method, resource, query, body) {
    const url = new URL(resource, launch.endpoint);
    for (const [name, value] of Object.entries(query || {})) {
      url.searchParams.set(name, value);
    }
    const headers = { Authorization: launch.auth, "X-Experience-API-Version": XAPI_VERSION };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    if (!response.ok && response.status !== 404) {
      let message = response.status + " " + response.statusText;
      try {
        message = (await response.json()).message || message;
      } catch (err) {
        // The body was not JSON; the status line says enough.
      }
      throw new Error(message);
    }
    return response;
  }

  function stateQuery() {
    const query = { activityId: launch.activityId, agent: JSON.stringify(launch.actor), stateId: STATE_ID };
    if (launch.registration) {
      query.registration = launch.registration;
    }
    return query;
  }

  async function loadBookmark() {
    const response = await callLrs("GET", "activities/state", stateQuery());
    if (response.status === 404) {
      return null;
    }
    return response.json();
  }

  function saveBookmark() {
    return callLrs("PUT", "activities/state", stateQuery(), { page: page });
  }

  function send(verb, result) {
    const context = { platform: "cohort-lrs demo module", language: "en-GB" };
    if (launch.registration) {
      context.registration = launch.registration;
    }
    const statement = {
      actor: launch.actor,
      verb: { id: "http://adlnet.gov/expapi/verbs/" + verb, display: { "en-GB": verb } },
      object: {
        objectType: "Activity",
        id: launch.activityId,
        definition: { name: { "en-GB": MODULE_NAME }, type: MODULE_TYPE },
      },
      context: context,
      timestamp: new Date().toISOString(),
    };
    if (result) {
      statement.result = result;
    }
    return callLrs("POST", "statements", {}, statement);
  }

  function progressResult(percent) {
    const extensions = {};
    extensions[PROGRESS_EXTENSION] = percent;
    return { extensions: extensions };
  }

  function show(id, visible) {
    el(id).hidden = !visible;
  }

  function showPage(number) {
    page = number;
    for (let index = 1; index <= PAGE_COUNT; index += 1) {
      show("page-" + index, index === number);
    }
    show("next-page", number < PAGE_COUNT);
    show("start-check", number === PAGE_COUNT);
    el("progress").value = Math.round(((number - 1) / PAGE_COUNT) * 100);
    document.body.dataset.page = String(number);
    el("page-" + number + "-title").focus();
  }

  // Runs one learner action: buttons are disabled while its statements are on their way, so a
  // double click cannot send them twice, and any failure is announced in the live region.
  async function step(action) {
    const buttons = document.querySelectorAll("button");
    buttons.forEach((button) => (button.disabled = true));
    setStatus("Saving your progress…", "busy");
    try {
      const message = await action();
      setStatus(message, document.body.dataset.phase === "busy" ? "ready" : document.body.dataset.phase);
    } catch (err) {
      setStatus("Your progress could not be recorded: " + err.message, "error");
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  }

  async function start() {
    const bookmark = await loadBookmark();
    startedAt = Date.now();
    await send("initialized");
    const resumeAt = bookmark && Number.isInteger(bookmark.page) ? bookmark.page : 1;
    showPage(Math.min(Math.max(resumeAt, 1), PAGE_COUNT));
    return resumeAt > 1 ? "Welcome back. Resuming at page " + page + "." : "Module started.";
  }

  async function nextPage() {
    showPage(page + 1);
    const percent = Math.round(((page - 1) / PAGE_COUNT) * 100);
    await send("progressed", progressResult(percent));
    await saveBookmark();
    return "Progress saved: page " + page + " of " + PAGE_COUNT + ".";
  }

  async function startCheck() {
    await send("completed", { completion: true, ...progressResult(100) });
    el("progress").value = 100;
    show("page-" + PAGE_COUNT, false);
    show("start-check", false);
    show("check", true);
    el("check-title").focus();
    return "All pages read. Answer the knowledge check.";
  }

  async function submitAnswer() {
    const chosen = el("check-form").elements.answer.value;
    if (!chosen) {
      return "Choose an answer before submitting.";
    }
    const correct = chosen === CORRECT_ANSWER;
    const score = { scaled: correct ? 1 : 0, raw: correct ? 1 : 0, min: 0, max: 1 };
    await send(correct ? "passed" : "failed", { score: score, success: correct, completion: true });
    show("check", false);
    show("done", true);
    show("finish", true);
    el("outcome").textContent = correct
      ? "Correct: you passed with a score of 1 out of 1."
      : "Not quite: the answer is to start with the needs of residents.";
    el("done-title").focus();
    return correct ? "You passed the knowledge check." : "You did not pass the knowledge check.";
  }

  async function finish() {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    await send("terminated", { duration: "PT" + seconds + "S" });
    show("finish", false);
    document.body.dataset.phase = "finished";
    return "Module finished. You can close this window.";
  }

  function wire() {
    el("next-page").addEventListener("click", () => step(nextPage));
    el("start-check").addEventListener("click", () => step(startCheck));
    el("finish").addEventListener("click", () => step(finish));
    el("check-form").addEventListener("submit", (event) => {
      event.preventDefault();
      step(submitAnswer);
    });
    for (const heading of document.querySelectorAll("h2")) {
      heading.tabIndex = -1; // focus moves to each new section's heading for screen reader users
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    try {
      launch = readLaunch(window.location.search);
    } catch (err) {
      setStatus("This module cannot start: " + err.message + ".", "error");
      return;
    }
    step(start);
  });
})();
