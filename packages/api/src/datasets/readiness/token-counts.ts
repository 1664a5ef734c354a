/**
 * Token counts of a dataset version in a base model's tokenizer, for the readiness length check.
 *
 * Exact where it can be: when the model's tokenizer.json is readable here (a local model directory on this host,
 * or the tokenizer artifact of an earlier job in blob storage) and the version is small enough to tokenize within a
 * request (EXACT_MAX_BYTES), every row is tokenized with @huggingface/tokenizers (the same tokenizer.json the runner
 * loads; counts match the Python `tokenizers`). Otherwise an estimate: the character-length histograms stored with
 * the readiness report divided by a characters-per-token ratio — measured with the model's tokenizer on the first
 * rows when it is available, else 4 characters a token — and labelled as an estimate.
 *
 * Chat rows count their message texts; the chat template adds a few tokens per message on top.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import {
  DatasetParser,
  estimateTokenCounts,
  rowView,
  type DatasetFormat,
  type DatasetReadiness,
  type TokenCounts,
} from "@whetstone/core";
import type { BlobStorage } from "@whetstone/storage";
import { ARTIFACT_KINDS } from "@whetstone/queue";
import { openVersionFile } from "../version-file";

/** Versions up to this size are tokenized row by row (the JavaScript tokenizer does ~1–2 MB of text a second). */
export const EXACT_MAX_BYTES = 4 * 1024 * 1024;
/** Rows tokenized to measure the characters-per-token ratio of a larger version. */
const CALIBRATION_ROWS = 300;
const DEFAULT_CHARS_PER_TOKEN = 4;

export interface ModelForTokens {
  id: string;
  name: string;
  source: string;
  ref: string;
}

const tokenizers = new Map<string, Tokenizer | null>();

async function readJson(load: () => Promise<Buffer | string>): Promise<unknown> {
  return JSON.parse((await load()).toString());
}

async function readBlob(storage: BlobStorage, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await storage.get(key)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The model's tokenizer, or null when its files are not reachable from here (a Hub id, another host's disk). */
export async function loadTokenizer(storage: BlobStorage, model: ModelForTokens): Promise<Tokenizer | null> {
  if (tokenizers.has(model.id)) return tokenizers.get(model.id)!;
  let tok: Tokenizer | null = null;
  try {
    if (model.source === "local") {
      const json = await readJson(() => readFile(join(model.ref, "tokenizer.json")));
      const cfg = await readJson(() => readFile(join(model.ref, "tokenizer_config.json"))).catch(() => ({}));
      tok = new Tokenizer(json as object, cfg as object);
    } else if (model.source === "artifact") {
      const dir = `${model.ref.replace(/\/?$/, "/")}${ARTIFACT_KINDS.tokenizer.dir}/`;
      const json = await readJson(() => readBlob(storage, `${dir}tokenizer.json`));
      const cfg = await readJson(() => readBlob(storage, `${dir}tokenizer_config.json`)).catch(() => ({}));
      tok = new Tokenizer(json as object, cfg as object);
    }
  } catch {
    tok = null;
  }
  if (tokenizers.size > 16) tokenizers.clear();
  tokenizers.set(model.id, tok);
  return tok;
}

interface VersionForTokens {
  id: string;
  version?: number;
  dataset?: { name: string };
  blobKey: string;
  filename: string;
  format: string;
  rowCount: number;
  bytes: number;
  readiness: DatasetReadiness;
}

const cache = new Map<string, TokenCounts>();

/** Streams the version's rows to `each` until it returns false. */
async function eachRow(
  storage: BlobStorage,
  v: VersionForTokens,
  each: (prompt: string, answer: string) => boolean,
): Promise<void> {
  const format = v.format as DatasetFormat;
  let go = true;
  const parser = new DatasetParser({
    filename: v.filename,
    readiness: false,
    onRecord: (r) => {
      if (!go) return;
      const view = rowView(format, r);
      let prompt = "";
      let answer = "";
      let inAnswer = view.promptChars < 0;
      let chars = 0;
      for (const f of view.fields) {
        if (!inAnswer && chars >= view.promptChars && view.promptChars >= 0) inAnswer = true;
        if (inAnswer) answer += (answer ? "\n" : "") + f.text;
        else prompt += (prompt ? "\n" : "") + f.text;
        chars += f.text.length;
      }
      go = each(prompt, answer);
    },
  });
  const body = await openVersionFile(storage, v);
  try {
    for await (const chunk of body) {
      parser.push(chunk as Uint8Array);
      if (!go) break;
    }
    if (go) parser.end();
  } finally {
    body.destroy();
  }
}

/** Token counts of `v` for `model` at `maxSeqLength`: exact when possible, else an estimate (see the file's doc). */
export async function countTokens(
  storage: BlobStorage,
  v: VersionForTokens,
  model: ModelForTokens,
  maxSeqLength: number,
): Promise<TokenCounts> {
  const key = `${v.id}:${model.id}:${maxSeqLength}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const tok = await loadTokenizer(storage, model);
  let counts: TokenCounts;
  const len = (s: string) => (s ? tok!.encode(s, { add_special_tokens: false }).ids.length : 0);
  if (tok && v.bytes <= EXACT_MAX_BYTES) {
    let rows = 0;
    let truncated = 0;
    let answersCut = 0;
    let maxTokens = 0;
    await eachRow(storage, v, (prompt, answer) => {
      const p = len(prompt);
      const total = p + len(answer);
      rows++;
      if (total > maxSeqLength) truncated++;
      if (answer && p >= maxSeqLength) answersCut++;
      if (total > maxTokens) maxTokens = total;
      return true;
    });
    counts = {
      method: "exact",
      basis: `${model.name}'s tokenizer on every row`,
      charsPerToken: null,
      rows,
      truncated,
      answersCut,
      maxTokens,
      maxSeqLength,
    };
  } else if (tok) {
    let chars = 0;
    let tokens = 0;
    let seen = 0;
    await eachRow(storage, v, (prompt, answer) => {
      chars += prompt.length + answer.length;
      tokens += len(prompt) + len(answer);
      return ++seen < CALIBRATION_ROWS;
    });
    const ratio = tokens > 0 ? chars / tokens : DEFAULT_CHARS_PER_TOKEN;
    counts = estimateTokenCounts(
      v.readiness.lengths,
      v.rowCount,
      maxSeqLength,
      ratio,
      `characters per row ÷ ${ratio.toFixed(2)} characters a token (${model.name}'s tokenizer on the first ${Math.min(seen, CALIBRATION_ROWS)} rows)`,
    );
  } else {
    counts = estimateTokenCounts(
      v.readiness.lengths,
      v.rowCount,
      maxSeqLength,
      DEFAULT_CHARS_PER_TOKEN,
      `characters per row ÷ ${DEFAULT_CHARS_PER_TOKEN} (the tokenizer of ${model.name} is not readable on this server)`,
    );
  }
  if (cache.size > 200) cache.clear();
  cache.set(key, counts);
  return counts;
}
