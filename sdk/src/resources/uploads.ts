import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { Upload } from '../types.js';

/** What `uploads.create` takes besides the bytes. */
export interface UploadCreateParams {
  /** A name for people (`app.zip`); never used as a path. */
  filename?: string;
  /** Default `application/zip`. */
  contentType?: string;
}

/** Uploads: archives to import (`projects.import({ source: { archiveUploadId } })`). */
export class Uploads {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * Uploads a ZIP (`POST /v1/uploads`) and returns it; pass its `id` to `projects.import` before
   * `expiresAt`. Over the size limit (50 MB by default) the API answers 413: an ApiError with code
   * `PAYLOAD_TOO_LARGE`.
   */
  async create(data: Uint8Array | ArrayBuffer, params: UploadCreateParams = {}, options?: RequestOptions): Promise<Upload> {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const query = params.filename ? `?filename=${encodeURIComponent(params.filename)}` : '';
    return this.#sender.postBytes<Upload>(`/v1/uploads${query}`, bytes, { 'content-type': params.contentType ?? 'application/zip' }, options);
  }
}
