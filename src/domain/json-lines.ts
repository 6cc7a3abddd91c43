// One JSON value per line of a byte stream: how the server and its password checker process talk.
export async function* jsonLines<T>(bytes: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of bytes) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      yield JSON.parse(line) as T;
    }
  }
}
