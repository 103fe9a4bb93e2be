// The Neurodex viewer: one page that draws the store, a layer, a neuron or the search from the
// JSON API (docs/api.md), by its own path. Hand-written, no dependencies, works offline.
"use strict";

const app = document.getElementById("app");

// --- small helpers ---------------------------------------------------------------------------

/** An element with attributes (on* are listeners) and children (strings become text). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A field in either spelling: "layerCount" or "layer_count". */
function field(object, camelName) {
  if (!object) return undefined;
  if (camelName in object) return object[camelName];
  return object[camelName.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())];
}

/** GET or POST JSON; throws an Error with the API's one-sentence message. */
async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function number(value, digits = 3) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : value.toFixed(digits);
}

function percent(value) {
  return value === null || value === undefined ? "" : (100 * value).toFixed(1) + "%";
}

/** The visible form of a token: spaces as they are, line breaks as ↵. */
function visible(text) {
  return String(text).replace(/\n/g, "↵").replace(/\t/g, "⇥");
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function showError(error, into = app) {
  into.append(el("p", { class: "error" }, error.message));
}

function link(path, text) {
  return el("a", { href: path, onclick: (event) => navigate(event, path) }, text);
}

function navigate(event, path) {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) return;
  event.preventDefault();
  history.pushState(null, "", path);
  route();
}

/** Background colour of an activation relative to the neuron's scale: orange up, blue down. */
function shade(activation, scale) {
  if (!(scale > 0) || !Number.isFinite(activation)) return "transparent";
  const alpha = Math.min(1, Math.abs(activation) / scale);
  return activation >= 0 ? `rgba(255, 140, 0, ${alpha.toFixed(3)})` : `rgba(40, 110, 255, ${alpha.toFixed(3)})`;
}

/** A line of tokens each shaded by its activation, the exact value on hover; `focus` marked. */
function shadedTokens(tokens, activations, scale, focus) {
  return el("div", { class: "context" }, tokens.map((text, i) =>
    el("span", {
      class: "tok" + (i === focus ? " focus" : ""),
      style: `background:${shade(activations[i], scale)}`,
      title: `${visible(text)}: ${number(activations[i], 4)}`,
      "data-activation": activations[i],
    }, text)));
}

/** A record's context with its token marked: from its window when it has per-token
 *  activations, else from the text before and after it, else by finding the token. */
function recordContext(record, scale) {
  const window = record.window;
  if (window && Array.isArray(window.activations) && Array.isArray(window.tokens)) {
    const texts = window.tokens.map((t) => (typeof t === "string" ? t : t.text));
    return shadedTokens(texts, window.activations, scale, window.focus);
  }
  const token = record.token;
  const context = record.context || "";
  let before = record.before, after = record.after;
  if (before === undefined || after === undefined) {
    // The occurrence of the token nearest the middle of its context window.
    let best = -1;
    for (let at = context.indexOf(token); at >= 0 && token !== ""; at = context.indexOf(token, at + 1)) {
      if (best < 0 || Math.abs(at - context.length / 2) < Math.abs(best - context.length / 2)) best = at;
    }
    before = best < 0 ? context : context.slice(0, best);
    after = best < 0 ? "" : context.slice(best + token.length);
  }
  return el("div", { class: "context" }, before,
    el("span", { class: "tok focus", style: `background:${shade(record.activation, scale)}`,
      title: `${visible(token)}: ${number(record.activation, 4)}`, "data-activation": record.activation }, token),
    after);
}

// --- pages -----------------------------------------------------------------------------------

let storeInfo = null;
/** The store's `/api/info`, read once per page load. */
async function storeSummary() {
  if (!storeInfo) storeInfo = await api("/api/info");
  return storeInfo;
}

/** Links to the neighbours of a neuron that exist in the store: the previous and next neuron of
 *  its layer, its layer's table, and the same neuron in the adjacent indexed layers. */
async function neighbours(layer, neuron) {
  const layers = await storeSummary().then((i) => i.layers || []).catch(() => []);
  const indexed = (l) => layers.find((entry) => entry.layer === l);
  const here = indexed(layer);
  const inLayer = (l) => indexed(l) && neuron < indexed(l).neurons;
  return el("div", { class: "neighbours" },
    neuron > 0 ? link(`/neurons/${layer}/${neuron - 1}`, "← previous neuron") : "",
    !here || neuron + 1 < here.neurons ? link(`/neurons/${layer}/${neuron + 1}`, "next neuron →") : "",
    link(`/layers/${layer}`, `layer ${layer} table`),
    inLayer(layer - 1) ? link(`/neurons/${layer - 1}/${neuron}`, `neuron ${neuron} of layer ${layer - 1}`) : "",
    inLayer(layer + 1) ? link(`/neurons/${layer + 1}/${neuron}`, `neuron ${neuron} of layer ${layer + 1}`) : "");
}

let serverInfo = null;
async function server() {
  if (!serverInfo) serverInfo = await api("/api/server").catch(() => ({ model: null }));
  return serverInfo;
}

async function homePage() {
  const info = await storeSummary();
  document.title = "Neurodex: " + info.directory;
  const model = info.model;
  app.replaceChildren(el("h1", {}, "Store ", el("code", {}, info.directory)));
  if (model) {
    app.append(facts([
      ["model", `${field(model, "family")} from ${field(model, "source")}`],
      ["layers", field(model, "layerCount")], ["neurons per layer", number(field(model, "neuronCount"))],
      ["embedding size", field(model, "embeddingSize")], ["vocabulary", number(field(model, "vocabularySize"))],
      ["activation", field(model, "activationDefinition")],
      ["fingerprint", el("code", {}, String(field(model, "fingerprint") || "").slice(0, 16))],
    ]));
  } else {
    app.append(el("p", { class: "note" }, "No model recorded yet."));
  }
  app.append(el("h2", {}, "Layers"));
  const layers = info.layers || [];
  if (!layers.length) app.append(el("p", { class: "note" }, "No indexed layer yet (is the index run finished?)."));
  else app.append(el("table", {}, el("tr", {}, ["layer", "neurons", "top-k", "distinct tokens", "with statistics"].map((h) => el("th", {}, h))),
    layers.map((l) => el("tr", {}, el("td", {}, link(`/layers/${l.layer}`, `layer ${l.layer}`)),
      el("td", { class: "num" }, number(l.neurons)), el("td", { class: "num" }, field(l, "topK")),
      el("td", {}, field(l, "distinctTokens") ? "yes" : "no"), el("td", { class: "num" }, number(field(l, "neuronsWithStatistics")))))));
  app.append(el("h2", {}, "Corpora"), el("table", {}, el("tr", {}, ["#", "name", "documents", "tokens"].map((h) => el("th", {}, h))),
    (info.corpora || []).map((c) => el("tr", {}, el("td", {}, c.id), el("td", {}, c.name),
      el("td", { class: "num" }, number(c.documents)), el("td", { class: "num" }, number(c.tokens))))));
  app.append(el("h2", {}, "Runs"), el("table", {}, el("tr", {}, ["#", "status", "documents", "tokens", "started", "finished"].map((h) => el("th", {}, h))),
    (info.runs || []).map((r) => el("tr", {}, el("td", {}, r.id), el("td", {}, r.status + (r.error ? ": " + r.error : "")),
      el("td", { class: "num" }, number(field(r, "documentsDone"))), el("td", { class: "num" }, number(field(r, "tokensDone"))),
      el("td", {}, field(r, "startedAt") || ""), el("td", {}, field(r, "finishedAt") || "")))));
}

async function layerPage(layer) {
  document.title = `Neurodex: layer ${layer}`;
  const params = new URLSearchParams(location.search);
  const state = { sort: params.get("sort") || "max", order: params.get("order") || "desc",
    offset: Number(params.get("offset") || 0), limit: 50, token: params.get("token") || "", verdict: params.get("verdict") || "" };
  app.replaceChildren(el("h1", {}, `Layer ${layer}`));
  const summary = el("div");
  const filter = el("input", { type: "search", placeholder: "top token contains…", value: state.token, "aria-label": "filter by token" });
  const verdict = el("select", { "aria-label": "verdict" }, ["", "segregated", "interleaved", "undifferentiated"]
    .map((v) => el("option", { value: v, selected: v === state.verdict }, v || "any verdict")));
  const table = el("table", { id: "neurons" });
  const pager = el("div", { class: "pager" });
  const plot = el("div", { class: "plots" });
  app.append(summary, el("div", { class: "toolbar" }, filter, verdict), table, pager, plot);

  const columns = [["neuron", "neuron", true], ["max", "max", true], ["mean", "mean", true],
    ["fraction_positive", "positive", true], ["top_tokens", "top tokens", false], ["verdict", "verdict", true],
    ["epsilon_squared", "ε²", true], ["kruskal_wallis_p", "KW p", false]];

  async function load() {
    const query = new URLSearchParams({ sort: state.sort, order: state.order, offset: state.offset, limit: state.limit });
    if (state.token) query.set("token", state.token);
    if (state.verdict) query.set("verdict", state.verdict);
    history.replaceState(null, "", `/layers/${layer}?${query}`);
    let page;
    try {
      page = await api(`/api/layers/${layer}?${query}`);
    } catch (error) {
      table.replaceChildren();
      showError(error, table);
      return;
    }
    const a = page.analyses;
    summary.replaceChildren(el("p", {}, `${number(page.neuron_count)} neurons; ${number(page.total)} shown after filtering.`,
      a ? ` ${a.analyzed} analyzed: ` + Object.entries(a.verdicts).map(([v, n]) => `${n} ${v}`).join(", ") + "." :
        " No analysis cached yet (neurodex analyze, or open a neuron)."));
    table.replaceChildren(el("tr", {}, columns.map(([key, label, sortable]) => el("th", {
      class: [sortable ? "sortable" : "", state.sort === key ? "sorted" : "", state.sort === key && state.order === "asc" ? "asc" : "",
        ["neuron", "max", "mean", "fraction_positive", "epsilon_squared", "kruskal_wallis_p"].includes(key) ? "num" : ""].join(" ").trim(),
      "data-sort": sortable ? key : null,
      onclick: sortable ? () => { state.order = state.sort === key && state.order === "desc" ? "asc" : "desc"; state.sort = key; state.offset = 0; load(); } : null,
    }, label))), ...page.neurons.map((row) => el("tr", {},
      el("td", { class: "num" }, link(`/neurons/${layer}/${row.neuron}`, row.neuron)),
      el("td", { class: "num" }, number(row.max)), el("td", { class: "num" }, number(row.mean)),
      el("td", { class: "num" }, percent(row.fraction_positive)),
      el("td", { class: "chips" }, row.top_tokens.map((t) => el("span", {}, visible(t)))),
      el("td", {}, row.verdict || ""), el("td", { class: "num" }, number(row.epsilon_squared)),
      el("td", { class: "num" }, number(row.kruskal_wallis_p)))));
    const last = Math.max(0, page.total - 1);
    pager.replaceChildren(
      el("button", { disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - state.limit); load(); } }, "← previous"),
      `${page.total ? state.offset + 1 : 0}–${Math.min(page.total, state.offset + state.limit)} of ${page.total}`,
      el("button", { disabled: state.offset + state.limit > last, onclick: () => { state.offset += state.limit; load(); } }, "next →"));
    plot.replaceChildren(a && a.analyzed > 1 ? el("img", { src: `/api/layers/${layer}/effect-sizes.svg`, alt: "effect-size histograms" }) : "");
  }
  let typing;
  filter.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => { state.token = filter.value; state.offset = 0; load(); }, 250); });
  verdict.addEventListener("change", () => { state.verdict = verdict.value; state.offset = 0; load(); });
  await load();
}

/** The histogram on a linear value axis: the stored bins (finer near zero) pooled into
 *  `count` equal-width bars by their centres; bar heights ∝ √count so that tails show. */
function histogramBars(histogram, count = 80) {
  const bins = histogram.bins || [];
  if (!bins.length) return el("p", { class: "note" }, "No histogram stored.");
  const low = bins[0].lower, high = bins[bins.length - 1].upper;
  const width = (high - low) / count || 1;
  const bars = Array.from({ length: count }, (_, i) => ({ lower: low + i * width, upper: low + (i + 1) * width, count: 0 }));
  for (const b of bins) bars[Math.min(count - 1, Math.max(0, Math.floor(((b.lower + b.upper) / 2 - low) / width)))].count += b.count;
  const top = Math.max(...bars.map((b) => b.count));
  return el("div", {}, el("div", { class: "bars", id: "histogram" }, bars.map((b) =>
    el("div", { style: `height:${b.count ? Math.max(1, 100 * Math.sqrt(b.count / top)).toFixed(1) : 0}%`,
      title: `${number(b.lower, 4)} … ${number(b.upper, 4)}: ${number(b.count)}` }))),
  el("div", { class: "axis" }, el("span", {}, number(low)), el("span", {}, `${number(histogram.total)} positions; bar height ∝ √count`),
    el("span", {}, number(high))));
}

function recordsTable(records, scale) {
  return el("table", { class: "records" }, el("tr", {}, ["#", "activation", "token", "doc", "pos", "context"].map((h) => el("th", {}, h))),
    records.map((r, i) => el("tr", {}, el("td", { class: "num" }, i + 1), el("td", { class: "num" }, number(r.activation, 4)),
      el("td", {}, el("code", { class: "token" }, visible(r.token))), el("td", { class: "num" }, r.document),
      el("td", { class: "num" }, r.position), el("td", {}, recordContext(r, scale)))));
}

async function neuronPage(layer, neuron) {
  document.title = `Neurodex: layer ${layer} neuron ${neuron}`;
  app.replaceChildren(el("h1", {}, `Layer ${layer} · neuron ${neuron}`), await neighbours(layer, neuron));
  let doc;
  try {
    doc = await api(`/api/neurons/${layer}/${neuron}`);
  } catch (error) {
    showError(error);
    return;
  }
  const stats = doc.stats;
  const records = doc.top || [];
  const scale = Math.max(...records.map((r) => Math.abs(r.activation)), stats ? Math.abs(stats.max) : 0);
  app.append(el("h2", {}, "Statistics"), stats ? facts([
    ["positions", number(stats.count)], ["mean", number(stats.mean)], ["sd", number(Math.sqrt(stats.variance))],
    ["min", number(stats.min)], ["max", number(stats.max)], ["positive", percent(stats.fraction_positive)],
  ]) : el("p", { class: "note" }, "No statistics stored for this neuron."));
  const histogram = el("div", {}, el("p", { class: "note" }, "Loading the histogram…"));
  app.append(el("h2", {}, "Activation histogram"), histogram);
  api(`/api/neurons/${layer}/${neuron}/histogram`).then((h) => histogram.replaceChildren(histogramBars(h)))
    .catch((error) => { histogram.replaceChildren(); showError(error, histogram); });

  const shown = 20;
  const examples = el("div", {}, recordsTable(records.slice(0, shown), scale));
  if (records.length > shown) {
    examples.append(el("button", { onclick: () => examples.replaceChildren(recordsTable(records, scale)) },
      `Show all ${records.length}`));
  }
  app.append(el("section", { id: "top-examples" }, el("h2", {}, `Top examples (${records.length})`), examples));
  const negative = doc.negative || [];
  if (negative.length) {
    app.append(el("section", { id: "negative-examples" }, el("h2", {}, `Most negative examples (${negative.length})`),
      recordsTable(negative, scale)));
  }
  const bands = doc.bands || [];
  if (bands.length) {
    const section = el("section", { id: "bands" }, el("h2", {}, "Band examples"));
    for (const band of bands) {
      const [lower, upper] = band.quantiles;
      const values = band.values[0] === null ? "no tokens" : `values ${number(band.values[0], 4)} … ${number(band.values[1], 4)}`;
      section.append(el("h3", {}, `Quantiles ${lower} – ${upper}`),
        el("p", { class: "note" }, `${values} · ${percent(band.share)} of tokens · ${band.examples.length} of ${band.sampled} sampled`),
        band.examples.length ? recordsTable(band.examples, scale) : "");
    }
    app.append(section);
  }
  const sample = doc.random_sample || [];
  if (sample.length) {
    app.append(el("section", { id: "random-sample" }, el("h2", {}, `Random sample (${sample.length})`), recordsTable(sample, scale)));
  }
  const lens = doc.logit_lens;
  if (lens && (lens.raised?.length || lens.lowered?.length)) {
    const column = (title, entries) => el("table", {}, el("tr", {}, el("th", {}, title), el("th", { class: "num" }, "value")),
      entries.map((t) => el("tr", {}, el("td", {}, el("code", {}, visible(t.token))), el("td", { class: "num" }, number(t.value, 4)))));
    app.append(el("section", { id: "logit-lens" }, el("h2", {}, "Logit lens: output tokens this neuron raises and lowers"),
      el("div", { class: "lens" }, column("raised", lens.raised || []), column("lowered", lens.lowered || []))));
  }

  const analysis = el("div", {}, el("p", { class: "note" }, "Analyzing (cached after the first time)…"));
  app.append(el("h2", {}, "Analysis"), analysis);
  analysisReport(layer, neuron, analysis);

  if ((await server()).model) app.append(el("h2", {}, "Your text through this neuron"), activationBox(layer, neuron, scale));
}

async function analysisReport(layer, neuron, into) {
  let doc;
  try {
    doc = await api(`/api/neurons/${layer}/${neuron}/analysis`);
  } catch (error) {
    into.replaceChildren();
    showError(error, into);
    return;
  }
  const entry = doc.layers?.[0]?.neurons?.[0] ?? doc;
  const a = entry.analysis || {};
  const topDown = a.top_down || {}, differentiation = topDown.differentiation || {};
  const bottomUp = a.bottom_up || {}, full = a.homomorphism?.full || {};
  const topSegment = (bottomUp.segments || []).at(-1)?.homogeneity;
  into.replaceChildren(facts([
    ["verdict", a.interleaving?.verdict], ["core tokens", a.core_count], ["clusters", topDown.clusters?.length],
    ["Kruskal–Wallis", differentiation.p !== undefined ? `H ${number(differentiation.h)}, p ${number(differentiation.p)}, ε² ${number(differentiation.epsilon_squared)}` : undefined],
    ["silhouette", number(topDown.clustering?.silhouette)],
    ["top segment homogeneity", topSegment ? `z ${number(topSegment.z)}, p ${number(topSegment.p)}` : undefined],
    ["Mantel ρ (all core tokens)", full.mantel ? `${number(full.mantel.rho)}, p ${number(full.mantel.p)}` : undefined],
    ["source", entry.source],
  ]), el("div", { class: "plots" },
    el("img", { src: `/api/neurons/${layer}/${neuron}/plots/clusters.svg`, alt: "activations by cluster" }),
    el("img", { src: `/api/neurons/${layer}/${neuron}/plots/segments.svg`, alt: "homogeneity by segment" })));
}

function activationBox(layer, neuron, scale) {
  const text = el("textarea", { placeholder: "Type a text to see this neuron's activation at each token." });
  const out = el("div");
  const run = async () => {
    out.replaceChildren(el("p", { class: "note" }, "Running…"));
    try {
      const result = await api("/api/activations", { text: text.value, layer, neuron });
      const acts = result.tokens.map((t) => t.activation);
      out.replaceChildren(shadedTokens(result.tokens.map((t) => t.text), acts, Math.max(scale, ...acts.map(Math.abs)), -1));
    } catch (error) {
      out.replaceChildren();
      showError(error, out);
    }
  };
  return el("div", {}, text, el("div", { class: "toolbar" }, el("button", { onclick: run }, "Run")), out);
}

async function searchPage() {
  document.title = "Neurodex: search";
  const params = new URLSearchParams(location.search);
  const token = el("input", { name: "token", placeholder: "a token, e.g. king", value: params.get("token") || "", "aria-label": "token" });
  const layer = el("input", { name: "layer", type: "number", min: 0, placeholder: "any layer", value: params.get("layer") || "", "aria-label": "layer" });
  const results = el("div");
  const search = async (event) => {
    event?.preventDefault();
    const query = new URLSearchParams({ token: token.value, limit: 100 });
    if (layer.value !== "") query.set("layer", layer.value);
    history.replaceState(null, "", `/search?${query}`);
    results.replaceChildren();
    if (!token.value) return;
    try {
      const found = await api(`/api/search?${query}`);
      results.append(el("p", {}, `Tokens ${found.tokens.map((t) => `${t.id} “${visible(t.text)}”`).join(", ")}: ${found.total} neurons.`),
        el("table", {}, el("tr", {}, ["layer", "neuron", "token", "activation"].map((h) => el("th", {}, h))),
          found.hits.map((h) => el("tr", {}, el("td", { class: "num" }, h.layer), el("td", { class: "num" }, link(`/neurons/${h.layer}/${h.neuron}`, h.neuron)),
            el("td", {}, el("code", {}, visible(h.token))), el("td", { class: "num" }, number(h.activation, 4))))));
    } catch (error) {
      showError(error, results);
    }
  };
  app.replaceChildren(el("h1", {}, "Search"), el("h2", {}, "Token → neurons"),
    el("form", { class: "toolbar", onsubmit: search }, token, layer, el("button", {}, "Search")), results);
  if (params.get("token")) search();

  if ((await server()).model) {
    const text = el("textarea", { placeholder: "A text: the neurons that fire most at each of its tokens." });
    const out = el("div");
    const run = async () => {
      out.replaceChildren(el("p", { class: "note" }, "Running…"));
      try {
        const result = await api("/api/top-neurons", { text: text.value, limit: 5 });
        out.replaceChildren(el("table", {}, el("tr", {}, el("th", {}, "token"), el("th", {}, "top neurons (layer/neuron: activation)")),
          result.tokens.map((t) => el("tr", {}, el("td", {}, el("code", {}, visible(t.text))),
            el("td", { class: "chips" }, t.neurons.map((n) => el("span", {}, link(`/neurons/${n.layer}/${n.neuron}`, `${n.layer}/${n.neuron}`), `: ${number(n.activation)}`)))))));
      } catch (error) {
        out.replaceChildren();
        showError(error, out);
      }
    };
    app.append(el("h2", {}, "Text → top neurons per token"), text, el("div", { class: "toolbar" }, el("button", { onclick: run }, "Run")), out);
  }
}

// --- routing ---------------------------------------------------------------------------------

async function route() {
  const path = location.pathname;
  let match;
  try {
    if (path === "/") await homePage();
    else if ((match = path.match(/^\/layers\/(\d+)$/))) await layerPage(Number(match[1]));
    else if ((match = path.match(/^\/neurons\/(\d+)\/(\d+)$/))) await neuronPage(Number(match[1]), Number(match[2]));
    else if (path === "/search") await searchPage();
    else app.replaceChildren(el("p", { class: "error" }, "No such page."));
  } catch (error) {
    app.replaceChildren();
    showError(error);
  }
}

document.getElementById("jump").addEventListener("submit", (event) => {
  const form = event.target;
  const layer = form.layer.value, neuron = form.neuron.value;
  if (layer === "") return event.preventDefault();
  navigate(event, neuron === "" ? `/layers/${layer}` : `/neurons/${layer}/${neuron}`);
});
window.addEventListener("popstate", route);
route();
