import { createHash, randomBytes } from "node:crypto";

/** `wst_` + 40 base62 characters (~238 bits). */
export const API_KEY_PREFIX = "wst_";
const BODY_LENGTH = 40;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const API_KEY_RE = /^wst_[0-9A-Za-z]{32,}$/;
/** Characters of a key kept in clear and shown in lists. */
export const SHOWN_PREFIX_LENGTH = 8;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  let body = "";
  while (body.length < BODY_LENGTH) {
    for (const b of randomBytes(64)) {
      // 248 = 4 * 62: rejection sampling keeps every character equally likely.
      if (b < 248 && body.length < BODY_LENGTH) body += ALPHABET[b % 62];
    }
  }
  const key = API_KEY_PREFIX + body;
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");
