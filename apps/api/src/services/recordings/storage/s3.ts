import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import type { RecordingStorage } from './index';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
  /** Multipart part size (S3's minimum is 5 MiB). */
  partSize?: number;
}

/**
 * Recordings in an S3-compatible bucket (AWS S3, MinIO, ...). @tus/s3-store writes each upload
 * as a multipart upload: full parts go to S3 as they fill, a shorter tail is kept as an
 * `<id>.part` object, so everything a PATCH acknowledged is in S3 when it returns (`sync` has
 * nothing left to do). The object `<id>` exists once the upload's length is declared and
 * reached (the recorder's last PATCH), or when an ended-early recording is finalised at what
 * it holds (`finalize`); until then `size` reports the multipart upload's offset.
 */
export async function createS3Storage(options: S3StorageOptions): Promise<RecordingStorage> {
  const clientConfig: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.accessKeyId && options.secretAccessKey
      ? {
          credentials: {
            accessKeyId: options.accessKeyId,
            secretAccessKey: options.secretAccessKey,
          },
        }
      : {}),
  };
  const client = new S3Client(clientConfig);
  const tus = new S3Store({
    partSize: options.partSize ?? 8 * 1024 * 1024,
    s3ClientConfig: { ...clientConfig, bucket: options.bucket },
  });
  const objectSize = async (key: string): Promise<number | null> => {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404) return null;
      throw error;
    }
  };
  return {
    kind: 's3',
    tus,
    async sync() {},
    async size(key) {
      const complete = await objectSize(key);
      if (complete !== null) return complete;
      try {
        return (await tus.getUpload(key)).offset;
      } catch {
        return 0;
      }
    },
    async read(key, range) {
      const object = await client.send(
        new GetObjectCommand({
          Bucket: options.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return object.Body as Readable;
    },
    async finalize(key) {
      // Declare the length as what the upload holds, then an empty write: @tus/s3-store uploads
      // the tail (`<key>.part`) as the last part and completes the multipart upload.
      if ((await objectSize(key)) !== null) return;
      const upload = await tus.getUpload(key);
      if (upload.size === upload.offset) return;
      await tus.declareUploadLength(key, upload.offset);
      await tus.write(Readable.from([]), key, upload.offset);
    },
    async remove(key) {
      await tus.remove(key).catch(() => undefined);
      for (const suffix of ['', '.info', '.part']) {
        await client.send(
          new DeleteObjectCommand({ Bucket: options.bucket, Key: `${key}${suffix}` }),
        );
      }
    },
    async close() {
      client.destroy();
    },
  };
}
