const encoder = new TextEncoder();

/** A streaming response body made of these chunks, as a network would deliver them (split anywhere). */
export function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}
