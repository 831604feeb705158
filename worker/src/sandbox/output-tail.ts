/**
 * The tail of a command's combined output, in bounded memory, shared by every provider that runs
 * commands: the errors a model needs are at the end. The result, marker included, is at most `limit`
 * characters; when anything was cut it starts with `[N earlier characters dropped]`.
 */
export class OutputTail {
  private kept = '';
  private dropped = 0;

  constructor(private readonly limit: number) {}

  append(text: string): void {
    this.kept += text;
    // Trim only now and then, so appending many small chunks stays linear.
    if (this.kept.length > this.limit * 2) this.trim(this.limit);
  }

  text(): string {
    if (this.dropped === 0 && this.kept.length <= this.limit) return this.kept;
    // The marker's length depends on the count it shows: trim until both fit (the count only grows).
    for (;;) {
      if (this.kept.length > this.limit) this.trim(this.limit);
      const marker = `[${this.dropped} earlier characters dropped]\n`;
      if (marker.length + this.kept.length <= this.limit || this.kept.length === 0) return `${marker}${this.kept}`;
      this.trim(Math.max(0, this.limit - marker.length));
    }
  }

  private trim(room: number): void {
    if (this.kept.length <= room) return;
    this.dropped += this.kept.length - room;
    this.kept = this.kept.slice(this.kept.length - room);
  }
}
