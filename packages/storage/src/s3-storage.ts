import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobInfo, BlobStorage } from "./storage";

/** S3-compatible storage (AWS S3, MinIO…). Keys live under an optional prefix inside one bucket. */
export class S3Storage implements BlobStorage {
  private client: S3Client;
  constructor(
    readonly bucket: string,
    readonly prefix: string,
    opts: { endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string },
  ) {
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region ?? "us-east-1",
      forcePathStyle: Boolean(opts.endpoint),
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
    });
  }

  private full(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/$/, "")}/${key}` : key;
  }
  private strip(full: string): string {
    return this.prefix ? full.slice(this.prefix.replace(/\/$/, "").length + 1) : full;
  }

  async put(key: string, body: Readable | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const { Upload } = await import("@aws-sdk/lib-storage");
    const stream = body instanceof Readable ? body : Readable.from(body);
    const pass = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.full(key), Body: pass },
    });
    // pipeline (not .pipe) so that a failing source fails the upload instead of leaving it waiting forever;
    // abort() drops the parts of the multipart upload, so a failed put leaves no object.
    try {
      await Promise.all([pipeline(stream, pass), upload.done()]);
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw err;
    }
    const info = await this.stat(key);
    return info ?? { key, bytes: 0 };
  }

  async get(key: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
    return out.Body as Readable;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return { key, bytes: h.ContentLength ?? 0 };
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    const keys = key.endsWith("/") ? (await this.list(key)).map((b) => b.key) : [key];
    if (keys.length === 0) return;
    await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((k) => ({ Key: this.full(k) })) } }),
    );
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.full(prefix), ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) out.push({ key: this.strip(o.Key ?? ""), bytes: o.Size ?? 0 });
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }
}
