/**
 * The readiness checks built from the accumulator's tallies and the profile, and the verdict: blocked when a check
 * is a blocker, needs attention when one is a warning, ready otherwise — with one line that says why.
 */
import { distance } from "fastest-levenshtein";
import { francAll } from "franc-min";
import type { DatasetProfile } from "../profile-types";
import { BLOCKING_PII, PII_KINDS, PII_LABEL_ONE, PII_LABELS } from "./pii";
import type { ReadinessTally } from "./readiness";
import type { CheckSeverity, DatasetReadiness, ReadinessCheck, ReadinessVerdict } from "./readiness-types";

const SEVERITY_RANK: Record<CheckSeverity, number> = { ok: 0, info: 1, warning: 2, blocker: 3 };
const fmt = (n: number) => n.toLocaleString("en-US");
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(n / d < 0.01 ? 2 : 1)}%` : "0%");
const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

/** Technique family of a format (the technique is only chosen on the job form; this is what the format trains). */
export function techniqueOfFormat(format: string): "sft" | "classification" | "continued_pretraining" {
  if (format === "classification") return "classification";
  if (format === "text") return "continued_pretraining";
  return "sft";
}

function duplicateChecks(t: ReadinessTally, profile: DatasetProfile): ReadinessCheck[] {
  const n = t.rows;
  const exact = profile.duplicateRows;
  const near = t.nearDuplicates;
  const sev = (k: number): CheckSeverity => (k === 0 ? "ok" : k / n >= 0.01 ? "warning" : "info");
  return [
    {
      id: "exact_duplicates",
      title: "Exact duplicates",
      severity: sev(exact),
      count: exact,
      summary: exact
        ? `${plural(exact, "row")} (${pct(exact, n)}) ${exact === 1 ? "repeats" : "repeat"} an earlier row word for word.`
        : "No row repeats another.",
      action: exact
        ? "Repeats are trained on more than once per epoch and can land on both sides of the train/test split, " +
          "which makes the evaluation look better than it is. Make a cleaned version to drop them."
        : "",
      examples: t.exactExamples,
      estimate: !profile.duplicatesExact || undefined,
    },
    {
      id: "near_duplicates",
      title: "Near duplicates",
      severity: sev(near),
      count: near,
      summary: near
        ? `${plural(near, "row")} (${pct(near, n)}) ${near === 1 ? "is" : "are"} at least ${Math.round(t.settings.nearDuplicateThreshold * 100)}% similar to an earlier row (case, punctuation or a few words apart).`
        : `No two rows are ${Math.round(t.settings.nearDuplicateThreshold * 100)}% similar or more.`,
      action: near
        ? "Near copies over-weight one example and leak between training and evaluation. Make a cleaned version to drop them, or raise the threshold if these rows are meant to differ."
        : "",
      examples: t.nearExamples,
      details: {
        threshold: t.settings.nearDuplicateThreshold,
        rowsTracked: t.tracked,
        method: "MinHash (96 bins, character 5-grams) + LSH (16 bands × 6)",
      },
      estimate: t.trackingFull || undefined,
    },
  ];
}

function personalDataCheck(t: ReadinessTally): ReadinessCheck {
  const found = PII_KINDS.filter((k) => t.pii[k] > 0);
  const total = found.reduce((s, k) => s + t.pii[k], 0);
  const blocking = found.filter((k) => BLOCKING_PII.has(k));
  const list = found.map((k) => `${fmt(t.pii[k])} ${t.pii[k] === 1 ? PII_LABEL_ONE[k] : PII_LABELS[k]}`).join(", ");
  return {
    id: "personal_data",
    title: "Personal and sensitive data",
    severity: blocking.length ? "blocker" : found.length ? "warning" : "ok",
    count: t.piiRows,
    summary: found.length
      ? `${plural(t.piiRows, "row")} contain personal data: ${list}.`
      : "No e-mail addresses, phone numbers, card numbers, IBANs, Aadhaar, PAN, SSNs, IP addresses, dates of birth or medical record numbers found.",
    action: found.length
      ? "A fine-tuned model can repeat what it was trained on, to anyone who prompts it. Make a cleaned version: " +
        "each value is replaced by a placeholder such as [EMAIL] or [CARD_NUMBER]." +
        (blocking.length
          ? " Account and identity numbers block training until they are removed or a reason to keep them is given."
          : "")
      : "",
    examples: t.piiExamples,
    details: { kinds: Object.fromEntries(found.map((k) => [k, t.pii[k]])), values: total },
  };
}

function answersChecks(t: ReadinessTally, profile: DatasetProfile): ReadinessCheck[] {
  const out: ReadinessCheck[] = [];
  const n = t.rows;
  if (t.lengths.prompt.length) {
    const e = t.emptyAnswers;
    out.push({
      id: "empty_answers",
      title: "Empty answers",
      severity: e === 0 ? "ok" : e / n >= 0.5 ? "blocker" : "warning",
      count: e,
      summary: e
        ? `${plural(e, "row")} (${pct(e, n)}) have an empty or whitespace-only answer.`
        : "Every row has an answer.",
      action: e ? "The model learns to answer with nothing. Fill in the answers or remove these rows." : "",
      examples: t.emptyAnswerExamples,
    });
  }
  const empty = profile.emptyRows;
  out.push({
    id: "empty_rows",
    title: "Empty rows",
    severity: empty === 0 ? "ok" : empty / n >= 0.5 ? "blocker" : "info",
    count: empty,
    summary: empty ? `${plural(empty, "row")} have no text at all; training skips them.` : "No empty rows.",
    action: empty ? "Nothing breaks, but check the export that produced them." : "",
    examples: [],
  });
  return out;
}

/** Examples a technique needs before a fine-tune is worth its GPU hours, and what happens with fewer. */
function tooFewCheck(t: ReadinessTally, profile: DatasetProfile): ReadinessCheck {
  const n = t.rows;
  const tech = techniqueOfFormat(t.format);
  let severity: CheckSeverity = "ok";
  let summary = "";
  let action = "";
  if (tech === "sft") {
    if (n < 20) {
      severity = "blocker";
      summary = `${plural(n, "example")}: too few for supervised fine-tuning.`;
      action = `With ${fmt(n)} examples the model memorises them and learns no behaviour; add examples (a few hundred at least) or use them as few-shot prompts instead.`;
    } else if (n < 200) {
      severity = "warning";
      summary = `${plural(n, "example")}: few for supervised fine-tuning.`;
      action =
        "Expect the model to copy the phrasing of these examples rather than generalise; 500–1,000 varied examples is a usual minimum for a new behaviour. Augmentation can help.";
    } else summary = `${fmt(n)} examples: enough to start supervised fine-tuning.`;
  } else if (tech === "classification") {
    const labels = Object.entries(profile.labels ?? {});
    const smallest = labels.length ? Math.min(...labels.map(([, c]) => c)) : 0;
    if (labels.length < 2) {
      severity = "blocker";
      summary = `Only ${labels.length} label: a classifier needs at least two.`;
      action = "Add examples of the other classes.";
    } else if (smallest < 5 || n < 20) {
      severity = "blocker";
      summary = `The smallest class has ${plural(smallest, "example")}.`;
      action =
        "With under 5 examples a class can neither be learnt nor evaluated (the test split may hold none of it). Add examples or merge the class into another.";
    } else if (smallest < 50) {
      severity = "warning";
      summary = `The smallest class has ${plural(smallest, "example")}.`;
      action =
        "Expect low recall on the small classes and wide confidence intervals in the evaluation; about 50–100 examples per class is a usual minimum.";
    } else summary = `${fmt(n)} examples, at least ${fmt(smallest)} per class.`;
  } else {
    const tokens = profile.approxTokens;
    if (tokens < 50_000) {
      severity = "warning";
      summary = `About ${fmt(tokens)} tokens of text: little for continued pre-training.`;
      action =
        "Continued pre-training on so little text barely shifts the model's domain knowledge and risks memorising it; millions of tokens are typical. Consider supervised fine-tuning on question/answer pairs instead.";
    } else summary = `About ${fmt(tokens)} tokens of text.`;
  }
  return {
    id: "too_few_examples",
    title: "Enough examples",
    severity,
    count: n,
    summary,
    action,
    examples: [],
    details: { technique: tech },
  };
}

function labelChecks(t: ReadinessTally, profile: DatasetProfile): ReadinessCheck[] {
  if (t.format !== "classification" || !profile.labels) return [];
  const entries = Object.entries(profile.labels).sort((a, b) => b[1] - a[1]);
  const out: ReadinessCheck[] = [];
  if (entries.length >= 2) {
    const [bigName, big] = entries[0]!;
    const [smallName, small] = entries[entries.length - 1]!;
    const ratio = small ? big / small : Infinity;
    out.push({
      id: "class_imbalance",
      title: "Class balance",
      severity: ratio >= 10 ? "warning" : ratio >= 3 ? "info" : "ok",
      count: small,
      summary: `The largest class ("${bigName}", ${fmt(big)}) is ${ratio.toFixed(1)}× the smallest ("${smallName}", ${fmt(small)}).`,
      action:
        ratio >= 3
          ? "An imbalanced classifier learns to favour the large classes; judge it by macro-F1 (the evaluation reports it), and add examples of the small classes or down-sample the large ones."
          : "",
      examples: [],
      details: {
        ratio: Number.isFinite(ratio) ? Math.round(ratio * 100) / 100 : null,
        largest: { label: bigName, rows: big },
        smallest: { label: smallName, rows: small },
      },
    });
  }
  const c = t.conflicts;
  out.push({
    id: "label_conflicts",
    title: "Conflicting labels",
    severity: c === 0 ? "ok" : c / t.rows >= 0.05 ? "blocker" : "warning",
    count: c,
    summary: c
      ? `${plural(c, "row")} (${pct(c, t.rows)}) have the same or a near-identical text as another row with a different label.`
      : "No text appears with two different labels.",
    action: c
      ? "The model is trained to give both answers to one input, which caps its accuracy. Decide the right label, or make a cleaned version, which drops every row of a conflict."
      : "",
    examples: t.conflictExamples,
  });
  const typos = labelTypos(entries);
  out.push({
    id: "label_typos",
    title: "Labels that look like typos",
    severity: typos.length ? "warning" : "ok",
    count: typos.length,
    summary: typos.length
      ? `${plural(typos.length, "pair")} of labels differ only by case, spacing or a letter or two: ${typos
          .slice(0, 3)
          .map((p) => `"${p.labels[0]}" / "${p.labels[1]}"`)
          .join(", ")}.`
      : "No two labels look like misspellings of each other.",
    action: typos.length
      ? "Each spelling is trained as its own class. Fix the labels in the file and upload a new version."
      : "",
    examples: typos.slice(0, t.settings.maxExamples),
  });
  return out;
}

/** Label pairs equal once case, spacing and punctuation are ignored, or an edit or two apart (not only digits). */
export function labelTypos(entries: [string, number][]): { labels: string[]; text: string }[] {
  const out: { labels: string[]; text: string }[] = [];
  const list = entries.slice(0, 200);
  const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, ca] = list[i]!;
      const [b, cb] = list[j]!;
      const na = norm(a);
      const nb = norm(b);
      let typo = na === nb && na.length > 0;
      if (!typo) {
        const len = Math.min(na.length, nb.length);
        const allowed = len >= 8 ? 2 : len >= 4 ? 1 : 0;
        const digitsOnly = na.replace(/\d/g, "") === nb.replace(/\d/g, "");
        typo = allowed > 0 && !digitsOnly && distance(na, nb) <= allowed;
      }
      if (typo) out.push({ labels: [a, b], text: `"${a}" (${fmt(ca)} rows) and "${b}" (${fmt(cb)} rows)` });
    }
  }
  return out;
}

function systemPromptCheck(t: ReadinessTally): ReadinessCheck[] {
  if (t.format !== "chat") return [];
  const same = t.sameSystemRows;
  const repeated = t.rows >= 10 && same / t.rows >= 0.9;
  return [
    {
      id: "system_prompt",
      title: "Repeated system prompt",
      severity: repeated ? "info" : "ok",
      count: repeated ? same : 0,
      summary: repeated
        ? `The same system prompt (${fmt(t.systemChars)} characters) opens ${pct(same, t.rows)} of the rows.`
        : t.systemRows
          ? `${plural(t.distinctSystems, "distinct system prompt")} in ${plural(t.systemRows, "row")}.`
          : "No system prompts.",
      action: repeated
        ? `It costs about ${fmt(Math.round(t.systemChars / 4))} tokens in every row, and the model will depend on it: send exactly this system prompt at inference, or drop it from the data.`
        : "",
      examples: [],
      details: { rowsWithSystem: t.systemRows, distinct: t.distinctSystems },
    },
  ];
}

/** Languages of a sample of rows (franc-min, trigram profiles of 82 languages); rows too short to tell are skipped. */
function languageCheck(t: ReadinessTally): ReadinessCheck {
  const counts = new Map<string, number>();
  let detected = 0;
  for (const s of t.languageSample) {
    if (s.trim().length < 60) continue;
    const [best] = francAll(s, { minLength: 60 });
    if (!best || best[0] === "und") continue;
    detected++;
    counts.set(best[0], (counts.get(best[0]) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const share = (i: number) => (detected ? (ranked[i]?.[1] ?? 0) / detected : 0);
  // Trigram identification confuses related languages on short texts: count a second language only above 10%.
  // A second language in at least a quarter of the sample is a mix; 10–25% is noted (keyword-like texts fool the
  // trigram models into related languages at that rate).
  const mixed = detected >= 20 && ranked.length >= 2 && share(1) >= 0.25;
  const some = detected >= 20 && ranked.length >= 2 && share(1) >= 0.1;
  const langs = ranked.slice(0, 4).map(([l, c]) => `${l} ${Math.round((100 * c) / detected)}%`);
  return {
    id: "language_mix",
    title: "Languages",
    severity: mixed ? "warning" : some ? "info" : "ok",
    count: mixed ? ranked.length : Math.min(1, ranked.length),
    summary: detected
      ? mixed || some
        ? `A mix of languages in a sample of ${fmt(detected)} rows: ${langs.join(", ")}.`
        : `Mostly one language (${ranked[0]![0]}) in a sample of ${fmt(detected)} rows.`
      : "Too few long rows to tell the language.",
    action:
      mixed || some
        ? "A model tuned on mixed languages answers in either; if that is intended, make sure the evaluation covers each language. Otherwise split the dataset by language."
        : "",
    examples: [],
    details: { sampled: t.languageSample.length, detected, languages: Object.fromEntries(ranked.slice(0, 10)) },
    estimate: true,
  };
}

export function verdictOf(checks: ReadinessCheck[]): { verdict: ReadinessVerdict; reason: string } {
  const worst = checks.reduce<ReadinessCheck | null>(
    (w, c) => (!w || SEVERITY_RANK[c.severity] > SEVERITY_RANK[w.severity] ? c : w),
    null,
  );
  const level = worst ? worst.severity : "ok";
  const at = (s: CheckSeverity) => checks.filter((c) => c.severity === s);
  if (level === "blocker") {
    const b = at("blocker");
    return { verdict: "blocked", reason: b.map((c) => c.summary.replace(/\.$/, "")).join("; ") + "." };
  }
  if (level === "warning") {
    const w = at("warning");
    return {
      verdict: "needs_attention",
      reason:
        w.length === 1
          ? w[0]!.summary
          : `${w.length} checks need attention: ${w.map((c) => c.title.toLowerCase()).join(", ")}.`,
    };
  }
  return { verdict: "ready", reason: "No problem found that needs fixing before training." };
}

export function finishChecks(t: ReadinessTally, profile: DatasetProfile): DatasetReadiness {
  const checks: ReadinessCheck[] = [
    ...duplicateChecks(t, profile),
    personalDataCheck(t),
    ...answersChecks(t, profile),
    tooFewCheck(t, profile),
    ...labelChecks(t, profile),
    ...systemPromptCheck(t),
    languageCheck(t),
  ];
  const { verdict, reason } = verdictOf(checks);
  return {
    reportVersion: 1,
    verdict,
    reason,
    checks,
    settings: t.settings,
    rows: t.rows,
    lengths: t.lengths,
    nearDuplicateRowsTracked: t.tracked,
  };
}
