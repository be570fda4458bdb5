/**
 * Splits text from an untrusted writer into lines, holding at most `limit` characters of an
 * unfinished one: a writer that never sends a newline cannot make it grow.
 */
export class LineReader {
  #pending = "";

  constructor(private readonly limit: number) {}

  push(text: string, onLine: (line: string) => void): void {
    let rest = this.#pending + text;
    for (let end = rest.indexOf("\n"); end !== -1; end = rest.indexOf("\n")) {
      onLine(rest.slice(0, end));
      rest = rest.slice(end + 1);
    }
    // An overlong line is kept as its tail, which matches no pattern: its end reads as nonsense.
    this.#pending = rest.length > this.limit ? rest.slice(-this.limit) + "\0" : rest;
  }
}
