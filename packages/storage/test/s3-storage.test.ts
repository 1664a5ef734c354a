import { describe, expect, it } from "vitest";
import { S3Storage } from "../src/s3-storage";

// No S3 server runs here: this checks only what happens before the first request.
describe("S3Storage.put", () => {
  it("fails (does not hang) when the source stream fails before anything is sent", { timeout: 10_000 }, async () => {
    const s3 = new S3Storage("bucket", "prefix", {
      endpoint: "http://127.0.0.1:9",
      accessKeyId: "test",
      secretAccessKey: "test",
    });
    async function* failing() {
      yield Buffer.from("some bytes");
      throw new Error("client disconnected");
    }
    await expect(s3.put("datasets/t/u/x.jsonl", failing())).rejects.toThrow("client disconnected");
  });
});
