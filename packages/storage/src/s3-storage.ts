import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageError, type BlobInfo, type BlobStorage } from "./storage";

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
    let sourceFailed = false;
    const source = async function* () {
      try {
        yield* body as AsyncIterable<Uint8Array>;
      } catch (err) {
        sourceFailed = true;
        throw err;
      }
    };
    const stream = Readable.from(source());
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
      if (sourceFailed) throw err;
      const code = (err as { code?: string; name?: string }).code ?? (err as Error).name;
      throw new StorageError(`could not write ${key} to storage: ${(err as Error).message}`, code, { cause: err });
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

  /** Aborts multipart uploads initiated before `olderThan` (a put whose process died): their parts cost storage. */
  async removeUnfinished(olderThan: Date): Promise<string[]> {
    const removed: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.prefix ? this.full("") : undefined,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= olderThan) continue;
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
        );
        removed.push(this.strip(u.Key));
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed.sort();
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
